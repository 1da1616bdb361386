#include "llm/types.h"

#include <cmath>

namespace centaur {
namespace {

// A JSON string literal, byte for byte what nlohmann's dump writes (the
// text is a cache key): invalid UTF-8 becomes U+FFFD rather than throwing.
// ASCII text, nearly every prompt, is escaped here without copying it into
// a Json first.
void AppendString(std::string* out, const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t start = out->size();
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {  // beyond ASCII: nlohmann checks and writes the UTF-8
      out->resize(start);
      *out += Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
      return;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s, run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        *out += "\\u00";
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xf]);
    }
  }
  out->append(s, run, std::string::npos);
  out->push_back('"');
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
  // {"max_tokens":..,"seed":..,"temperature":..}: keys sorted, numbers as
  // nlohmann writes them.
  out += ",\"params\":{\"max_tokens\":" + std::to_string(request.params.max_tokens);
  if (request.params.seed.has_value()) out += ",\"seed\":" + std::to_string(*request.params.seed);
  out += ",\"temperature\":" + Json(request.params.temperature).dump() + '}';
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
