// Store throughput on the engine's hot paths: AddResult + CachePut in group
// commits, warm CacheGet, ListItems paging, ForEachResult streaming.
// Build: cmake -DCMAKE_BUILD_TYPE=Release ... && ninja store_bench
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "store/store.h"

namespace centaur {
namespace {

// The engine commits every 50 ms: 5,000 results at 100k/s.
constexpr int kCommitEvery = 5000;
constexpr int kItems = 100000;

std::string MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "centaur_bench_XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl;
}

std::unique_ptr<Store> MustOpen(const std::string& path) {
  auto store = OpenSqliteStore(path);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.error().message.c_str());
    std::abort();
  }
  return std::move(store).value();
}

void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, st.error().message.c_str());
    std::abort();
  }
}

// Resident memory in KiB, from /proc.
int64_t RssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

// Bytes this process has passed to write(2)/pwrite(2), from /proc.
int64_t WrittenBytes() {
  std::ifstream in("/proc/self/io");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("wchar:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

// User + system CPU seconds of the whole process (all threads) or of the
// calling thread.
double CpuSeconds(int who) {
  rusage ru{};
  getrusage(who, &ru);
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// About 1 KB of chat request, distinct per item.
std::string RequestJson(int i) {
  return fmt::format(
      R"({{"model":"gpt-4o-mini-2024-07-18","temperature":0,"max_tokens":400,"seed":1,)"
      R"("messages":[{{"role":"system","content":"You route online-banking customer messages )"
      R"(to one intent. Think step by step in the thoughts field, then give the label. {}"}},)"
      R"({{"role":"user","content":"Message: item {} - I tried to activate my new card in the )"
      R"(app but it keeps saying the card number is invalid, what should I do?"}}],)"
      R"("response_format":{{"type":"json_schema","json_schema":{{"name":"out","strict":true,)"
      R"("schema":{{"type":"object","properties":{{"thoughts":{{"type":"string"}},"label":)"
      R"({{"enum":["activate_my_card","age_limit","card_arrival","card_not_working"]}}}},)"
      R"("required":["thoughts","label"],"additionalProperties":false}}}}}}}})",
      std::string(300, 'x'), i);
}

ResultRecord MakeResult(int64_t run_id, int i) {
  ResultRecord r;
  r.run_id = run_id;
  r.item_id = "item-" + std::to_string(i);
  r.status = "ok";
  r.output =
      Json{{"thoughts", "The user cannot activate the card."}, {"label", "card_not_working"}};
  r.raw = R"({"thoughts":"The user cannot activate the card.","label":"card_not_working"})";
  r.input_tokens = 250;
  r.output_tokens = 30;
  r.cost = 0.0001;
  r.latency_ms = 350;
  r.correct = i % 2 == 0;
  AttemptRecord a;
  a.request_json = RequestJson(i);
  a.request_hash = fmt::format("{:032x}", static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull);
  a.response_text = r.raw;
  a.raw_body = std::string(R"({"id":"chatcmpl-1","choices":[{"message":{"content":)") +
               std::string(200, 'y') + "}}]}";
  a.status = "ok";
  a.latency_ms = 350;
  a.http_attempts = 1;
  a.input_tokens = 250;
  a.output_tokens = 30;
  a.cost = 0.0001;
  r.attempts.push_back(std::move(a));
  return r;
}

int64_t MakeDataset(Store& store, int n) {
  std::vector<Item> items;
  items.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    Item item;
    item.id = "item-" + std::to_string(i);
    item.input = Json{{"text", fmt::format("customer message number {} about a card", i)},
                      {"channel", "app"}};
    item.gold = Json("card_not_working");
    item.split = i % 5 == 0 ? "test" : "val";
    items.push_back(std::move(item));
  }
  auto info = store.CreateDataset("bench", "bench.csv", items);
  if (!info.ok()) std::abort();
  return info->id;
}

int64_t MakeRun(Store& store, std::optional<int64_t> dataset_id, const std::string& identity) {
  RunSpec spec;
  spec.kind = dataset_id ? "run" : "call";
  spec.task_name = "bench";
  spec.task_version = "v1";
  spec.model = "openai:gpt-4o-mini";
  spec.params = Json{{"temperature", 0}};
  spec.dataset_id = dataset_id;
  spec.split = dataset_id ? "all" : "";
  spec.identity = identity;
  auto run = store.CreateRun(spec);
  if (!run.ok()) std::abort();
  return run->id;
}

