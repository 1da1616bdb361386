// The API's requests as typed structs, parsed at the edge from query strings
// and JSON bodies. Parsing never throws; a malformed request is an Error of
// kind kInvalidArgument whose message names the offending field.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/json.h"
#include "core/result.h"
#include "store/store.h"

namespace centaur::server {

using Query = std::map<std::string, std::string>;

// GET /api/runs/{id}/results
struct ResultsRequest {
  static constexpr int64_t kDefaultLimit = 100;
  static constexpr int64_t kMaxLimit = 1000;
  int64_t offset = 0;
  int64_t limit = kDefaultLimit;
  ResultFilter filter;  // filter=, q=, gold=, pred=
};
Result<ResultsRequest> ParseResultsRequest(const Query& query);

// POST /api/annotations
struct AnnotationRequest {
  int64_t run_id = 0;
  std::string item_id;            // required except for "undo"
  std::string action;             // label, accept, note, skip, undo
  std::optional<Json> label;      // "label" only
  std::string note;               // "note" (required), any other action (optional)
  std::string annotator;          // "" -> the server's default
  std::optional<int64_t> undoes;  // "undo": which one; absent -> the annotator's last
};
Result<AnnotationRequest> ParseAnnotationRequest(const std::string& body);

// POST /api/protocol/{task}/append
struct ProtocolAppendRequest {
  std::string rule;    // appended to the current text as a new line
  std::string author;  // "" -> the server's default
};
Result<ProtocolAppendRequest> ParseProtocolAppendRequest(const std::string& body);

// A decimal id from a path segment or query value; `what` names it in the error.
Result<int64_t> ParseId(const std::string& text, const std::string& what);

// The body as a JSON object, or "request body is not valid JSON" /
// "request body must be a JSON object".
Result<Json> ParseJsonObject(const std::string& body);

}  // namespace centaur::server
