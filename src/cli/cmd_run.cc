#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cli/common.h"
#include "cli/progress.h"
#include "engine/import.h"
#include "engine/runner.h"
#include "engine/test_split.h"
#include "prompt/task.h"

namespace centaur::cli {
namespace {

struct RunFlags {
  std::string task_path;
  std::string data;
  std::string split = "val";
  std::string model;
  int concurrency = RunOptions::kDefaultConcurrency;
  int64_t limit = -1;
  bool no_cache = false;
  bool refresh = false;
  bool json = false;
  bool force = false;
  std::vector<std::string> maps;
  double rpm = 0, tpm = 0;
  int64_t timeout_ms = HttpOptions::kDefaultRequestTimeoutMs;
  int max_retries = HttpOptions::kDefaultMaxRetries;
};

// --data names a dataset, or a file to import under its stem's name.
Result<DatasetInfo> ResolveDataset(Store* store, const std::string& data) {
  Result<DatasetInfo> found = store->FindDataset(data);
  if (found.ok() || found.error().code != ErrorCode::kNotFound) return found;
  if (!std::filesystem::is_regular_file(data)) {
    return MakeError(ErrorCode::kNotFound,
                     "no dataset named \"" + data +
                         "\" and no such file (see `centaur data list`, or import one with "
                         "`centaur data import FILE --name NAME`)");
  }
  std::string name = std::filesystem::path(data).stem().string();
  Result<DatasetInfo> existing = store->FindDataset(name);
  if (existing.ok()) {
    if (existing->source == data) return existing;
    return MakeError(ErrorCode::kAlreadyExists,
                     "a dataset named \"" + name + "\" already exists from " + existing->source +
                         "; import this file under another name with `centaur data import " +
                         data + " --name NAME`");
  }
  ImportOptions options;
  options.name = name;
  CENTAUR_ASSIGN_OR_RETURN(ImportSummary summary, ImportDataset(store, data, options));
  std::fprintf(stderr, "imported %s as dataset \"%s\" (%lld items)\n", data.c_str(),
               name.c_str(), static_cast<long long>(summary.dataset.items));
  return summary.dataset;
}

Result<std::map<std::string, std::string>> ParseMaps(const std::vector<std::string>& maps) {
  std::map<std::string, std::string> out;
  for (const std::string& m : maps) {
    size_t eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--map \"" + m + "\" must be VARIABLE=FIELD (e.g. --map text=message)");
    }
    out[m.substr(0, eq)] = m.substr(eq + 1);
  }
  return out;
}

std::string AccuracyText(const RunInfo& run) {
  if (run.labeled == 0) return "accuracy: no gold labels";
  return fmt::format("accuracy {:.4f} ({}/{} labeled items right)",
                     static_cast<double>(run.correct) / run.labeled, run.correct, run.labeled);
}

