// FakeProvider: a scripted Provider for engine tests. Each Submit is answered
// by `handler` (request -> result) on the next Poll, so in-flight counts and
// ordering are observable.
#pragma once

#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "llm/provider.h"

namespace centaur {

class FakeProvider : public Provider {
 public:
  using Handler = std::function<Result<ChatResponse>(const ChatRequest&)>;
  explicit FakeProvider(Handler handler) : handler_(std::move(handler)) {}

  std::string Name() const override { return "fake"; }
  void Submit(ChatRequest request, Callback done) override {
    requests.push_back(request);
    pending_.emplace_back(std::move(request), std::move(done));
    if (static_cast<int>(pending_.size()) > max_in_flight) max_in_flight = pending_.size();
  }
  int Poll(int) override {
    std::deque<std::pair<ChatRequest, Callback>> batch;
    batch.swap(pending_);
    for (auto& [request, done] : batch) done(handler_(request));
    return static_cast<int>(pending_.size());
  }

  std::vector<ChatRequest> requests;
  int max_in_flight = 0;

 private:
  Handler handler_;
  std::deque<std::pair<ChatRequest, Callback>> pending_;
};

inline ChatResponse TextResponse(std::string text) {
  ChatResponse r;
  r.text = std::move(text);
  r.usage = {100, 20};
  r.finish_reason = "stop";
  r.latency_ms = 5;
  return r;
}

}  // namespace centaur
