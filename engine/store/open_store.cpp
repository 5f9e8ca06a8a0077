#include <cctype>
#include <filesystem>
#include <string>

#include "store/sqlite/maintenance.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace duban::store {

namespace {

// The scheme `url` starts with, or empty when it is a bare path.
std::string_view SchemeOf(std::string_view url) {
  const auto colon = url.find(':');
  if (colon == std::string_view::npos || colon < 2) return {};
  if (std::isalpha(static_cast<unsigned char>(url[0])) == 0) return {};
  for (std::size_t i = 1; i < colon; ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (std::isalnum(c) == 0 && c != '+' && c != '-' && c != '.') return {};
  }
  return url.substr(0, colon);
}

// The SQLite file `url` names: "sqlite:PATH" or a bare PATH.
Result<std::filesystem::path> SqlitePath(std::string_view url) {
  const std::string_view scheme = SchemeOf(url);
  std::string_view path = url;
  if (!scheme.empty()) {
    if (scheme != "sqlite")
      return Status::InvalidInput("unknown store scheme '" + std::string(scheme) + "' in '" + std::string(url) +
                                  "' (known: sqlite:PATH, or a bare path)");
    path = url.substr(scheme.size() + 1);
  }
  if (path.empty()) return Status::InvalidInput("store URL '" + std::string(url) + "' names no database file");
  return std::filesystem::path(std::string(path));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options) {
  auto path = SqlitePath(url);
  if (!path.ok()) return path.status();
  return OpenSqlite(*path, options);
}

Result<bool> StoreExists(std::string_view url) {
  auto path = SqlitePath(url);
  if (!path.ok()) return path.status();
  std::error_code ec;
  return std::filesystem::exists(*path, ec);
}

Status BackupStore(std::string_view url, const std::filesystem::path& dest) {
  auto path = SqlitePath(url);
  if (!path.ok()) return path.status();
  return sqlite::Backup(*path, dest);
}

Result<std::vector<std::string>> CheckStoreIntegrity(std::string_view url) {
  auto path = SqlitePath(url);
  if (!path.ok()) return path.status();
  return sqlite::CheckIntegrity(*path);
}

Result<std::pair<int, int>> StoreSchemaVersion(std::string_view url) {
  auto path = SqlitePath(url);
  if (!path.ok()) return path.status();
  return sqlite::SchemaVersion(*path);
}

}  // namespace duban::store
