#include "engine/measure.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>
#include <unordered_set>
#include <utility>

namespace centaur {
namespace {

constexpr int kItemPage = 4096;

bool TargetIsString(const RunTarget& target) {
  if (target.field.empty() || !target.output_schema.is_object()) return false;
  auto properties = target.output_schema.find("properties");
  if (properties == target.output_schema.end() || !properties->is_object()) return false;
  auto property = properties->find(target.field);
  if (property == properties->end() || !property->is_object()) return false;
  auto type = property->find("type");
  return type != property->end() && type->is_string() && type->get<std::string>() == "string";
}

Result<int64_t> SplitSize(Store* store, const RunInfo& run, const std::string& split) {
  if (!run.spec.dataset_id.has_value()) return 0;
  CENTAUR_ASSIGN_OR_RETURN(std::vector<DatasetInfo> datasets, store->ListDatasets());
  for (const DatasetInfo& d : datasets) {
    if (d.id != *run.spec.dataset_id) continue;
    if (split == "val") return d.val_items;
    if (split == "test") return d.test_items;
    return d.items;
  }
  return 0;
}

Result<std::unordered_set<std::string>> SplitItemIds(Store* store, int64_t dataset_id,
                                                     const std::string& split) {
  std::unordered_set<std::string> ids;
  int64_t after = 0;
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(std::vector<Item> page,
                             store->ListItems(dataset_id, split, after, kItemPage));
    if (page.empty()) break;
    for (Item& item : page) ids.insert(std::move(item.id));
    after = page.back().seq;
  }
  return ids;
}

void AddNotes(RunMetrics* m) {
  const RunSpec& spec = m->run.spec;
  if (m->split != spec.split) {
    m->notes.push_back(
        fmt::format("only the {} items of run {}, which covers every split", m->split, m->run.id));
  }
  if (m->run.status != "done") {
    m->notes.push_back(
        fmt::format("the run is unfinished: {} of {} items have a result", m->items, m->expected));
  } else if (spec.dataset_id.has_value() && m->items < m->expected) {
    std::string why = spec.limit.has_value() ? fmt::format(" (--limit {})", *spec.limit) : "";
    m->notes.push_back(fmt::format("the run covers {} of the {} items of the {} split{}", m->items,
                                   m->expected, m->split, why));
  }
  if (m->unlabeled > 0) {
    m->notes.push_back(
        fmt::format("{} of {} items have no gold label: scores are over the {} "
                    "labeled items",
                    m->unlabeled, m->items, m->labeled));
  }
  if (m->classification.gold_outside_labels > 0) {
    m->notes.push_back(
        fmt::format("{} gold labels are not among the task's classes: they count "
                    "as wrong and have no row",
                    m->classification.gold_outside_labels));
  }
  if (m->classification.predicted_outside_labels > 0) {
    m->notes.push_back(
        fmt::format("{} outputs are not among the task's classes: they count as "
                    "wrong and have no column",
                    m->classification.predicted_outside_labels));
  }
}

}  // namespace

Result<RunMetrics> MeasureRun(Store* store, int64_t run_id, const MeasureOptions& options) {
  RunMetrics m;
  CENTAUR_ASSIGN_OR_RETURN(m.run, store->GetRun(run_id));
  CENTAUR_ASSIGN_OR_RETURN(m.target, LoadRunTarget(store, m.run.spec));
  const RunSpec& spec = m.run.spec;
  m.split = spec.split;
  std::optional<std::unordered_set<std::string>> keep;
  if (!options.split.empty() && options.split != spec.split) {
    if (options.split != "val" && options.split != "test") {
      return MakeError(ErrorCode::kInvalidArgument,
                       "unknown split \"" + options.split + "\" (use val or test)");
    }
    if (spec.split != "all" || !spec.dataset_id.has_value()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("run {} is a run on the {} split, not {}", run_id,
                                   spec.split.empty() ? "(none)" : spec.split, options.split));
    }
    CENTAUR_ASSIGN_OR_RETURN(keep, SplitItemIds(store, *spec.dataset_id, options.split));
    m.split = options.split;
  }
  CENTAUR_ASSIGN_OR_RETURN(m.expected, SplitSize(store, m.run, m.split));

  const bool classification = m.target.classification();
  const bool target_is_string = TargetIsString(m.target);
  std::vector<Prediction> predictions;
  if (classification) predictions.reserve(static_cast<size_t>(m.run.results));
  MatchScorer matcher(options.metrics.confidence);
  Status s = store->ForEachResult(run_id, false, [&](const ResultRecord& r) -> Status {
    if (keep.has_value() && keep->count(r.item_id) == 0) return OkStatus();
    ++m.items;
    if (!r.gold.has_value() || r.gold->is_null()) {
      ++m.unlabeled;
      return OkStatus();
    }
    ++m.labeled;
    std::optional<Json> value;
    if (r.status == "ok") value = TargetValue(m.target, r.output);
    if (!value.has_value()) ++m.failed;
    if (classification) {
      predictions.push_back(
          {LabelText(*r.gold), value.has_value() ? LabelText(*value) : "", !value.has_value()});
    } else {
      matcher.Add(value.has_value() ? &*value : nullptr, GoldValue(*r.gold, target_is_string));
    }
    return OkStatus();
  });
  CENTAUR_RETURN_IF_ERROR(s);
  if (classification) {
    MetricsOptions metrics = options.metrics;
    metrics.labels = m.target.labels;
    m.classification = ComputeClassification(predictions, metrics);
  } else {
    m.match = matcher.Finish();
  }
  AddNotes(&m);
  return m;
}

