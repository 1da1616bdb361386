#include "local/sharded_decoder.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "local/llama_context.h"

namespace centaur {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How many shards, and the threads option of each, `options` asks for on
// `model`. Several shards share the cores out; one keeps `options.threads`.
std::pair<int, int> Plan(const DecoderOptions& options, const llama_model* model) {
  const int parallel = std::max(1, options.parallel);
  int shards = options.shards;
  if (shards <= 0) shards = options.threads > 0 ? 1 : Cores() / ThreadsBySize(model);
  shards = std::clamp(shards, 1, parallel);
  if (shards == 1 || options.threads > 0) return {shards, options.threads};
  return {shards, std::max(1, Cores() / shards)};
}

}  // namespace

struct ShardedDecoder::Impl {
  struct Finished {
    Callback done;
    Result<DecodeResult> result;
    size_t shard;
  };
  struct Shard {
    std::unique_ptr<BatchDecoder> decoder;
    std::thread thread;
    std::condition_variable wake;  // inbox filled, or stop
    // Guarded by Impl::mu:
    std::vector<std::pair<DecodeRequest, Callback>> inbox;
    int unfinished = 0;  // in `decoder`, after its last step
    // Polling thread only:
    int load = 0;  // submitted, callback not yet run
  };

  std::shared_ptr<LocalModel> model;
  std::vector<std::unique_ptr<Shard>> shards;
  int in_flight = 0;  // polling thread only

  std::mutex mu;
  std::condition_variable finished_cv;
  std::vector<Finished> finished;  // guarded by mu
  bool stop = false;               // guarded by mu
  int stepping = 0;                // shards inside a step; guarded by mu
  SteadyClock::time_point stepping_since;
  double busy_s = 0;  // guarded by mu

  // A shard thread: takes new requests, decodes one step, repeats; sleeps
  // when it has nothing to decode.
  void Run(size_t i) {
    Shard& s = *shards[i];
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      s.wake.wait(lock, [&] { return stop || !s.inbox.empty() || s.unfinished > 0; });
      if (stop) return;
      std::vector<std::pair<DecodeRequest, Callback>> inbox;
      inbox.swap(s.inbox);
      if (stepping++ == 0) stepping_since = SteadyClock::now();
      lock.unlock();
      for (auto& [request, done] : inbox) {
        s.decoder->Submit(std::move(request),
                          [this, i, done = std::move(done)](Result<DecodeResult> r) mutable {
                            std::lock_guard<std::mutex> g(mu);
                            finished.push_back({std::move(done), std::move(r), i});
                            finished_cv.notify_one();
                          });
      }
      const int unfinished = s.decoder->Poll(0);  // one step
      lock.lock();
      s.unfinished = unfinished;
      if (--stepping == 0) busy_s += Seconds(SteadyClock::now() - stepping_since);
    }
  }

  static double Seconds(SteadyClock::duration d) {
    return std::chrono::duration<double>(d).count();
  }
};

ShardedDecoder::ShardedDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ShardedDecoder::~ShardedDecoder() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
  }
  for (auto& s : impl_->shards) {
    s->wake.notify_one();
    if (s->thread.joinable()) s->thread.join();
  }
}

Result<std::unique_ptr<ShardedDecoder>> ShardedDecoder::Create(std::shared_ptr<LocalModel> model,
                                                               const DecoderOptions& options) {
  auto impl = std::make_unique<Impl>();
  const int parallel = std::max(1, options.parallel);
  const auto [n, threads] = Plan(options, model->model());
  for (int i = 0; i < n; ++i) {
    DecoderOptions o = options;
    o.parallel = parallel / n + (i < parallel % n ? 1 : 0);
    o.threads = threads;
    auto shard = std::make_unique<Impl::Shard>();
    CENTAUR_ASSIGN_OR_RETURN(shard->decoder, BatchDecoder::Create(model, o));
    impl->shards.push_back(std::move(shard));
  }
  impl->model = std::move(model);
  if (n > 1) {
    Impl* raw = impl.get();
    for (size_t i = 0; i < raw->shards.size(); ++i) {
      raw->shards[i]->thread = std::thread([raw, i] { raw->Run(i); });
    }
  }
  return std::unique_ptr<ShardedDecoder>(new ShardedDecoder(std::move(impl)));
}

void ShardedDecoder::Submit(DecodeRequest request, Callback done) {
  if (impl_->shards.size() == 1) {
    impl_->shards[0]->decoder->Submit(std::move(request), std::move(done));
    return;
  }
  Impl::Shard* s = std::min_element(impl_->shards.begin(), impl_->shards.end(),
                                    [](const auto& a, const auto& b) { return a->load < b->load; })
                       ->get();
  ++s->load;
  ++impl_->in_flight;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    s->inbox.emplace_back(std::move(request), std::move(done));
  }
  s->wake.notify_one();
}

int ShardedDecoder::Poll(int timeout_ms) {
  if (impl_->shards.size() == 1) return impl_->shards[0]->decoder->Poll(timeout_ms);
  std::vector<Impl::Finished> done;
  {
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->finished_cv.wait_for(lock, std::chrono::milliseconds(std::max(0, timeout_ms)),
                                [&] { return !impl_->finished.empty() || impl_->in_flight == 0; });
    done.swap(impl_->finished);
  }
  for (Impl::Finished& f : done) {
    --impl_->in_flight;
    --impl_->shards[f.shard]->load;
    f.done(std::move(f.result));
  }
  return impl_->in_flight;
}

const LocalModel& ShardedDecoder::model() const { return *impl_->model; }
int ShardedDecoder::parallel() const {
  int n = 0;
  for (const auto& s : impl_->shards) n += s->decoder->parallel();
  return n;
}
int ShardedDecoder::shards() const { return static_cast<int>(impl_->shards.size()); }

double ShardedDecoder::busy_seconds() const {
  if (impl_->shards.size() == 1) return impl_->shards[0]->decoder->busy_seconds();
  std::lock_guard<std::mutex> lock(impl_->mu);
  double s = impl_->busy_s;
  if (impl_->stepping > 0) s += Impl::Seconds(SteadyClock::now() - impl_->stepping_since);
  return s;
}

}  // namespace centaur
