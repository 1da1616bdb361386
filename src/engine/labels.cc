#include "engine/labels.h"

#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/records.h"
#include "engine/run_target.h"
#include "eval/metrics.h"

namespace centaur {
namespace {

constexpr size_t kUnknownIdsShown = 5;
constexpr int kItemPage = 4096;

std::string Line(const std::string& path, int line) { return path + ":" + std::to_string(line); }

std::string ColumnList(const Json& fields) {
  std::string out;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    out += (out.empty() ? "" : ", ") + it.key();
  }
  return out;
}

std::string Text(const Json& value) {
  if (value.is_null()) return "";
  return value.is_string() ? value.get<std::string>() : value.dump();
}

Result<std::unordered_set<std::string>> ItemIds(Store* store, int64_t dataset_id) {
  std::unordered_set<std::string> ids;
  int64_t after = 0;
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(std::vector<Item> page,
                             store->ListItems(dataset_id, "all", after, kItemPage));
    for (Item& item : page) ids.insert(std::move(item.id));
    if (page.size() < static_cast<size_t>(kItemPage)) return ids;
    after = page.back().seq;
  }
}

}  // namespace

Result<DatasetInfo> ResolveDataset(Store* store, const std::string& name) {
  if (!name.empty()) return store->FindDataset(name);
  CENTAUR_ASSIGN_OR_RETURN(std::vector<DatasetInfo> all, store->ListDatasets());
  if (all.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     "no datasets yet (centaur data import FILE --name NAME makes one)");
  }
  if (all.size() > 1) {
    std::string names;
    for (const DatasetInfo& d : all) names += (names.empty() ? "" : ", ") + d.name;
    return MakeError(ErrorCode::kInvalidArgument, "there are " + std::to_string(all.size()) +
                                                      " datasets; name one with --dataset (" +
                                                      names + ")");
  }
  return all.front();
}

Result<LabelImportSummary> ImportLabels(Store* store, const DatasetInfo& dataset,
                                        const std::string& path,
                                        const LabelImportOptions& options) {
  LabelImportSummary summary;
  std::vector<Annotation> annotations;
  std::vector<int> lines;
  std::map<std::pair<std::string, std::string>, int> first_line;  // (item, annotator) -> line
  std::set<std::string> annotators;
  Status read = ReadRecordsFile(path, [&](const Record& record) -> Status {
    for (const auto& [flag, column] : {std::pair{"--id-column", &options.id_column},
                                       std::pair{"--label-column", &options.label_column}}) {
      if (!record.fields.contains(*column)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         Line(path, record.line) + ": " + flag + " \"" + *column +
                             "\" is not a column (columns: " + ColumnList(record.fields) + ")");
      }
    }
    Annotation a;
    a.dataset_id = dataset.id;
    a.action = "label";
    a.item_id = Text(record.fields[options.id_column]);
    if (a.item_id.empty()) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          Line(path, record.line) + ": empty id in column \"" + options.id_column + "\"");
    }
    const Json& label = record.fields[options.label_column];
    if (label.is_null() || (label.is_string() && label.get<std::string>().empty())) {
      ++summary.without_label;
      return OkStatus();
    }
    a.label = label;
    a.annotator = options.annotator;
    if (a.annotator.empty() && record.fields.contains("annotator")) {
      a.annotator = Text(record.fields["annotator"]);
    }
    if (a.annotator.empty()) a.annotator = options.default_annotator;
    if (a.annotator.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       Line(path, record.line) + ": no annotator (pass --annotator NAME)");
    }
    if (record.fields.contains("note")) a.note = Text(record.fields["note"]);
    auto [seen, inserted] = first_line.emplace(std::pair{a.item_id, a.annotator}, record.line);
    if (!inserted) {
      return MakeError(ErrorCode::kInvalidArgument, Line(path, record.line) + ": item \"" +
                                                        a.item_id + "\" is labeled twice by \"" +
                                                        a.annotator + "\" (first on line " +
                                                        std::to_string(seen->second) + ")");
    }
    annotators.insert(a.annotator);
    annotations.push_back(std::move(a));
    lines.push_back(record.line);
    return OkStatus();
  });
  CENTAUR_RETURN_IF_ERROR(read);
  if (annotations.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, path + ": no labels to import");
  }
  CENTAUR_ASSIGN_OR_RETURN(std::unordered_set<std::string> ids, ItemIds(store, dataset.id));
  std::vector<size_t> unknown;
  for (size_t i = 0; i < annotations.size(); ++i) {
    if (!ids.contains(annotations[i].item_id)) unknown.push_back(i);
  }
  if (unknown.size() == 1) {
    const size_t i = unknown.front();
    return MakeError(ErrorCode::kInvalidArgument, Line(path, lines[i]) + ": no item \"" +
                                                      annotations[i].item_id + "\" in dataset \"" +
                                                      dataset.name + "\"");
  }
  if (!unknown.empty()) {
    std::string list;
    for (size_t k = 0; k < unknown.size() && k < kUnknownIdsShown; ++k) {
      const size_t i = unknown[k];
      list += (k == 0 ? "" : ", ") +
              ("\"" + annotations[i].item_id + "\" (line " + std::to_string(lines[i]) + ")");
    }
    if (unknown.size() > kUnknownIdsShown) {
      list += ", and " + std::to_string(unknown.size() - kUnknownIdsShown) + " more";
    }
    return MakeError(ErrorCode::kInvalidArgument, path + ": " + std::to_string(unknown.size()) +
                                                      " item ids are not in dataset \"" +
                                                      dataset.name + "\": " + list);
  }
  CENTAUR_RETURN_IF_ERROR(store->AddAnnotations(annotations));
  summary.labels = static_cast<int64_t>(annotations.size());
  summary.annotators.assign(annotators.begin(), annotators.end());
  return summary;
}

