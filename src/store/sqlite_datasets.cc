// SqliteStore: datasets and items.
#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "core/clock.h"
#include "store/json_column.h"
#include "store/sqlite_store.h"

namespace centaur::sqlite {
namespace {

// Items are inserted this many rows per statement. Besides saving statement
// overhead this matters for FTS5 (SQLite 3.40): it flushes its pending terms
// at every statement that writes to it, so one row per statement writes a
// segment per row (about 50x slower imports).
constexpr int kItemBatch = 1000;

bool IsSplit(const std::string& s) { return s == "val" || s == "test"; }

std::string InsertItemsSql(int rows) {
  std::string sql = "INSERT INTO items(dataset_id, item_id, input, gold, split) VALUES ";
  for (int i = 0; i < rows; ++i) sql += i == 0 ? "(?,?,?,?,?)" : ",(?,?,?,?,?)";
  return sql;
}

// Dataset columns then its item counts (labeled: with an effective gold);
// the caller adds WHERE and GROUP BY.
#define CENTAUR_DATASET_SELECT                                                            \
  "SELECT d.id, d.name, d.source, d.created_ms, count(i.seq), "                           \
  "coalesce(sum(i.split = 'val'), 0), coalesce(sum(i.split = 'test'), 0), "               \
  "count(coalesce(g.label, i.gold)) FROM datasets d LEFT JOIN items i ON i.dataset_id = " \
  "d.id LEFT JOIN gold_labels g ON g.dataset_id = d.id AND g.item_id = i.item_id "

DatasetInfo ReadDataset(const Stmt& st) {
  DatasetInfo info;
  info.id = st.Int(0);
  info.name = st.String(1);
  info.source = st.String(2);
  info.created_ms = st.Int(3);
  info.items = st.Int(4);
  info.val_items = st.Int(5);
  info.test_items = st.Int(6);
  info.labeled = st.Int(7);
  return info;
}

}  // namespace

Result<DatasetInfo> SqliteStore::CreateDataset(const std::string& name, const std::string& source,
                                               const std::vector<Item>& items) {
  static constexpr const char* kInsertDataset =
      "INSERT INTO datasets(name, source, created_ms) VALUES (?1, ?2, ?3)";
  static const std::string kInsertBatch = InsertItemsSql(kItemBatch);
  if (name.empty()) return MakeError(ErrorCode::kInvalidArgument, "dataset name is empty");

  DatasetInfo info;
  info.name = name;
  info.source = source;
  info.created_ms = RealClock()->UnixMillis();
  auto insert_dataset = [&]() -> Status {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kInsertDataset));
    st->Bind(1, name);
    st->Bind(2, source);
    st->Bind(3, info.created_ms);
    Status s = st->Run();
    if (!s.ok()) {
      if (s.error().code != ErrorCode::kAlreadyExists) return s;
      return MakeError(ErrorCode::kAlreadyExists,
                       fmt::format("{}: dataset \"{}\" already exists", db_->path(), name));
    }
    info.id = db_->LastInsertRowid();
    return OkStatus();
  };
  // Validates and inserts items [begin, end) with one statement.
  std::unordered_set<std::string_view> seen;
  std::vector<std::string> inputs(kItemBatch), golds(kItemBatch);
  auto insert_batch = [&](size_t begin, size_t end) -> Status {
    for (size_t k = begin; k < end; ++k) {
      const Item& item = items[k];
      if (item.id.empty()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("dataset \"{}\": item {} has an empty id", name, k + 1));
      }
      if (!IsSplit(item.split)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("dataset \"{}\": item {}: split must be \"val\" or \"test\", "
                                     "not \"{}\"",
                                     name, item.id, item.split));
      }
      if (!seen.insert(item.id).second) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("dataset \"{}\": duplicate item id \"{}\"", name, item.id));
      }
    }
    const int rows = static_cast<int>(end - begin);
    auto bind_and_run = [&](Stmt& st) -> Status {
      for (int r = 0; r < rows; ++r) {
        const Item& item = items[begin + static_cast<size_t>(r)];
        const int p = r * 5;
        inputs[r] = DumpJson(item.input);
        st.Bind(p + 1, info.id);
        st.Bind(p + 2, item.id);
        st.Bind(p + 3, inputs[r]);
        if (item.gold) {
          golds[r] = DumpJson(*item.gold);
          st.Bind(p + 4, golds[r]);
        } else {
          st.BindNull(p + 4);
        }
        st.Bind(p + 5, item.split);
        ++info.items;
        ++(item.split == "val" ? info.val_items : info.test_items);
        if (item.gold) ++info.labeled;
      }
      return st.Run();
    };
    if (rows == kItemBatch) {
      CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kInsertBatch.c_str()));
      return bind_and_run(*st);
    }
    CENTAUR_ASSIGN_OR_RETURN(Stmt st, db_->Prepare(InsertItemsSql(rows)));
    return bind_and_run(st);
  };

  CENTAUR_RETURN_IF_ERROR(RunInOwnTransaction([&]() -> Status {
    CENTAUR_RETURN_IF_ERROR(insert_dataset());
    for (size_t begin = 0; begin < items.size(); begin += kItemBatch) {
      CENTAUR_RETURN_IF_ERROR(
          insert_batch(begin, std::min(items.size(), begin + static_cast<size_t>(kItemBatch))));
    }
    return OkStatus();
  }));
  return info;
}

