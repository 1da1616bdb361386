// fixture_llm_server: a deterministic stand-in for hosted LLM APIs (OpenAI
// chat completions, Anthropic messages) over plain HTTP/1.1 on 127.0.0.1,
// with fault directives for tests. See tools/fixture_*.h.
//
//   fixture_llm_server [--port N] [--latency-ms N] [--no-json-schema]
//                      [--require-key KEY] [--timeout-fault-ms N]
//                      [--exit-on-stdin-eof]
//
// Prints "PORT <n>" as its first stdout line, then serves until killed
// (SIGTERM/SIGINT) or, with --exit-on-stdin-eof, until its stdin closes.
//
// Endpoints: POST /v1/chat/completions (OpenAI), POST /v1/messages
// (Anthropic), POST /v1/embeddings (OpenAI; tools/fixture_embeddings.h),
// GET /stats -> {"requests", "chat_completions", "messages", "embeddings",
// "faults", "connections"} (requests and connections leave out /stats and
// /reset), POST /reset zeroes the counters and the fault counts. Every API
// answer leaves --latency-ms after its request arrived.
//
// Fault directives: a user message containing "!fault:KIND" or
// "!fault:KINDxN" (N defaults to 1). The first user message that contains
// "!fault:" is the fingerprint; the first N requests with that fingerprint
// get the fault, later ones are served normally. KIND: 429 (with
// retry-after: 1), 500, 503, 529, reset (TCP RST after reading the request),
// timeout (no answer for --timeout-fault-ms or until the peer closes, then a
// normal one), malformed (200, body is not JSON), truncated (200, announces
// 2000 bytes, sends 100, closes), invalid (output violates the schema),
// badjson (output text is not JSON). An unknown KIND is a 400. For
// embeddings the first input containing "!fault:" carries the directive.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>

#include "fixture_anthropic.h"
#include "fixture_embeddings.h"
#include "fixture_http.h"
#include "fixture_openai.h"
#include "fixture_state.h"

