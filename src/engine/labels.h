// Gold labels from people: imported from CSV/JSONL files as annotations,
// exported as rows, and the agreement between annotators.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "store/store.h"

namespace centaur {

// The dataset `name` names, or the only one when `name` is empty.
// kInvalidArgument when there are several (naming them), kNotFound when
// there is none.
Result<DatasetInfo> ResolveDataset(Store* store, const std::string& name);

struct LabelImportOptions {
  std::string id_column = "id";
  std::string label_column = "label";
  // Every row's annotator. Empty: a row's "annotator" column when it has a
  // non-empty one, else default_annotator.
  std::string annotator;
  std::string default_annotator;
};

struct LabelImportSummary {
  int64_t labels = 0;
  int64_t without_label = 0;  // rows with an empty label: skipped
  std::vector<std::string> annotators;
};

// Reads FILE (CSV or JSONL, as data import does) into "label" annotations of
// `dataset`, all in one transaction or none. Errors name FILE:LINE[:COL]:
// records that do not parse, a missing column, an empty id, the same item
// twice for one annotator; item ids the dataset lacks are one error listing
// the first few with their lines.
Result<LabelImportSummary> ImportLabels(Store* store, const DatasetInfo& dataset,
                                        const std::string& path, const LabelImportOptions& options);

// One annotator's current label on one item, for export.
struct LabelRow {
  std::string item_id;
  Json label;
  std::string annotator;
  int64_t created_ms = 0;
  std::string note;  // the label's own note, else the annotator's notes on the item ("; ")
};
Result<std::vector<LabelRow>> CurrentLabelRows(Store* store, int64_t dataset_id);

struct PairAgreement {
  std::string a, b;
  int64_t items = 0;  // items both labeled
  int64_t agree = 0;
  std::optional<double> kappa;
};

struct AgreementReport {
  std::vector<std::pair<std::string, int64_t>> annotators;  // name -> items labeled, by name
  int64_t labeled_items = 0;  // items with at least one annotator's label
  int64_t shared_items = 0;   // ... with two or more annotators
  int64_t ratings = 0;        // labels on the shared items
  int64_t unanimous = 0;      // shared items whose labels all agree
  // Cohen's kappa when exactly two annotators share items; Krippendorff's
  // alpha (nominal) over the shared items for any number.
  std::optional<double> kappa;
  std::optional<double> alpha;
  std::vector<PairAgreement> pairs;  // every pair of annotators sharing items
};
Result<AgreementReport> ComputeAgreement(Store* store, int64_t dataset_id);

}  // namespace centaur
