#include "engine/import.h"

#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/hash.h"
#include "core/records.h"

namespace centaur {
namespace {

std::string ColumnList(const Json& fields) {
  std::string out;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    out += (out.empty() ? "" : ", ") + it.key();
  }
  return out;
}

Status CheckColumn(const std::string& path, const Record& record, const std::string& flag,
                   const std::string& column) {
  if (record.fields.contains(column)) return OkStatus();
  return MakeError(ErrorCode::kInvalidArgument,
                   path + ":" + std::to_string(record.line) + ": " + flag + " \"" + column +
                       "\" is not a column (columns: " + ColumnList(record.fields) + ")");
}

std::string IdText(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

Result<ImportSummary> ImportDataset(Store* store, const std::string& path,
                                    const ImportOptions& options) {
  if (options.name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "a dataset needs a name (--name NAME)");
  }
  if (options.test_fraction < 0 || options.test_fraction > 1) {
    return MakeError(ErrorCode::kInvalidArgument, "--test-fraction must be between 0 and 1");
  }
  ImportSummary summary;
  std::vector<Item> items;
  std::unordered_map<std::string, int> id_lines;
  Status read = ReadRecordsFile(path, [&](const Record& record) -> Status {
    if (options.label_column) {
      CENTAUR_RETURN_IF_ERROR(CheckColumn(path, record, "--label-column", *options.label_column));
    }
    if (options.id_column) {
      CENTAUR_RETURN_IF_ERROR(CheckColumn(path, record, "--id-column", *options.id_column));
    }
    Item item;
    item.input = Json::object();
    for (auto it = record.fields.begin(); it != record.fields.end(); ++it) {
      if (options.label_column && it.key() == *options.label_column) continue;
      if (options.id_column && it.key() == *options.id_column) continue;
      item.input[it.key()] = it.value();
    }
    if (options.label_column) {
      const Json& gold = record.fields[*options.label_column];
      bool empty = gold.is_null() || (gold.is_string() && gold.get<std::string>().empty());
      if (!empty) item.gold = gold;
    }
    if (options.id_column) {
      item.id = IdText(record.fields[*options.id_column]);
      if (item.id.empty()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         path + ":" + std::to_string(record.line) + ": empty id in column \"" +
                             *options.id_column + "\"");
      }
    } else {
      item.id = Hash64Hex(record.fields.dump());
    }
    auto [seen, inserted] = id_lines.emplace(item.id, record.line);
    if (!inserted) {
      if (!options.id_column) {
        ++summary.duplicates_skipped;  // the same row twice: keep one
        return OkStatus();
      }
      return MakeError(ErrorCode::kInvalidArgument,
                       path + ":" + std::to_string(record.line) + ": duplicate id \"" + item.id +
                           "\" (first on line " + std::to_string(seen->second) + ")");
    }
    item.split = AssignSplit(item.id, options.test_fraction, options.seed);
    items.push_back(std::move(item));
    return OkStatus();
  });
  CENTAUR_RETURN_IF_ERROR(read);
  if (items.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, path + ": no rows to import");
  }
  CENTAUR_ASSIGN_OR_RETURN(summary.dataset, store->CreateDataset(options.name, path, items));
  return summary;
}

}  // namespace centaur
