#include "server/result_index.h"

#include "core/clock.h"

namespace centaur::server {
namespace {

std::string KeyOf(int64_t run_id, const ResultFilter& f) {
  Json key = {run_id, f.kind, f.text, f.gold ? Json(*f.gold) : Json(),
              f.predicted ? Json(*f.predicted) : Json()};
  return key.dump();
}

}  // namespace

Result<ItemIds> ResultIndex::Find(Store* store, const RunInfo& run, const ResultFilter& filter) {
  const std::string key = KeyOf(run.id, filter);
  const int64_t now = RealClock()->NowMicros() / 1000;  // monotonic
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->key != key) continue;
      if (it->results == run.results && now - it->created_ms < kMaxAgeMs) {
        entries_.splice(entries_.begin(), entries_, it);
        return entries_.front().ids;
      }
      entries_.erase(it);
      break;
    }
  }
  CENTAUR_ASSIGN_OR_RETURN(std::vector<std::string> ids, store->FindResults(run.id, filter));
  ItemIds shared = std::make_shared<const std::vector<std::string>>(std::move(ids));
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_front(Entry{key, run.results, now, shared});
  while (entries_.size() > kMaxEntries) entries_.pop_back();
  return shared;
}

void ResultIndex::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace centaur::server
