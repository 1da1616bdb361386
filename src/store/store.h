// Store: everything centaur keeps — datasets and items, task versions, runs,
// results, attempts (the trace of every provider call), the response cache,
// annotations (human labels, notes) and annotation protocols. The default is
// one SQLite file (WAL, versioned migrations).
//
// Writing: AddResult/CachePut/AddTrace go into an open transaction that is
// made durable by Commit() (group commit). Callers commit at least every
// kGroupCommitMs while work is flowing, so a crash loses at most that much
// (the run loop keeps its results until then and writes them together).
// Reading sees committed and this connection's uncommitted writes.
// Not thread-safe: one Store per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace centaur {

struct Item {
  std::string id;              // stable: given, or a content hash
  Json input;                  // object: column/field name -> value
  std::optional<Json> gold;    // the gold label/output, when known
  std::string split;           // "val" or "test"
  int64_t seq = 0;             // storage order, for paging (set by the store)
};

struct DatasetInfo {
  int64_t id = 0;
  std::string name;
  std::string source;          // the imported file's path
  int64_t created_ms = 0;
  int64_t items = 0, val_items = 0, test_items = 0, labeled = 0;
};

struct TaskVersionRecord {
  std::string name;
  std::string version;         // the task's behaviour hash
  std::string source_path;
  std::string source_text;     // the task file as loaded (for history/diff)
  Json spec;                   // canonical JSON of everything hashed
};

struct RunSpec {
  std::string kind = "run";    // "run" or "call" (single `centaur call`)
  std::string task_name;
  std::string task_version;
  std::string model;           // "provider:model"
  Json params;                 // sampling params and attempts
  std::optional<int64_t> dataset_id;
  std::string split;           // "val", "test", "all" (or "" for calls)
  std::optional<int64_t> limit;
  // Runs with the same identity are the same run: an unfinished one resumes.
  std::string identity;
};

struct RunInfo {
  int64_t id = 0;
  RunSpec spec;
  std::string dataset_name;
  std::string status;          // "running" or "done"
  int64_t created_ms = 0;
  int64_t finished_ms = 0;     // 0 while running
  // Aggregates over the run's results (kept current by FinishRun and
  // computed on read while running).
  int64_t results = 0, succeeded = 0, failed = 0;
  int64_t calls = 0;           // provider requests made (cache hits excluded)
  int64_t cache_hits = 0;
  int64_t input_tokens = 0, output_tokens = 0;
  std::optional<double> cost;  // nullopt when any call's cost is unknown
  int64_t labeled = 0, correct = 0;  // results with a gold label / right ones
  double latency_ms = 0;       // sum over results
};

struct AttemptRecord {
  int attempt_no = 1;          // 1-based; re-asks count up
  std::string request_hash;    // key of the request body in the requests table
  std::string request_json;    // canonical request (ChatRequestText), no secrets
  std::string response_text;   // the model's output text ("" on error)
  std::string raw_body;        // provider's body, for the trace ("" on cache hit)
  std::string status;          // "ok", "invalid" (parse/validation) or "error"
  std::string error;           // validation or API error text, redacted
  double latency_ms = 0;
  int http_attempts = 0;       // transport tries (0 on cache hit)
  int64_t input_tokens = 0, output_tokens = 0;
  std::optional<double> cost;
  bool cache_hit = false;
  int64_t created_ms = 0;
};

struct ResultRecord {
  int64_t run_id = 0;
  std::string item_id;
  std::string status;          // "ok" or "failed"
  Json output;                 // validated output; null when failed
  std::string raw;             // last raw output text
  std::string error;           // last error when failed
  int64_t input_tokens = 0, output_tokens = 0;
  std::optional<double> cost;
  double latency_ms = 0;
  bool cache_hit = false;      // every attempt came from the cache
  std::optional<bool> correct; // set when the item has a gold label
  std::vector<AttemptRecord> attempts;
  int64_t created_ms = 0;
  // Filled by reads only: the item's input and gold.
  Json input;
  std::optional<Json> gold;
};

