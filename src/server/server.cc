#include "server/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <thread>

#include "server/api.h"
#include "server/store_pool.h"
#include "server/web_assets.h"

namespace centaur::server {
namespace {

constexpr size_t kMaxBody = 1 << 20;

const char* kSecurityHeaders[][2] = {
    // Everything the page loads comes from this server: no CDN, no fonts.
    {"Content-Security-Policy",
     "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
     "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"Cache-Control", "no-cache"},
};

void Answer(httplib::Response& res, const HttpResponse& r) {
  res.status = r.status;
  for (const auto& h : kSecurityHeaders) res.set_header(h[0], h[1]);
  res.set_header("X-Centaur-Api", std::to_string(kApiVersion));
  res.set_content(r.body, r.content_type.c_str());
}

HttpResponse Static(const std::string& path) {
  std::string name = path == "/" ? "index.html" : path.substr(1);
  HttpResponse r;
  if (auto data = WebAssetData(name); data.has_value() && name.find("..") == std::string::npos) {
    r.content_type = ContentTypeFor(name);
    r.body = std::string(*data);
    return r;
  }
  r.status = 404;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "not found\n";
  return r;
}

HttpRequest ToRequest(const httplib::Request& req) {
  HttpRequest r;
  r.method = req.method;
  const std::string& target = req.target.empty() ? req.path : req.target;
  size_t q = target.find('?');
  std::vector<std::string> segments = SplitPath(target.substr(0, q));
  if (!segments.empty()) segments.erase(segments.begin());  // "api"
  r.segments = std::move(segments);
  if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
  r.authorization = req.get_header_value("Authorization");
  r.content_type = req.get_header_value("Content-Type");
  r.host = req.get_header_value("Host");
  r.origin = req.get_header_value("Origin");
  r.body = req.body;
  return r;
}

// httplib compresses whatever the client accepts, brotli at its slowest
// quality: ~100 ms for a 44 KB page of results. On loopback nothing is
// compressed; elsewhere gzip only (a few ms). The request is httplib's own
// non-const object, handed to the pre-routing handler as const.
void LimitCompression(const httplib::Request& req, bool loopback) {
  auto& headers = const_cast<httplib::Request&>(req).headers;
  auto [begin, end] = headers.equal_range("Accept-Encoding");
  bool gzip = false;
  for (auto it = begin; it != end; ++it) gzip |= it->second.find("gzip") != std::string::npos;
  headers.erase(begin, end);
  if (gzip && !loopback) headers.emplace("Accept-Encoding", "gzip");
}

bool IsApiPath(const std::string& target) {
  return target == "/api" || target.rfind("/api/", 0) == 0 || target.rfind("/api?", 0) == 0;
}

// Stops `server` on SIGINT/SIGTERM. The signals are blocked in every thread
// (the server's workers inherit the mask) and taken by sigtimedwait here.
class SignalStopper {
 public:
  explicit SignalStopper(httplib::Server* server) {
    // Before any thread of this process is started (store checkpointers,
    // the server's workers), so that they all inherit the mask.
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this, server] {
      timespec tick{0, 200 * 1000 * 1000};
      while (!done_.load()) {
        if (sigtimedwait(&set_, nullptr, &tick) > 0) {
          signalled_.store(true);
          server->stop();
          return;
        }
      }
    });
  }
  // A signal came (perhaps before the server was listening).
  bool signalled() const { return signalled_.load(); }
  ~SignalStopper() {
    done_.store(true);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t set_, old_;
  std::atomic<bool> done_{false}, signalled_{false};
  std::thread thread_;
};

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

Status Serve(const ServeOptions& options,
             const std::function<void(const std::string& url)>& on_listening) {
  const bool loopback = IsLoopbackHost(options.host);
  if (!loopback && options.token.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("refusing to serve on {} without a token: anyone who can reach "
                                 "it could read and change the store; pass --token TOKEN or set "
                                 "CENTAUR_TOKEN",
                                 options.host));
  }
  httplib::Server svr;
  SignalStopper stopper(&svr);
  StorePool stores(options.db_path, options.stores);
  {
    // Open (and migrate) the store once before listening, so a bad path fails here.
    CENTAUR_ASSIGN_OR_RETURN(StorePool::Lease lease, stores.Acquire());
  }
  ApiOptions api_options;
  api_options.token = options.token;
  api_options.loopback_only = loopback;
  if (!options.annotator.empty()) api_options.annotator = options.annotator;
  Api api(&stores, api_options);

  std::signal(SIGPIPE, SIG_IGN);
  svr.set_payload_max_length(kMaxBody);
  // SO_REUSEADDR, not httplib's default SO_REUSEPORT, which would let a
  // second server bind a port that is in use. TCP_NODELAY (inherited by the
  // accepted sockets): httplib writes headers and body apart, and Nagle would
  // hold the body back until the client's delayed ACK, 40 ms a response.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  });
  svr.set_pre_routing_handler([loopback](const httplib::Request& req, httplib::Response&) {
    LimitCompression(req, loopback);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto handle = [&api](const httplib::Request& req, httplib::Response& res) {
    const std::string& target = req.target.empty() ? req.path : req.target;
    if (IsApiPath(target)) {
      Answer(res, api.Handle(ToRequest(req)));
    } else if (req.method == "GET") {
      Answer(res, Static(target.substr(0, target.find('?'))));
    } else {
      Answer(res, ErrorResponse(405, req.method + " is not allowed here"));
    }
  };
  svr.Get(".*", handle);
  svr.Post(".*", handle);
  svr.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
        spdlog::error("{} {}: internal error", req.method, req.path);
        Answer(res, ErrorResponse(500, "internal error (see the server's log)"));
      });

  int port = options.port;
  if (port == 0) {
    port = svr.bind_to_any_port(options.host);
  } else if (!svr.bind_to_port(options.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("cannot listen on {}:{} (in use, or not an address of this "
                                 "machine)",
                                 options.host, options.port));
  }
  std::string host = options.host.find(':') != std::string::npos && options.host[0] != '['
                         ? "[" + options.host + "]"
                         : options.host;
  on_listening(fmt::format("http://{}:{}/", host, port));
  if (stopper.signalled()) return OkStatus();
  if (!svr.listen_after_bind()) {
    return MakeError(ErrorCode::kIo, fmt::format("serving on {}:{} failed", options.host, port));
  }
  return OkStatus();
}

}  // namespace centaur::server
