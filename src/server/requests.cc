#include "server/requests.h"

#include <fmt/format.h>

#include <charconv>

namespace centaur::server {
namespace {

Error Bad(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

Result<int64_t> ParseInt(const std::string& text, const std::string& what, int64_t min,
                         int64_t max) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return Bad(
        fmt::format("{} must be an integer from {} to {}, not \"{}\"", what, min, max, text));
  }
  return v;
}

// A string member: absent -> "", present and not a string -> error.
Result<std::string> StringField(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Bad(fmt::format("\"{}\" must be a string", key));
  return it->get<std::string>();
}

Result<std::optional<int64_t>> IdField(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer() || it->get<int64_t>() <= 0) {
    return Bad(fmt::format("\"{}\" must be a positive integer", key));
  }
  return std::optional<int64_t>(it->get<int64_t>());
}

}  // namespace

Result<int64_t> ParseId(const std::string& text, const std::string& what) {
  return ParseInt(text, what, 1, INT64_MAX);
}

Result<Json> ParseJsonObject(const std::string& body) {
  Json v = Json::parse(body, nullptr, false);
  if (v.is_discarded()) return Bad("request body is not valid JSON");
  if (!v.is_object()) return Bad("request body must be a JSON object");
  return v;
}

Result<ResultsRequest> ParseResultsRequest(const Query& query) {
  ResultsRequest r;
  for (const auto& [key, value] : query) {
    if (key == "offset") {
      CENTAUR_ASSIGN_OR_RETURN(r.offset, ParseInt(value, "offset", 0, INT32_MAX));
    } else if (key == "limit") {
      CENTAUR_ASSIGN_OR_RETURN(r.limit, ParseInt(value, "limit", 1, ResultsRequest::kMaxLimit));
    } else if (key == "filter") {
      if (value != "" && value != "all") r.filter.kind = value;
    } else if (key == "q") {
      r.filter.text = value;
    } else if (key == "gold") {
      r.filter.gold = value;
    } else if (key == "pred") {
      r.filter.predicted = value;
    } else if (key != "token") {
      return Bad(
          fmt::format("unknown parameter \"{}\" (expected offset, limit, filter, q, gold "
                      "or pred)",
                      key));
    }
  }
  return r;
}

Result<AnnotationRequest> ParseAnnotationRequest(const std::string& body) {
  CENTAUR_ASSIGN_OR_RETURN(Json obj, ParseJsonObject(body));
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    static const char* kKnown[] = {"run_id", "item_id",   "action", "label",
                                   "note",   "annotator", "undoes"};
    bool known = false;
    for (const char* k : kKnown) known = known || it.key() == k;
    if (!known) return Bad(fmt::format("unknown field \"{}\" in the annotation", it.key()));
  }
  AnnotationRequest r;
  CENTAUR_ASSIGN_OR_RETURN(std::optional<int64_t> run_id, IdField(obj, "run_id"));
  if (!run_id) return Bad("\"run_id\" is required");
  r.run_id = *run_id;
  CENTAUR_ASSIGN_OR_RETURN(r.action, StringField(obj, "action"));
  if (r.action != "label" && r.action != "accept" && r.action != "note" && r.action != "skip" &&
      r.action != "undo") {
    return Bad("\"action\" must be one of label, accept, note, skip, undo");
  }
  CENTAUR_ASSIGN_OR_RETURN(r.item_id, StringField(obj, "item_id"));
  if (r.item_id.empty() && r.action != "undo") return Bad("\"item_id\" is required");
  CENTAUR_ASSIGN_OR_RETURN(r.note, StringField(obj, "note"));
  CENTAUR_ASSIGN_OR_RETURN(r.annotator, StringField(obj, "annotator"));
  CENTAUR_ASSIGN_OR_RETURN(r.undoes, IdField(obj, "undoes"));
  if (auto it = obj.find("label"); it != obj.end() && !it->is_null()) r.label = *it;
  if (r.action == "label" && !r.label) return Bad("a \"label\" action needs a \"label\"");
  if (r.action != "label" && r.label) {
    return Bad(fmt::format("a \"{}\" action takes no \"label\"", r.action));
  }
  if (r.action == "note" && r.note.empty()) return Bad("a \"note\" action needs a \"note\"");
  if (r.action != "undo" && r.undoes) {
    return Bad(fmt::format("a \"{}\" action takes no \"undoes\"", r.action));
  }
  return r;
}

Result<ProtocolAppendRequest> ParseProtocolAppendRequest(const std::string& body) {
  CENTAUR_ASSIGN_OR_RETURN(Json obj, ParseJsonObject(body));
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it.key() != "rule" && it.key() != "author") {
      return Bad(fmt::format("unknown field \"{}\" (expected rule, author)", it.key()));
    }
  }
  ProtocolAppendRequest r;
  CENTAUR_ASSIGN_OR_RETURN(r.rule, StringField(obj, "rule"));
  CENTAUR_ASSIGN_OR_RETURN(r.author, StringField(obj, "author"));
  bool blank = r.rule.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) return Bad("\"rule\" must not be empty");
  return r;
}

}  // namespace centaur::server
