#include "cli/progress.h"

#include <fmt/format.h>

#include "cli/common.h"

namespace centaur::cli {

void ProgressPrinter::Print(const Progress& p) {
  if (!terminal_ && !p.final && last_plain_s_ >= 0 && p.elapsed_s - last_plain_s_ < kPlainIntervalS) {
    return;
  }
  last_plain_s_ = p.elapsed_s;
  int64_t fresh = p.done - p.skipped;
  double rate = p.elapsed_s > 0 ? fresh / p.elapsed_s : 0;
  int64_t left = p.total - p.done;
  std::string eta = rate > 0 ? fmt::format("{:.1f}s", left / rate) : "-";
  double pct = p.total > 0 ? 100.0 * p.done / p.total : 100.0;
  std::string line = fmt::format(
      "[{}/{}] {:.1f}% {:.1f} items/s ETA {} | tokens {} | cost {} | cache {} | errors {}",
      p.done, p.total, pct, rate, p.final ? "0s" : eta,
      FormatCount(p.input_tokens + p.output_tokens),
      FormatCost(p.cost_known ? std::optional<double>(p.cost) : std::nullopt), p.cache_hits,
      p.failed + p.api_errors);
  if (terminal_) {
    std::fprintf(out_, "\r\033[K%s%s", line.c_str(), p.final ? "\n" : "");
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

}  // namespace centaur::cli
