// Helpers that compiling and validating a schema share; see schema_internal.h.
#include <string>
#include <string_view>

#include "core/schema_internal.h"

namespace centaur::schema_internal {
namespace {

constexpr size_t kMaxValueChars = 60;

}  // namespace

void AppendPointerToken(std::string_view token, std::string* out) {
  out->push_back('/');
  for (char c : token) {
    if (c == '~') {
      out->append("~0");
    } else if (c == '/') {
      out->append("~1");
    } else {
      out->push_back(c);
    }
  }
}

std::string Dump(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string Brief(const Json& v) {
  std::string s = Dump(v);
  if (s.size() <= kMaxValueChars) return s;
  size_t cut = kMaxValueChars - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  s += "...";
  if (v.is_string()) s += '"';
  return s;
}

const char* ValueTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "binary";
  }
}

const char* TypeBitName(uint8_t bit) {
  switch (bit) {
    case kNullBit:
      return "null";
    case kBooleanBit:
      return "boolean";
    case kIntegerBit:
      return "integer";
    case kNumberBit:
      return "number";
    case kStringBit:
      return "string";
    case kArrayBit:
      return "array";
    case kObjectBit:
      return "object";
  }
  return "?";
}

uint8_t TypeBitFromName(std::string_view name) {
  if (name == "null") return kNullBit;
  if (name == "boolean") return kBooleanBit;
  if (name == "integer") return kIntegerBit;
  if (name == "number") return kNumberBit;
  if (name == "string") return kStringBit;
  if (name == "array") return kArrayBit;
  if (name == "object") return kObjectBit;
  return 0;
}

}  // namespace centaur::schema_internal
