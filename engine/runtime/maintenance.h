// Operations on a running installation: a consistent backup of the database
// and the file store (taken while `serve` runs), a restore that checks the
// backup before anything is replaced, and the doctor's checks of the whole
// set-up. The CLI's backup, restore and doctor verbs print what these answer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "runtime/services.h"

namespace duban::runtime {

// A backup directory: duban.db (a standalone SQLite file), files/ (the
// attached files it refers to, content-addressed as in the file store).
struct BackupReport {
  std::filesystem::path dir;
  int schema_version = 0;
  std::vector<std::pair<std::string, std::int64_t>> campaigns;  // id, events; every chain verified
  int files = 0;                                                // attachments copied (or checked)
  std::int64_t file_bytes = 0;
};

// Copies the database `database` (a store URL) and the attachments it refers
// to from `files_dir` into the new directory `dest`, then checks the copy as
// CheckBackup does. The database is copied first in one snapshot: a file is
// in the store before any command that refers to it commits, so every file
// the copy refers to exists. InvalidInput when `dest` exists and is not an
// empty directory; nothing is left behind on failure.
Result<BackupReport> Backup(const std::string& database, const std::filesystem::path& files_dir,
                            const std::filesystem::path& dest);

// Checks the backup at `dir` without changing it: the database's integrity,
// every campaign's event chain, every attachment present with its hash.
// InvalidInput naming the first problem.
Result<BackupReport> CheckBackup(const std::filesystem::path& dir);

struct RestoreReport {
  BackupReport backup;
  std::filesystem::path database;   // what was put in place
  std::filesystem::path replaced;   // where the database it replaced went; empty when there was none
};

// Checks the backup at `dir` (CheckBackup) and only then puts it in place of
// the SQLite database at `database` and adds its files to `files_dir`. The
// database it replaces is kept beside it, renamed with `now`. Stop the
// service first: a running `serve` keeps writing to the old file.
Result<RestoreReport> Restore(const std::filesystem::path& dir, const std::filesystem::path& database,
                              const std::filesystem::path& files_dir, Instant now);

// One line of `duban doctor`.
struct Check {
  enum class Level { kOk, kWarn, kFail };
  Level level = Level::kOk;
  std::string item;    // "database", "chain hz-2021", "calendar 2027", "plugin email", "smtp"
  std::string detail;
};

// Every check of the set-up, in order: the configuration, the shipped
// files, the database (exists, schema, integrity, each campaign's chain),
// the calendar for `now`'s year and the next, the plugins, and the SMTP
// server (connects and answers, when one is configured). `services` is
// opened here on `database` without creating it.
std::vector<Check> Doctor(Services& services, const std::string& database, const std::string& files_dir,
                          const std::string& config_file, Instant now);

}  // namespace duban::runtime
