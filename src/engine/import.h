// Dataset import: a CSV or JSONL file becomes a named dataset of items with
// stable ids, optional gold labels and a deterministic val/test split.
// All or nothing: any malformed row fails the import with file:line and
// nothing is stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace centaur {

struct ImportOptions {
  static constexpr double kDefaultTestFraction = 0.3;
  static constexpr uint64_t kDefaultSplitSeed = 42;

  std::string name;                 // dataset name (required)
  std::optional<std::string> label_column;
  std::optional<std::string> id_column;
  double test_fraction = kDefaultTestFraction;
  uint64_t seed = kDefaultSplitSeed;
};

struct ImportSummary {
  DatasetInfo dataset;
  int64_t duplicates_skipped = 0;  // rows identical to an earlier row (no id column)
};

Result<ImportSummary> ImportDataset(Store* store, const std::string& path,
                                    const ImportOptions& options);

}  // namespace centaur