// A person's decision about one item of a dataset. Annotations are appended,
// never changed: a correction is a new label, a mistake is taken back by an
// "undo" record naming it.
struct Annotation {
  int64_t id = 0;  // set by the store; increases in append order
  int64_t dataset_id = 0;
  std::string item_id;
  std::string annotator;
  std::string action;         // "label", "accept", "note", "skip" or "undo"
  std::optional<Json> label;  // the gold label: set for "label" and "accept" only
  std::string note;
  std::optional<int64_t> run_id;            // the run being annotated, if any
  std::optional<int64_t> protocol_version;  // the task's protocol version in force
  std::optional<int64_t> undoes;            // "undo": the annotation it takes back
  int64_t created_ms = 0;                   // 0: now
  bool undone = false;                      // filled by reads: taken back by an undo
};

// One version of a task's annotation protocol (markdown).
struct ProtocolVersion {
  std::string task;
  int64_t version = 0;  // 1, 2, ... per task
  std::string text;
  std::string author;
  int64_t created_ms = 0;
};

// Which of a run's results FindResults returns. Every set condition must hold.
struct ResultFilter {
  // "" (all), "wrong" (scored against the effective gold and not correct),
  // "unlabeled" (no effective gold), "disagreements" (the item's annotators'
  // current labels differ), "errors" (failed, or any attempt not ok) or
  // "invalid" (any attempt's output failed parsing or validation).
  std::string kind;
  // Full-text search over item inputs: every word must occur (as a word or
  // a word's prefix). Punctuation is ignored; it never is a query syntax error.
  std::string text;
  // Label texts (strings as they are, other values as compact JSON): the
  // effective gold, and the target value of an ok output (runs whose task
  // names a target).
  std::optional<std::string> gold, predicted;
};

struct CacheEntry {
  std::string key;
  std::string response_text;
  std::string finish_reason;
  int64_t input_tokens = 0, output_tokens = 0;
  int64_t created_ms = 0;
};

class Store {
 public:
  static constexpr int kGroupCommitMs = 200;
  virtual ~Store() = default;

  // Datasets. CreateDataset writes all items in one transaction (committed
  // before returning) or nothing; a taken name is kAlreadyExists.
  virtual Result<DatasetInfo> CreateDataset(const std::string& name, const std::string& source,
                                            const std::vector<Item>& items) = 0;
  // kNotFound when no dataset has that name.
  virtual Result<DatasetInfo> FindDataset(const std::string& name) = 0;
  virtual Result<std::vector<DatasetInfo>> ListDatasets() = 0;
  // Items of `split` ("val", "test" or "all") with seq > after_seq, in seq
  // order, at most `limit`.
  virtual Result<std::vector<Item>> ListItems(int64_t dataset_id, const std::string& split,
                                              int64_t after_seq, int limit) = 0;

  // Task versions: idempotent on (name, version).
  virtual Status PutTaskVersion(const TaskVersionRecord& record) = 0;
  virtual Result<std::vector<TaskVersionRecord>> ListTaskVersions(const std::string& name) = 0;

  // Runs.
  virtual Result<RunInfo> CreateRun(const RunSpec& spec) = 0;
  // The newest run with this identity whose status is "running", if any.
  virtual Result<std::optional<RunInfo>> FindUnfinishedRun(const std::string& identity) = 0;
  // kNotFound for an unknown id.
  virtual Result<RunInfo> GetRun(int64_t run_id) = 0;
  // Newest first; kind "run" only unless include_calls.
  virtual Result<std::vector<RunInfo>> ListRuns(bool include_calls = false) = 0;
  // Marks the run done (commits pending writes first).
  virtual Status FinishRun(int64_t run_id) = 0;
  // Ids of items that already have a result in this run (for resume).
  virtual Result<std::unordered_set<std::string>> FinishedItemIds(int64_t run_id) = 0;

