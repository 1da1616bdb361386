// `centaur metrics` / `centaur compare` arithmetic at the sizes the CLI must
// handle in about a second: 100k predictions over 77 classes (BANKING77-like)
// with 1000 bootstrap resamples. Budget: ComputeClassification well under 1 s,
// ComparePaired well under 2 s, on one core.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_data.h"
#include "eval/metrics.h"

namespace centaur {
namespace {

using bench::Label;
using bench::SplitMix;

// Right with probability percent_right, else a uniformly random label; 2% failed.
std::vector<PairedItem> MakeItems(int n, int classes, int right_a, int right_b) {
  std::vector<PairedItem> out;
  out.reserve(static_cast<size_t>(n));
  uint64_t state = 1;
  const auto k = static_cast<uint64_t>(classes);
  for (int i = 0; i < n; ++i) {
    PairedItem it;
    it.item_id = "item-" + std::to_string(i);
    it.gold = Label(SplitMix(state) % k);
    it.pred_a = SplitMix(state) % 100 < static_cast<uint64_t>(right_a) ? it.gold
                                                                       : Label(SplitMix(state) % k);
    it.pred_b = SplitMix(state) % 100 < static_cast<uint64_t>(right_b) ? it.gold
                                                                       : Label(SplitMix(state) % k);
    it.failed_a = SplitMix(state) % 100 < 2;
    out.push_back(std::move(it));
  }
  return out;
}

std::vector<Prediction> RunA(const std::vector<PairedItem>& items) {
  std::vector<Prediction> out;
  out.reserve(items.size());
  for (const PairedItem& it : items) out.push_back({it.gold, it.pred_a, it.failed_a});
  return out;
}

// Args: n, percent right, bootstrap samples.
void BM_ComputeClassification(benchmark::State& state) {
  const auto predictions =
      RunA(MakeItems(static_cast<int>(state.range(0)), 77, static_cast<int>(state.range(1)), 0));
  MetricsOptions options;
  options.bootstrap_samples = static_cast<int>(state.range(2));
  for (auto _ : state) {
    ClassificationMetrics m = ComputeClassification(predictions, options);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ComputeClassification)
    ->ArgNames({"n", "right%", "samples"})
    ->Args({100000, 60, 1000})  // the budgeted case
    ->Args({100000, 90, 1000})
    ->Args({100000, 60, 0})  // point metrics only
    ->Args({10000, 60, 1000})
    ->Unit(benchmark::kMillisecond);

// Args: n, bootstrap samples.
void BM_ComparePaired(benchmark::State& state) {
  const auto items = MakeItems(static_cast<int>(state.range(0)), 77, 60, 65);
  MetricsOptions options;
  options.bootstrap_samples = static_cast<int>(state.range(1));
  for (auto _ : state) {
    PairedComparison p = ComparePaired(items, options);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ComparePaired)
    ->ArgNames({"n", "samples"})
    ->Args({100000, 1000})  // the budgeted case
    ->Args({100000, 0})
    ->Unit(benchmark::kMillisecond);

void BM_KrippendorffAlpha(benchmark::State& state) {
  uint64_t s = 3;
  std::vector<std::vector<std::string>> units(10000);
  for (auto& unit : units) {
    for (int c = 0; c < 3; ++c) unit.push_back(Label(SplitMix(s) % 5));
  }
  for (auto _ : state) benchmark::DoNotOptimize(KrippendorffAlphaNominal(units));
}
BENCHMARK(BM_KrippendorffAlpha)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace centaur

BENCHMARK_MAIN();
