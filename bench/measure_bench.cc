// `centaur metrics` and `centaur compare` end to end on a store holding two
// runs of 100,000 results over 77 classes (BANKING77-sized): reading from
// SQLite, scoring, 1,000 bootstrap resamples. Budgets: metrics <= 1 s,
// compare <= 2 s.
//
// In process: MeasureRun + FindSplitGap, and CompareRuns (reading the two
// runs on two connections, as the command does), each on a freshly opened
// store. Then, when the `centaur` binary sits next to this one, the
// whole commands (process start, store open, output) timed by wall clock.
//   measure_bench [--keep-db PATH | --reuse-db PATH] [benchmark flags]
// --keep-db builds the store at PATH and keeps it; --reuse-db measures one
// built before.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_data.h"
#include "engine/compare.h"
#include "engine/measure.h"
#include "prompt/task.h"

namespace centaur {
namespace {

constexpr int kItems = 100000;
constexpr int kClasses = 77;
constexpr int kCommitEvery = 5000;

std::string g_db;

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

void Must(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.error().message.c_str());
    std::exit(1);
  }
}

using bench::Label;
using bench::SplitMix;

std::string TaskYaml(const std::string& user) {
  std::string labels;
  for (int i = 0; i < kClasses; ++i) labels += (i ? ", " : "") + Label(static_cast<uint64_t>(i));
  return "name: bench\nmodel: openai:bench\ninputs: {text: {type: string}}\nprompt:\n  user: \"" +
         user +
         "\"\noutput:\n  type: object\n  properties:\n    thoughts: {type: string}\n    label: "
         "{type: string, enum: [" +
         labels + "]}\n  required: [thoughts, label]\ntarget: label\n";
}

