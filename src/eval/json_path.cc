#include "eval/json_path.h"

#include <cctype>

namespace centaur {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Error PathError(std::string_view text, std::string_view what, size_t offset) {
  return MakeError(ErrorCode::kInvalidArgument, "path \"" + std::string(text) +
                                                    "\": " + std::string(what) + " at column " +
                                                    std::to_string(offset + 1));
}

}  // namespace

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  JsonPath path;
  path.text_ = std::string(text);
  if (text.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "path must not be empty");
  }
  if (text[0] == '/') {  // JSON pointer
    size_t at = 1;
    while (true) {
      size_t end = text.find('/', at);
      if (end == std::string_view::npos) end = text.size();
      Step step;
      for (size_t i = at; i < end; ++i) {
        if (text[i] != '~') {
          step.key.push_back(text[i]);
        } else if (i + 1 < end && (text[i + 1] == '0' || text[i + 1] == '1')) {
          step.key.push_back(text[++i] == '0' ? '~' : '/');
        } else {
          return PathError(text, "\"~\" must be followed by 0 or 1", i);
        }
      }
      path.steps_.push_back(std::move(step));
      if (end == text.size()) break;
      at = end + 1;
    }
    return path;
  }
  size_t i = 0;
  if (text.starts_with("$.")) {
    i = 2;
  } else if (text == "$") {
    return path;  // the whole value
  }
  bool expect_name = true;  // at the start or after '.'
  while (i < text.size()) {
    char c = text[i];
    if (c == '[') {
      if (expect_name && i > 0 && text[i - 1] == '.') return PathError(text, "empty field name", i);
      size_t close = text.find(']', i);
      if (close == std::string_view::npos) return PathError(text, "\"[\" is not closed", i);
      std::string_view index = text.substr(i + 1, close - i - 1);
      if (!AllDigits(index)) return PathError(text, "an index must be digits, like [0]", i + 1);
      path.steps_.push_back({std::string(index), true});
      i = close + 1;
      expect_name = false;
      if (i < text.size() && text[i] != '.' && text[i] != '[') {
        return PathError(text, "expected \".\" or \"[\" after \"]\"", i);
      }
      if (i < text.size() && text[i] == '.') {
        ++i;
        expect_name = true;
        if (i == text.size()) return PathError(text, "empty field name", i);
      }
      continue;
    }
    size_t end = i;
    while (end < text.size() && text[end] != '.' && text[end] != '[') {
      if (text[end] == ']') return PathError(text, "\"]\" without \"[\"", end);
      ++end;
    }
    if (end == i) return PathError(text, "empty field name", i);
    path.steps_.push_back({std::string(text.substr(i, end - i)), false});
    i = end;
    expect_name = false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      expect_name = true;
      if (i == text.size()) return PathError(text, "empty field name", i);
    }
  }
  return path;
}

const Json* JsonPath::Select(const Json& root) const {
  const Json* node = &root;
  for (const Step& step : steps_) {
    if (node->is_array()) {
      if (!AllDigits(step.key) || step.key.size() > 9) return nullptr;
      size_t index = std::stoul(step.key);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else if (node->is_object() && !step.index_only) {
      auto it = node->find(step.key);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else {
      return nullptr;
    }
  }
  return node;
}

}  // namespace centaur
