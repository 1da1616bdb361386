// The Store factories of store.h.
#include <fmt/format.h>

#include "store/sqlite_store.h"
#include "store/store.h"

namespace centaur {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  CENTAUR_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::SqliteStore> store,
                           sqlite::SqliteStore::Open(path));
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& location) {
  if (location.starts_with("postgres://") || location.starts_with("postgresql://")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "postgres:// stores are not supported yet; use a SQLite path");
  }
  return OpenSqliteStore(location);
}

}  // namespace centaur
