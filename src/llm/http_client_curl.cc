// HttpClient on libcurl multi: one event loop, driven by Poll() on the
// caller's thread. Requests wait in a FIFO queue until the AIMD window and the
// rate-limit buckets let them start; a failed try that may be retried sleeps
// on a timer (the injected Clock) and then starts again ahead of new requests.
// Easy handles are pooled; connections live in the multi handle's cache, so
// keep-alive connections are reused across requests.
#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/secrets.h"
#include "llm/http_client.h"
#include "llm/http_policy.h"

namespace centaur {
namespace {

// Idle easy handles kept for reuse, per unit of max_concurrency.
constexpr size_t kEasyPoolPerSlot = 2;
// Connections kept in the multi handle's cache beyond max_concurrency.
constexpr long kExtraCachedConnections = 4;

// One HttpRequest across all of its tries.
struct Call {
  HttpRequest request;
  HttpClient::Callback done;
  int tries = 0;
};

// One try in flight.
struct Transfer {
  std::unique_ptr<Call> call;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  std::map<std::string, std::string> response_headers;
  int64_t started_us = 0;
  char error[CURL_ERROR_SIZE] = {};
};

// Why a try failed, and whether another may follow.
struct Failure {
  bool retryable = false;
  ErrorCode code = ErrorCode::kTransport;
  int http_status = 0;
  std::string what;          // "HTTP 500", "connection reset by peer", "timed out after 2000 ms"
  bool timeout = false;      // phrased "(N tries)" rather than "after N tries"
  std::string body_snippet;  // for HTTP errors
  int64_t retry_after_ms = -1;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  try {
    t->body.append(data, size * n);
  } catch (...) {
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  try {
    if (line.rfind("HTTP/", 0) == 0) {
      t->response_headers.clear();  // a new response (after 100 Continue, say)
      return size * n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return size * n;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    size_t b = value.find_first_not_of(" \t");
    size_t e = value.find_last_not_of(" \t\r\n");
    value = b == std::string_view::npos ? std::string_view() : value.substr(b, e + 1 - b);
    std::string& slot = t->response_headers[name];
    if (!slot.empty()) slot += ", ";
    slot += value;
  } catch (...) {
    return 0;
  }
  return size * n;
}

std::string Tries(int n) { return std::to_string(n) + (n == 1 ? " try" : " tries"); }

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient(const HttpOptions& options, Clock* clock)
      : options_(Sanitized(options)),
        clock_(clock),
        rng_(options.jitter_seed != 0
                 ? options.jitter_seed
                 : static_cast<uint64_t>(clock->NowMicros()) ^ reinterpret_cast<uintptr_t>(this)),
        window_(options_.max_concurrency),
        rpm_(options_.requests_per_minute, clock->NowMicros()),
        tpm_(options_.tokens_per_minute, clock->NowMicros()) {
    static std::once_flag init;
    std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi_ = curl_multi_init();
    if (multi_ != nullptr) {
      long conns = options_.max_concurrency;
      curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
      curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, conns + kExtraCachedConnections);
      curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, conns + kExtraCachedConnections);
    }
  }

  ~CurlHttpClient() override {
    for (auto& [easy, t] : transfers_) {
      curl_multi_remove_handle(multi_, easy);
      curl_slist_free_all(t->headers);
      curl_easy_cleanup(easy);
    }
    for (CURL* easy : pool_) curl_easy_cleanup(easy);
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
  }

  void Submit(HttpRequest request, Callback done) override {
    auto call = std::make_unique<Call>();
    call->request = std::move(request);
    call->done = std::move(done);
    queue_.push_back(std::move(call));
  }

