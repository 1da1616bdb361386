// Helpers for the store tests: a fresh temporary directory per test and
// small record builders.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "store/store.h"

namespace centaur::testing_util {

// A directory under testing::TempDir(), removed when this goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "centaur_store_XXXXXX";
    char* p = mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string db() const { return path_ + "/sub/dir/centaur.db"; }

 private:
  std::string path_;
};

inline std::unique_ptr<Store> MustOpen(const std::string& path) {
  auto store = OpenSqliteStore(path);
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return store.ok() ? std::move(store).value() : nullptr;
}

inline Item MakeItem(const std::string& id, const std::string& split, std::optional<Json> gold) {
  Item item;
  item.id = id;
  item.input = Json{{"text", "input of " + id}};
  item.gold = std::move(gold);
  item.split = split;
  return item;
}

// A run of task "intent" at `version` (model openai:m) over `split` of a
// dataset, with an identity of its own per version.
inline RunSpec MakeRunSpec(int64_t dataset_id, const std::string& split,
                           const std::string& version) {
  RunSpec spec;
  spec.task_name = "intent";
  spec.task_version = version;
  spec.model = "openai:m";
  spec.params = Json::object();
  spec.dataset_id = dataset_id;
  spec.split = split;
  spec.identity = "id-" + version;
  return spec;
}

inline AttemptRecord MakeAttempt(int no, bool cache_hit, std::optional<double> cost) {
  AttemptRecord a;
  a.attempt_no = no;
  a.request_hash = "h" + std::to_string(no);
  a.request_json = R"({"messages":[{"role":"user","content":"hi"}]})";
  a.response_text = R"({"label":"a"})";
  a.raw_body = cache_hit ? "" : R"({"choices":[]})";
  a.status = "ok";
  a.latency_ms = 12.5;
  a.http_attempts = cache_hit ? 0 : 1;
  a.input_tokens = 10;
  a.output_tokens = 5;
  a.cost = cost;
  a.cache_hit = cache_hit;
  a.created_ms = 1700000000000;
  return a;
}

inline ResultRecord MakeResult(int64_t run_id, const std::string& item_id) {
  ResultRecord r;
  r.run_id = run_id;
  r.item_id = item_id;
  r.status = "ok";
  r.output = Json{{"label", "a"}};
  r.raw = R"({"label":"a"})";
  r.input_tokens = 10;
  r.output_tokens = 5;
  r.cost = 0.001;
  r.latency_ms = 12.5;
  r.attempts.push_back(MakeAttempt(1, false, 0.001));
  r.created_ms = 1700000000000;
  return r;
}

}  // namespace centaur::testing_util
