// Progress on stderr for long work: items/s, ETA, tokens, cost, cache hits,
// errors. On a terminal one line is redrawn; otherwise a line at most every
// kPlainIntervalS seconds, and the last one.
#pragma once

#include <cstdio>

#include "engine/runner.h"

namespace centaur::cli {

class ProgressPrinter {
 public:
  static constexpr double kPlainIntervalS = 2.0;
  ProgressPrinter(FILE* out, bool terminal) : out_(out), terminal_(terminal) {}
  void Print(const Progress& p);

 private:
  FILE* out_;
  bool terminal_;
  double last_plain_s_ = -1;
};

}  // namespace centaur::cli