Result<DatasetInfo> SqliteStore::FindDataset(const std::string& name) {
  static constexpr const char* kSql = CENTAUR_DATASET_SELECT "WHERE d.name = ?1 GROUP BY d.id";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, name);
  CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{}: no dataset named \"{}\"", db_->path(), name));
  }
  return ReadDataset(*st);
}

Result<std::vector<DatasetInfo>> SqliteStore::ListDatasets() {
  static constexpr const char* kSql = CENTAUR_DATASET_SELECT "GROUP BY d.id ORDER BY d.name";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  std::vector<DatasetInfo> out;
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(ReadDataset(*st));
  }
  return out;
}

Result<std::vector<Item>> SqliteStore::ListItems(int64_t dataset_id, const std::string& split,
                                                 int64_t after_seq, int limit) {
  // The effective gold: an annotated label, else the imported one.
  static constexpr const char* kAll =
      "SELECT i.seq, i.item_id, i.input, coalesce(g.label, i.gold), i.split FROM items i "
      "LEFT JOIN gold_labels g ON g.dataset_id = i.dataset_id AND g.item_id = i.item_id "
      "WHERE i.dataset_id = ?1 AND i.seq > ?2 ORDER BY i.seq LIMIT ?3";
  static constexpr const char* kSplit =
      "SELECT i.seq, i.item_id, i.input, coalesce(g.label, i.gold), i.split FROM items i "
      "LEFT JOIN gold_labels g ON g.dataset_id = i.dataset_id AND g.item_id = i.item_id "
      "WHERE i.dataset_id = ?1 AND i.split = ?4 AND i.seq > ?2 ORDER BY i.seq LIMIT ?3";
  const bool all = split == "all";
  if (!all && !IsSplit(split)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("split must be \"val\", \"test\" or \"all\", not \"{}\"", split));
  }
  std::vector<Item> out;
  if (limit <= 0) return out;
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(all ? kAll : kSplit));
  st->Bind(1, dataset_id);
  st->Bind(2, after_seq);
  st->Bind(3, limit);
  if (!all) st->Bind(4, split);
  out.reserve(static_cast<size_t>(std::min(limit, 4096)));
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    Item& item = out.emplace_back();
    item.seq = st->Int(0);
    item.id = st->String(1);
    CENTAUR_ASSIGN_OR_RETURN(item.input,
                             ParseJson(st->Text(2), db_->path(), "items.input", item.seq));
    if (!st->IsNull(3)) {
      CENTAUR_ASSIGN_OR_RETURN(item.gold,
                               ParseJson(st->Text(3), db_->path(), "items.gold", item.seq));
    }
    item.split = st->String(4);
  }
  return out;
}

}  // namespace centaur::sqlite
