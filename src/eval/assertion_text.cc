#include "eval/assertion_text.h"

#include <fmt/format.h>

#include <cctype>

#include "prompt/yaml_value.h"

namespace centaur::eval_internal {

using prompt_internal::DumpCompact;

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

size_t WordCount(std::string_view text) {
  size_t words = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    bool space = std::isspace(c) != 0;
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::string Show(const Json& value) {
  std::string text = DumpCompact(value);
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == kShownChars) return text.substr(0, i) + "...";
  }
  return text;
}

std::string ShowList(const Json& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) out += (i == 0 ? "" : ", ") + Show(list[i]);
  return out + "]";
}

std::string Trim(double x, int decimals) {
  std::string s = fmt::format("{:.{}f}", x, decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

std::string TextOf(const Json& value) {
  return value.is_string() ? value.get<std::string>() : DumpCompact(value);
}

std::string OneLine(std::string text) {
  for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at)) {
    text.replace(at, 1, "; ");
  }
  return text;
}

}  // namespace centaur::eval_internal
