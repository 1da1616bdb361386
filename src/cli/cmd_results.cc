// `centaur runs`, `centaur show`, `centaur export`: reading runs back.
#include <fmt/format.h>

#include <cstdio>

#include "cli/common.h"
#include "engine/run_target.h"

namespace centaur::cli {
namespace {

std::string Accuracy(const RunInfo& r) {
  return r.labeled > 0 ? fmt::format("{:.3f}", static_cast<double>(r.correct) / r.labeled) : "-";
}

int Runs(const GlobalOptions& globals, bool json, bool all) {
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  auto runs = (*ws)->store()->ListRuns(all);
  if (!runs.ok()) return ReportError(runs.error());
  if (json) {
    Json out = Json::array();
    for (const RunInfo& r : *runs) out.push_back(RunJson(r));
    std::printf("%s\n", out.dump().c_str());
    return kExitOk;
  }
  std::printf("%-5s %-20s %-8s %-32s %-14s %-5s %6s %6s %6s %6s %10s %-7s %s\n", "RUN", "TASK",
              "VERSION", "MODEL", "DATASET", "SPLIT", "ITEMS", "OK", "FAILED", "ACC", "COST",
              "STATUS", "CREATED");
  for (const RunInfo& r : *runs) {
    std::printf("%-5lld %-20s %-8s %-32s %-14s %-5s %6lld %6lld %6lld %6s %10s %-7s %s\n",
                static_cast<long long>(r.id), OneLine(r.spec.task_name, 20).c_str(),
                r.spec.task_version.substr(0, 8).c_str(), OneLine(r.spec.model, 32).c_str(),
                OneLine(r.dataset_name, 14).c_str(), r.spec.split.c_str(),
                static_cast<long long>(r.results), static_cast<long long>(r.succeeded),
                static_cast<long long>(r.failed), Accuracy(r).c_str(), FormatCost(r.cost).c_str(),
                r.status.c_str(), LocalTime(r.created_ms).c_str());
  }
  return kExitOk;
}

std::string JsonText(const Json& v) {
  if (v.is_null()) return "";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// The output's target value (the run's task version names the target); the
// whole output when the version is not in the store.
std::string Prediction(const ResultRecord& r, const std::optional<RunTarget>& target) {
  if (r.status != "ok") return "";
  if (!target.has_value()) return r.output.dump();
  std::optional<Json> value = TargetValue(*target, r.output);
  return value.has_value() ? JsonText(*value) : "";
}

std::optional<RunTarget> TargetOf(Store* store, const RunInfo& run) {
  Result<RunTarget> target = LoadRunTarget(store, run.spec);
  if (!target.ok()) return std::nullopt;
  return std::move(target).value();
}

std::string Thoughts(const ResultRecord& r) {
  if (r.output.is_object() && r.output.contains("thoughts")) return JsonText(r.output["thoughts"]);
  return "";
}

void PrintTrace(const ResultRecord& r) {
  std::printf("item %s: %s", r.item_id.c_str(), r.status.c_str());
  if (!r.error.empty()) std::printf(" (%s)", r.error.c_str());
  std::printf("\ninput: %s\n", r.input.dump().c_str());
  if (r.gold.has_value()) std::printf("gold:  %s\n", JsonText(*r.gold).c_str());
  if (r.status == "ok") std::printf("output: %s\n", r.output.dump(2).c_str());
  for (const AttemptRecord& a : r.attempts) {
    std::printf("\n--- attempt %d: %s%s | %.0f ms | %lld in / %lld out tokens | cost %s\n",
                a.attempt_no, a.status.c_str(), a.cache_hit ? " (cache hit)" : "", a.latency_ms,
                static_cast<long long>(a.input_tokens), static_cast<long long>(a.output_tokens),
                FormatCost(a.cost).c_str());
    Json request = Json::parse(a.request_json, nullptr, false);
    if (!request.is_discarded() && request.contains("messages")) {
      for (const Json& m : request["messages"]) {
        std::printf("[%s]\n%s\n", JsonText(m.value("role", Json())).c_str(),
                    JsonText(m.value("content", Json())).c_str());
      }
    }
    std::printf("[response]\n%s\n", a.response_text.c_str());
    if (!a.error.empty()) std::printf("[error]\n%s\n", a.error.c_str());
  }
}

int Show(const GlobalOptions& globals, int64_t run_id, bool errors, const std::string& item) {
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  Store* store = (*ws)->store();
  auto run = store->GetRun(run_id);
  if (!run.ok()) return ReportError(run.error());
  if (!item.empty()) {
    auto result = store->GetResult(run_id, item);
    if (!result.ok()) return ReportError(result.error());
    PrintTrace(*result);
    return kExitOk;
  }
  const RunInfo& r = *run;
  const std::optional<RunTarget> target = TargetOf(store, r);
  std::printf("run %lld  %s@%s  %s  dataset %s  split %s  %s\n", static_cast<long long>(r.id),
              r.spec.task_name.c_str(), r.spec.task_version.substr(0, 8).c_str(),
              r.spec.model.c_str(), r.dataset_name.c_str(), r.spec.split.c_str(), r.status.c_str());
  std::printf("items %lld: %lld ok, %lld failed | accuracy %s | cost %s\n\n",
              static_cast<long long>(r.results), static_cast<long long>(r.succeeded),
              static_cast<long long>(r.failed), Accuracy(r).c_str(), FormatCost(r.cost).c_str());
  std::printf("%s %-7s %s %s %s\n", Cell("ITEM", 18).c_str(), "STATUS", Cell("GOLD", 22).c_str(),
              Cell(errors ? "ERROR" : "OUTPUT", errors ? 60 : 24).c_str(),
              errors ? "ATTEMPTS" : "THOUGHTS");
  Status s = store->ForEachResult(run_id, errors, [&](const ResultRecord& res) -> Status {
    if (errors && res.status == "ok") {
      bool any_error = false;
      for (const AttemptRecord& a : res.attempts) any_error = any_error || a.status != "ok";
      if (!any_error) return OkStatus();
    }
    std::string gold = res.gold.has_value() ? JsonText(*res.gold) : "";
    std::string mark = res.correct.has_value() ? (*res.correct ? " ✓" : " ✗") : "";
    if (errors) {
      std::printf("%s %-7s %s %s %zu\n", Cell(res.item_id, 18).c_str(), res.status.c_str(),
                  Cell(gold, 22).c_str(),
                  Cell(res.error.empty() ? "(recovered)" : res.error, 60).c_str(),
                  res.attempts.size());
      return OkStatus();
    }
    std::printf("%s %-7s %s %s %s\n", Cell(res.item_id, 18).c_str(), res.status.c_str(),
                Cell(gold, 22).c_str(), Cell(Prediction(res, target) + mark, 24).c_str(),
                OneLine(res.status == "ok" ? Thoughts(res) : res.error, 70).c_str());
    return OkStatus();
  });
  if (!s.ok()) return ReportError(s.error());
  std::printf("\ntrace of one item: centaur show %lld --item ITEM\n",
              static_cast<long long>(run_id));
  return kExitOk;
}

// Writes rows as they stream from the store: a 100,000-item run is never
// held in memory. A file is written to a temp name and renamed at the end.
int Export(const GlobalOptions& globals, int64_t run_id, const std::string& format,
           const std::string& output) {
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  Store* store = (*ws)->store();
  auto run = store->GetRun(run_id);
  if (!run.ok()) return ReportError(run.error());
  const std::optional<RunTarget> target = TargetOf(store, *run);
  bool to_stdout = output.empty() || output == "-";
  std::string tmp = output + ".tmp";
  FILE* out = to_stdout ? stdout : std::fopen(tmp.c_str(), "wb");
  if (out == nullptr) {
    return ReportError(MakeError(ErrorCode::kIo, output + ": cannot write"));
  }
  if (format == "csv") {
    std::fputs(
        "item_id,status,gold,prediction,correct,thoughts,output,error,attempts,latency_ms,"
        "input_tokens,output_tokens,cost,cache_hit\r\n",
        out);
  }
  Status s = store->ForEachResult(run_id, true, [&](const ResultRecord& r) -> Status {
    Json gold = r.gold.has_value() ? *r.gold : Json();
    Json correct = r.correct.has_value() ? Json(*r.correct) : Json();
    Json cost = r.cost.has_value() ? Json(*r.cost) : Json();
    std::string line;
    if (format == "jsonl") {
      Json row = {{"item_id", r.item_id},
                  {"status", r.status},
                  {"input", r.input},
                  {"output", r.output},
                  {"gold", gold},
                  {"correct", correct},
                  {"attempts", r.attempts.size()},
                  {"error", r.error.empty() ? Json() : Json(r.error)},
                  {"raw", r.raw},
                  {"latency_ms", r.latency_ms},
                  {"input_tokens", r.input_tokens},
                  {"output_tokens", r.output_tokens},
                  {"cost", cost},
                  {"cache_hit", r.cache_hit}};
      line = row.dump() + "\n";
    } else {
      std::string fields[] = {r.item_id,
                              r.status,
                              JsonText(gold),
                              Prediction(r, target),
                              r.correct.has_value() ? (*r.correct ? "true" : "false") : "",
                              Thoughts(r),
                              r.status == "ok" ? r.output.dump() : "",
                              r.error,
                              std::to_string(r.attempts.size()),
                              fmt::format("{:.1f}", r.latency_ms),
                              std::to_string(r.input_tokens),
                              std::to_string(r.output_tokens),
                              r.cost.has_value() ? fmt::format("{}", *r.cost) : "",
                              r.cache_hit ? "true" : "false"};
      for (const std::string& f : fields) line += (line.empty() ? "" : ",") + CsvField(f);
      line += "\r\n";
    }
    if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) {
      return MakeError(ErrorCode::kIo, (to_stdout ? "stdout" : output) + ": write failed");
    }
    return OkStatus();
  });
  if (to_stdout) {
    std::fflush(stdout);
    return s.ok() ? kExitOk : ReportError(s.error());
  }
  bool closed = std::fclose(out) == 0;
  if (!s.ok() || !closed || std::rename(tmp.c_str(), output.c_str()) != 0) {
    std::remove(tmp.c_str());
    return ReportError(s.ok() ? MakeError(ErrorCode::kIo, output + ": write failed") : s.error());
  }
  std::fprintf(stderr, "wrote %lld results to %s\n", static_cast<long long>(run->results),
               output.c_str());
  return kExitOk;
}

}  // namespace

Command RunsCommand() {
  return {"runs", "list runs, newest first",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto json = std::make_shared<bool>(false);
            auto all = std::make_shared<bool>(false);
            sub->add_flag("--json", *json, "print a JSON array");
            sub->add_flag("--all", *all, "include single calls");
            return [json, all, globals] { return Runs(*globals, *json, *all); };
          }};
}

Command ShowCommand() {
  return {"show", "show a run's results, errors, or one item's full trace",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto run = std::make_shared<int64_t>(0);
            auto errors = std::make_shared<bool>(false);
            auto item = std::make_shared<std::string>();
            sub->add_option("run", *run, "run id")->required();
            sub->add_flag("--errors", *errors, "only items that failed or needed a retry");
            sub->add_option("--item", *item, "one item's trace: every attempt, prompt, response");
            return [=] { return Show(*globals, *run, *errors, *item); };
          }};
}

Command ExportCommand() {
  return {"export", "export a run's results as JSONL or CSV",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto run = std::make_shared<int64_t>(0);
            auto format = std::make_shared<std::string>("jsonl");
            auto output = std::make_shared<std::string>();
            sub->add_option("run", *run, "run id")->required();
            sub->add_option("--format", *format, "jsonl (default) or csv")
                ->check(CLI::IsMember({"jsonl", "csv"}));
            sub->add_option("--output,-o", *output, "file to write (default: stdout)");
            return [=] { return Export(*globals, *run, *format, *output); };
          }};
}

}  // namespace centaur::cli
