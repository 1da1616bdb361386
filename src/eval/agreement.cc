// Inter-annotator agreement: Cohen's kappa, Krippendorff's alpha (nominal).
#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "eval/metrics.h"

namespace centaur {

std::optional<double> CohenKappa(const std::vector<RatingPair>& pairs) {
  if (pairs.empty()) return std::nullopt;
  std::unordered_map<std::string_view, int64_t> count_a, count_b;
  int64_t agree = 0;
  for (const RatingPair& p : pairs) {
    ++count_a[p.a];
    ++count_b[p.b];
    if (p.a == p.b) ++agree;
  }
  // Chance agreement mass: sum over labels of count_a * count_b. In 128 bits
  // so n^2 is exact for any n.
  unsigned __int128 chance = 0;
  for (const auto& [label, ca] : count_a) {
    auto it = count_b.find(label);
    if (it != count_b.end()) {
      chance += static_cast<unsigned __int128>(ca) * static_cast<unsigned __int128>(it->second);
    }
  }
  const auto n = static_cast<unsigned __int128>(pairs.size());
  const unsigned __int128 chance_disagree = n * n - chance;  // times n
  if (chance_disagree == 0) return std::nullopt;             // one label only
  const double observed_disagree = static_cast<double>(n) - static_cast<double>(agree);
  return 1.0 - observed_disagree * static_cast<double>(n) / static_cast<double>(chance_disagree);
}

std::optional<double> KrippendorffAlphaNominal(const std::vector<std::vector<std::string>>& units) {
  std::unordered_map<std::string_view, int64_t> totals;  // n_c over pairable units
  double disagree_observed = 0;                          // sum of off-diagonal coincidences
  std::vector<std::string_view> values;
  for (const std::vector<std::string>& unit : units) {
    if (unit.size() < 2) continue;  // a lone value has no one to agree with
    values.assign(unit.begin(), unit.end());
    std::sort(values.begin(), values.end());
    const auto m = static_cast<double>(values.size());
    double same_pairs = 0;  // sum_c n_uc^2
    for (size_t i = 0; i < values.size();) {
      size_t j = i;
      while (j < values.size() && values[j] == values[i]) ++j;
      const auto run = static_cast<double>(j - i);
      same_pairs += run * run;
      totals[values[i]] += static_cast<int64_t>(j - i);
      i = j;
    }
    disagree_observed += (m * m - same_pairs) / (m - 1);
  }
  double n = 0, same_total = 0;
  for (const auto& [value, count] : totals) {
    const auto c = static_cast<double>(count);
    n += c;
    same_total += c * c;
  }
  if (n < 2) return std::nullopt;
  const double disagree_expected = (n * n - same_total) / (n - 1);
  if (disagree_expected <= 0) return std::nullopt;  // only one value anywhere
  return 1.0 - disagree_observed / disagree_expected;
}

}  // namespace centaur
