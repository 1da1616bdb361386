// The JSON API under /api/ (README.md, "Web UI and API"): routing, the token
// check, and the error discipline. Bad requests get 400 {"error": ...},
// unknown ids 404, faults 500 and a log line; nothing a client sends can
// crash the server (Handle catches everything).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "server/http.h"
#include "server/result_index.h"
#include "server/store_pool.h"

namespace centaur::server {

inline constexpr int kApiVersion = 1;

struct ApiOptions {
  // Required on every call when not empty: "Authorization: Bearer TOKEN" or
  // "?token=TOKEN".
  std::string token;
  // Without a token the server listens on loopback only; then the Host
  // header must name a loopback host too (defeats DNS rebinding).
  bool loopback_only = true;
  std::string annotator = "annotator";  // for annotations that name none
};

// What a route handler gets.
struct ApiContext {
  Store* store;
  ResultIndex* index;
  const ApiOptions* options;
  const HttpRequest* request;
  std::vector<std::string> params;  // the path's ":name" parts, in order
};

// A handler's answer: a JSON body, 200 unless `status` says otherwise.
struct ApiReply {
  Json body;
  int status = 200;
};
using ApiHandler = Result<ApiReply> (*)(ApiContext& ctx);

class Api {
 public:
  Api(StorePool* stores, ApiOptions options);
  // Answers a request for /api/<segments>. Never throws.
  HttpResponse Handle(const HttpRequest& request);

 private:
  HttpResponse Route(const HttpRequest& request);
  // The client-facing text of an error: without the database path prefix.
  std::string Describe(const Error& error) const;

  struct RouteEntry {
    const char* method;
    std::vector<std::string> pattern;  // literal segments and ":name" placeholders
    ApiHandler handler;
  };
  StorePool* stores_;
  ApiOptions options_;
  ResultIndex index_;
  std::vector<RouteEntry> routes_;
};

// Route handlers (api_runs.cc, api_annotate.cc, api_measure.cc).
Result<ApiReply> HandleListRuns(ApiContext& ctx);
Result<ApiReply> HandleGetRun(ApiContext& ctx);
Result<ApiReply> HandleListResults(ApiContext& ctx);
Result<ApiReply> HandleTrace(ApiContext& ctx);
Result<ApiReply> HandlePostAnnotation(ApiContext& ctx);
Result<ApiReply> HandleGetProtocol(ApiContext& ctx);
Result<ApiReply> HandleAppendProtocol(ApiContext& ctx);
Result<ApiReply> HandleMetrics(ApiContext& ctx);
Result<ApiReply> HandleCompare(ApiContext& ctx);
Result<ApiReply> HandleHistory(ApiContext& ctx);

// Shared by the handlers: the run named by a path parameter (400 when it is
// not an id, 404 "no run N" when unknown).
Result<RunInfo> RunParam(ApiContext& ctx, size_t index);

}  // namespace centaur::server