int Run(const GlobalOptions& globals, const RunFlags& flags) {
  auto task = LoadTask(flags.task_path);
  if (!task.ok()) return ReportError(task.error());
  auto model = ParseModelRef(flags.model.empty() ? task->model : flags.model);
  if (!model.ok()) return ReportError(model.error());
  auto maps = ParseMaps(flags.maps);
  if (!maps.ok()) return ReportError(maps.error());
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  Store* store = (*ws)->store();
  auto dataset = ResolveDataset(store, flags.data);
  if (!dataset.ok()) return ReportError(dataset.error());
  if (flags.split == "test") {
    auto warnings = CheckTestSplitRun(store, task->name, task->version, flags.task_path,
                                      model->ToString(), *dataset, flags.force);
    if (!warnings.ok()) return ReportError(warnings.error());
    for (const std::string& w : *warnings) {
      std::fprintf(stderr, "centaur: warning: %s\n", w.c_str());
    }
  }

  HttpOptions http;
  http.max_concurrency = flags.concurrency;
  http.requests_per_minute = flags.rpm;
  http.tokens_per_minute = flags.tpm;
  http.request_timeout_ms = flags.timeout_ms;
  http.max_retries = flags.max_retries;
  auto provider = (*ws)->OpenProvider(*model, http);
  if (!provider.ok()) return ReportError(provider.error());

  RunOptions options;
  options.split = flags.split;
  if (flags.limit >= 0) options.limit = flags.limit;
  options.concurrency = flags.concurrency;
  options.use_cache = !flags.no_cache;
  options.refresh = flags.refresh;
  options.input_map = *maps;
  ProgressPrinter printer(stderr, isatty(fileno(stderr)) != 0);
  options.on_progress = [&printer](const Progress& p) { printer.Print(p); };

  Runner runner(store, provider->provider.get(), &(*ws)->prices(), RealClock());
  auto summary = runner.Run(*task, *model, *dataset, options);
  if (!summary.ok()) return ReportError(summary.error());
  const RunInfo& run = summary->run;
  const Progress& p = summary->progress;
  HttpStats stats = provider->provider->Stats();
  if (flags.json) {
    Json out = {{"run_id", run.id},
                {"task", task->name},
                {"version", task->version},
                {"model", model->ToString()},
                {"dataset", dataset->name},
                {"split", flags.split},
                {"resumed", summary->resumed},
                {"items", run.results},
                {"succeeded", run.succeeded},
                {"failed", run.failed},
                {"skipped", p.skipped},
                {"calls", p.calls},
                {"http_requests", stats.requests_sent},
                {"cache_hits", p.cache_hits},
                {"api_errors", p.api_errors},
                {"input_tokens", run.input_tokens},
                {"output_tokens", run.output_tokens},
                {"cost", run.cost.has_value() ? Json(*run.cost) : Json()},
                {"labeled", run.labeled},
                {"correct", run.correct},
                {"accuracy", run.labeled > 0 ? Json(static_cast<double>(run.correct) / run.labeled)
                                             : Json()},
                {"elapsed_s", p.elapsed_s}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("run %lld%s  %s@%s  %s  dataset %s  split %s\n", static_cast<long long>(run.id),
                summary->resumed ? " (resumed)" : "", task->name.c_str(),
                task->version.substr(0, 8).c_str(), model->ToString().c_str(),
                dataset->name.c_str(), flags.split.c_str());
    std::printf("items %lld: %lld ok, %lld failed | calls %lld, cache hits %lld | tokens %s in, %s "
                "out | cost %s\n",
                static_cast<long long>(run.results), static_cast<long long>(run.succeeded),
                static_cast<long long>(run.failed), static_cast<long long>(p.calls),
                static_cast<long long>(p.cache_hits), FormatCount(run.input_tokens).c_str(),
                FormatCount(run.output_tokens).c_str(), FormatCost(run.cost).c_str());
    std::printf("%s\n", AccuracyText(run).c_str());
    if (run.failed > 0) {
      std::printf("see the failures with: centaur show %lld --errors\n",
                  static_cast<long long>(run.id));
    }
  }
  return kExitOk;
}

}  // namespace

Command RunCommand() {
  return {"run", "run a task over a dataset split (cached, resumable, traced)",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto f = std::make_shared<RunFlags>();
            sub->add_option("task", f->task_path, "task file (YAML)")->required();
            sub->add_option("--data", f->data, "dataset name, or a CSV/JSONL file")->required();
            sub->add_option("--split", f->split, "val (default), test or all")
                ->check(CLI::IsMember({"val", "test", "all"}));
            sub->add_option("--model", f->model, "override the task's model (provider:model)");
            sub->add_option("--concurrency", f->concurrency, "requests in flight (default 8)")
                ->check(CLI::Range(1, 1024));
            sub->add_option("--limit", f->limit, "only the first N items of the split");
            sub->add_flag("--no-cache", f->no_cache, "neither read nor write the cache");
            sub->add_flag("--refresh", f->refresh, "call again and overwrite cached answers");
            sub->add_flag("--json", f->json, "print the summary as one JSON object");
            sub->add_flag("--force", f->force, "run on the test split a version never run on val");
            sub->add_option("--map", f->maps, "VARIABLE=FIELD: fill a task input from a field");
            sub->add_option("--rpm", f->rpm, "requests per minute limit");
            sub->add_option("--tpm", f->tpm, "tokens per minute limit (estimated)");
            sub->add_option("--timeout-ms", f->timeout_ms, "per-request timeout (default 120000)");
            sub->add_option("--max-retries", f->max_retries,
                            "transport retries per request (default 6)");
            return [f, globals] { return Run(*globals, *f); };
          }};
}

}  // namespace centaur::cli
