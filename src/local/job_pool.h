// JobPool: runs a batch of independent jobs on the calling thread and helper
// threads. The batch decoder picks the next token of many sequences with it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace centaur {

// Runs a batch of independent jobs on the calling thread and `helpers`
// threads, which sleep between batches. Used to pick the next token of many
// sequences at once: sampling runs between llama_decode calls, when
// llama.cpp's own threads are idle.
class JobPool {
 public:
  explicit JobPool(int helpers) {
    for (int i = 1; i <= helpers; ++i) threads_.emplace_back([this, i] { Loop(i); });
  }
  ~JobPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  JobPool(const JobPool&) = delete;
  JobPool& operator=(const JobPool&) = delete;

  int workers() const { return static_cast<int>(threads_.size()) + 1; }

  // Calls job(i, worker) for every i in [0, n), worker in [0, workers());
  // returns when all calls have returned. `job` must not throw.
  void Run(size_t n, const std::function<void(size_t, int)>& job) {
    if (n == 0) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &job;
      n_ = n;
      next_ = 0;
      done_ = 0;
      ++generation_;
    }
    if (n > 1) wake_.notify_all();
    Work(0, generation_);
    std::unique_lock<std::mutex> lock(mu_);
    finished_.wait(lock, [this] { return done_ == n_; });
    job_ = nullptr;
  }

 private:
  void Loop(int worker) {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      lock.unlock();
      Work(worker, seen);
      lock.lock();
    }
  }

  // Takes jobs of batch `generation` until none is left.
  void Work(int worker, uint64_t generation) {
    while (true) {
      size_t i;
      const std::function<void(size_t, int)>* job;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (generation_ != generation || next_ >= n_) return;
        i = next_++;
        job = job_;
      }
      (*job)(i, worker);
      bool last;
      {
        std::lock_guard<std::mutex> lock(mu_);
        last = ++done_ == n_;
      }
      if (last) finished_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_, finished_;
  std::vector<std::thread> threads_;
  const std::function<void(size_t, int)>* job_ = nullptr;
  size_t n_ = 0, next_ = 0, done_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace centaur
