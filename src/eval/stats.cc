// Wilson interval, McNemar test, and the numeric helpers behind them.
#include "eval/stats.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "eval/metrics.h"

namespace centaur {
namespace eval_internal {

bool ValidConfidence(double confidence) { return confidence > 0 && confidence < 1; }

double NormalQuantile(double p) {
  // Coefficients from P. J. Acklam, "An algorithm for computing the inverse
  // normal cumulative distribution function" (2003).
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double x;
  if (p < kLow) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - kLow) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley step against the exact CDF takes the 1e-9 approximation to
  // full double precision.
  const double e = 0.5 * std::erfc(-x / std::numbers::sqrt2) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

double SortedQuantile(const std::vector<double>& sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

std::optional<Interval> PercentileInterval(std::vector<double>& values, double confidence) {
  if (values.empty() || !ValidConfidence(confidence)) return std::nullopt;
  std::sort(values.begin(), values.end());
  return Interval{SortedQuantile(values, (1 - confidence) / 2),
                  SortedQuantile(values, (1 + confidence) / 2)};
}

}  // namespace eval_internal

std::optional<Interval> WilsonInterval(int64_t successes, int64_t n, double confidence) {
  if (n <= 0 || successes < 0 || successes > n || !eval_internal::ValidConfidence(confidence)) {
    return std::nullopt;
  }
  const double z = eval_internal::NormalQuantile((1 + confidence) / 2);
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nn;
  const double z2 = z * z;
  const double denom = 1 + z2 / nn;
  const double centre = (p + z2 / (2 * nn)) / denom;
  const double half = z / denom * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  // At p = 0 or 1 the exact bound is 0 or 1; do not let rounding say otherwise.
  const double lower = successes == 0 ? 0.0 : std::max(0.0, centre - half);
  const double upper = successes == n ? 1.0 : std::min(1.0, centre + half);
  return Interval{lower, upper};
}

McNemarResult McNemarTest(int64_t b, int64_t c) {
  McNemarResult r;
  b = std::max<int64_t>(b, 0);
  c = std::max<int64_t>(c, 0);
  r.b = b;
  r.c = c;
  const int64_t m = b + c;
  if (m < kMcNemarExactBelow) {
    r.method = McNemarMethod::kExactBinomial;
    const int64_t k = std::min(b, c);
    r.statistic = static_cast<double>(k);
    // m < 25, so every binomial coefficient and their sum is exact in uint64.
    uint64_t sum = 0;
    uint64_t coef = 1;  // C(m, i)
    for (int64_t i = 0; i <= k; ++i) {
      sum += coef;
      coef = coef * static_cast<uint64_t>(m - i) / static_cast<uint64_t>(i + 1);
    }
    r.p_value = std::min(1.0, std::ldexp(static_cast<double>(sum), static_cast<int>(1 - m)));
  } else {
    r.method = McNemarMethod::kChiSquareCorrected;
    const double diff = std::fabs(static_cast<double>(b - c)) - 1;
    r.statistic = diff * diff / static_cast<double>(m);
    // Survival function of chi-square with 1 degree of freedom.
    r.p_value = std::erfc(std::sqrt(r.statistic / 2));
  }
  return r;
}

}  // namespace centaur
