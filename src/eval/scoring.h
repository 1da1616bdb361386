// Shared machinery for classification scoring: label ids, (gold, predicted)
// cells, scores from cell counts, and the bootstrap resampler. Internal to
// eval/.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "eval/random.h"

namespace centaur::eval_internal {

// Dense ids 0..size()-1 for the label set; any other string maps to size(),
// the "outside" id (also used for failed predictions). Not copyable: the map
// views the owned strings.
class LabelIndex {
 public:
  explicit LabelIndex(std::vector<std::string> labels);
  LabelIndex(const LabelIndex&) = delete;
  LabelIndex& operator=(const LabelIndex&) = delete;

  int32_t size() const { return static_cast<int32_t>(labels_.size()); }
  int32_t Find(std::string_view label) const {
    auto it = ids_.find(label);
    return it == ids_.end() ? size() : it->second;
  }
  const std::vector<std::string>& labels() const { return labels_; }

 private:
  std::vector<std::string> labels_;
  std::unordered_map<std::string_view, int32_t> ids_;
};

// `explicit_labels` without duplicates (first wins) if non-empty; otherwise
// the byte-wise sorted set of `observed`.
std::vector<std::string> ResolveLabels(const std::vector<std::string>& explicit_labels,
                                       const std::vector<std::string_view>& observed);

// A (gold, predicted) pair of label ids; id k (the label count) is outside.
// `correct` is kept apart because two different outside strings share id k.
struct Cell {
  int32_t gold = 0;
  int32_t pred = 0;
  bool correct = false;
};

inline uint64_t CellKey(int32_t gold, int32_t pred, bool correct, int32_t k) {
  const uint64_t width = static_cast<uint64_t>(k) + 1;
  return ((static_cast<uint64_t>(gold) * width + static_cast<uint64_t>(pred)) << 1) |
         (correct ? 1u : 0u);
}

struct CellTable {
  std::vector<Cell> cells;          // distinct, in key order
  std::vector<int64_t> counts;      // items per cell
  std::vector<uint32_t> item_cell;  // per input item: index into cells
};

// Groups per-item keys (from CellKey) into cells.
CellTable BuildCells(const std::vector<uint64_t>& keys, int32_t k);

// Per-class counts over the k labels.
struct ClassCounts {
  std::vector<int64_t> tp, pred, truth;
};

// Point scores with sklearn's zero-division convention (undefined -> 0).
struct Scores {
  int64_t n = 0;
  int64_t correct = 0;
  double accuracy = 0;
  double macro_precision = 0, macro_recall = 0, macro_f1 = 0;
  double micro_precision = 0, micro_recall = 0, micro_f1 = 0;
  double weighted_precision = 0, weighted_recall = 0, weighted_f1 = 0;
};

// Which classes the macro average runs over.
enum class MacroOver {
  kAllLabels,      // every label (explicit labels: sklearn's `labels=`)
  kPresentLabels,  // labels that occur as gold or prediction (sklearn's labels=None)
};

// Scores the items counted by `cell_counts` (parallel to `cells`); fills
// `counts` as a by-product. Needs k >= 1.
Scores ScoreCells(const std::vector<Cell>& cells, const int64_t* cell_counts, int32_t k,
                  MacroOver macro_over, ClassCounts& counts);

double SafeDiv(double num, double den);

// Bootstrap over n items seen through N cell tables at once (one per run;
// two for a paired comparison, so both runs see the same resampled items).
// ranks[t][r] is the cell in table t of the item at rank r; ranks are in a
// canonical order so results do not depend on input order. For each sample,
// draws n ranks with replacement and calls on_sample(hist) where hist[t][d]
// counts draws landing in cell d of table t.
template <size_t N, typename Fn>
void Bootstrap(const std::array<const std::vector<uint32_t>*, N>& ranks,
               const std::array<size_t, N>& num_cells, int samples, uint64_t seed, Fn&& on_sample) {
  const uint64_t n = ranks[0]->size();
  if (n == 0 || samples <= 0) return;
  Xoshiro256 rng(seed);
  std::array<std::vector<int64_t>, N> hist;
  std::array<const uint32_t*, N> rank_data;
  for (size_t t = 0; t < N; ++t) {
    hist[t].resize(num_cells[t]);
    rank_data[t] = ranks[t]->data();
  }
  auto count = [&](uint64_t r) {
    for (size_t t = 0; t < N; ++t) ++hist[t][rank_data[t][r]];
  };
  for (int s = 0; s < samples; ++s) {
    for (auto& h : hist) std::fill(h.begin(), h.end(), 0);
    if (n < (uint64_t{1} << 32)) {
      const auto bound = static_cast<uint32_t>(n);
      uint64_t i = 0;
      for (; i + 1 < n; i += 2) {
        uint32_t r1, r2;
        rng.Below32Pair(bound, r1, r2);
        count(r1);
        count(r2);
      }
      if (i < n) count(rng.Below(n));
    } else {
      for (uint64_t i = 0; i < n; ++i) count(rng.Below(n));
    }
    on_sample(hist);
  }
}

}  // namespace centaur::eval_internal
