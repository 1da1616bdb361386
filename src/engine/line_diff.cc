#include "engine/line_diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace centaur {
namespace {

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

struct Op {
  char kind;      // ' ', '-', '+'
  size_t old_no;  // 0-based line in old (for ' ' and '-')
  size_t new_no;  // 0-based line in new (for ' ' and '+')
};

// The edit script turning a[lo_a, hi_a) into b[lo_b, hi_b), by LCS.
void DiffMiddle(const std::vector<std::string>& a, const std::vector<std::string>& b, size_t lo_a,
                size_t hi_a, size_t lo_b, size_t hi_b, std::vector<Op>* ops) {
  const size_t n = hi_a - lo_a, m = hi_b - lo_b;
  if (static_cast<long long>(n) * static_cast<long long>(m) > kMaxDiffCells) {
    for (size_t i = lo_a; i < hi_a; ++i) ops->push_back({'-', i, lo_b});
    for (size_t j = lo_b; j < hi_b; ++j) ops->push_back({'+', hi_a, j});
    return;
  }
  // lcs[i][j]: LCS length of a[lo_a+i..hi_a) and b[lo_b+j..hi_b).
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      at(i, j) =
          a[lo_a + i] == b[lo_b + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[lo_a + i] == b[lo_b + j]) {
      ops->push_back({' ', lo_a + i, lo_b + j});
      ++i;
      ++j;
    } else if (j < m && (i == n || at(i, j + 1) > at(i + 1, j))) {
      ops->push_back({'+', lo_a + i, lo_b + j});
      ++j;
    } else {
      ops->push_back({'-', lo_a + i, lo_b + j});
      ++i;
    }
  }
}

// diff -u's range: "start,count" with start 1-based, or the line before an
// empty range; ",count" left out when it is 1.
std::string Range(size_t start, size_t count) {
  if (count == 1) return std::to_string(start + 1);
  return fmt::format("{},{}", count == 0 ? start : start + 1, count);
}

}  // namespace

std::string UnifiedDiff(const std::string& old_text, const std::string& new_text,
                        const std::string& old_label, const std::string& new_label, int context) {
  const std::vector<std::string> a = SplitLines(old_text), b = SplitLines(new_text);
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  if (prefix == a.size() && prefix == b.size()) return "";
  std::vector<Op> ops;
  for (size_t i = 0; i < prefix; ++i) ops.push_back({' ', i, i});
  DiffMiddle(a, b, prefix, a.size() - suffix, prefix, b.size() - suffix, &ops);
  for (size_t k = suffix; k > 0; --k) ops.push_back({' ', a.size() - k, b.size() - k});

  const size_t ctx = static_cast<size_t>(std::max(context, 0));
  std::string out = "--- " + old_label + "\n+++ " + new_label + "\n";
  size_t k = 0;
  while (k < ops.size()) {
    // The next change, and the hunk around it: changes closer than 2*ctx
    // equal lines join the same hunk.
    while (k < ops.size() && ops[k].kind == ' ') ++k;
    if (k == ops.size()) break;
    size_t begin = k >= ctx ? k - ctx : 0;
    size_t end = k;
    while (true) {
      while (end < ops.size() && ops[end].kind != ' ') ++end;
      size_t equal = end;
      while (equal < ops.size() && ops[equal].kind == ' ') ++equal;
      if (equal < ops.size() && equal - end <= 2 * ctx) {
        end = equal;
        continue;
      }
      end = std::min(end + ctx, ops.size());
      break;
    }
    size_t old_start = 0, old_count = 0, new_start = 0, new_count = 0;
    bool first_old = true, first_new = true;
    for (size_t x = begin; x < end; ++x) {
      if (ops[x].kind != '+') {
        if (first_old) old_start = ops[x].old_no;
        first_old = false;
        ++old_count;
      }
      if (ops[x].kind != '-') {
        if (first_new) new_start = ops[x].new_no;
        first_new = false;
        ++new_count;
      }
    }
    if (first_old) old_start = ops[begin].old_no;
    if (first_new) new_start = ops[begin].new_no;
    out += "@@ -" + Range(old_start, old_count) + " +" + Range(new_start, new_count) + " @@\n";
    for (size_t x = begin; x < end; ++x) {
      const std::string& line = ops[x].kind == '+' ? b[ops[x].new_no] : a[ops[x].old_no];
      out += ops[x].kind;
      out += line;
      out += '\n';
    }
    k = end;
  }
  return out;
}

}  // namespace centaur
