// Classification metrics, confidence intervals, paired run comparison and
// inter-annotator agreement. Pure functions over vectors: no I/O, no store,
// no global state; safe to call from any thread. Nothing here throws (beyond
// std::bad_alloc) and nothing returns NaN: a value that is undefined for the
// input is std::nullopt.
//
// Point metrics agree with scikit-learn 1.2 (accuracy_score,
// precision_recall_fscore_support, f1_score, confusion_matrix,
// cohen_kappa_score, all with default zero_division) to 1e-9, and the McNemar
// test with statsmodels' mcnemar. tests/eval/gen_golden.py is the oracle.
//
// Randomness (bootstrap) comes from xoshiro256** seeded by splitmix64 and
// integer-only sampling, so a seed gives the same intervals and p-values on
// every platform and standard library. Results do not depend on input order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace centaur {

inline constexpr int kDefaultBootstrapSamples = 1000;
inline constexpr uint64_t kDefaultSeed = 20240601;
inline constexpr double kDefaultConfidence = 0.95;

// One scored item. A failed item (no valid output) counts as wrong whatever
// `predicted` says: it is a false negative for its gold class and a false
// positive for no class, like an abstention.
struct Prediction {
  std::string gold;
  std::string predicted;
  bool failed = false;
};

struct MetricsOptions {
  // The classes, in report order. Empty: the sorted (byte-wise) union of gold
  // labels and the predictions of non-failed items, and macro averages run
  // over the classes that occur in what is scored (sklearn's labels=None;
  // this matters in bootstrap resamples and for each run of a pair). Given:
  // exactly these (duplicates dropped), like sklearn's `labels=`: macro
  // averages include absent classes as 0; items whose gold or prediction lies
  // outside still count in n and accuracy, and in the precision/recall of the
  // classes they touch, but get no row or column.
  std::vector<std::string> labels;
  // Bootstrap resamples for the F1 intervals and paired p-values. <= 0: none
  // (those fields are nullopt). Cost is O(samples * n).
  int bootstrap_samples = kDefaultBootstrapSamples;
  uint64_t seed = kDefaultSeed;
  // Two-sided confidence level in (0, 1); anything else (NaN included) leaves
  // every interval nullopt.
  double confidence = kDefaultConfidence;
};

struct Interval {
  double lower = 0;
  double upper = 0;
};

// Per-class scores with sklearn's zero_division=0 convention: precision is 0
// when the class was never predicted, recall 0 when it has no gold items, F1
// 0 when both are 0. `predicted` and `support` tell those cases apart.
struct ClassMetrics {
  std::string label;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int64_t support = 0;    // items with this gold label (failed ones included)
  int64_t predicted = 0;  // non-failed items predicted as this label
  int64_t failed = 0;     // failed items with this gold label (not in the matrix)
};

struct ClassificationMetrics {
  int64_t n = 0;
  int64_t correct = 0;
  int64_t failed = 0;
  // Only with explicit labels: items whose gold, or non-failed prediction,
  // is not one of them.
  int64_t gold_outside_labels = 0;
  int64_t predicted_outside_labels = 0;

  std::vector<std::string> labels;
  std::vector<ClassMetrics> per_class;  // one per label, same order
  // confusion[i][j]: items with gold labels[i] predicted labels[j]. Failed
  // items appear in no cell (see ClassMetrics::failed). Dense: k^2 counts,
  // so 5000 labels cost 200 MB.
  std::vector<std::vector<int64_t>> confusion;

  // nullopt when n == 0 or there are no labels; otherwise defined (sklearn's
  // zero-division convention gives 0, e.g. weighted averages when no item's
  // gold is among explicit labels).
  std::optional<double> accuracy;
  std::optional<double> macro_precision, macro_recall, macro_f1;
  std::optional<double> micro_precision, micro_recall, micro_f1;
  std::optional<double> weighted_precision, weighted_recall, weighted_f1;

  // Wilson score interval for accuracy (no bootstrap needed).
  std::optional<Interval> accuracy_ci;
  // Percentile bootstrap over items: resample n items with replacement,
  // rescore on the same label set, take the (1-c)/2 and (1+c)/2 quantiles
  // with linear interpolation (numpy's default). nullopt when n == 0, there
  // are no samples, or the confidence is invalid.
  std::optional<Interval> macro_f1_ci, micro_f1_ci, weighted_f1_ci;
};

