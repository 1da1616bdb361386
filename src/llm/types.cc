#include "llm/types.h"

#include <cmath>

namespace centaur {
namespace {

// A JSON string literal; invalid UTF-8 becomes U+FFFD rather than throwing.
void AppendString(std::string* out, const std::string& s) {
  *out += Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

// Written by hand, keys in sorted order, so that the same request always
// gives the same bytes without building a Json tree per call (this runs
// once per item, cache hits included).
std::string ChatRequestText(const ChatRequest& request) {
  std::string out = "{\"messages\":[";
  bool first = true;
  for (const ChatMessage& m : request.messages) {
    out += first ? "{\"content\":" : ",{\"content\":";
    first = false;
    AppendString(&out, m.content);
    out += ",\"role\":";
    AppendString(&out, m.role);
    out += '}';
  }
  out += "],\"model\":";
  AppendString(&out, request.model);
  Json params = {{"temperature", request.params.temperature},
                 {"max_tokens", request.params.max_tokens}};
  if (request.params.seed.has_value()) params["seed"] = *request.params.seed;
  out += ",\"params\":" + params.dump();
  out += ",\"sample_index\":" + std::to_string(request.sample_index);
  if (request.schema) out += ",\"schema\":" + request.schema->text;
  out += ",\"schema_name\":";
  AppendString(&out, request.schema_name);
  if (!request.chat_template.empty()) {
    out += ",\"chat_template\":";
    AppendString(&out, request.chat_template);
  }
  out += '}';
  return out;
}

bool L2Normalize(std::vector<float>* v) {
  double sum = 0;
  for (float x : *v) sum += static_cast<double>(x) * x;
  const double norm = std::sqrt(sum);
  if (!(norm > 0) || !std::isfinite(norm)) return false;
  for (float& x : *v) x = static_cast<float>(x / norm);
  return true;
}

}  // namespace centaur
