// The SQLite backend's accounts, sessions and tokens (store/accounts.h), over
// a connection its SqliteStore owns.
//
// Thread-safety: that of the connection: one thread at a time.
#pragma once

#include <memory>

#include "store/accounts.h"

namespace SQLite {
class Database;
}

namespace duban::store::sqlite {

// The accounts over `db`, which must outlive them. Each call runs in its own
// transaction.
std::unique_ptr<Accounts> MakeAccounts(SQLite::Database& db);

}  // namespace duban::store::sqlite
