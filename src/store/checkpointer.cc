#include "store/checkpointer.h"

#include <fmt/format.h>

#include <system_error>

namespace centaur::sqlite {

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(sqlite3* writer,
                                                          const std::string& path) {
  sqlite3* own = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = own != nullptr ? sqlite3_errmsg(own) : sqlite3_errstr(rc);
    sqlite3_close_v2(own);
    return MakeError(ErrorCode::kIo,
                     fmt::format("{}: cannot open the checkpoint connection: {}", path, msg));
  }
  // Checkpoints are no-ops until the connection has read the database and so
  // found it in WAL mode.
  rc = sqlite3_exec(own, "PRAGMA journal_mode", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(own);
    sqlite3_close_v2(own);
    return MakeError(ErrorCode::kIo,
                     fmt::format("{}: cannot open the checkpoint connection: {}", path, msg));
  }
  std::unique_ptr<Checkpointer> cp(new Checkpointer(writer, own));
  try {
    cp->thread_ = std::thread([p = cp.get()] { p->Loop(); });
  } catch (const std::system_error& e) {
    return MakeError(ErrorCode::kInternal,
                     fmt::format("{}: cannot start the checkpoint thread: {}", path, e.what()));
  }
  sqlite3_wal_hook(writer, &Checkpointer::OnCommit, cp.get());
  return cp;
}

Checkpointer::~Checkpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  sqlite3_close_v2(own_);
}

int Checkpointer::OnCommit(void* self, sqlite3* db, const char* schema, int frames) {
  auto* cp = static_cast<Checkpointer*>(self);
  if (frames >= kHardFrames) {
    // Busy (the thread is mid-checkpoint) is fine: the next commit tries again.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (frames >= kSoftFrames) {
    {
      std::lock_guard<std::mutex> lock(cp->mu_);
      cp->wanted_ = true;
    }
    cp->cv_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return wanted_ || stop_; });
    if (stop_) return;
    wanted_ = false;
    lock.unlock();
    sqlite3_wal_checkpoint_v2(own_, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace centaur::sqlite
