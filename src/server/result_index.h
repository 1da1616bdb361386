// ResultIndex: the item ids of a run's results under one filter, kept for a
// while so that paging through 100,000 results costs one query per filter
// change, not one per page. An entry is used while the run's result count
// is unchanged and it is younger than kMaxAgeMs; Invalidate() (called when
// this server records an annotation) drops every entry. Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace centaur::server {

using ItemIds = std::shared_ptr<const std::vector<std::string>>;

class ResultIndex {
 public:
  static constexpr int64_t kMaxAgeMs = 30'000;
  static constexpr size_t kMaxEntries = 16;

  // The ids from the cache, or from store->FindResults.
  Result<ItemIds> Find(Store* store, const RunInfo& run, const ResultFilter& filter);
  void Invalidate();

 private:
  struct Entry {
    std::string key;
    int64_t results = 0;
    int64_t created_ms = 0;
    ItemIds ids;
  };
  std::mutex mu_;
  std::list<Entry> entries_;  // most recently used first
};

}  // namespace centaur::server
