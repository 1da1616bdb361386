#include "server/api.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <exception>

#include "server/requests.h"

namespace centaur::server {
namespace {

// given == secret, in time that depends only on the secret's length.
bool SameSecret(const std::string& given, const std::string& secret) {
  if (secret.empty()) return false;
  unsigned char diff = given.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < secret.size(); ++i) {
    unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(g ^ static_cast<unsigned char>(secret[i]));
  }
  return diff == 0;
}

std::string HostName(const std::string& host_header) {
  if (!host_header.empty() && host_header[0] == '[') {
    size_t end = host_header.find(']');
    return end == std::string::npos ? host_header : host_header.substr(0, end + 1);
  }
  return host_header.substr(0, host_header.find(':'));
}

bool IsLoopbackName(const std::string& host) {
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

std::string PathOf(const HttpRequest& r) {
  std::string path = "/api";
  for (const std::string& s : r.segments) path += "/" + s;
  return path;
}

}  // namespace

Api::Api(StorePool* stores, ApiOptions options) : stores_(stores), options_(std::move(options)) {
  routes_ = {
      {"GET", {"runs"}, HandleListRuns},
      {"GET", {"runs", ":run"}, HandleGetRun},
      {"GET", {"runs", ":run", "results"}, HandleListResults},
      {"GET", {"runs", ":run", "items", ":item", "trace"}, HandleTrace},
      {"GET", {"runs", ":run", "metrics"}, HandleMetrics},
      {"GET", {"compare"}, HandleCompare},
      {"GET", {"metrics", "history"}, HandleHistory},
      {"POST", {"annotations"}, HandlePostAnnotation},
      {"GET", {"protocol", ":task"}, HandleGetProtocol},
      {"POST", {"protocol", ":task", "append"}, HandleAppendProtocol},
  };
}

std::string Api::Describe(const Error& error) const {
  const std::string prefix = stores_->path() + ": ";
  if (error.message.rfind(prefix, 0) == 0) return error.message.substr(prefix.size());
  return error.message;
}

HttpResponse Api::Handle(const HttpRequest& request) {
  try {
    return Route(request);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: internal error: {}", request.method, PathOf(request), e.what());
  } catch (...) {
    spdlog::error("{} {}: internal error", request.method, PathOf(request));
  }
  return ErrorResponse(500, "internal error (see the server's log)");
}

HttpResponse Api::Route(const HttpRequest& request) {
  if (!options_.token.empty()) {
    std::string given;
    if (request.authorization.rfind("Bearer ", 0) == 0) {
      given = request.authorization.substr(7);
    } else if (auto it = request.query.find("token"); it != request.query.end()) {
      given = it->second;
    }
    if (!SameSecret(given, options_.token)) {
      return ErrorResponse(401,
                           "this server needs its token: send \"Authorization: Bearer "
                           "TOKEN\" or add ?token=TOKEN");
    }
  } else if (options_.loopback_only && !IsLoopbackName(HostName(request.host))) {
    return ErrorResponse(403,
                         "requests must be addressed to a loopback host (127.0.0.1, "
                         "localhost or [::1])");
  }
  if (request.method == "POST") {
    if (!request.origin.empty() && request.origin != "http://" + request.host) {
      return ErrorResponse(403, "cross-origin requests are refused");
    }
    if (request.content_type.rfind("application/json", 0) != 0) {
      return ErrorResponse(415, "request body must be application/json");
    }
  }
  if (request.segments.empty()) {
    return JsonResponse(Json{{"api", kApiVersion}, {"centaur", "0.1.0"}});
  }
  bool path_known = false;
  for (const RouteEntry& route : routes_) {
    if (route.pattern.size() != request.segments.size()) continue;
    std::vector<std::string> params;
    bool match = true;
    for (size_t i = 0; i < route.pattern.size() && match; ++i) {
      if (route.pattern[i][0] == ':') {
        params.push_back(request.segments[i]);
      } else {
        match = route.pattern[i] == request.segments[i];
      }
    }
    if (!match) continue;
    path_known = true;
    if (request.method != route.method) continue;
    auto lease = stores_->Acquire();
    if (!lease.ok()) {
      spdlog::error("{} {}: {}", request.method, PathOf(request), lease.error().message);
      return ErrorResponse(500, "internal error (see the server's log)");
    }
    ApiContext ctx{lease->get(), &index_, &options_, &request, std::move(params)};
    Result<ApiReply> reply = route.handler(ctx);
    if (reply.ok()) return JsonResponse(reply->body, reply->status);
    int status = HttpStatusFor(reply.error());
    if (status == 500) {
      spdlog::error("{} {}: {}", request.method, PathOf(request), reply.error().message);
      return ErrorResponse(500, "internal error (see the server's log)");
    }
    return ErrorResponse(status, Describe(reply.error()));
  }
  if (path_known) {
    return ErrorResponse(405,
                         fmt::format("{} is not allowed on {}", request.method, PathOf(request)));
  }
  return ErrorResponse(404, fmt::format("no API endpoint {}", PathOf(request)));
}

Result<RunInfo> RunParam(ApiContext& ctx, size_t index) {
  CENTAUR_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.params.at(index), "run id"));
  auto run = ctx.store->GetRun(id);
  if (!run.ok() && run.error().code == ErrorCode::kNotFound) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no run {}", id));
  }
  return run;
}

}  // namespace centaur::server
