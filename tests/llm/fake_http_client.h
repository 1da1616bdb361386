// FakeHttpClient: an in-memory HttpClient for provider tests. It records every
// request and answers from a scripted queue of Result<HttpResponse>, then from
// a handler function once the queue is empty. Answers are chosen and
// callbacks run inside Poll(), like the real client; a request submitted from
// a callback is answered by the next Poll().
//
//   FakeHttpClient http;
//   http.PushBody(R"({"choices": [...]})");
//   http.Push(FakeHttpClient::HttpError(400, R"({"error": {"message": "..."}})"));
//   provider->Submit(request, callback);
//   while (provider->Poll(0) > 0) {}
//   EXPECT_EQ(http.requests()[0].body, ...);
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "llm/http_client.h"

namespace centaur {

class FakeHttpClient : public HttpClient {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;
  static constexpr double kLatencyMs = 12.5;

  // The error the real client reports for a non-2xx answer it does not retry:
  // "POST URL: HTTP STATUS: BODY", code kHttp (kRateLimited for 429).
  static Error HttpError(int status, const std::string& body,
                         const std::string& url = "https://api.example.com/v1/x") {
    return Error{status == 429 ? ErrorCode::kRateLimited : ErrorCode::kHttp,
                 "POST " + url + ": HTTP " + std::to_string(status) + ": " + body, status};
  }

  static HttpResponse Ok(std::string body, int attempts = 1) {
    HttpResponse r;
    r.status = 200;
    r.body = std::move(body);
    r.latency_ms = kLatencyMs;
    r.attempts = attempts;
    return r;
  }

  void Push(Result<HttpResponse> answer) { script_.push_back(std::move(answer)); }
  void PushBody(std::string body) { Push(Ok(std::move(body))); }
  void SetHandler(Handler handler) { handler_ = std::move(handler); }

  const std::vector<HttpRequest>& requests() const { return requests_; }

  void Submit(HttpRequest request, Callback done) override {
    requests_.push_back(request);
    pending_.push_back({std::move(request), std::move(done)});
  }

  int Poll(int /*timeout_ms*/) override {
    std::vector<Pending> batch = std::move(pending_);
    pending_.clear();
    for (Pending& p : batch) p.done(Answer(p.request));
    return static_cast<int>(pending_.size());
  }

  HttpStats Stats() const override {
    HttpStats s;
    s.requests_sent = static_cast<int64_t>(requests_.size());
    s.in_flight = static_cast<int>(pending_.size());
    s.window = HttpOptions::kDefaultConcurrency;
    return s;
  }

 private:
  struct Pending {
    HttpRequest request;
    Callback done;
  };

  Result<HttpResponse> Answer(const HttpRequest& request) {
    if (!script_.empty()) {
      Result<HttpResponse> next = std::move(script_.front());
      script_.pop_front();
      return next;
    }
    if (handler_) return handler_(request);
    return MakeError(ErrorCode::kInternal, "FakeHttpClient: no scripted answer left");
  }

  std::deque<Result<HttpResponse>> script_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
  std::vector<Pending> pending_;
};

}  // namespace centaur
