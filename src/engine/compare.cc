#include "engine/compare.h"

#include <fmt/format.h>

#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include "eval/match.h"

namespace centaur {
namespace {

constexpr const char* kRight = "right";
constexpr const char* kWrong = "wrong";

// What is kept of one run's result for the comparison: label texts for
// classification, values for exact match.
struct SideItem {
  std::string item_id;
  bool ok = false;
  bool labeled = false;
  bool has_value = false;  // false: failed or no target
  std::string gold_text, value_text;
  Json gold, value;  // exact-match mode only
  std::string thoughts;
  std::string error;
  std::string input;  // compact JSON, kept for one of the runs only
  bool paired = false;
};

Result<std::vector<SideItem>> ReadSide(Store* store, const RunInfo& run, const RunTarget& target,
                                       bool classification, bool keep_input) {
  std::vector<SideItem> out;
  out.reserve(static_cast<size_t>(run.results));
  Status s = store->ForEachResult(run.id, false, [&](const ResultRecord& r) -> Status {
    SideItem& it = out.emplace_back();
    it.item_id = r.item_id;
    it.ok = r.status == "ok";
    it.labeled = r.gold.has_value() && !r.gold->is_null();
    std::optional<Json> value;
    if (it.ok) value = TargetValue(target, r.output);
    it.has_value = value.has_value();
    if (classification) {
      if (it.labeled) it.gold_text = LabelText(*r.gold);
      if (it.has_value) it.value_text = LabelText(*value);
    } else {
      if (it.labeled) it.gold = *r.gold;
      if (it.has_value) it.value = std::move(*value);
    }
    it.thoughts = ThoughtsOf(r.output);
    it.error = r.error;
    if (keep_input) it.input = r.input.dump(-1, ' ', false, Json::error_handler_t::replace);
    return OkStatus();
  });
  if (!s.ok()) return s.error();
  return out;
}

// Reads both runs; B on a second connection in its own thread when one can
// be opened.
Status ReadBoth(Store* store, const StoreOpener& open_reader, const RunComparison& c,
                std::vector<SideItem>* a, std::vector<SideItem>* b) {
  std::optional<Result<std::vector<SideItem>>> read_b;
  std::thread reader;
  if (open_reader) {
    reader = std::thread([&] {
      Result<std::unique_ptr<Store>> second = open_reader();
      if (!second.ok()) {
        read_b = second.error();
        return;
      }
      read_b = ReadSide(second->get(), c.b, c.target_b, c.classification, true);
    });
  }
  Result<std::vector<SideItem>> read_a = ReadSide(store, c.a, c.target_a, c.classification, false);
  if (reader.joinable()) reader.join();
  if (!read_b.has_value()) read_b = ReadSide(store, c.b, c.target_b, c.classification, true);
  if (!read_a.ok()) return read_a.error();
  if (!read_b->ok()) return read_b->error();
  *a = std::move(read_a).value();
  *b = std::move(*read_b).value();
  return OkStatus();
}

bool IsStringTarget(const RunTarget& t) {
  if (t.field.empty() || !t.output_schema.is_object()) return false;
  const Json& props = t.output_schema.value("properties", Json::object());
  if (!props.is_object() || !props.contains(t.field)) return false;
  const Json& p = props[t.field];
  return p.is_object() && p.value("type", Json()) == Json("string");
}

FlipSide SideOf(const SideItem& it) {
  std::string value;
  if (it.has_value)
    value = it.value_text.empty() && !it.value.is_null() ? LabelText(it.value) : it.value_text;
  return {it.ok ? "ok" : "failed", value, it.thoughts, it.error};
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
                                  const MetricsOptions& options, const StoreOpener& open_reader) {
  RunComparison c;
  CENTAUR_ASSIGN_OR_RETURN(c.a, store->GetRun(run_a));
  CENTAUR_ASSIGN_OR_RETURN(c.b, store->GetRun(run_b));
  CENTAUR_ASSIGN_OR_RETURN(c.target_a, LoadRunTarget(store, c.a.spec));
  CENTAUR_ASSIGN_OR_RETURN(c.target_b, LoadRunTarget(store, c.b.spec));
  c.classification = c.target_a.classification() && c.target_b.classification();
  const bool string_a = IsStringTarget(c.target_a), string_b = IsStringTarget(c.target_b);

  std::vector<SideItem> side_a, side_b;
  CENTAUR_RETURN_IF_ERROR(ReadBoth(store, open_reader, c, &side_a, &side_b));
  std::unordered_map<std::string_view, size_t> index;
  index.reserve(side_a.size());
  for (size_t i = 0; i < side_a.size(); ++i) index.emplace(side_a[i].item_id, i);

  std::vector<PairedItem> items;
  items.reserve(side_b.size());
  std::unordered_map<std::string_view, Flip> flips;
  for (const SideItem& b : side_b) {
    auto found = index.find(b.item_id);
    if (found == index.end()) {
      c.only_b.push_back(b.item_id);
      continue;
    }
    SideItem& a = side_a[found->second];
    a.paired = true;
    ++c.common;
    const SideItem& gold = a.labeled ? a : b;
    if (a.labeled && b.labeled &&
        (c.classification ? a.gold_text != b.gold_text : a.gold != b.gold)) {
      ++c.gold_differs;
    }
    if (!gold.labeled) {
      ++c.unlabeled;
      continue;
    }
    PairedItem item;
    item.item_id = b.item_id;
    item.failed_a = !a.has_value;
    item.failed_b = !b.has_value;
    if (c.classification) {
      item.gold = gold.gold_text;
      item.pred_a = a.value_text;
      item.pred_b = b.value_text;
    } else {
      // Exact match as a two-class problem: only accuracy is meaningful.
      item.gold = kRight;
      item.pred_a =
          !item.failed_a && ExactMatch(a.value, GoldValue(gold.gold, string_a)) ? kRight : kWrong;
      item.pred_b =
          !item.failed_b && ExactMatch(b.value, GoldValue(gold.gold, string_b)) ? kRight : kWrong;
    }
    const bool right_a = !item.failed_a && item.pred_a == item.gold;
    const bool right_b = !item.failed_b && item.pred_b == item.gold;
    if (right_a != right_b) {
      Flip flip;
      flip.item_id = b.item_id;
      flip.gold = c.classification ? gold.gold_text : LabelText(gold.gold);
      flip.input = b.input;
      flip.a = SideOf(a);
      flip.b = SideOf(b);
      flips.emplace(b.item_id, std::move(flip));
    }
    items.push_back(std::move(item));
  }
  for (const SideItem& a : side_a) {
    if (!a.paired) c.only_a.push_back(a.item_id);
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
  for (const std::string& id : c.paired.flipped_to_wrong) {
    c.to_wrong.push_back(std::move(flips[id]));
  }
  for (const std::string& id : c.paired.flipped_to_right) {
    c.to_right.push_back(std::move(flips[id]));
  }

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
