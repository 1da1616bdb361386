// HttpClient: asynchronous HTTP behind an interface. The real one runs on
// libcurl multi (one event loop, keep-alive); tests use fakes that inject
// faults. Not thread-safe: Submit and Poll are called from one thread, and
// callbacks run on it, inside Poll.
//
// Retries belong here, not to callers: 5xx, connection resets, timeouts and
// malformed/truncated transfers are retried with exponential backoff and
// jitter; 429 honours Retry-After and halves the concurrency window, which
// then grows back by one per kWindowRecoverySuccesses successes (AIMD).
// A callback receives either a 2xx response or the final error after retries.
// Non-retryable 4xx answers (400, 401, 404, ...) come back at once as kHttp
// errors carrying the status and the body (never the request headers).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace centaur {

struct HttpOptions {
  static constexpr int kDefaultConcurrency = 8;
  static constexpr int kDefaultMaxRetries = 6;
  static constexpr int64_t kDefaultConnectTimeoutMs = 10'000;
  static constexpr int64_t kDefaultRequestTimeoutMs = 120'000;
  static constexpr int64_t kDefaultBackoffBaseMs = 250;
  static constexpr int64_t kDefaultBackoffMaxMs = 30'000;
  static constexpr int64_t kDefaultRetryAfterMaxMs = 120'000;
  static constexpr int kWindowRecoverySuccesses = 8;

  int max_concurrency = kDefaultConcurrency;  // upper bound of the AIMD window
  int max_retries = kDefaultMaxRetries;       // retries after the first try
  int64_t connect_timeout_ms = kDefaultConnectTimeoutMs;
  int64_t request_timeout_ms = kDefaultRequestTimeoutMs;
  int64_t backoff_base_ms = kDefaultBackoffBaseMs;
  int64_t backoff_max_ms = kDefaultBackoffMaxMs;
  int64_t retry_after_max_ms = kDefaultRetryAfterMaxMs;
  // Token buckets gating the start of every try (retries included). Each
  // holds one second's worth of its rate (at least 1) and starts full, so
  // starts are paced evenly rather than a minute's quota going out at once.
  double requests_per_minute = 0;  // 0: no limit
  double tokens_per_minute = 0;    // 0: no limit; uses HttpRequest::estimated_tokens
  uint64_t jitter_seed = 0;        // 0: seeded from the clock
};

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; may hold secrets, never logged
  std::string body;
  int64_t estimated_tokens = 0;      // for tokens_per_minute
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  double latency_ms = 0;  // the successful exchange only
  int attempts = 1;       // tries made, retries included
};

struct HttpStats {
  int64_t requests_sent = 0;  // every try, retries included
  int64_t retries = 0;
  int64_t rate_limited = 0;   // 429 answers seen
  int window = 0;             // current AIMD concurrency window
  int in_flight = 0;
  int queued = 0;       // waiting for a window slot or a rate-limit token
  int backing_off = 0;  // waiting out a backoff or Retry-After before a retry
  int64_t connections_opened = 0;  // new connections; keep-alive reuse keeps it low
};

class HttpClient {
 public:
  using Callback = std::function<void(Result<HttpResponse>)>;
  // Destroying the client abandons unfinished requests: their callbacks never run.
  virtual ~HttpClient() = default;
  // Queues a request; `done` runs exactly once, later, inside Poll(). Submit
  // may be called from a callback.
  virtual void Submit(HttpRequest request, Callback done) = 0;
  // Drives transfers and timers for at most `timeout_ms`, running the
  // callbacks of requests that finished. Returns the number of requests not
  // yet finished (queued, in flight, or waiting to retry). Returns early, once
  // some callbacks have run, and at once when nothing is unfinished.
  virtual int Poll(int timeout_ms) = 0;
  virtual HttpStats Stats() const = 0;
};

std::unique_ptr<HttpClient> NewCurlHttpClient(const HttpOptions& options,
                                              Clock* clock = RealClock());

}  // namespace centaur
