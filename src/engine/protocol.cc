#include "engine/protocol.h"

#include <algorithm>
#include <string_view>
#include <vector>

namespace centaur {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(0, end));
    text.remove_prefix(std::min(text.size(), end + 1));
  }
  return out;
}

}  // namespace

Result<std::optional<int64_t>> LatestProtocolVersion(Store* store, const std::string& task) {
  CENTAUR_ASSIGN_OR_RETURN(std::vector<ProtocolVersion> versions,
                           store->ListProtocolVersions(task));
  if (versions.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(versions.back().version);
}

Result<ProtocolVersion> GetProtocolVersion(Store* store, const std::string& task, int64_t version) {
  CENTAUR_ASSIGN_OR_RETURN(std::vector<ProtocolVersion> versions,
                           store->ListProtocolVersions(task));
  if (versions.empty()) {
    return MakeError(ErrorCode::kNotFound, "no protocol for task \"" + task +
                                               "\" yet (centaur protocol edit " + task +
                                               " writes one)");
  }
  if (version == 0) return versions.back();
  for (const ProtocolVersion& v : versions) {
    if (v.version == version) return v;
  }
  return MakeError(ErrorCode::kNotFound,
                   "task \"" + task + "\" has no protocol version " + std::to_string(version) +
                       " (latest: " + std::to_string(versions.back().version) + ")");
}

std::string AppendRule(const std::string& text, const std::string& rule) {
  std::string out = text;
  if (!out.empty() && out.back() != '\n') out += '\n';
  std::string one_line = rule;
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  return out + "- " + one_line + "\n";
}

Result<ProtocolVersion> AppendProtocolRule(Store* store, const std::string& task,
                                           const std::string& rule, const std::string& author) {
  CENTAUR_ASSIGN_OR_RETURN(std::vector<ProtocolVersion> versions,
                           store->ListProtocolVersions(task));
  const std::string before = versions.empty() ? std::string() : versions.back().text;
  return store->AddProtocolVersion(task, AppendRule(before, rule), author);
}

LineDiff DiffLines(const std::string& before, const std::string& after) {
  std::vector<std::string_view> a = Lines(before), b = Lines(after);
  // Drop the common head and tail, then an LCS over what is left.
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  const size_t n = a.size() - head - tail, m = b.size() - head - tail;
  std::vector<int64_t> prev(m + 1, 0), cur(m + 1, 0);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      cur[j] = a[head + i - 1] == b[head + j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    }
    std::swap(prev, cur);
  }
  const int64_t common = prev[m];
  return {static_cast<int64_t>(m) - common, static_cast<int64_t>(n) - common};
}

}  // namespace centaur
