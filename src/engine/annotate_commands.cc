// Annotate: typed commands and class names matched loosely.
#include <algorithm>
#include <cctype>

#include "engine/annotate.h"

namespace centaur {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Lower case, with " " and "-" as "_", for loose comparison.
std::string Fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == ' ' || c == '-') {
      out += '_';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

AnnotateInput ParseAnnotateInput(std::string_view line) {
  std::string_view s = Trim(line);
  AnnotateInput cmd;
  if (s.empty() || s == "a") return cmd;
  if (std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    cmd.kind = AnnotateInput::kNumber;
    cmd.number = s.size() > 6 ? -1 : std::stoi(std::string(s));
    return cmd;
  }
  if (s.front() == '=') {
    cmd.kind = AnnotateInput::kName;
    cmd.text = std::string(Trim(s.substr(1)));
    return cmd;
  }
  if (s == "n" || (s.size() > 2 && s[0] == 'n' && s[1] == ' ')) {
    cmd.kind = AnnotateInput::kNote;
    cmd.text = std::string(Trim(s.substr(1)));
    return cmd;
  }
  static constexpr std::pair<std::string_view, AnnotateInput::Kind> kWords[] = {
      {"e", AnnotateInput::kEdit}, {"p", AnnotateInput::kProtocol}, {"s", AnnotateInput::kSkip},
      {"u", AnnotateInput::kUndo}, {"q", AnnotateInput::kQuit},     {"?", AnnotateInput::kHelp}};
  for (const auto& [word, kind] : kWords) {
    if (s == word) {
      cmd.kind = kind;
      return cmd;
    }
  }
  cmd.kind = AnnotateInput::kName;
  cmd.text = std::string(s);
  return cmd;
}

Result<std::string> MatchLabel(const std::vector<std::string>& labels, std::string_view query) {
  const std::string q = Fold(Trim(query));
  if (q.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "type a class name (classes: " + Join(labels) + ")");
  }
  std::vector<std::string> prefixed, contained;
  for (const std::string& label : labels) {
    const std::string l = Fold(label);
    if (l == q) return label;
    if (l.rfind(q, 0) == 0) {
      prefixed.push_back(label);
    } else if (l.find(q) != std::string::npos) {
      contained.push_back(label);
    }
  }
  const std::vector<std::string>& found = prefixed.empty() ? contained : prefixed;
  if (found.size() == 1) return found.front();
  const std::string shown(Trim(query));
  if (found.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no class matches \"" + shown + "\" (classes: " + Join(labels) + ")");
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "\"" + shown + "\" matches several classes: " + Join(found));
}

}  // namespace centaur
