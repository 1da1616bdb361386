// SqliteStore: the Store on one SQLite file (see store.h for the contract).
//
// Durability: journal_mode=WAL with synchronous=NORMAL. A commit is written
// to the WAL before Commit() returns, so it survives the process being
// killed (kill -9, a crash); only an OS crash or power loss can lose the last
// commits (the WAL is fsynced at checkpoints). That is what centaur promises.
//
// Transactions: AddResult and CachePut join a group transaction, opened by the
// first such write after a commit (BEGIN IMMEDIATE) and committed by Commit().
// PutTaskVersion, CreateRun and FinishRun commit at once (together with any
// pending writes); CreateDataset commits pending writes, then runs in its own
// all-or-nothing transaction. The destructor commits pending writes.
// The group transaction holds SQLite's write lock until Commit(): a second
// writer (another Store, in this process or another) waits up to
// busy_timeout (5 s) for it, so keep one writing Store per database.
// Checkpoints run on a background thread (see checkpointer.h); that thread
// never touches this object's connection.
//
// Reads inside the group transaction are cheapest (CacheGet ~3 us). A read
// outside any transaction opens and closes a WAL read transaction, two
// fcntl() locks, which adds a few microseconds.
//
// AddResult refuses results for unknown and finished runs (FinishRun freezes
// a run's aggregates into run_stats).
//
// AddAnnotation(s) and AddProtocolVersion run in their own transactions,
// like CreateDataset. Annotations are in sqlite_annotations.cc, protocols in
// sqlite_protocols.cc.
//
// FindResults (filtered, searched result lists for paging) is in
// sqlite_pages.cc.
#pragma once

#include <memory>
#include <string>

#include "store/checkpointer.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace centaur::sqlite {

class SqliteStore final : public Store {
 public:
  // Opens and migrates; see OpenSqliteStore.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore() override;

  Result<DatasetInfo> CreateDataset(const std::string& name, const std::string& source,
                                    const std::vector<Item>& items) override;
  Result<DatasetInfo> FindDataset(const std::string& name) override;
  Result<std::vector<DatasetInfo>> ListDatasets() override;
  Result<std::vector<Item>> ListItems(int64_t dataset_id, const std::string& split,
                                      int64_t after_seq, int limit) override;

  Status PutTaskVersion(const TaskVersionRecord& record) override;
  Result<std::vector<TaskVersionRecord>> ListTaskVersions(const std::string& name) override;

  Result<RunInfo> CreateRun(const RunSpec& spec) override;
  Result<std::optional<RunInfo>> FindUnfinishedRun(const std::string& identity) override;
  Result<RunInfo> GetRun(int64_t run_id) override;
  Result<std::vector<RunInfo>> ListRuns(bool include_calls) override;
  Status FinishRun(int64_t run_id) override;
  Result<std::unordered_set<std::string>> FinishedItemIds(int64_t run_id) override;

  Status AddResult(const ResultRecord& result) override;
  Status ForEachResult(int64_t run_id, bool with_attempts,
                       const std::function<Status(const ResultRecord&)>& fn) override;
  Result<ResultRecord> GetResult(int64_t run_id, const std::string& item_id) override;

  Result<std::vector<std::string>> FindResults(int64_t run_id, const ResultFilter& filter) override;

  Result<Annotation> AddAnnotation(const Annotation& annotation) override;
  Status AddAnnotations(const std::vector<Annotation>& annotations) override;
  Result<std::vector<Annotation>> ListAnnotations(int64_t dataset_id,
                                                  const std::string& item_id) override;
  Result<std::vector<Annotation>> CurrentLabels(int64_t dataset_id) override;
  Result<std::optional<Annotation>> LastUndoable(int64_t dataset_id, const std::string& annotator,
                                                 std::optional<int64_t> run_id) override;

  Result<ProtocolVersion> AddProtocolVersion(const std::string& task, const std::string& text,
                                             const std::string& author) override;
  Result<std::vector<ProtocolVersion>> ListProtocolVersions(const std::string& task) override;

  Result<std::optional<CacheEntry>> CacheGet(const std::string& key) override;
  Status CachePut(const CacheEntry& entry) override;

  Status BeginReads() override;
  Status Commit() override;

 private:
  SqliteStore(std::unique_ptr<Db> db, std::unique_ptr<Checkpointer> checkpointer)
      : db_(std::move(db)), checkpointer_(std::move(checkpointer)) {}

  static constexpr const char* kBeginSql = "BEGIN IMMEDIATE";
  static constexpr const char* kBeginReadsSql = "BEGIN";  // deferred: no lock until a read
  static constexpr const char* kCommitSql = "COMMIT";

  // Opens the group transaction if none is open (ending a read snapshot).
  Status BeginPending();
  // Ends the snapshot of BeginReads, if one is open.
  Status EndReads();
  // Commits pending writes, then runs `body` in a transaction of its own:
  // committed when it succeeds, rolled back when it fails.
  Status RunInOwnTransaction(const std::function<Status()>& body);
  // After a failed write: when SQLite rolled the whole transaction back (I/O
  // error, disk full), the pending writes are gone; say so.
  Error CheckLost(Error error);
  Status InsertAttempts(int64_t result_id, const ResultRecord& result);
  Status LoadAttempts(int64_t result_id, std::vector<AttemptRecord>* out);
  // A run's dataset (none for calls) and its task's target ("" when unknown).
  struct RunRef {
    std::optional<int64_t> dataset_id;
    std::string target;
  };
  Result<RunRef> GetRunRef(int64_t run_id);
  // Checks and appends one annotation inside the open transaction, and
  // updates gold_labels; fills id and created_ms.
  Status InsertAnnotation(Annotation* annotation);

  std::unique_ptr<Db> db_;
  std::unique_ptr<Checkpointer> checkpointer_;  // null for :memory:; stopped before db_ closes
  bool pending_ = false;                        // a group transaction is open
  bool reading_ = false;                        // a read snapshot (BeginReads) is open
  // The run AddResult last found running; saves a lookup per result. (A run
  // finished by another process meanwhile is not noticed.)
  int64_t running_run_ = 0;
  bool functions_ready_ = false;  // FindResults' SQL functions are registered on db_
};

}  // namespace centaur::sqlite
