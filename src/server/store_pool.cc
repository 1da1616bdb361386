#include "server/store_pool.h"

namespace centaur::server {

Result<StorePool::Lease> StorePool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
  if (!idle_.empty()) {
    std::unique_ptr<Store> store = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(store));
  }
  ++open_;
  lock.unlock();
  auto store = OpenStore(path_);
  if (!store.ok()) {
    std::lock_guard<std::mutex> relock(mu_);
    --open_;
    cv_.notify_one();
    return store.error();
  }
  return Lease(this, std::move(store).value());
}

void StorePool::Release(std::unique_ptr<Store> store) {
  // A request may leave writes pending (none of the API's do); make them durable.
  (void)store->Commit();
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(store));
  }
  cv_.notify_one();
}

}  // namespace centaur::server
