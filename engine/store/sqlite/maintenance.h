// Maintenance of a SQLite database file, for store.h's BackupStore,
// CheckStoreIntegrity and StoreSchemaVersion: each opens its own connection.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace duban::store::sqlite {

Status Backup(const std::filesystem::path& db, const std::filesystem::path& dest);
Result<std::vector<std::string>> CheckIntegrity(const std::filesystem::path& db);
Result<std::pair<int, int>> SchemaVersion(const std::filesystem::path& db);

}  // namespace duban::store::sqlite