std::vector<ConfusedPair> TopConfusions(const ClassificationMetrics& m, size_t limit) {
  std::vector<ConfusedPair> pairs;
  for (size_t i = 0; i < m.confusion.size(); ++i) {
    for (size_t j = 0; j < m.confusion[i].size(); ++j) {
      if (i == j || m.confusion[i][j] == 0) continue;
      const int64_t support = m.per_class[i].support;
      pairs.push_back({m.labels[i], m.labels[j], m.confusion[i][j],
                       support > 0 ? static_cast<double>(m.confusion[i][j]) / support : 0.0});
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const ConfusedPair& a, const ConfusedPair& b) { return a.count > b.count; });
  if (pairs.size() > limit) pairs.resize(limit);
  return pairs;
}

HeadlineScores Headline(const RunMetrics& m) {
  HeadlineScores h;
  h.run_id = m.run.id;
  h.labeled = m.labeled;
  if (m.target.classification()) {
    h.accuracy = m.classification.accuracy;
    h.accuracy_ci = m.classification.accuracy_ci;
    h.macro_f1 = m.classification.macro_f1;
    h.macro_f1_ci = m.classification.macro_f1_ci;
  } else {
    h.accuracy = m.match.exact_accuracy;
    h.accuracy_ci = m.match.exact_ci;
  }
  return h;
}

namespace {

// "test" for "val" and back; "" for any other split.
std::string OtherSplit(const std::string& split) {
  if (split == "val") return "test";
  if (split == "test") return "val";
  return "";
}

// The run measured on `other` to complete the gap of a run of `spec`: the
// newest finished run of the same version, model and dataset on that split,
// else the newest such run over every split (possibly the run itself).
Result<std::optional<int64_t>> CounterpartRun(Store* store, const RunSpec& spec,
                                              const std::string& other) {
  CENTAUR_ASSIGN_OR_RETURN(std::vector<RunInfo> runs, store->ListRuns(false));
  std::optional<int64_t> all;
  for (const RunInfo& r : runs) {
    if (r.status != "done" || r.spec.task_name != spec.task_name ||
        r.spec.task_version != spec.task_version || r.spec.model != spec.model ||
        r.spec.dataset_id != spec.dataset_id) {
      continue;
    }
    if (r.spec.split == other) return std::optional<int64_t>(r.id);
    if (r.spec.split == "all" && !all.has_value()) all = r.id;
  }
  return all;
}

Result<RunMetrics> MeasureCounterpart(Store* store, int64_t run_id, const std::string& split) {
  MeasureOptions options;
  options.split = split;
  options.metrics.bootstrap_samples = 0;
  return MeasureRun(store, run_id, options);
}

SplitGap MakeGap(const RunMetrics& m, const RunMetrics& other) {
  SplitGap gap;
  gap.val = m.split == "val" ? Headline(m) : Headline(other);
  gap.test = m.split == "test" ? Headline(m) : Headline(other);
  if (gap.val.accuracy.has_value() && gap.test.accuracy.has_value()) {
    gap.accuracy = *gap.test.accuracy - *gap.val.accuracy;
  }
  if (gap.val.macro_f1.has_value() && gap.test.macro_f1.has_value()) {
    gap.macro_f1 = *gap.test.macro_f1 - *gap.val.macro_f1;
  }
  return gap;
}

}  // namespace

Result<std::optional<SplitGap>> FindSplitGap(Store* store, const RunMetrics& m) {
  const std::string other = OtherSplit(m.split);
  if (other.empty()) return std::optional<SplitGap>();
  CENTAUR_ASSIGN_OR_RETURN(std::optional<int64_t> counterpart,
                           CounterpartRun(store, m.run.spec, other));
  if (!counterpart.has_value()) return std::optional<SplitGap>();
  CENTAUR_ASSIGN_OR_RETURN(RunMetrics o, MeasureCounterpart(store, *counterpart, other));
  return std::optional<SplitGap>(MakeGap(m, o));
}

Result<MeasuredRun> MeasureRunWithGap(Store* store, int64_t run_id, const MeasureOptions& options,
                                      const StoreOpener& open_reader) {
  CENTAUR_ASSIGN_OR_RETURN(RunInfo run, store->GetRun(run_id));
  const std::string other = OtherSplit(options.split.empty() ? run.spec.split : options.split);
  std::optional<int64_t> counterpart;
  if (!other.empty()) {
    CENTAUR_ASSIGN_OR_RETURN(counterpart, CounterpartRun(store, run.spec, other));
  }
  std::optional<Result<RunMetrics>> measured_other;
  std::thread reader;
  if (counterpart.has_value() && open_reader) {
    reader = std::thread([&] {
      Result<std::unique_ptr<Store>> second = open_reader();
      if (!second.ok()) {
        measured_other = second.error();
        return;
      }
      measured_other = MeasureCounterpart(second->get(), *counterpart, other);
    });
  }
  Result<RunMetrics> measured = MeasureRun(store, run_id, options);
  if (reader.joinable()) reader.join();
  if (!measured.ok()) return measured.error();
  MeasuredRun out;
  out.metrics = std::move(measured).value();
  if (!counterpart.has_value()) return out;
  if (!measured_other.has_value()) {
    measured_other = MeasureCounterpart(store, *counterpart, other);
  }
  if (!measured_other->ok()) return measured_other->error();
  out.gap = MakeGap(out.metrics, measured_other->value());
  return out;
}

}  // namespace centaur
