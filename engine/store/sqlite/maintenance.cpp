#include "store/sqlite/maintenance.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include "store/sqlite/migrations.h"

namespace duban::store::sqlite {

namespace fs = std::filesystem;

namespace {

Status Missing(const fs::path& db) {
  return Status::NotFound("database " + db.string() + " does not exist");
}

}  // namespace

Status Backup(const fs::path& db, const fs::path& dest) {
  std::error_code ec;
  if (!fs::exists(db, ec)) return Missing(db);
  if (fs::exists(dest, ec)) return Status::InvalidInput("backup target " + dest.string() + " already exists");
  const fs::path partial = dest.string() + ".partial";
  try {
    fs::remove(partial, ec);
    {
      SQLite::Database from(db.string(), SQLite::OPEN_READONLY, 10000);
      SQLite::Database to(partial.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      SQLite::Backup backup(to, from);
      // All pages in one step: one read transaction on the source, so the
      // copy is one consistent snapshot however writers go on meanwhile.
      backup.executeStep(-1);
      to.exec("PRAGMA journal_mode = DELETE");
    }
    fs::rename(partial, dest);
    return Status::Ok();
  } catch (const std::exception& e) {
    fs::remove(partial, ec);
    return Status::Io("cannot back up " + db.string() + " to " + dest.string() + ": " + e.what());
  }
}

Result<std::vector<std::string>> CheckIntegrity(const fs::path& db) {
  std::error_code ec;
  if (!fs::exists(db, ec)) return Missing(db);
  try {
    SQLite::Database d(db.string(), SQLite::OPEN_READONLY, 10000);
    std::vector<std::string> problems;
    SQLite::Statement q(d, "PRAGMA integrity_check");
    while (q.executeStep()) {
      std::string line = q.getColumn(0).getString();
      if (line != "ok") problems.push_back(std::move(line));
    }
    SQLite::Statement fk(d, "PRAGMA foreign_key_check");
    while (fk.executeStep())
      problems.push_back("foreign key: row " + fk.getColumn(1).getString() + " of table " +
                         fk.getColumn(0).getString() + " refers to a missing row of " + fk.getColumn(2).getString());
    return problems;
  } catch (const std::exception& e) {
    return Status::Io("cannot check " + db.string() + ": " + e.what());
  }
}

Result<std::pair<int, int>> SchemaVersion(const fs::path& db) {
  std::error_code ec;
  if (!fs::exists(db, ec)) return Missing(db);
  const int known = static_cast<int>(Migrations().size());
  try {
    SQLite::Database d(db.string(), SQLite::OPEN_READONLY, 10000);
    if (!d.tableExists("schema_migrations")) return std::pair<int, int>{0, known};
    SQLite::Statement q(d, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    q.executeStep();
    return std::pair<int, int>{q.getColumn(0).getInt(), known};
  } catch (const std::exception& e) {
    return Status::Io("cannot read " + db.string() + ": " + e.what());
  }
}

}  // namespace duban::store::sqlite
