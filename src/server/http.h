// The HTTP edge as plain values: what a handler sees of a request and what it
// answers. The transport (server.cc, on cpp-httplib) fills these in, so the
// API (api.h) is tested without sockets.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace centaur::server {

struct HttpRequest {
  std::string method;                        // "GET", "POST", ...
  std::vector<std::string> segments;         // path after /api/, split on '/', decoded
  std::map<std::string, std::string> query;  // decoded; the first of repeated keys
  std::string authorization;                 // the Authorization header
  std::string content_type;                  // the Content-Type header
  std::string host;                          // the Host header
  std::string origin;                        // the Origin header ("" when absent)
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// 200 with `value` as the JSON body.
HttpResponse JsonResponse(const Json& value, int status = 200);
// {"error": message} with `status`.
HttpResponse ErrorResponse(int status, const std::string& message);
// The HTTP status for an error: 400 for bad input, 404 not found, 409 taken,
// 500 for the rest (faults: the caller logs them).
int HttpStatusFor(const Error& error);

// Splits a URL path ("/a/b%2Fc") into decoded segments ({"a", "b/c"}); empty
// segments are dropped.
std::vector<std::string> SplitPath(const std::string& path);
// Decodes %XX escapes (and '+' as a space when `plus_is_space`).
std::string PercentDecode(const std::string& text, bool plus_is_space);
// Parses "a=1&b=x%20y" into a map (the first value of a repeated key wins).
std::map<std::string, std::string> ParseQuery(const std::string& query);

}  // namespace centaur::server