  // Results with their attempts; pending until Commit(). Adding a result for
  // an item that already has one in the run is kAlreadyExists (never doubled).
  virtual Status AddResult(const ResultRecord& result) = 0;
  // Streams a run's results in item order, with input and gold filled in;
  // attempts are filled only when with_attempts. Stops early on a callback error.
  virtual Status ForEachResult(int64_t run_id, bool with_attempts,
                               const std::function<Status(const ResultRecord&)>& fn) = 0;
  // One item's result with attempts; kNotFound when absent.
  virtual Result<ResultRecord> GetResult(int64_t run_id, const std::string& item_id) = 0;

  // Item ids of a run's results that match `filter`, in item order (call
  // runs: insertion order). kNotFound for an unknown run; kInvalidArgument
  // for an unknown filter kind. One query: ~50 ms for 100,000 results.
  virtual Result<std::vector<std::string>> FindResults(int64_t run_id,
                                                       const ResultFilter& filter) = 0;

  // Annotations. Effective gold: per (item, annotator) the latest label or
  // accept not undone is that annotator's current label; the item's gold is
  // the most recent of its annotators' current labels, else the imported
  // gold. ListItems, ForEachResult, GetResult and DatasetInfo::labeled use
  // it, and ForEachResult/GetResult recompute `correct` against it (RunInfo's
  // labeled/correct stay as they were when the run ran).
  //
  // AddAnnotation checks the record (known item of the dataset; a label for
  // "label"/"accept" and none otherwise; an "undo" names an annotation of the
  // same dataset that is not an undo and not undone yet, and its item_id may
  // be left empty) and commits at once together with any pending writes, so
  // nothing decided is lost to a crash. Returns the record with id and
  // created_ms set.
  virtual Result<Annotation> AddAnnotation(const Annotation& annotation) = 0;
  // Several annotations in one transaction: all of them or none.
  virtual Status AddAnnotations(const std::vector<Annotation>& annotations) = 0;
  // A dataset's annotations in append order, `undone` filled; only one
  // item's when item_id is not empty.
  virtual Result<std::vector<Annotation>> ListAnnotations(int64_t dataset_id,
                                                          const std::string& item_id = "") = 0;
  // Every annotator's current label per item, in item order then annotator.
  virtual Result<std::vector<Annotation>> CurrentLabels(int64_t dataset_id) = 0;
  // The annotator's latest annotation in the dataset (of run_id, when given)
  // that an undo can take back: not an undo, not undone. nullopt when none.
  virtual Result<std::optional<Annotation>> LastUndoable(int64_t dataset_id,
                                                         const std::string& annotator,
                                                         std::optional<int64_t> run_id) = 0;

  // Annotation protocols: numbered versions per task name, appended and
  // committed at once. Adding returns the new version.
  virtual Result<ProtocolVersion> AddProtocolVersion(const std::string& task,
                                                     const std::string& text,
                                                     const std::string& author) = 0;
  // Oldest first; empty when the task has none.
  virtual Result<std::vector<ProtocolVersion>> ListProtocolVersions(const std::string& task) = 0;

  // Response cache (successes only; the caller guarantees that).
  virtual Result<std::optional<CacheEntry>> CacheGet(const std::string& key) = 0;
  virtual Status CachePut(const CacheEntry& entry) = 0;

  // Lets the reads until the next write or Commit() share one snapshot, so
  // each read need not take and drop the database's read lock on its own.
  // Holds no write lock, so other writers are not kept waiting; their
  // commits after the snapshot began are not seen by those reads.
  virtual Status BeginReads() = 0;
  // Makes every pending write durable (and ends a snapshot of BeginReads).
  virtual Status Commit() = 0;
};

// Whether an output's `target` property matches a gold label: the rule
// behind every `correct` (a string gold compares with a string prediction,
// or with a non-string prediction's JSON text; anything else as JSON).
// nullopt when there is no gold or no target.
std::optional<bool> OutputMatchesGold(const Json& output, const std::string& target,
                                      const std::optional<Json>& gold);

// Opens (creating and migrating as needed) the SQLite store at `path`;
// creates missing parent directories. Errors name the path.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

// Opens the store `location` names: a path, or an error for postgres:// URLs
// until that backend exists.
Result<std::unique_ptr<Store>> OpenStore(const std::string& location);

}  // namespace centaur