  int Poll(int timeout_ms) override {
    if (polling_) return Unfinished();  // called from a callback: the outer Poll drives
    polling_ = true;
    // The budget is real time; timers run on the injected clock, which a test
    // may hold still.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      int running = 0;
      if (StartReady() > 0 || !transfers_.empty()) curl_multi_perform(multi_, &running);
      Harvest();
      // Slots freed by finished tries go to waiting requests right away.
      if (StartReady() > 0) curl_multi_perform(multi_, &running);
      if (!finished_.empty() || Unfinished() == 0) break;
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) break;
      int64_t now = clock_->NowMicros();
      int64_t wait_us = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
      if (!waiting_.empty()) wait_us = std::min(wait_us, waiting_.begin()->first - now);
      if (gate_until_us_ > now) wait_us = std::min(wait_us, gate_until_us_ - now);
      int wait_ms = static_cast<int>((std::max<int64_t>(wait_us, 0) + 999) / 1000);
      if (multi_ != nullptr) curl_multi_poll(multi_, nullptr, 0, wait_ms, nullptr);
    }
    RunCallbacks();
    polling_ = false;
    return Unfinished();
  }

  HttpStats Stats() const override {
    HttpStats s = stats_;
    s.window = window_;
    s.in_flight = static_cast<int>(transfers_.size());
    s.queued = static_cast<int>(queue_.size() + ready_retries_.size());
    s.backing_off = static_cast<int>(waiting_.size());
    return s;
  }

 private:
  static HttpOptions Sanitized(HttpOptions o) {
    o.max_concurrency = std::max(1, o.max_concurrency);
    o.max_retries = std::max(0, o.max_retries);
    o.backoff_base_ms = std::max<int64_t>(0, o.backoff_base_ms);
    o.backoff_max_ms = std::max<int64_t>(0, o.backoff_max_ms);
    o.retry_after_max_ms = std::max<int64_t>(0, o.retry_after_max_ms);
    return o;
  }

  int Unfinished() const {
    return static_cast<int>(queue_.size() + ready_retries_.size() + waiting_.size() +
                            transfers_.size());
  }

  // Starts tries while the window and the buckets allow; returns how many.
  int StartReady() {
    int64_t now = clock_->NowMicros();
    while (!waiting_.empty() && waiting_.begin()->first <= now) {
      ready_retries_.push_back(std::move(waiting_.begin()->second));
      waiting_.erase(waiting_.begin());
    }
    gate_until_us_ = 0;
    int started = 0;
    while (static_cast<int>(transfers_.size()) < window_) {
      auto& source = !ready_retries_.empty() ? ready_retries_ : queue_;
      if (source.empty()) break;
      double tokens =
          static_cast<double>(std::max<int64_t>(0, source.front()->request.estimated_tokens));
      int64_t wait = std::max(rpm_.WaitMicros(1, now), tpm_.WaitMicros(tokens, now));
      if (wait > 0) {
        gate_until_us_ = now + wait;
        break;
      }
      rpm_.Take(1, now);
      tpm_.Take(tokens, now);
      std::unique_ptr<Call> call = std::move(source.front());
      source.pop_front();
      Start(std::move(call), now);
      ++started;
    }
    return started;
  }

  void Start(std::unique_ptr<Call> call, int64_t now) {
    ++call->tries;
    ++stats_.requests_sent;
    if (call->tries > 1) ++stats_.retries;
    CURL* easy = nullptr;
    if (!pool_.empty()) {
      easy = pool_.back();
      pool_.pop_back();
    } else {
      easy = curl_easy_init();
    }
    auto t = std::make_unique<Transfer>();
    t->easy = easy;
    t->started_us = now;
    const HttpRequest& req = call->request;
    t->call = std::move(call);
    bool ok = easy != nullptr && multi_ != nullptr;
    bool has_expect = false;
    for (const std::string& h : req.headers) {
      if (h.size() >= 7 && strncasecmp(h.c_str(), "expect:", 7) == 0) has_expect = true;
      curl_slist* next = curl_slist_append(t->headers, h.c_str());
      ok = ok && next != nullptr;
      if (next != nullptr) t->headers = next;
    }
    if (!has_expect) {  // no "Expect: 100-continue" round trip for large bodies
      curl_slist* next = curl_slist_append(t->headers, "Expect:");
      if (next != nullptr) t->headers = next;
    }
    if (ok) {
      curl_easy_setopt(easy, CURLOPT_URL, req.url.c_str());
      curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(options_.connect_timeout_ms));
      curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_ms));
      curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
      curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
      curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
      curl_easy_setopt(easy, CURLOPT_WRITEDATA, t.get());
      curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
      curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.get());
      curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
      curl_easy_setopt(easy, CURLOPT_PRIVATE, t.get());
      if (req.method == "GET") {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
      } else {
        if (req.method != "POST") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req.method.c_str());
        if (req.method == "POST" || !req.body.empty()) {
          curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req.body.data());
          curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                           static_cast<curl_off_t>(req.body.size()));
        }
      }
      ok = curl_multi_add_handle(multi_, easy) == CURLM_OK;
    }
    if (!ok) {
      curl_slist_free_all(t->headers);
      if (easy != nullptr) curl_easy_cleanup(easy);
      Error e = MakeError(ErrorCode::kInternal,
                          Message(*t->call, "could not set up the transfer (out of memory?)"));
      finished_.emplace_back(std::move(t->call->done), std::move(e));
      return;
    }
    transfers_.emplace(easy, std::move(t));
  }

  void Harvest() {
    if (multi_ == nullptr) return;
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;  // copied: `msg` dies with remove_handle
      auto it = transfers_.find(easy);
      if (it == transfers_.end()) continue;
      std::unique_ptr<Transfer> t = std::move(it->second);
      transfers_.erase(it);
      curl_multi_remove_handle(multi_, easy);
      Finish(std::move(t), code);
    }
  }

  void Finish(std::unique_ptr<Transfer> t, CURLcode code) {
    CURL* easy = t->easy;
    long status = 0;
    long connects = 0;
    long os_errno = 0;
    curl_off_t total_us = 0;
    curl_off_t connect_us = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    stats_.connections_opened += connects;
    curl_slist_free_all(t->headers);
    t->headers = nullptr;
    if (pool_.size() < kEasyPoolPerSlot * static_cast<size_t>(options_.max_concurrency)) {
      curl_easy_reset(easy);  // drops pointers into `t`; keeps the DNS and session caches
      pool_.push_back(easy);
    } else {
      curl_easy_cleanup(easy);
    }

    Call& call = *t->call;
    if (code == CURLE_OK && status >= 200 && status < 300) {
      OnSuccess();
      HttpResponse r;
      r.status = status;
      r.body = std::move(t->body);
      r.headers = std::move(t->response_headers);
      r.latency_ms = static_cast<double>(total_us) / 1000.0;
      r.attempts = call.tries;
      finished_.emplace_back(std::move(call.done), std::move(r));
      return;
    }
    Failure f = code == CURLE_OK ? HttpFailure(*t, status)
                                 : TransportFailure(code, os_errno, connect_us == 0, t->error);
    if (status == 429 && code == CURLE_OK) OnRateLimited(t->started_us);
    if (f.retryable && call.tries <= options_.max_retries) {
      int64_t delay_ms = f.retry_after_ms >= 0
                             ? std::min(f.retry_after_ms, options_.retry_after_max_ms)
                             : http::BackoffMs(call.tries - 1, options_.backoff_base_ms,
                                               options_.backoff_max_ms, rng_());
      waiting_.emplace(clock_->NowMicros() + delay_ms * 1000, std::move(t->call));
      return;
    }
    std::string msg = f.what;
    if (f.retryable)
      msg += f.timeout ? " (" + Tries(call.tries) + ")" : " after " + Tries(call.tries);
    if (!f.body_snippet.empty()) msg += ": " + f.body_snippet;
    Error e{f.code, Message(call, msg), f.http_status};
    finished_.emplace_back(std::move(call.done), std::move(e));
  }

  Failure HttpFailure(const Transfer& t, long status) const {
    Failure f;
    f.retryable = http::IsRetryableStatus(status);
    f.code = status == 429 ? ErrorCode::kRateLimited : ErrorCode::kHttp;
    f.http_status = static_cast<int>(status);
    f.what = "HTTP " + std::to_string(status);
    f.body_snippet = http::BodySnippet(t.body);
    if (status == 429 || status == 503) {
      f.retry_after_ms = http::RetryAfterMs(t.response_headers, clock_->UnixMillis());
    }
    return f;
  }

  Failure TransportFailure(CURLcode code, long os_errno, bool never_connected,
                           const char* curl_error) const {
    Failure f;
    f.retryable = true;
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT:
        f.timeout = true;
        f.what =
            never_connected
                ? "connect timed out after " + std::to_string(options_.connect_timeout_ms) + " ms"
                : "timed out after " + std::to_string(options_.request_timeout_ms) + " ms";
        break;
      case CURLE_COULDNT_CONNECT:
        f.what = os_errno == ECONNREFUSED ? "connection refused" : "could not connect";
        break;
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
        f.what = os_errno == ECONNRESET     ? "connection reset by peer"
                 : os_errno == EPIPE        ? "connection closed by peer"
                 : code == CURLE_RECV_ERROR ? "receive failed"
                                            : "send failed";
        break;
      case CURLE_GOT_NOTHING:
        f.what = "empty reply from server";
        break;
      case CURLE_PARTIAL_FILE:
        f.what = "response truncated";
        break;
      case CURLE_WEIRD_SERVER_REPLY:
        f.what = "malformed HTTP response";
        break;
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_BAD_CONTENT_ENCODING:
        f.what = curl_easy_strerror(code);
        break;
      default:
        f.retryable = false;
        f.what = curl_easy_strerror(code);
        if (curl_error != nullptr && curl_error[0] != '\0')
          f.what += std::string(" (") + curl_error + ")";
        break;
    }
    return f;
  }

  // "POST http://host/path: <detail>", with no header value or registered secret.
  std::string Message(const Call& call, const std::string& detail) const {
    std::string text =
        call.request.method + " " + http::UrlForMessage(call.request.url) + ": " + detail;
    return Redact(http::StripHeaderValues(std::move(text), call.request.headers));
  }

  void OnSuccess() {
    if (window_ >= options_.max_concurrency) return;
    if (++successes_ >= HttpOptions::kWindowRecoverySuccesses) {
      ++window_;
      successes_ = 0;
    }
  }

  // Halves the window once per congestion event: a 429 for a try started
  // before the last halving reflects the old window, not the new one.
  void OnRateLimited(int64_t started_us) {
    ++stats_.rate_limited;
    successes_ = 0;
    if (started_us < last_decrease_us_) return;
    window_ = std::max(1, window_ / 2);
    last_decrease_us_ = clock_->NowMicros();
  }

  // A callback that throws propagates to Poll's caller; the callbacks not yet
  // run stay queued for the next Poll.
  void RunCallbacks() {
    std::vector<std::pair<Callback, Result<HttpResponse>>> done;
    done.swap(finished_);
    size_t next = 0;
    try {
      while (next < done.size()) {
        auto& [callback, result] = done[next++];
        if (callback) callback(std::move(result));
      }
    } catch (...) {
      finished_.insert(finished_.begin(), std::make_move_iterator(done.begin() + next),
                       std::make_move_iterator(done.end()));
      polling_ = false;
      throw;
    }
  }

  const HttpOptions options_;
  Clock* const clock_;
  std::mt19937_64 rng_;
  CURLM* multi_ = nullptr;
  int window_;
  int successes_ = 0;
  int64_t last_decrease_us_ = -1;
  http::TokenBucket rpm_;
  http::TokenBucket tpm_;
  int64_t gate_until_us_ = 0;  // when the buckets next allow a start
  bool polling_ = false;
  HttpStats stats_;
  std::deque<std::unique_ptr<Call>> queue_;                // new requests, FIFO
  std::deque<std::unique_ptr<Call>> ready_retries_;        // backoff over; they go first
  std::multimap<int64_t, std::unique_ptr<Call>> waiting_;  // retries by due time
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers_;
  std::vector<CURL*> pool_;
  std::vector<std::pair<Callback, Result<HttpResponse>>> finished_;
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient(const HttpOptions& options, Clock* clock) {
  return std::make_unique<CurlHttpClient>(options, clock != nullptr ? clock : RealClock());
}

}  // namespace centaur
