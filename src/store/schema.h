// The SQLite schema and its versioned migrations. PRAGMA user_version holds
// the number of migrations applied; each migration runs in its own
// transaction, so a crash mid-migration leaves the previous version intact.
#pragma once

#include <span>

#include "core/result.h"
#include "store/sqlite_db.h"

namespace centaur::sqlite {

// Migration i (0-based) takes the schema from version i to i + 1.
std::span<const char* const> Migrations();

// Brings the database up to the newest known version. A database written
// by a newer centaur is an error naming the path and both versions.
Status Migrate(Db& db);

}  // namespace centaur::sqlite
