// FixtureServer: starts tools/fixture_llm_server (path in CENTAUR_FIXTURE_SERVER)
// on a free port for the lifetime of the object, and kills it on destruction.
//
//   FixtureServer s({"--latency-ms", "50"});
//   ASSERT_TRUE(s.ok());
//   std::string url = s.base_url() + "/v1/chat/completions";
//   Json stats = s.Stats();  // {"requests", "chat_completions", "messages",
//                            //  "embeddings", "faults", "connections"}
//
// The server runs with --exit-on-stdin-eof, so it also dies with the test
// process. Header-only; not thread-safe (use one object from one thread).
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "llm/http_client.h"

extern char** environ;

namespace centaur {

class FixtureServer {
 public:
  static constexpr int kStartTimeoutMs = 20'000;
  static constexpr int kControlTimeoutMs = 5'000;

  explicit FixtureServer(std::vector<std::string> args = {},
                         std::string binary = CENTAUR_FIXTURE_SERVER) {
    int out[2];
    int in[2];
    if (pipe2(out, O_CLOEXEC) != 0) return;
    if (pipe2(in, O_CLOEXEC) != 0) {
      close(out[0]);
      close(out[1]);
      return;
    }
    std::vector<std::string> argv_s = {binary, "--port", "0", "--exit-on-stdin-eof"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
    if (rc != 0) return;
    pid_ = pid;
    std::string line;
    if (ReadLine(&line) && line.rfind("PORT ", 0) == 0) port_ = std::atoi(line.c_str() + 5);
  }

  ~FixtureServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (stdin_fd_ >= 0) close(stdin_fd_);
    if (stdout_fd_ >= 0) close(stdout_fd_);
  }

  FixtureServer(const FixtureServer&) = delete;
  FixtureServer& operator=(const FixtureServer&) = delete;

  // True once the server is listening.
  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  // "http://127.0.0.1:<port>", no trailing slash. OpenAI-style base URLs add "/v1".
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // GET /stats, parsed; a null Json if the server did not answer.
  Json Stats() const {
    std::string body;
    if (!Exchange("GET /stats", &body)) return Json();
    Json j = Json::parse(body, nullptr, false);
    return j.is_discarded() ? Json() : j;
  }
  // POST /reset: zeroes the counters and the fault counts.
  bool Reset() const {
    std::string body;
    return Exchange("POST /reset", &body);
  }

 private:
  bool ReadLine(std::string* line) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
    char c;
    while (std::chrono::steady_clock::now() < deadline) {
      struct pollfd p = {stdout_fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      if (read(stdout_fd_, &c, 1) != 1) return false;
      if (c == '\n') return true;
      *line += c;
    }
    return false;
  }

  // One request on a fresh connection ("Connection: close"); the body of a 200.
  bool Exchange(const std::string& method_path, std::string* body) const {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    struct timeval tv = {kControlTimeoutMs / 1000, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    std::string request = method_path +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                          "Connection: close\r\n\r\n";
    std::string response;
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
              send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                  static_cast<ssize_t>(request.size());
    char buf[4096];
    ssize_t n;
    while (ok && (n = recv(fd, buf, sizeof(buf), 0)) > 0) response.append(buf, n);
    close(fd);
    size_t head_end = response.find("\r\n\r\n");
    if (!ok || response.rfind("HTTP/1.1 200", 0) != 0 || head_end == std::string::npos) {
      return false;
    }
    *body = response.substr(head_end + 4);
    return true;
  }

  pid_t pid_ = -1;
  int port_ = 0;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
};

// The real HTTP client with retries quick enough for tests against the
// fixture server: 2 retries, 10-50 ms backoff, fixed jitter.
inline std::unique_ptr<HttpClient> FixtureHttpClient() {
  HttpOptions o;
  o.max_retries = 2;
  o.backoff_base_ms = 10;
  o.backoff_max_ms = 50;
  o.jitter_seed = 1;
  return NewCurlHttpClient(o);
}

}  // namespace centaur
