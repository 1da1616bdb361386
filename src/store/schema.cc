#include "store/schema.h"

#include <fmt/format.h>

#include <array>

namespace centaur::sqlite {
namespace {

// Version 1. Table and column names are read by the CLI and the UI: change
// them only with a new migration. JSON columns hold nlohmann dumps. Times are
// Unix milliseconds. Booleans are 0/1.
//
//   datasets(id, name UNIQUE, source, created_ms)
//   items(seq PK, dataset_id, item_id, input JSON, gold JSON|NULL, split 'val'|'test',
//         UNIQUE(dataset_id, item_id))            seq = storage order, for paging
//   items_fts                                      FTS5 over items.input (content=items),
//                                                  kept in sync by triggers
//   task_versions(name, version, source_path, source_text, spec JSON, created_ms,
//                 PK(name, version))
//   runs(id, kind 'run'|'call', task_name, task_version, model, params JSON,
//        dataset_id|NULL, split, lim|NULL, identity, status 'running'|'done',
//        created_ms, finished_ms|NULL)
//   run_stats(run_id PK, results, succeeded, failed, calls, cache_hits, input_tokens,
//             output_tokens, cost|NULL, labeled, correct, latency_ms)
//                                                  aggregates frozen by FinishRun;
//                                                  computed from results while running
//   results(id, run_id, item_id, status 'ok'|'failed', output JSON|NULL, raw, error,
//           input_tokens, output_tokens, cost|NULL, latency_ms, cache_hit, correct|NULL,
//           calls, created_ms, UNIQUE(run_id, item_id))
//                                                  calls = attempts that were not cache hits
//   attempts(id, result_id, attempt_no, request_hash|NULL -> requests.hash, response_text,
//            raw_body, status 'ok'|'invalid'|'error', error, latency_ms, http_attempts,
//            input_tokens, output_tokens, cost|NULL, cache_hit, created_ms)
//   requests(hash PK, body)                        request bodies, deduplicated by hash
//   cache(key PK, response_text, finish_reason, input_tokens, output_tokens, created_ms)
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);

CREATE TABLE items (
  seq INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id),
  item_id TEXT NOT NULL,
  input TEXT NOT NULL,
  gold TEXT,
  split TEXT NOT NULL,
  UNIQUE (dataset_id, item_id)
);
CREATE INDEX items_by_dataset ON items(dataset_id, seq);
CREATE INDEX items_by_split ON items(dataset_id, split, seq);

CREATE VIRTUAL TABLE items_fts USING fts5(input, content='items', content_rowid='seq');
CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
  INSERT INTO items_fts(rowid, input) VALUES (new.seq, new.input);
END;
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
  INSERT INTO items_fts(items_fts, rowid, input) VALUES ('delete', old.seq, old.input);
END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF input ON items BEGIN
  INSERT INTO items_fts(items_fts, rowid, input) VALUES ('delete', old.seq, old.input);
  INSERT INTO items_fts(rowid, input) VALUES (new.seq, new.input);
END;

CREATE TABLE task_versions (
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  source_path TEXT NOT NULL,
  source_text TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  task_name TEXT NOT NULL,
  task_version TEXT NOT NULL,
  model TEXT NOT NULL,
  params TEXT NOT NULL,
  dataset_id INTEGER REFERENCES datasets(id),
  split TEXT NOT NULL,
  lim INTEGER,
  identity TEXT NOT NULL,
  status TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  finished_ms INTEGER
);
CREATE INDEX runs_by_identity ON runs(identity, status);
CREATE INDEX runs_by_status ON runs(status);

CREATE TABLE run_stats (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id),
  results INTEGER NOT NULL,
  succeeded INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  calls INTEGER NOT NULL,
  cache_hits INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost REAL,
  labeled INTEGER NOT NULL,
  correct INTEGER NOT NULL,
  latency_ms REAL NOT NULL
);

CREATE TABLE results (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  item_id TEXT NOT NULL,
  status TEXT NOT NULL,
  output TEXT,
  raw TEXT NOT NULL,
  error TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost REAL,
  latency_ms REAL NOT NULL,
  cache_hit INTEGER NOT NULL,
  correct INTEGER,
  calls INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  UNIQUE (run_id, item_id)
);

