#include "engine/compare.h"

#include <fmt/format.h>

#include <optional>
#include <unordered_map>
#include <utility>

#include "eval/match.h"

namespace centaur {
namespace {

constexpr const char* kRight = "right";
constexpr const char* kWrong = "wrong";

// What is kept of each of A's results until B is streamed.
struct SideA {
  std::string item_id;
  std::string status;
  std::optional<Json> gold;
  std::optional<Json> value;  // nullopt: failed or no target
  std::string thoughts;
  std::string error;
  bool seen_in_b = false;
};

bool IsStringTarget(const RunTarget& t) {
  if (t.field.empty() || !t.output_schema.is_object()) return false;
  const Json& props = t.output_schema.value("properties", Json::object());
  if (!props.is_object() || !props.contains(t.field)) return false;
  const Json& p = props[t.field];
  return p.is_object() && p.value("type", Json()) == Json("string");
}

FlipSide SideOf(const std::string& status, const std::optional<Json>& value,
                const std::string& thoughts, const std::string& error) {
  return {status, value.has_value() ? LabelText(*value) : "", thoughts, error};
}

std::vector<std::string> UnionLabels(const RunTarget& a, const RunTarget& b) {
  std::vector<std::string> labels = a.labels;
  for (const std::string& l : b.labels) {
    bool seen = false;
    for (const std::string& m : labels) seen = seen || m == l;
    if (!seen) labels.push_back(l);
  }
  return labels;
}

}  // namespace

Result<RunComparison> CompareRuns(Store* store, int64_t run_a, int64_t run_b,
                                  const MetricsOptions& options) {
  RunComparison c;
  CENTAUR_ASSIGN_OR_RETURN(c.a, store->GetRun(run_a));
  CENTAUR_ASSIGN_OR_RETURN(c.b, store->GetRun(run_b));
  CENTAUR_ASSIGN_OR_RETURN(c.target_a, LoadRunTarget(store, c.a.spec));
  CENTAUR_ASSIGN_OR_RETURN(c.target_b, LoadRunTarget(store, c.b.spec));
  c.classification = c.target_a.classification() && c.target_b.classification();
  const bool string_a = IsStringTarget(c.target_a), string_b = IsStringTarget(c.target_b);

  std::vector<SideA> sides;
  sides.reserve(static_cast<size_t>(c.a.results));
  std::unordered_map<std::string, size_t> index;
  index.reserve(static_cast<size_t>(c.a.results));
  CENTAUR_RETURN_IF_ERROR(store->ForEachResult(run_a, false, [&](const ResultRecord& r) -> Status {
    SideA side;
    side.item_id = r.item_id;
    side.status = r.status;
    if (r.gold.has_value() && !r.gold->is_null()) side.gold = r.gold;
    if (r.status == "ok") side.value = TargetValue(c.target_a, r.output);
    side.thoughts = ThoughtsOf(r.output);
    side.error = r.error;
    index.emplace(r.item_id, sides.size());
    sides.push_back(std::move(side));
    return OkStatus();
  }));

  std::vector<PairedItem> items;
  items.reserve(sides.size());
  std::unordered_map<std::string, Flip> flips;
  CENTAUR_RETURN_IF_ERROR(store->ForEachResult(run_b, false, [&](const ResultRecord& r) -> Status {
    auto found = index.find(r.item_id);
    if (found == index.end()) {
      c.only_b.push_back(r.item_id);
      return OkStatus();
    }
    SideA& a = sides[found->second];
    a.seen_in_b = true;
    ++c.common;
    std::optional<Json> gold = a.gold;
    const bool b_labeled = r.gold.has_value() && !r.gold->is_null();
    if (gold.has_value() && b_labeled && *gold != *r.gold) ++c.gold_differs;
    if (!gold.has_value() && b_labeled) gold = r.gold;
    if (!gold.has_value()) {
      ++c.unlabeled;
      return OkStatus();
    }
    std::optional<Json> value_b;
    if (r.status == "ok") value_b = TargetValue(c.target_b, r.output);
    PairedItem item;
    item.item_id = r.item_id;
    item.failed_a = !a.value.has_value();
    item.failed_b = !value_b.has_value();
    if (c.classification) {
      item.gold = LabelText(*gold);
      if (!item.failed_a) item.pred_a = LabelText(*a.value);
      if (!item.failed_b) item.pred_b = LabelText(*value_b);
    } else {
      // Exact match as a two-class problem: only accuracy is meaningful.
      item.gold = kRight;
      item.pred_a =
          !item.failed_a && ExactMatch(*a.value, GoldValue(*gold, string_a)) ? kRight : kWrong;
      item.pred_b =
          !item.failed_b && ExactMatch(*value_b, GoldValue(*gold, string_b)) ? kRight : kWrong;
    }
    const bool right_a = !item.failed_a && item.pred_a == item.gold;
    const bool right_b = !item.failed_b && item.pred_b == item.gold;
    if (right_a != right_b) {
      Flip flip;
      flip.item_id = r.item_id;
      flip.gold = LabelText(*gold);
      flip.input = r.input.dump(-1, ' ', false, Json::error_handler_t::replace);
      flip.a = SideOf(a.status, a.value, a.thoughts, a.error);
      flip.b = SideOf(r.status, value_b, ThoughtsOf(r.output), r.error);
      flips.emplace(r.item_id, std::move(flip));
    }
    items.push_back(std::move(item));
    return OkStatus();
  }));
  for (const SideA& a : sides) {
    if (!a.seen_in_b) c.only_a.push_back(a.item_id);
  }

  MetricsOptions metrics = options;
  metrics.labels = c.classification ? UnionLabels(c.target_a, c.target_b)
                                    : std::vector<std::string>{kRight, kWrong};
  c.paired = ComparePaired(items, metrics);
  if (!c.classification) {
    c.paired.labels.clear();
    c.paired.macro_f1.reset();
    c.paired.micro_f1.reset();
    c.paired.weighted_f1.reset();
    for (RunScores* s : {&c.paired.a, &c.paired.b}) {
      s->macro_f1.reset();
      s->micro_f1.reset();
      s->weighted_f1.reset();
    }
    c.notes.push_back(
        "the targets are not classes: an item is right when its value equals the "
        "gold one exactly");
  }
  for (const std::string& id : c.paired.flipped_to_wrong) c.to_wrong.push_back(flips[id]);
  for (const std::string& id : c.paired.flipped_to_right) c.to_right.push_back(flips[id]);

  if (!c.only_a.empty() || !c.only_b.empty()) {
    c.notes.push_back(
        fmt::format("paired on the {} items both runs have; {} only in run {}, {} "
                    "only in run {}",
                    c.common, c.only_a.size(), c.a.id, c.only_b.size(), c.b.id));
  }
  if (c.unlabeled > 0) {
    c.notes.push_back(
        fmt::format("{} of the {} common items have no gold label and are not "
                    "compared",
                    c.unlabeled, c.common));
  }
  if (c.gold_differs > 0) {
    c.notes.push_back(
        fmt::format("{} items have different gold labels in the two runs' datasets; "
                    "run {}'s are used",
                    c.gold_differs, c.a.id));
  }
  return c;
}

}  // namespace centaur