// Two runs (two task versions) over the val split of one dataset: A right
// 80% of the time, B 85%; 1% of A's items failed; 2% unlabeled.
void BuildStore(const std::string& path) {
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Store> store = Must(OpenSqliteStore(path), "open");
  uint64_t state = 7;
  std::vector<Item> items(kItems);
  std::vector<std::string> gold(kItems);
  for (int i = 0; i < kItems; ++i) {
    gold[i] = Label(SplitMix(state) % kClasses);
    items[i].id = fmt::format("item-{}", i);
    items[i].input = {{"text", fmt::format("customer message number {} asking about their card, "
                                           "transfer or account",
                                           i)}};
    if (SplitMix(state) % 100 >= 2) items[i].gold = Json(gold[i]);
    items[i].split = "val";
  }
  DatasetInfo dataset = Must(store->CreateDataset("bench", "bench", items), "dataset");
  int v = 0;
  for (int right : {80, 85}) {
    Task task =
        Must(ParseTask(TaskYaml(fmt::format("v{} {{{{text}}}}", ++v)), "bench.yaml"), "task");
    Must(store->PutTaskVersion(
             {task.name, task.version, task.source_path, task.source_text, TaskSpecJson(task)}),
         "version");
    RunSpec spec;
    spec.task_name = task.name;
    spec.task_version = task.version;
    spec.model = "openai:bench";
    spec.params = Json::object();
    spec.dataset_id = dataset.id;
    spec.split = "val";
    spec.identity = task.version;
    RunInfo run = Must(store->CreateRun(spec), "run");
    for (int i = 0; i < kItems; ++i) {
      ResultRecord r;
      r.run_id = run.id;
      r.item_id = items[i].id;
      const bool failed = right == 80 && SplitMix(state) % 100 == 0;
      std::string label = SplitMix(state) % 100 < static_cast<uint64_t>(right)
                              ? gold[i]
                              : Label(SplitMix(state) % kClasses);
      r.status = failed ? "failed" : "ok";
      if (failed) {
        r.error = "output does not match the schema";
      } else {
        r.output = {{"thoughts",
                     "The customer mentions their card and a transfer, so the "
                     "intent is most likely " +
                         label + "."},
                    {"label", label}};
      }
      r.raw = r.output.dump();
      r.input_tokens = 120;
      r.output_tokens = 30;
      r.cost = 0.0001;
      r.latency_ms = 300;
      AttemptRecord a;
      a.request_hash = fmt::format("h{}", i);
      a.request_json = R"({"messages":[{"role":"user","content":"msg"}]})";
      a.response_text = r.raw;
      a.status = r.status == "ok" ? "ok" : "invalid";
      a.cost = 0.0001;
      r.attempts.push_back(a);
      Must(store->AddResult(r), "result");
      if (i % kCommitEvery == 0) Must(store->Commit(), "commit");
    }
    Must(store->FinishRun(run.id), "finish");
  }
  Must(store->Commit(), "commit");
  std::fprintf(stderr, "built %s: 2 runs x %d results, %d classes, in %.1f s\n", path.c_str(),
               kItems, kClasses,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// The floor: streaming one run's results from the store, doing nothing.
void BM_ReadRun(benchmark::State& state) {
  for (auto _ : state) {
    std::unique_ptr<Store> store = Must(OpenSqliteStore(g_db), "open");
    int64_t n = 0;
    Must(store->ForEachResult(1, false,
                              [&n](const ResultRecord&) -> Status {
                                ++n;
                                return OkStatus();
                              }),
         "read");
    if (n != kItems) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}
BENCHMARK(BM_ReadRun)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Metrics(benchmark::State& state) {
  for (auto _ : state) {
    std::unique_ptr<Store> store = Must(OpenSqliteStore(g_db), "open");
    RunMetrics m = Must(MeasureRun(store.get(), 1), "measure");
    auto gap = Must(FindSplitGap(store.get(), m), "gap");
    benchmark::DoNotOptimize(gap);
    if (m.labeled < kItems * 9 / 10) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}
BENCHMARK(BM_Metrics)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Compare(benchmark::State& state) {
  for (auto _ : state) {
    std::unique_ptr<Store> store = Must(OpenSqliteStore(g_db), "open");
    RunComparison c =
        Must(CompareRuns(store.get(), 1, 2, {}, [] { return OpenSqliteStore(g_db); }), "compare");
    benchmark::DoNotOptimize(c);
    if (c.paired.n < kItems * 9 / 10) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * kItems * 2);
}
BENCHMARK(BM_Compare)->Unit(benchmark::kMillisecond)->UseRealTime();

// Wall time of the whole command, best of `reps`.
double TimeCommand(const std::string& command, int reps) {
  double best = 1e9;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    if (std::system(command.c_str()) != 0) {
      std::fprintf(stderr, "failed: %s\n", command.c_str());
      std::exit(1);
    }
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

void TimeCli() {
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  std::filesystem::path bin = self.parent_path() / "centaur";
  if (!std::filesystem::exists(bin)) {
    std::printf("(no centaur binary next to this one: whole-command timings skipped)\n");
    return;
  }
  const std::string base = bin.string() + " --db " + g_db + " ";
  const struct {
    const char* name;
    std::string args;
    double budget;
  } commands[] = {
      {"centaur metrics 1", "metrics 1 > /dev/null", 1.0},
      {"centaur metrics 1 --json", "metrics 1 --json > /dev/null", 1.0},
      {"centaur compare 1 2", "compare 1 2 > /dev/null", 2.0},
      {"centaur compare 1 2 --json", "compare 1 2 --json > /dev/null", 2.0},
  };
  std::printf("\nwhole command, wall time, best of 3 (100k results x 2 runs, 77 classes):\n");
  for (const auto& c : commands) {
    double s = TimeCommand(base + c.args, 3);
    std::printf("  %-28s %7.3f s  (budget %.0f s)%s\n", c.name, s, c.budget,
                s <= c.budget ? "" : "  OVER BUDGET");
  }
}

}  // namespace
}  // namespace centaur

int main(int argc, char** argv) {
  std::string keep;
  bool reuse = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if ((std::strcmp(argv[i], "--keep-db") == 0 || std::strcmp(argv[i], "--reuse-db") == 0) &&
        i + 1 < argc) {
      reuse = std::strcmp(argv[i], "--reuse-db") == 0;
      keep = argv[++i];
    } else {
      args.push_back(argv[i]);
    }
  }
  std::string dir;
  if (keep.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "centaur_measure_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return 1;
    dir = tmpl;
    centaur::g_db = dir + "/bench.db";
  } else {
    centaur::g_db = keep;
  }
  if (!reuse) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(centaur::g_db + suffix);
    centaur::BuildStore(centaur::g_db);
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  centaur::TimeCli();
  if (!dir.empty()) std::filesystem::remove_all(dir);
  return 0;
}
