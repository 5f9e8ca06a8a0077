// The SQLite backend of the store (store.h): one database file in WAL mode,
// opened through OpenStore("sqlite:PATH") or OpenSqlite.
//
// Thread-safety: a store from OpenSqlite is one connection with a cache of
// prepared statements and must be used by one thread at a time (not safe to
// share without a lock). Any number of stores, in this process or others, may
// open the same file at once: readers run beside the writer (WAL), writers
// are serialised by BEGIN IMMEDIATE (the per-campaign lock of store.h, taken
// for the whole database), and a writer waits up to lock_timeout for it
// (busy_timeout), then gets Conflict.
#pragma once

#include <filesystem>
#include <memory>

#include "core/status.h"
#include "store/store.h"

namespace duban::store {

// Opens (creating the file and its parent directories if needed) and
// migrates the SQLite database at `path`. InvalidInput when its schema is
// newer than this duban's; Io when it cannot be opened.
Result<std::unique_ptr<Store>> OpenSqlite(const std::filesystem::path& path, const StoreOptions& options = {});

}  // namespace duban::store
