// Minimal HTTP/1.1 over raw POSIX sockets for the fixture LLM server: read
// one request (Content-Length bodies only), write one response. Written by
// hand so that faults (resets, truncated bodies, stalls) can be produced byte
// by byte. Blocking I/O; one connection per thread.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace fixture {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kMaxBodyBytes = 64 * 1024 * 1024;

struct Request {
  std::string method;
  std::string path;                            // without the query string
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool keep_alive = true;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

enum class ReadStatus { kOk, kClosed, kBad };

inline std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

inline bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

inline bool SendAll(int fd, const std::string& s) { return SendAll(fd, s.data(), s.size()); }

// Reads requests from one connection. `pending_` keeps bytes that arrived
// after the previous request (pipelining, or the next request's start).
class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}

  int fd() const { return fd_; }

  ReadStatus Read(Request* req) {
    size_t header_end;
    while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (pending_.size() > kMaxHeaderBytes) return ReadStatus::kBad;
      if (!Fill()) return pending_.empty() ? ReadStatus::kClosed : ReadStatus::kBad;
    }
    if (!ParseHead(pending_.substr(0, header_end), req)) return ReadStatus::kBad;
    pending_.erase(0, header_end + 4);
    size_t length = 0;
    std::string cl = req->Header("content-length");
    if (!cl.empty()) {
      char* end = nullptr;
      unsigned long long v = std::strtoull(cl.c_str(), &end, 10);
      if (*end != '\0' || v > kMaxBodyBytes) return ReadStatus::kBad;
      length = static_cast<size_t>(v);
    } else if (!req->Header("transfer-encoding").empty()) {
      return ReadStatus::kBad;  // chunked request bodies are not supported
    }
    if (Lower(req->Header("expect")) == "100-continue" && pending_.size() < length) {
      if (!SendAll(fd_, "HTTP/1.1 100 Continue\r\n\r\n")) return ReadStatus::kClosed;
    }
    while (pending_.size() < length) {
      if (!Fill()) return ReadStatus::kBad;
    }
    req->body = pending_.substr(0, length);
    pending_.erase(0, length);
    return ReadStatus::kOk;
  }

  // Waits up to `ms` for the peer to close. Returns true if it did.
  bool WaitForPeerClose(int64_t ms) {
    int64_t left = ms;
    while (left > 0) {
      struct pollfd p = {fd_, POLLIN | POLLRDHUP, 0};
      int step = static_cast<int>(std::min<int64_t>(left, 100));
      int r = poll(&p, 1, step);
      left -= step;
      if (r < 0 && errno != EINTR) return true;
      if (r > 0) {
        if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
        char c;
        ssize_t n = recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0) return true;
        if (n > 0) {
          // Early bytes of a next request: keep them, keep waiting.
          if (!Fill()) return true;
        }
      }
    }
    return false;
  }

 private:
  bool Fill() {
    char buf[16 * 1024];
    while (true) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      pending_.append(buf, static_cast<size_t>(n));
      return true;
    }
  }

  static bool ParseHead(const std::string& head, Request* req) {
    size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    size_t sp1 = first.find(' ');
    size_t sp2 = first.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) return false;
    req->method = first.substr(0, sp1);
    std::string target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    req->path = target.substr(0, target.find('?'));
    std::string version = first.substr(sp2 + 1);
    req->headers.clear();
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string line = head.substr(pos, end - pos);
      pos = end + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) return false;
      req->headers[Lower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
    }
    std::string conn = Lower(req->Header("connection"));
    req->keep_alive = version == "HTTP/1.0" ? conn == "keep-alive" : conn != "close";
    return true;
  }

  int fd_;
  std::string pending_;
};

inline const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 529:
      return "Overloaded";
    default:
      return "Status";
  }
}

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The status line and headers, with Content-Length `content_length`.
inline std::string ResponseHead(const Response& r, size_t content_length, bool keep_alive) {
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + Reason(r.status) + "\r\n";
  bool has_type = false;
  for (const auto& [name, value] : r.headers) {
    head += name + ": " + value + "\r\n";
    if (Lower(name) == "content-type") has_type = true;
  }
  if (!has_type) head += "Content-Type: application/json\r\n";
  head += "Content-Length: " + std::to_string(content_length) + "\r\n";
  head += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  return head + "\r\n";
}

inline bool WriteResponse(int fd, const Response& r, bool keep_alive) {
  return SendAll(fd, ResponseHead(r, r.body.size(), keep_alive) + r.body);
}

}  // namespace fixture