CREATE TABLE attempts (
  id INTEGER PRIMARY KEY,
  result_id INTEGER NOT NULL REFERENCES results(id),
  attempt_no INTEGER NOT NULL,
  request_hash TEXT,
  response_text TEXT NOT NULL,
  raw_body TEXT NOT NULL,
  status TEXT NOT NULL,
  error TEXT NOT NULL,
  latency_ms REAL NOT NULL,
  http_attempts INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost REAL,
  cache_hit INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE INDEX attempts_by_result ON attempts(result_id, attempt_no);

CREATE TABLE requests (
  hash TEXT PRIMARY KEY,
  body TEXT NOT NULL
);

CREATE TABLE cache (
  key TEXT PRIMARY KEY,
  response_text TEXT NOT NULL,
  finish_reason TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
);
)sql";

// Version 2: annotations and protocols.
//
//   annotations(id, dataset_id, item_id, annotator, action 'label'|'accept'|'note'|'skip'|'undo',
//               label JSON|NULL, note, run_id|NULL, protocol_version|NULL, undoes|NULL,
//               created_ms)                      append-only (triggers refuse UPDATE and
//                                                DELETE); an undo names the record it takes
//                                                back, and a record is undone at most once
//   gold_labels(dataset_id, item_id, label JSON, annotation_id)
//                                                per item, the latest label or accept not
//                                                undone; kept by the store as annotations
//                                                are added (effective gold = this, else
//                                                items.gold)
//   protocols(task, version 1..n, text, author, created_ms, PK(task, version))
//                                                append-only
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE annotations (
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id),
  item_id TEXT NOT NULL,
  annotator TEXT NOT NULL,
  action TEXT NOT NULL,
  label TEXT,
  note TEXT NOT NULL,
  run_id INTEGER REFERENCES runs(id),
  protocol_version INTEGER,
  undoes INTEGER REFERENCES annotations(id),
  created_ms INTEGER NOT NULL
);
CREATE INDEX annotations_by_item ON annotations(dataset_id, item_id, id);
CREATE INDEX annotations_by_annotator ON annotations(dataset_id, annotator, id);
CREATE UNIQUE INDEX annotations_undone ON annotations(undoes) WHERE undoes IS NOT NULL;
CREATE TRIGGER annotations_no_update BEFORE UPDATE ON annotations BEGIN
  SELECT RAISE(ABORT, 'annotations are append-only');
END;
CREATE TRIGGER annotations_no_delete BEFORE DELETE ON annotations BEGIN
  SELECT RAISE(ABORT, 'annotations are append-only');
END;

CREATE TABLE gold_labels (
  dataset_id INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  label TEXT NOT NULL,
  annotation_id INTEGER NOT NULL REFERENCES annotations(id),
  PRIMARY KEY (dataset_id, item_id)
) WITHOUT ROWID;

CREATE TABLE protocols (
  task TEXT NOT NULL,
  version INTEGER NOT NULL,
  text TEXT NOT NULL,
  author TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (task, version)
);
CREATE TRIGGER protocols_no_update BEFORE UPDATE ON protocols BEGIN
  SELECT RAISE(ABORT, 'protocol versions are append-only');
END;
CREATE TRIGGER protocols_no_delete BEFORE DELETE ON protocols BEGIN
  SELECT RAISE(ABORT, 'protocol versions are append-only');
END;
)sql";

constexpr std::array<const char*, 2> kMigrations = {kSchemaV1, kSchemaV2};

}  // namespace

std::span<const char* const> Migrations() { return kMigrations; }

Status Migrate(Db& db) {
  CENTAUR_ASSIGN_OR_RETURN(int64_t version, db.QueryInt("PRAGMA user_version"));
  const int64_t known = static_cast<int64_t>(kMigrations.size());
  if (version > known) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: created by a newer centaur (schema {}, this build knows {})",
                                 db.path(), version, known));
  }
  for (int64_t v = version; v < known; ++v) {
    CENTAUR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    // Re-read under the write lock: another process may have migrated meanwhile.
    auto now = db.QueryInt("PRAGMA user_version");
    Status st = now.ok() ? OkStatus() : Status(now.error());
    if (st.ok() && *now == v) {
      st = db.Exec(kMigrations[static_cast<size_t>(v)]);
      if (st.ok()) st = db.Exec(fmt::format("PRAGMA user_version = {}", v + 1).c_str());
    }
    if (st.ok()) st = db.Exec("COMMIT");
    if (!st.ok()) {
      if (db.InTransaction()) (void)db.Exec("ROLLBACK");
      return MakeError(st.error().code,
                       fmt::format("migrating to schema {}: {}", v + 1, st.error().message));
    }
  }
  return OkStatus();
}

}  // namespace centaur::sqlite
