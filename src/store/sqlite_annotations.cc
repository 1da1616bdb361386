// SqliteStore: annotations and the effective gold they make (gold_labels).
#include <fmt/format.h>

#include "core/clock.h"
#include "store/json_column.h"
#include "store/sqlite_store.h"

namespace centaur::sqlite {
namespace {

bool IsAction(const std::string& a) {
  return a == "label" || a == "accept" || a == "note" || a == "skip" || a == "undo";
}

bool HasLabel(const std::string& action) { return action == "label" || action == "accept"; }

#define CENTAUR_ANNOTATION_COLUMNS                                                    \
  "a.id, a.dataset_id, a.item_id, a.annotator, a.action, a.label, a.note, a.run_id, " \
  "a.protocol_version, a.undoes, a.created_ms, "                                      \
  "EXISTS (SELECT 1 FROM annotations u WHERE u.undoes = a.id) "

// Not undone: no undo record names it.
#define CENTAUR_NOT_UNDONE(a) "NOT EXISTS (SELECT 1 FROM annotations u WHERE u.undoes = " a ".id)"

Status ReadAnnotation(const Stmt& st, const std::string& path, Annotation* a) {
  a->id = st.Int(0);
  a->dataset_id = st.Int(1);
  a->item_id = st.String(2);
  a->annotator = st.String(3);
  a->action = st.String(4);
  a->label.reset();
  if (!st.IsNull(5)) {
    CENTAUR_ASSIGN_OR_RETURN(a->label, ParseJson(st.Text(5), path, "annotations.label", a->id));
  }
  a->note = st.String(6);
  a->run_id = st.OptInt(7);
  a->protocol_version = st.OptInt(8);
  a->undoes = st.OptInt(9);
  a->created_ms = st.Int(10);
  a->undone = st.Int(11) != 0;
  return OkStatus();
}

// Every row the statement returns.
Result<std::vector<Annotation>> ReadAnnotations(Stmt& st, const std::string& path) {
  std::vector<Annotation> out;
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    CENTAUR_RETURN_IF_ERROR(ReadAnnotation(st, path, &out.emplace_back()));
  }
  return out;
}

Error Invalid(const std::string& what) { return MakeError(ErrorCode::kInvalidArgument, what); }

}  // namespace

Status SqliteStore::InsertAnnotation(Annotation* a) {
  static constexpr const char* kItemExists =
      "SELECT 1 FROM items WHERE dataset_id = ?1 AND item_id = ?2";
  static constexpr const char* kTarget =
      "SELECT a.dataset_id, a.item_id, a.action, " CENTAUR_NOT_UNDONE(
          "a") " FROM annotations a WHERE a.id = ?1";
  static constexpr const char* kInsert =
      "INSERT INTO annotations(dataset_id, item_id, annotator, action, label, note, run_id, "
      "protocol_version, undoes, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
  static constexpr const char* kClearGold =
      "DELETE FROM gold_labels WHERE dataset_id = ?1 AND item_id = ?2";
  static constexpr const char* kSetGold =
      "INSERT INTO gold_labels(dataset_id, item_id, label, annotation_id) "
      "SELECT a.dataset_id, a.item_id, a.label, a.id FROM annotations a "
      "WHERE a.dataset_id = ?1 AND a.item_id = ?2 AND a.action IN ('label', 'accept') "
      "AND " CENTAUR_NOT_UNDONE("a") " ORDER BY a.id DESC LIMIT 1";

  if (!IsAction(a->action)) {
    return Invalid(fmt::format(
        "annotation action must be \"label\", \"accept\", \"note\", \"skip\" or \"undo\", not "
        "\"{}\"",
        a->action));
  }
  if (a->annotator.empty()) return Invalid("an annotation needs an annotator");
  if (HasLabel(a->action) != a->label.has_value()) {
    return Invalid(HasLabel(a->action)
                       ? fmt::format("a \"{}\" annotation needs a label", a->action)
                       : fmt::format("a \"{}\" annotation has no label", a->action));
  }
  if ((a->action == "undo") != a->undoes.has_value()) {
    return Invalid(a->undoes ? "only an \"undo\" annotation names one it undoes"
                             : "an \"undo\" annotation must name the annotation it undoes");
  }
  if (a->undoes) {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kTarget));
    st->Bind(1, *a->undoes);
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row || st->Int(0) != a->dataset_id) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("no annotation {} in this dataset to undo", *a->undoes));
    }
    if (st->Text(2) == "undo") {
      return Invalid(fmt::format("annotation {} is an undo; it cannot be undone", *a->undoes));
    }
    if (st->Int(3) == 0) {
      return Invalid(fmt::format("annotation {} is already undone", *a->undoes));
    }
    if (a->item_id.empty()) a->item_id = st->String(1);
    if (a->item_id != st->Text(1)) {
      return Invalid(fmt::format("annotation {} is about item \"{}\", not \"{}\"", *a->undoes,
                                 st->Text(1), a->item_id));
    }
  }
  {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kItemExists));
    st->Bind(1, a->dataset_id);
    st->Bind(2, a->item_id);
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) {
      return MakeError(ErrorCode::kNotFound, fmt::format("{}: no item \"{}\" in dataset {}",
                                                         db_->path(), a->item_id, a->dataset_id));
    }
  }
  if (a->created_ms == 0) a->created_ms = RealClock()->UnixMillis();
  {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kInsert));
    std::string label = a->label ? DumpJson(*a->label) : std::string();
    st->Bind(1, a->dataset_id);
    st->Bind(2, a->item_id);
    st->Bind(3, a->annotator);
    st->Bind(4, a->action);
    if (a->label) {
      st->Bind(5, label);
    } else {
      st->BindNull(5);
    }
    st->Bind(6, a->note);
    st->Bind(7, a->run_id);
    st->Bind(8, a->protocol_version);
    st->Bind(9, a->undoes);
    st->Bind(10, a->created_ms);
    CENTAUR_RETURN_IF_ERROR(st->Run());
    a->id = db_->LastInsertRowid();
  }
  a->undone = false;
  if (a->action == "note" || a->action == "skip") return OkStatus();
  // The item's effective gold may have changed: recompute it.
  for (const char* sql : {kClearGold, kSetGold}) {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(sql));
    st->Bind(1, a->dataset_id);
    st->Bind(2, a->item_id);
    CENTAUR_RETURN_IF_ERROR(st->Run());
  }
  return OkStatus();
}

