// Synthetic benchmark data shared by the measure and metrics benchmarks: a
// seeded pseudo-random stream and BANKING77-style class names.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "eval/random.h"

namespace centaur::bench {

// The next pseudo-random number from `state` (splitmix64).
inline uint64_t SplitMix(uint64_t& state) { return eval_internal::SplitMix64(state); }

// "intent_07": the name of class `i`.
inline std::string Label(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "intent_%02u", static_cast<unsigned>(i));
  return buf;
}

}  // namespace centaur::bench
