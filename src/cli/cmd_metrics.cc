// `centaur metrics RUN`: a run's scores against the gold labels.
#include <fmt/format.h>

#include <cstdio>

#include "cli/common.h"
#include "cli/confusion_text.h"
#include "cli/measure_format.h"
#include "engine/measure.h"

namespace centaur::cli {
namespace {

constexpr size_t kTopConfusionsFrom = 9;  // classes from which top pairs are listed
constexpr size_t kTopConfusions = 10;

Json ClassificationJson(const ClassificationMetrics& c) {
  Json per_class = Json::object();
  for (const ClassMetrics& k : c.per_class) {
    per_class[k.label] = {
        {"precision", k.precision}, {"recall", k.recall},       {"f1", k.f1},
        {"support", k.support},     {"predicted", k.predicted}, {"failed", k.failed}};
  }
  Json top = Json::array();
  for (const ConfusedPair& p : TopConfusions(c, kTopConfusions)) {
    top.push_back(
        {{"gold", p.gold}, {"predicted", p.predicted}, {"count", p.count}, {"rate", p.rate}});
  }
  return {{"accuracy", OptJson(c.accuracy)},
          {"correct", c.correct},
          {"macro_precision", OptJson(c.macro_precision)},
          {"macro_recall", OptJson(c.macro_recall)},
          {"macro_f1", OptJson(c.macro_f1)},
          {"micro_precision", OptJson(c.micro_precision)},
          {"micro_recall", OptJson(c.micro_recall)},
          {"micro_f1", OptJson(c.micro_f1)},
          {"weighted_precision", OptJson(c.weighted_precision)},
          {"weighted_recall", OptJson(c.weighted_recall)},
          {"weighted_f1", OptJson(c.weighted_f1)},
          {"ci",
           {{"accuracy", IntervalJson(c.accuracy_ci)},
            {"macro_f1", IntervalJson(c.macro_f1_ci)},
            {"micro_f1", IntervalJson(c.micro_f1_ci)},
            {"weighted_f1", IntervalJson(c.weighted_f1_ci)}}},
          {"labels", c.labels},
          {"per_class", per_class},
          {"confusion", c.confusion},
          {"top_confusions", top},
          {"gold_outside_labels", c.gold_outside_labels},
          {"predicted_outside_labels", c.predicted_outside_labels}};
}

Json MatchJson(const MatchMetrics& m) {
  Json fields = Json::object();
  for (const FieldScore& f : m.fields) {
    fields[f.field] = {{"n", f.n},
                       {"exact", f.exact},
                       {"normalized", f.normalized},
                       {"exact_accuracy", OptJson(f.exact_accuracy)},
                       {"normalized_accuracy", OptJson(f.normalized_accuracy)},
                       {"exact_ci", IntervalJson(f.exact_ci)},
                       {"normalized_ci", IntervalJson(f.normalized_ci)}};
  }
  return {{"accuracy", OptJson(m.exact_accuracy)},
          {"exact_match", OptJson(m.exact_accuracy)},
          {"normalized_match", OptJson(m.normalized_accuracy)},
          {"exact", m.exact},
          {"normalized", m.normalized},
          {"macro_f1", nullptr},
          {"micro_f1", nullptr},
          {"weighted_f1", nullptr},
          {"ci",
           {{"accuracy", IntervalJson(m.exact_ci)},
            {"exact_match", IntervalJson(m.exact_ci)},
            {"normalized_match", IntervalJson(m.normalized_ci)}}},
          {"fields", fields}};
}

Json GapJson(const std::optional<SplitGap>& gap) {
  if (!gap.has_value()) return nullptr;
  return {{"val", HeadlineJson(gap->val)},
          {"test", HeadlineJson(gap->test)},
          {"accuracy", OptJson(gap->accuracy)},
          {"macro_f1", OptJson(gap->macro_f1)}};
}

Json MetricsJson(const RunMetrics& m, const std::optional<SplitGap>& gap,
                 const MetricsOptions& options) {
  Json out = RunIdentityJson(m.run);
  out["measured_split"] = m.split;
  out["kind"] = m.target.classification() ? "classification" : "match";
  out["target"] = m.target.field;
  out["items"] = m.items;
  out["expected_items"] = m.expected;
  out["labeled"] = m.labeled;
  out["unlabeled"] = m.unlabeled;
  out["failed"] = m.failed;
  out["subset"] = !m.notes.empty();
  out["notes"] = m.notes;
  out["confidence"] = options.confidence;
  out["bootstrap_samples"] = options.bootstrap_samples;
  out["seed"] = options.seed;
  out.update(m.target.classification() ? ClassificationJson(m.classification) : MatchJson(m.match));
  out["gap"] = GapJson(gap);
  return out;
}

void PrintClassification(const ClassificationMetrics& c, const MetricsOptions& options) {
  std::printf("accuracy  %s  95%% CI %s (Wilson)  %lld/%lld right\n\n", Score(c.accuracy).c_str(),
              IntervalText(c.accuracy_ci).c_str(), static_cast<long long>(c.correct),
              static_cast<long long>(c.n));
  std::printf(
      "          PRECISION  RECALL  F1      F1 %g%% CI (bootstrap, %d resamples, seed %llu)\n",
      options.confidence * 100, options.bootstrap_samples,
      static_cast<unsigned long long>(options.seed));
  auto row = [](const char* name, std::optional<double> p, std::optional<double> r,
                std::optional<double> f, const std::optional<Interval>& ci) {
    std::printf("%-9s %-10s %-7s %-7s %s\n", name, Score(p).c_str(), Score(r).c_str(),
                Score(f).c_str(), IntervalText(ci).c_str());
  };
  row("macro", c.macro_precision, c.macro_recall, c.macro_f1, c.macro_f1_ci);
  row("micro", c.micro_precision, c.micro_recall, c.micro_f1, c.micro_f1_ci);
  row("weighted", c.weighted_precision, c.weighted_recall, c.weighted_f1, c.weighted_f1_ci);
  std::printf("\n%s %9s %7s %7s %8s %10s %7s\n", Cell("CLASS", 24).c_str(), "PRECISION", "RECALL",
              "F1", "SUPPORT", "PREDICTED", "FAILED");
  for (const ClassMetrics& k : c.per_class) {
    std::printf("%s %9.4f %7.4f %7.4f %8lld %10lld %7lld\n", Cell(k.label, 24).c_str(), k.precision,
                k.recall, k.f1, static_cast<long long>(k.support),
                static_cast<long long>(k.predicted), static_cast<long long>(k.failed));
  }
  std::printf("\nconfusion matrix (rows: gold; columns: predicted, same order)\n%s",
              ConfusionHeatmap(c).c_str());
  if (c.labels.size() >= kTopConfusionsFrom) {
    std::vector<ConfusedPair> top = TopConfusions(c, kTopConfusions);
    if (!top.empty()) std::printf("\nmost confused (gold -> predicted):\n");
    for (const ConfusedPair& p : top) {
      std::printf("%6lld  %s -> %s (%.1f%% of %s)\n", static_cast<long long>(p.count),
                  p.gold.c_str(), p.predicted.c_str(), p.rate * 100, p.gold.c_str());
    }
  }
}

void PrintMatch(const MatchMetrics& m) {
  std::printf("exact match       %s  95%% CI %s  %lld/%lld\n", Score(m.exact_accuracy).c_str(),
              IntervalText(m.exact_ci).c_str(), static_cast<long long>(m.exact),
              static_cast<long long>(m.n));
  std::printf("normalized match  %s  95%% CI %s  %lld/%lld  (case and spacing ignored)\n",
              Score(m.normalized_accuracy).c_str(), IntervalText(m.normalized_ci).c_str(),
              static_cast<long long>(m.normalized), static_cast<long long>(m.n));
  if (m.fields.empty()) return;
  std::printf("\n%s %8s %8s %11s\n", Cell("FIELD", 24).c_str(), "ITEMS", "EXACT", "NORMALIZED");
  for (const FieldScore& f : m.fields) {
    std::printf("%s %8lld %8s %11s\n", Cell(f.field, 24).c_str(), static_cast<long long>(f.n),
                Score(f.exact_accuracy).c_str(), Score(f.normalized_accuracy).c_str());
  }
}

void PrintGap(const SplitGap& gap) {
  std::printf("\nvalidation -> test (same version, model and dataset)\n");
  auto line = [](const char* name, const HeadlineScores& h) {
    std::printf("  %-4s run %-5lld accuracy %s  macro-F1 %s  (%lld labeled)\n", name,
                static_cast<long long>(h.run_id), Score(h.accuracy).c_str(),
                Score(h.macro_f1).c_str(), static_cast<long long>(h.labeled));
  };
  line("val", gap.val);
  line("test", gap.test);
  std::printf("  gap (test - val): accuracy %s  macro-F1 %s\n", SignedScore(gap.accuracy).c_str(),
              SignedScore(gap.macro_f1).c_str());
}

int Metrics(const GlobalOptions& globals, int64_t run_id, const std::string& split, bool json) {
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  Store* store = (*ws)->store();
  MeasureOptions options;
  options.split = split;
  const std::string db = (*ws)->db_path();
  auto measured = MeasureRunWithGap(store, run_id, options, [&db] { return OpenStore(db); });
  if (!measured.ok()) return ReportError(measured.error());
  const RunMetrics* m = &measured->metrics;
  const std::optional<SplitGap>* gap = &measured->gap;
  if (json) {
    std::printf("%s\n", MetricsJson(*m, *gap, options.metrics).dump().c_str());
    return kExitOk;
  }
  std::printf("%s\n", RunHeader(m->run).c_str());
  std::printf("target %s (%s)  split measured: %s\n",
              m->target.field.empty() ? "(whole output)" : m->target.field.c_str(),
              m->target.classification()
                  ? fmt::format("classification, {} classes", m->target.labels.size()).c_str()
                  : "exact and normalized match",
              m->split.c_str());
  std::printf(
      "items %lld: %lld labeled (scored), %lld unlabeled (not scored), %lld failed (scored "
      "as wrong)\n",
      static_cast<long long>(m->items), static_cast<long long>(m->labeled),
      static_cast<long long>(m->unlabeled), static_cast<long long>(m->failed));
  for (const std::string& note : m->notes) std::printf("note: %s\n", note.c_str());
  std::printf("\n");
  if (m->target.classification()) {
    PrintClassification(m->classification, options.metrics);
  } else {
    PrintMatch(m->match);
  }
  if (gap->has_value()) PrintGap(**gap);
  return kExitOk;
}

}  // namespace

Command MetricsCommand() {
  return {"metrics", "score a run against the gold labels, with confidence intervals",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto run = std::make_shared<int64_t>(0);
            auto split = std::make_shared<std::string>();
            auto json = std::make_shared<bool>(false);
            sub->add_option("run", *run, "run id")->required();
            sub->add_option("--split", *split, "val or test: that split of a run over all splits")
                ->check(CLI::IsMember({"val", "test"}));
            sub->add_flag("--json", *json, "print one JSON object");
            return [=] { return Metrics(*globals, *run, *split, *json); };
          }};
}

}  // namespace centaur::cli