// The engine's write path per item: the result with one attempt (its ~1 KB
// request body stored once by hash) plus the cache entry, committed in groups.
// Arg: 0 = both, 1 = AddResult only, 2 = CachePut only.
void BM_AddResultAndCachePut(benchmark::State& state) {
  const bool add = state.range(0) != 2, put = state.range(0) != 1;
  std::string dir = MakeTempDir();
  auto store = MustOpen(dir + "/centaur.db");
  int64_t run = MakeRun(*store, std::nullopt, "bench");
  ResultRecord r = MakeResult(run, 0);
  CacheEntry entry{"", r.raw, "stop", 250, 30, 1700000000000};
  int i = 0;
  int64_t written_before = WrittenBytes();
  double cpu_before = CpuSeconds(RUSAGE_SELF), writer_before = CpuSeconds(RUSAGE_THREAD);
  for (auto _ : state) {
    r.item_id = "item-" + std::to_string(i);
    r.attempts[0].request_hash = fmt::format("{:032x}", static_cast<uint64_t>(i) * 0x9E37ull);
    // Make each body distinct without re-formatting the whole request.
    std::string tag = std::to_string(i);
    r.attempts[0].request_json.replace(r.attempts[0].request_json.size() - 20, tag.size(), tag);
    entry.key = r.attempts[0].request_hash;
    if (add) Check(store->AddResult(r), "AddResult");
    if (put) Check(store->CachePut(entry), "CachePut");
    if (++i % kCommitEvery == 0) Check(store->Commit(), "Commit");
  }
  Check(store->Commit(), "Commit");
  state.SetItemsProcessed(state.iterations());
  // Includes the checkpoint thread, which runs on another core when there is one.
  state.counters["all_threads_cpu_us_per_item"] =
      (CpuSeconds(RUSAGE_SELF) - cpu_before) * 1e6 / static_cast<double>(i);
  state.counters["writer_cpu_us_per_item"] =
      (CpuSeconds(RUSAGE_THREAD) - writer_before) * 1e6 / static_cast<double>(i);
  state.counters["written_KB_per_item"] =
      static_cast<double>(WrittenBytes() - written_before) / 1024.0 / static_cast<double>(i);
  store.reset();
  state.counters["db_MB"] =
      static_cast<double>(std::filesystem::file_size(dir + "/centaur.db")) / 1e6;
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AddResultAndCachePut)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(200000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

void BM_CacheGetWarm(benchmark::State& state) {
  std::string dir = MakeTempDir();
  auto store = MustOpen(dir + "/centaur.db");
  constexpr int kEntries = 100000;
  std::string response(400, 'r');
  for (int i = 0; i < kEntries; ++i) {
    CacheEntry e{fmt::format("{:032x}", static_cast<uint64_t>(i) * 0x9E37ull),
                 response,
                 "stop",
                 250,
                 30,
                 1700000000000};
    Check(store->CachePut(e), "CachePut");
  }
  Check(store->Commit(), "Commit");
  std::vector<std::string> keys;
  std::mt19937 rng(1);
  for (int i = 0; i < 1 << 16; ++i) {
    keys.push_back(fmt::format("{:032x}", static_cast<uint64_t>(rng() % kEntries) * 0x9E37ull));
  }
  size_t k = 0, hits = 0;
  if (state.range(0) == 1) Check(store->CachePut({"x", "y", "stop", 1, 1, 1}), "CachePut");
  for (auto _ : state) {
    auto got = store->CacheGet(keys[k++ & 0xffff]);
    hits += got.ok() && got->has_value();
    benchmark::DoNotOptimize(got);
  }
  if (hits != static_cast<size_t>(state.iterations())) std::abort();
  state.SetItemsProcessed(state.iterations());
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CacheGetWarm)->Arg(0)->Arg(1)->Iterations(1000000);

void BM_CacheGetMiss(benchmark::State& state) {
  std::string dir = MakeTempDir();
  auto store = MustOpen(dir + "/centaur.db");
  for (int i = 0; i < 10000; ++i) {
    Check(store->CachePut({fmt::format("{:032x}", i), "r", "stop", 1, 1, 1}), "CachePut");
  }
  Check(store->Commit(), "Commit");
  int i = 0;
  for (auto _ : state) {
    auto got = store->CacheGet(fmt::format("miss{:028x}", i++));
    benchmark::DoNotOptimize(got);
  }
  state.SetItemsProcessed(state.iterations());
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CacheGetMiss)->Iterations(300000);

void BM_CreateDataset100k(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = MakeTempDir();
    auto store = MustOpen(dir + "/centaur.db");
    state.ResumeTiming();
    MakeDataset(*store, kItems);
    state.PauseTiming();
    store.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}
BENCHMARK(BM_CreateDataset100k)->Iterations(3)->Unit(benchmark::kMillisecond);

// Pages through 100,000 items, 1,000 at a time (arg: 0 = all, 1 = val split).
void BM_ListItems100k(benchmark::State& state) {
  std::string dir = MakeTempDir();
  auto store = MustOpen(dir + "/centaur.db");
  int64_t ds = MakeDataset(*store, kItems);
  const std::string split = state.range(0) == 0 ? "all" : "val";
  int64_t total = 0;
  for (auto _ : state) {
    int64_t after = 0;
    while (true) {
      auto page = store->ListItems(ds, split, after, 1000);
      if (!page.ok()) std::abort();
      if (page->empty()) break;
      after = page->back().seq;
      total += static_cast<int64_t>(page->size());
    }
  }
  state.SetItemsProcessed(total);
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ListItems100k)->Arg(0)->Arg(1)->Iterations(5)->Unit(benchmark::kMillisecond);

// Streams a 100,000-result run in item order (results were written in
// reverse order, so the sort is real); reports RSS growth while streaming.
void BM_ForEachResult100k(benchmark::State& state) {
  std::string dir = MakeTempDir();
  auto store = MustOpen(dir + "/centaur.db");
  int64_t ds = MakeDataset(*store, kItems);
  int64_t run = MakeRun(*store, ds, "stream");
  for (int i = kItems - 1; i >= 0; --i) {
    Check(store->AddResult(MakeResult(run, i)), "AddResult");
    if (i % kCommitEvery == 0) Check(store->Commit(), "Commit");
  }
  Check(store->Commit(), "Commit");
  const bool with_attempts = state.range(0) != 0;
  int64_t rss_before = RssKiB(), rss_peak = rss_before, rows = 0;
  for (auto _ : state) {
    Check(store->ForEachResult(run, with_attempts,
                               [&](const ResultRecord& r) {
                                 benchmark::DoNotOptimize(r);
                                 if (++rows % 10000 == 0) rss_peak = std::max(rss_peak, RssKiB());
                                 return OkStatus();
                               }),
          "ForEachResult");
  }
  state.SetItemsProcessed(rows);
  state.counters["rss_growth_MB"] = static_cast<double>(rss_peak - rss_before) / 1024.0;
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ForEachResult100k)->Arg(0)->Arg(1)->Iterations(3)->Unit(benchmark::kMillisecond);

// GetRun/ListRuns over 20 runs of 5,000 results, half of them done.
void BM_ListRuns(benchmark::State& state) {
  std::string dir = MakeTempDir();
  auto store = MustOpen(dir + "/centaur.db");
  int64_t ds = MakeDataset(*store, 5000);
  for (int k = 0; k < 20; ++k) {
    int64_t run = MakeRun(*store, ds, "run" + std::to_string(k));
    for (int i = 0; i < 5000; ++i) Check(store->AddResult(MakeResult(run, i)), "AddResult");
    if (k % 2 == 0) Check(store->FinishRun(run), "FinishRun");
  }
  Check(store->Commit(), "Commit");
  for (auto _ : state) {
    auto runs = store->ListRuns(false);
    if (!runs.ok() || runs->size() != 20) std::abort();
    benchmark::DoNotOptimize(runs);
  }
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ListRuns)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace centaur

BENCHMARK_MAIN();
