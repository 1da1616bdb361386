// The pure parts of the HTTP client's policy: which failures are retried,
// how long to wait, rate-limit buckets, and what an error message may show.
// Kept apart from the libcurl event loop so they can be tested as tables.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace centaur::http {

// Largest part of a response body quoted in an error message.
constexpr size_t kMaxErrorBodyChars = 500;

// True for statuses retried with backoff: 408, 429, 500, 502, 503, 504, 529.
bool IsRetryableStatus(long status);

// Full-jitter exponential backoff: uniform in [0, min(max_ms, base_ms * 2^retry)],
// `random` being a uniformly distributed 64-bit value. `retry` counts from 0.
int64_t BackoffMs(int retry, int64_t base_ms, int64_t max_ms, uint64_t random);

// The wait a 429/503 asks for, from `retry-after-ms` or `retry-after`
// (delta-seconds or an HTTP date, relative to `now_unix_ms`), in ms; -1 when
// absent or unparseable. Never negative otherwise. Header names lower-case.
int64_t RetryAfterMs(const std::map<std::string, std::string>& headers, int64_t now_unix_ms);

// `url` without its query string, fragment and user:password@ part, which can
// carry credentials.
std::string UrlForMessage(const std::string& url);

// At most kMaxErrorBodyChars bytes of `body`, cut at a UTF-8 boundary, with
// "..." when cut.
std::string BodySnippet(const std::string& body);

// `text` with the value of every header in `headers` ("Name: value", values
// of 4+ bytes) replaced by "[REDACTED]".
std::string StripHeaderValues(std::string text, const std::vector<std::string>& headers);

// A token bucket gating request starts. Capacity is one second's worth of the
// per-minute rate (at least 1), so a limit paces starts evenly instead of
// letting a minute's quota go out in one burst; it starts full. A cost larger
// than the capacity is let through when the bucket is full, leaving it in
// debt, so an oversized request waits its turn instead of blocking forever.
class TokenBucket {
 public:
  TokenBucket() = default;  // unlimited
  TokenBucket(double per_minute, int64_t now_us);

  bool limited() const { return rate_per_us_ > 0; }
  // Microseconds until `cost` can be taken; 0 when it can be now.
  int64_t WaitMicros(double cost, int64_t now_us);
  void Take(double cost, int64_t now_us);

 private:
  void Refill(int64_t now_us);

  double rate_per_us_ = 0;
  double capacity_ = 0;
  double tokens_ = 0;
  int64_t last_us_ = 0;
};

}  // namespace centaur::http