Result<Annotation> SqliteStore::AddAnnotation(const Annotation& annotation) {
  Annotation a = annotation;
  CENTAUR_RETURN_IF_ERROR(RunInOwnTransaction([&] { return InsertAnnotation(&a); }));
  return a;
}

Status SqliteStore::AddAnnotations(const std::vector<Annotation>& annotations) {
  return RunInOwnTransaction([&]() -> Status {
    for (const Annotation& annotation : annotations) {
      Annotation a = annotation;
      CENTAUR_RETURN_IF_ERROR(InsertAnnotation(&a));
    }
    return OkStatus();
  });
}

Result<std::vector<Annotation>> SqliteStore::ListAnnotations(int64_t dataset_id,
                                                             const std::string& item_id) {
  static constexpr const char* kAll = "SELECT " CENTAUR_ANNOTATION_COLUMNS
                                      "FROM annotations a WHERE a.dataset_id = ?1 ORDER BY a.id";
  static constexpr const char* kItem =
      "SELECT " CENTAUR_ANNOTATION_COLUMNS
      "FROM annotations a WHERE a.dataset_id = ?1 AND a.item_id = ?2 ORDER BY a.id";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(item_id.empty() ? kAll : kItem));
  st->Bind(1, dataset_id);
  if (!item_id.empty()) st->Bind(2, item_id);
  return ReadAnnotations(*st, db_->path());
}

Result<std::vector<Annotation>> SqliteStore::CurrentLabels(int64_t dataset_id) {
  static constexpr const char* kSql =
      "SELECT " CENTAUR_ANNOTATION_COLUMNS
      "FROM (SELECT b.*, row_number() OVER (PARTITION BY b.item_id, b.annotator "
      "ORDER BY b.id DESC) AS latest FROM annotations b WHERE b.dataset_id = ?1 "
      "AND b.action IN ('label', 'accept') AND " CENTAUR_NOT_UNDONE("b") ") a "
      "JOIN items i ON i.dataset_id = a.dataset_id AND i.item_id = a.item_id "
      "WHERE a.latest = 1 ORDER BY i.seq, a.annotator";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, dataset_id);
  return ReadAnnotations(*st, db_->path());
}

Result<std::optional<Annotation>> SqliteStore::LastUndoable(int64_t dataset_id,
                                                            const std::string& annotator,
                                                            std::optional<int64_t> run_id) {
  static constexpr const char* kSql =
      "SELECT " CENTAUR_ANNOTATION_COLUMNS
      "FROM annotations a WHERE a.dataset_id = ?1 AND a.annotator = ?2 AND a.action != 'undo' "
      "AND (?3 IS NULL OR a.run_id = ?3) AND " CENTAUR_NOT_UNDONE(
          "a") " ORDER BY a.id DESC LIMIT 1";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, dataset_id);
  st->Bind(2, annotator);
  st->Bind(3, run_id);
  CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<Annotation>();
  Annotation a;
  CENTAUR_RETURN_IF_ERROR(ReadAnnotation(*st, db_->path(), &a));
  return std::optional<Annotation>(std::move(a));
}

}  // namespace centaur::sqlite
