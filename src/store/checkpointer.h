// Checkpointer: moves WAL checkpoints off the writing thread.
//
// With SQLite's default auto-checkpoint, the commit that grows the WAL past
// its limit copies the whole WAL into the database file (and fsyncs twice)
// before returning, so a writer committing several times a second stalls
// regularly and does that I/O on its own time. Instead, a commit that grows
// the WAL past kSoftFrames wakes a background thread (with its own
// connection) that runs a PASSIVE checkpoint, which never blocks readers or
// the writer.
//
// A passive checkpoint cannot finish while the writer keeps appending, and
// the WAL only restarts from its beginning once everything in it has been
// copied. So a commit that finds the WAL past kHardFrames checkpoints
// synchronously, which by then is mostly done and so short; that bounds the
// WAL's size.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"

namespace centaur::sqlite {

class Checkpointer {
 public:
  static constexpr int kSoftFrames = 1024;             // 16 MiB at 16 KiB pages
  static constexpr int kHardFrames = 4 * kSoftFrames;  // 64 MiB

  // Installs itself as `writer`'s WAL hook and starts the thread. `writer`
  // must outlive this object.
  static Result<std::unique_ptr<Checkpointer>> Start(sqlite3* writer, const std::string& path);
  ~Checkpointer();  // stops and joins the thread; uninstalls the hook
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  Checkpointer(sqlite3* writer, sqlite3* own) : writer_(writer), own_(own) {}
  static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
  void Loop();

  sqlite3* writer_;
  sqlite3* own_;  // used by the thread only
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace centaur::sqlite