Result<std::vector<LabelRow>> CurrentLabelRows(Store* store, int64_t dataset_id) {
  CENTAUR_ASSIGN_OR_RETURN(std::vector<Annotation> current, store->CurrentLabels(dataset_id));
  CENTAUR_ASSIGN_OR_RETURN(std::vector<Annotation> all, store->ListAnnotations(dataset_id));
  std::map<std::pair<std::string, std::string>, std::string> notes;  // (item, annotator)
  for (const Annotation& a : all) {
    if (a.action != "note" || a.undone) continue;
    std::string& n = notes[{a.item_id, a.annotator}];
    n += (n.empty() ? "" : "; ") + a.note;
  }
  std::vector<LabelRow> rows;
  rows.reserve(current.size());
  for (Annotation& a : current) {
    LabelRow& row = rows.emplace_back();
    row.item_id = a.item_id;
    row.label = std::move(*a.label);
    row.annotator = a.annotator;
    row.created_ms = a.created_ms;
    row.note = a.note.empty() ? notes[{a.item_id, a.annotator}] : a.note;
  }
  return rows;
}

Result<AgreementReport> ComputeAgreement(Store* store, int64_t dataset_id) {
  CENTAUR_ASSIGN_OR_RETURN(std::vector<Annotation> current, store->CurrentLabels(dataset_id));
  // Item -> annotator -> label text, in item order.
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> items;
  std::map<std::string, int64_t> counts;
  for (const Annotation& a : current) {
    if (items.empty() || items.back().first != a.item_id) items.push_back({a.item_id, {}});
    items.back().second[a.annotator] = LabelText(*a.label);
    ++counts[a.annotator];
  }
  AgreementReport report;
  report.annotators.assign(counts.begin(), counts.end());
  report.labeled_items = static_cast<int64_t>(items.size());
  std::vector<std::vector<std::string>> units;
  std::map<std::pair<std::string, std::string>, std::vector<RatingPair>> pairs;
  for (const auto& [item, labels] : items) {
    if (labels.size() < 2) continue;
    ++report.shared_items;
    report.ratings += static_cast<int64_t>(labels.size());
    std::vector<std::string>& unit = units.emplace_back();
    for (const auto& [who, label] : labels) unit.push_back(label);
    bool same = true;
    for (const std::string& l : unit) same = same && l == unit.front();
    report.unanimous += same ? 1 : 0;
    for (auto i = labels.begin(); i != labels.end(); ++i) {
      for (auto j = std::next(i); j != labels.end(); ++j) {
        pairs[{i->first, j->first}].push_back({i->second, j->second});
      }
    }
  }
  for (const auto& [names, ratings] : pairs) {
    PairAgreement& p = report.pairs.emplace_back();
    p.a = names.first;
    p.b = names.second;
    p.items = static_cast<int64_t>(ratings.size());
    for (const RatingPair& r : ratings) p.agree += r.a == r.b ? 1 : 0;
    p.kappa = CohenKappa(ratings);
  }
  if (report.pairs.size() == 1) report.kappa = report.pairs.front().kappa;
  report.alpha = KrippendorffAlphaNominal(units);
  return report;
}

}  // namespace centaur
