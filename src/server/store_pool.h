// StorePool: Stores for the server's worker threads. A Store is not
// thread-safe, so each request leases one for its duration; up to `size`
// are opened (lazily) on the same database file, and a request waits when
// all are in use. SQLite's WAL lets the connections read concurrently.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace centaur::server {

class StorePool {
 public:
  StorePool(std::string path, int size) : path_(std::move(path)), size_(size < 1 ? 1 : size) {}
  StorePool(const StorePool&) = delete;
  StorePool& operator=(const StorePool&) = delete;

  // A store for the lease's lifetime, returned to the pool by its destructor.
  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<Store> store) : pool_(pool), store_(std::move(store)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (store_) pool_->Release(std::move(store_));
    }
    Store* get() const { return store_.get(); }
    Store* operator->() const { return store_.get(); }

   private:
    StorePool* pool_;
    std::unique_ptr<Store> store_;
  };

  // Waits for a free store, opening one when fewer than `size` exist.
  Result<Lease> Acquire();
  const std::string& path() const { return path_; }

 private:
  void Release(std::unique_ptr<Store> store);

  const std::string path_;
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Store>> idle_;
  int open_ = 0;  // stores opened (idle or leased)
};

}  // namespace centaur::server