namespace fixture {
namespace {

constexpr size_t kTruncatedSentBytes = 100;
constexpr size_t kTruncatedContentLength = 2000;

void Sleep(int64_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

Reply Route(State& state, const Request& req) {
  if (req.path == "/stats") {
    if (req.method != "GET") return OpenAIError(405, "use GET /stats", "invalid_request_error");
    Reply r;
    r.response.body = state.StatsJson();
    return r;
  }
  if (req.path == "/reset") {
    if (req.method != "POST") return OpenAIError(405, "use POST /reset", "invalid_request_error");
    state.Reset();
    Reply r;
    r.response.body = "{\"ok\":true}";
    return r;
  }
  bool chat = req.path == "/v1/chat/completions";
  bool messages = req.path == "/v1/messages";
  bool embeddings = req.path == "/v1/embeddings";
  state.CountRequest(chat ? "chat" : messages ? "messages" : embeddings ? "embeddings" : "other");
  if (chat || messages || embeddings) {
    if (req.method != "POST") {
      return OpenAIError(405, "method " + req.method + " not allowed", "invalid_request_error");
    }
    if (embeddings) return HandleEmbeddings(state, req);
    return chat ? HandleChatCompletions(state, req) : HandleMessages(state, req);
  }
  return OpenAIError(404, "no route for " + req.method + " " + req.path, "invalid_request_error");
}

// Nothing throws past a handler: a JSON shape the handlers did not expect is
// the client's mistake (400); anything else is ours (500).
Reply SafeRoute(State& state, const Request& req) {
  try {
    return Route(state, req);
  } catch (const nlohmann::json::exception& e) {
    return OpenAIError(400, std::string("unexpected JSON shape: ") + e.what(),
                       "invalid_request_error");
  } catch (const std::exception& e) {
    return OpenAIError(500, std::string("fixture internal error: ") + e.what(), "server_error");
  }
}

// Closes with SO_LINGER {1, 0} so the peer sees a TCP RST.
void CloseWithReset(int fd) {
  struct linger lg = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  close(fd);
}

// Serves one connection until it closes; returns with `fd` still open unless
// a fault closed it (then returns true).
bool Serve(State* state, int fd) {
  Connection conn(fd);
  Request req;
  bool counted = false;  // connections are counted at their first API request
  while (true) {
    ReadStatus st = conn.Read(&req);
    if (st == ReadStatus::kBad) {
      WriteResponse(
          fd, OpenAIError(400, "malformed HTTP request", "invalid_request_error").response, false);
      break;
    }
    if (st == ReadStatus::kClosed) break;
    bool control = req.path == "/stats" || req.path == "/reset";
    if (!counted && !control) {
      state->CountConnection();
      counted = true;
    }
    // The answer leaves --latency-ms after the request arrived; the work of
    // building it overlaps the wait, as on a real server.
    auto due = std::chrono::steady_clock::now() +
               std::chrono::milliseconds(control ? 0 : state->options().latency_ms);
    Reply reply = SafeRoute(*state, req);
    std::this_thread::sleep_until(due);
    switch (reply.delivery) {
      case Delivery::kReset:
        CloseWithReset(fd);
        return true;
      case Delivery::kTruncated: {
        const std::string& body = reply.response.body;
        size_t length = std::max(kTruncatedContentLength, body.size() + kTruncatedSentBytes);
        std::string bytes = ResponseHead(reply.response, length, false) +
                            body.substr(0, std::min(body.size(), kTruncatedSentBytes));
        SendAll(fd, bytes);
        close(fd);
        return true;
      }
      case Delivery::kTimeout:
        if (conn.WaitForPeerClose(state->options().timeout_fault_ms)) {
          close(fd);
          return true;
        }
        break;
      case Delivery::kNormal:
        break;
    }
    if (!WriteResponse(fd, reply.response, req.keep_alive) || !req.keep_alive) break;
  }
  return false;
}

void ServeConnection(State* state, int fd) {
  bool closed = false;
  try {
    closed = Serve(state, fd);
  } catch (...) {  // out of memory, say: drop this connection, keep serving
  }
  if (!closed) close(fd);
}

bool ParseInt(const char* s, int64_t* out) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 0) return false;
  *out = v;
  return true;
}

int Usage(const char* msg) {
  std::fprintf(stderr,
               "fixture_llm_server: %s\n"
               "usage: fixture_llm_server [--port N] [--latency-ms N] [--no-json-schema]\n"
               "       [--require-key KEY] [--timeout-fault-ms N] [--exit-on-stdin-eof]\n",
               msg);
  return 2;
}

int Main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    int64_t v = 0;
    if (a == "--no-json-schema") {
      opt.json_schema = false;
    } else if (a == "--exit-on-stdin-eof") {
      opt.exit_on_stdin_eof = true;
    } else if (a == "--require-key" && has_value) {
      opt.require_key = argv[++i];
    } else if ((a == "--port" || a == "--latency-ms" || a == "--timeout-fault-ms") && has_value) {
      if (!ParseInt(argv[++i], &v)) return Usage(("bad value for " + a).c_str());
      if (a == "--port") {
        if (v > 65535) return Usage("bad value for --port");
        opt.port = static_cast<int>(v);
      } else if (a == "--latency-ms") {
        opt.latency_ms = v;
      } else {
        opt.timeout_fault_ms = v;
      }
    } else if (a == "--help" || a == "-h") {
      Usage("help");
      return 0;
    } else {
      return Usage(("unknown or incomplete argument " + a).c_str());
    }
  }
  signal(SIGPIPE, SIG_IGN);

  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return Usage("socket() failed");
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(opt.port));
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::fprintf(stderr, "fixture_llm_server: bind 127.0.0.1:%d: %s\n", opt.port,
                 std::strerror(errno));
    return 1;
  }
  if (listen(listener, 1024) != 0) return Usage("listen() failed");
  socklen_t len = sizeof(addr);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("PORT %d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  if (opt.exit_on_stdin_eof) {
    std::thread([] {
      char buf[256];
      while (true) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
        if (n == 0 || (n < 0 && errno != EINTR)) std::_Exit(0);
      }
    }).detach();
  }

  // Leaked on purpose: connection threads are detached and may outlive main's
  // stack frame until the process exits.
  auto* state = new State(opt);
  while (true) {
    int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        Sleep(10);
        continue;
      }
      std::fprintf(stderr, "fixture_llm_server: accept: %s\n", std::strerror(errno));
      return 1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    try {
      std::thread(ServeConnection, state, fd).detach();
    } catch (const std::system_error&) {
      close(fd);  // out of threads: the client sees a closed connection and retries
    }
  }
}

}  // namespace
}  // namespace fixture

int main(int argc, char** argv) { return fixture::Main(argc, argv); }
