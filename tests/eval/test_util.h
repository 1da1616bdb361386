// Helpers shared by the eval tests: compact input specs and the seeded
// 77-class generator that tests/eval/gen_golden.py mirrors.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace centaur::eval_test {

// "gold:pred" tokens separated by spaces; a trailing "!" on pred marks a
// failed item ("a:!" or "a:b!").
inline std::vector<Prediction> ParsePredictions(const std::string& spec) {
  std::vector<Prediction> out;
  std::istringstream in(spec);
  std::string tok;
  while (in >> tok) {
    const size_t colon = tok.find(':');
    Prediction p;
    p.gold = tok.substr(0, colon);
    p.predicted = tok.substr(colon + 1);
    if (!p.predicted.empty() && p.predicted.back() == '!') {
      p.failed = true;
      p.predicted.pop_back();
    }
    out.push_back(p);
  }
  return out;
}

// "gold:a:b" tokens; item ids are i0, i1, ...; "!" after a prediction marks a failure.
inline std::vector<PairedItem> ParsePaired(const std::string& spec) {
  std::vector<PairedItem> out;
  std::istringstream in(spec);
  std::string tok;
  while (in >> tok) {
    const size_t c1 = tok.find(':');
    const size_t c2 = tok.find(':', c1 + 1);
    PairedItem it;
    it.item_id = "i" + std::to_string(out.size());
    it.gold = tok.substr(0, c1);
    it.pred_a = tok.substr(c1 + 1, c2 - c1 - 1);
    it.pred_b = tok.substr(c2 + 1);
    if (!it.pred_a.empty() && it.pred_a.back() == '!') {
      it.failed_a = true;
      it.pred_a.pop_back();
    }
    if (!it.pred_b.empty() && it.pred_b.back() == '!') {
      it.failed_b = true;
      it.pred_b.pop_back();
    }
    out.push_back(it);
  }
  return out;
}

inline uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline std::string ClassName(uint64_t i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "c%02u", static_cast<unsigned>(i));
  return buf;
}

// n items over 77 classes "c00".."c76": 60% right, 5% failed, 35% a uniform
// random label (right by chance 1 in 77). Same as random77() in gen_golden.py.
inline std::vector<Prediction> Random77(int n, uint64_t seed) {
  std::vector<Prediction> out;
  uint64_t state = seed;
  for (int i = 0; i < n; ++i) {
    const uint64_t gold = SplitMix(state) % 77;
    const uint64_t r = SplitMix(state) % 100;
    const uint64_t y = SplitMix(state) % 77;
    if (r < 60) {
      out.push_back({ClassName(gold), ClassName(gold), false});
    } else if (r < 65) {
      out.push_back({ClassName(gold), "", true});
    } else {
      out.push_back({ClassName(gold), ClassName(y), false});
    }
  }
  return out;
}

// Two runs over Random77-style items: A right with p_a, B with p_b.
inline std::vector<PairedItem> RandomPaired(int n, int classes, int p_a, int p_b, uint64_t seed) {
  std::vector<PairedItem> out;
  uint64_t state = seed;
  const auto k = static_cast<uint64_t>(classes);
  for (int i = 0; i < n; ++i) {
    PairedItem it;
    it.item_id = "item" + std::to_string(i);
    const uint64_t gold = SplitMix(state) % k;
    it.gold = ClassName(gold);
    it.pred_a = SplitMix(state) % 100 < static_cast<uint64_t>(p_a) ? it.gold
                                                                   : ClassName(SplitMix(state) % k);
    it.pred_b = SplitMix(state) % 100 < static_cast<uint64_t>(p_b) ? it.gold
                                                                   : ClassName(SplitMix(state) % k);
    out.push_back(it);
  }
  return out;
}

inline void ExpectFinite(const std::optional<double>& v, const char* what) {
  if (v) {
    EXPECT_TRUE(std::isfinite(*v)) << what;
  }
}

inline void ExpectFinite(const std::optional<Interval>& v, const char* what) {
  if (v) {
    EXPECT_TRUE(std::isfinite(v->lower)) << what;
    EXPECT_TRUE(std::isfinite(v->upper)) << what;
    EXPECT_LE(v->lower, v->upper) << what;
  }
}

// Every number in `m` is finite (no silent NaN) and intervals are ordered.
inline void ExpectNoNaN(const ClassificationMetrics& m) {
  for (const auto* v :
       {&m.accuracy, &m.macro_precision, &m.macro_recall, &m.macro_f1, &m.micro_precision,
        &m.micro_recall, &m.micro_f1, &m.weighted_precision, &m.weighted_recall, &m.weighted_f1}) {
    ExpectFinite(*v, "aggregate");
  }
  for (const auto* v : {&m.accuracy_ci, &m.macro_f1_ci, &m.micro_f1_ci, &m.weighted_f1_ci}) {
    ExpectFinite(*v, "interval");
  }
  for (const ClassMetrics& c : m.per_class) {
    EXPECT_TRUE(std::isfinite(c.precision) && std::isfinite(c.recall) && std::isfinite(c.f1))
        << c.label;
  }
}

}  // namespace centaur::eval_test