// Scores `predictions`. O(n log n + samples * n): 100k items x 77 classes x
// 1000 samples take ~0.12 s of one core (bench/metrics_bench.cc).
ClassificationMetrics ComputeClassification(const std::vector<Prediction>& predictions,
                                            const MetricsOptions& options = {});

// Wilson score interval for successes/n; nullopt when n <= 0, successes is
// outside [0, n], or confidence is not in (0, 1).
std::optional<Interval> WilsonInterval(int64_t successes, int64_t n,
                                       double confidence = kDefaultConfidence);

// One item scored by two runs (A is the baseline, B the candidate).
struct PairedItem {
  std::string item_id;
  std::string gold;
  std::string pred_a;
  std::string pred_b;
  bool failed_a = false;
  bool failed_b = false;
};

enum class McNemarMethod {
  kExactBinomial,       // b + c < kMcNemarExactBelow: two-sided exact binomial test
  kChiSquareCorrected,  // otherwise: chi-square, 1 df, with continuity correction
};
inline constexpr int64_t kMcNemarExactBelow = 25;

struct McNemarResult {
  int64_t b = 0;  // A right, B wrong
  int64_t c = 0;  // A wrong, B right
  McNemarMethod method = McNemarMethod::kExactBinomial;
  // Exact: min(b, c), p = min(1, 2 * BinomCdf(min(b, c); b + c, 1/2)).
  // Chi-square: (|b - c| - 1)^2 / (b + c), p = P(chi2_1 >= statistic). Like
  // statsmodels, |b - c| - 1 is not clamped at 0.
  double statistic = 0;
  double p_value = 1;
};

// McNemar's test on the discordant counts (negative counts read as 0);
// b = c = 0 gives p = 1.
McNemarResult McNemarTest(int64_t b, int64_t c);

struct RunScores {
  std::optional<double> accuracy, macro_f1, micro_f1, weighted_f1;
};

struct Delta {
  double delta = 0;  // B minus A
  // Percentile paired-bootstrap interval of the delta.
  std::optional<Interval> ci;
  // Two-sided. Accuracy: McNemar. F1s: paired bootstrap, centred:
  // (1 + #{|d* - d| >= |d|}) / (samples + 1), d* the resampled delta, so
  // d = 0 gives 1 and the smallest value is 1 / (samples + 1).
  std::optional<double> p_value;
};

struct PairedComparison {
  int64_t n = 0;
  // options.labels, or the sorted union of gold and both runs' non-failed
  // predictions.
  std::vector<std::string> labels;
  // Equal to ComputeClassification on each run alone with the same options.
  RunScores a, b;
  // nullopt when n == 0.
  std::optional<Delta> accuracy, macro_f1, micro_f1, weighted_f1;
  McNemarResult mcnemar;
  // Item ids, in input order: right in A and wrong in B, and the reverse.
  std::vector<std::string> flipped_to_wrong;
  std::vector<std::string> flipped_to_right;
};

// Compares two runs over the same items, already paired by the caller (item
// ids are only echoed in the flip lists, not checked for uniqueness).
// Both runs are scored on the same resamples. O(n log n + samples * n): two
// 100k-item runs with 1000 samples take ~0.22 s of one core.
PairedComparison ComparePaired(const std::vector<PairedItem>& items,
                               const MetricsOptions& options = {});

// Two annotators' labels for one item.
struct RatingPair {
  std::string a;
  std::string b;
};

// Cohen's kappa (nominal, unweighted), as sklearn's cohen_kappa_score:
// 1 - observed disagreement / chance disagreement, chance from each
// annotator's own label frequencies. nullopt when empty or when only one label
// occurs at all (chance disagreement 0; sklearn gives NaN).
std::optional<double> CohenKappa(const std::vector<RatingPair>& pairs);

// Krippendorff's alpha for nominal data, any number of coders, missing values
// allowed. units[u] holds the values the coders gave unit u; a missing rating
// is just left out (coder identity does not matter for nominal alpha). With
// m_u values in unit u, n_uc of them equal to c, and only units with m_u >= 2
// counted ("pairable"):
//   n_c = sum_u n_uc,  n = sum_c n_c,
//   D_o = sum_u (m_u^2 - sum_c n_uc^2) / (m_u - 1)   (coincidences off the diagonal)
//   D_e = (n^2 - sum_c n_c^2) / (n - 1)
//   alpha = 1 - D_o / D_e.
// nullopt when fewer than 2 pairable values or only one value occurs (D_e = 0).
std::optional<double> KrippendorffAlphaNominal(const std::vector<std::vector<std::string>>& units);

}  // namespace centaur
