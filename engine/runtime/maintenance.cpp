#include "runtime/maintenance.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <system_error>

#include "attach/file_store.h"
#include "calendar/calendar.h"
#include "runtime/config.h"
#include "runtime/layout.h"
#include "store/store.h"

namespace duban::runtime {

namespace fs = std::filesystem;

namespace {

constexpr const char* kBackupDatabase = "duban.db";
constexpr const char* kBackupFiles = "files";

// The attachments of every campaign of `store`, and each campaign's verified chain.
Status ReadBackupContents(store::Store& store, BackupReport& report, std::vector<std::string>& hashes) {
  auto campaigns = store.ListCampaigns();
  if (!campaigns.ok()) return campaigns.status();
  for (const store::Campaign& k : *campaigns) {
    auto v = store.Verify(k.id);
    if (!v.ok()) return v.status();
    if (!v->ok)
      return Status::InvalidInput("campaign " + k.id + ": the event chain does not verify at seq " +
                                  std::to_string(v->seq) + ": " + v->problem);
    report.campaigns.emplace_back(k.id, v->rows);
    auto files = store.ListAttachments(k.id, "");
    if (!files.ok()) return files.status();
    for (const auto& a : *files) hashes.push_back(a.sha256);
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  return Status::Ok();
}

// What the database file `db` holds (its campaigns with verified chains,
// the attachments it refers to), read from a private copy: opening a store
// migrates and journals it, and a backup must stay as it was.
Status ReadFromCopy(const fs::path& db, BackupReport& report, std::vector<std::string>& hashes) {
  std::error_code ec;
  const fs::path scratch = fs::temp_directory_path(ec) / ("duban-check-" + std::to_string(::getpid()) + ".db");
  fs::remove(scratch, ec);
  if (!fs::copy_file(db, scratch, ec)) return Status::Io("cannot copy " + db.string() + ": " + ec.message());
  Status st = [&]() -> Status {
    store::StoreOptions o;
    o.create = false;
    o.durable = false;
    auto s = store::OpenStore(scratch.string(), o);
    if (!s.ok()) return s.status();
    return ReadBackupContents(**s, report, hashes);
  }();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(scratch.string() + suffix, ec);
  return st;
}

// Checks the database file `db` and every file it refers to in `files`.
Result<BackupReport> CheckDatabaseAndFiles(const fs::path& db, const fs::path& files) {
  BackupReport report;
  auto problems = store::CheckStoreIntegrity(db.string());
  if (!problems.ok()) return problems.status();
  if (!problems->empty()) return Status::InvalidInput(db.string() + " is damaged: " + problems->front());
  auto version = store::StoreSchemaVersion(db.string());
  if (!version.ok()) return version.status();
  if (version->first > version->second)
    return Status::InvalidInput(db.string() + " has schema version " + std::to_string(version->first) +
                                ", newer than this duban's " + std::to_string(version->second));
  report.schema_version = version->first;
  std::vector<std::string> hashes;
  if (Status st = ReadFromCopy(db, report, hashes); !st.ok()) return st;
  const attach::FileStore store(files);
  for (const std::string& h : hashes) {
    auto content = store.Read(h);
    if (!content.ok())
      return Status::InvalidInput("attached file " + h + " is missing or damaged in " + files.string() + ": " +
                                  content.status().message());
    ++report.files;
    report.file_bytes += static_cast<std::int64_t>(content->size());
  }
  return report;
}

Status CopyInto(const attach::FileStore& from, const attach::FileStore& to, const std::string& sha256) {
  const fs::path target = to.PathOf(sha256);
  std::error_code ec;
  if (fs::exists(target, ec)) return Status::Ok();
  fs::create_directories(target.parent_path(), ec);
  const fs::path partial = target.string() + ".partial";
  if (!fs::copy_file(from.PathOf(sha256), partial, fs::copy_options::overwrite_existing, ec))
    return Status::Io("cannot copy attached file " + sha256 + ": " + ec.message());
  fs::rename(partial, target, ec);
  if (ec) return Status::Io("cannot put attached file " + sha256 + " in place: " + ec.message());
  return Status::Ok();
}

std::string Compact(Instant t) {
  std::string s = FormatUtc(t);
  std::erase_if(s, [](char c) { return c == ':' || c == '-'; });
  return s;
}

}  // namespace

Result<BackupReport> Backup(const std::string& database, const fs::path& files_dir, const fs::path& dest) {
  std::error_code ec;
  if (fs::exists(dest, ec) && !(fs::is_directory(dest, ec) && fs::is_empty(dest, ec)))
    return Status::InvalidInput("backup target " + dest.string() + " exists and is not an empty directory");
  const bool made = !fs::exists(dest, ec);
  fs::create_directories(dest, ec);
  if (ec) return Status::Io("cannot create " + dest.string() + ": " + ec.message());
  auto fail = [&](Status s) -> Result<BackupReport> {
    if (made) fs::remove_all(dest, ec);
    else for (const auto& entry : fs::directory_iterator(dest, ec)) fs::remove_all(entry.path(), ec);
    return s;
  };
  const fs::path db = dest / kBackupDatabase;
  if (Status s = store::BackupStore(database, db); !s.ok()) return fail(s);
  // The files the snapshot refers to, read from the copy itself.
  std::vector<std::string> hashes;
  BackupReport scratch;
  if (Status st = ReadFromCopy(db, scratch, hashes); !st.ok()) return fail(st);
  const attach::FileStore from(files_dir), to(dest / kBackupFiles);
  fs::create_directories(dest / kBackupFiles, ec);
  for (const std::string& h : hashes)
    if (Status st = CopyInto(from, to, h); !st.ok()) return fail(st);
  auto report = CheckBackup(dest);
  if (!report.ok()) return fail(report.status());
  return report;
}

Result<BackupReport> CheckBackup(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound("backup " + dir.string() + " is not a directory");
  const fs::path db = dir / kBackupDatabase;
  if (!fs::exists(db, ec)) return Status::InvalidInput("backup " + dir.string() + " holds no " + kBackupDatabase);
  auto report = CheckDatabaseAndFiles(db, dir / kBackupFiles);
  if (!report.ok()) return report.status();
  report->dir = dir;
  return report;
}

Result<RestoreReport> Restore(const fs::path& dir, const fs::path& database, const fs::path& files_dir, Instant now) {
  auto checked = CheckBackup(dir);
  if (!checked.ok()) return checked.status();
  RestoreReport out;
  out.backup = *checked;
  out.database = database;
  std::error_code ec;
  if (database.has_parent_path()) fs::create_directories(database.parent_path(), ec);
  // The files first: the database put in place refers to them.
  const attach::FileStore from(dir / kBackupFiles), to(files_dir);
  {
    store::StoreOptions o;
    o.create = false;
    std::vector<std::string> hashes;
    BackupReport scratch;
    const fs::path copy = database.string() + ".restoring";
    fs::remove(copy, ec);
    if (!fs::copy_file(dir / kBackupDatabase, copy, ec))
      return Status::Io("cannot copy the backup to " + copy.string() + ": " + ec.message());
    {
      auto s = store::OpenStore(copy.string(), o);  // migrates an older backup to this version
      if (!s.ok()) return s.status();
      if (Status st = ReadBackupContents(**s, scratch, hashes); !st.ok()) return st;
    }
    for (const std::string& h : hashes)
      if (Status st = CopyInto(from, to, h); !st.ok()) return st;
    if (fs::exists(database, ec)) {
      out.replaced = database.string() + ".replaced-" + Compact(now);
      for (const char* suffix : {"", "-wal", "-shm"}) {
        const fs::path p = database.string() + suffix;
        if (fs::exists(p, ec)) fs::rename(p, out.replaced.string() + suffix, ec);
        if (ec) return Status::Io("cannot move " + p.string() + " aside: " + ec.message());
      }
    }
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const fs::path p = copy.string() + suffix;
      if (fs::exists(p, ec)) fs::rename(p, database.string() + suffix, ec);
      if (ec) return Status::Io("cannot put " + database.string() + " in place: " + ec.message());
    }
  }
  return out;
}

namespace {

Check Ok(std::string item, std::string detail) { return {Check::Level::kOk, std::move(item), std::move(detail)}; }
Check Warn(std::string item, std::string detail) { return {Check::Level::kWarn, std::move(item), std::move(detail)}; }
Check Fail(std::string item, std::string detail) { return {Check::Level::kFail, std::move(item), std::move(detail)}; }

Check SmtpAnswers(const SmtpSettings& smtp) {
  if (smtp.url.empty()) return Ok("smtp", "no server configured: notices go into the maildir " + smtp.maildir.string());
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Fail("smtp", "cannot start libcurl");
  curl_easy_setopt(curl.get(), CURLOPT_URL, smtp.url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, static_cast<long>(smtp.timeout_seconds));
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, static_cast<long>(smtp.timeout_seconds));
  if (!smtp.ca_file.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, smtp.ca_file.c_str());
  if (smtp.starttls == "required") curl_easy_setopt(curl.get(), CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) return Fail("smtp", smtp.url + " does not answer: " + curl_easy_strerror(rc));
  return Ok("smtp", smtp.url + " answers");
}

}  // namespace

std::vector<Check> Doctor(Services& services, const std::string& database, const std::string& files_dir,
                          const std::string& config_file, Instant now) {
  std::vector<Check> out;
  const Layout& layout = ThisLayout();
  std::error_code ec;
  out.push_back(Ok("version", "duban " + Version() + (layout.installed ? " installed under " + layout.prefix.string()
                                                                         : std::string(" (build tree)"))));
  // The configuration, read on its own first so that its errors show even
  // when the database cannot open.
  Config config;
  if (!config_file.empty()) {
    auto c = LoadConfig(config_file);
    if (!c.ok()) {
      out.push_back(Fail("configuration", c.status().str()));
      return out;
    }
    config = *c;
    out.push_back(Ok("configuration", config_file));
  } else {
    config = DefaultConfig(fs::absolute(database, ec).parent_path());
    config.smtp.maildir = fs::absolute(database, ec).string() + ".data/maildir";
    out.push_back(Ok("configuration", "none: the embedded default (notices into a maildir beside the database)"));
  }
  if (fs::exists(config.share_dir / "workflows" / "annual-cycle.toml", ec))
    out.push_back(Ok("shared files", config.share_dir.string()));
  else
    out.push_back(Fail("shared files", "no workflows/annual-cycle.toml under " + config.share_dir.string() +
                                           " (set share_dir in the configuration)"));

  auto version = store::StoreSchemaVersion(database);
  if (!version.ok()) {
    out.push_back(Fail("database", version.status().message()));
  } else {
    const bool current = version->first == version->second;
    out.push_back((current ? Ok : Warn)("database", database + ", schema version " + std::to_string(version->first) +
                                                        (current ? "" : " (this duban migrates it to " +
                                                                            std::to_string(version->second) + ")")));
    auto problems = store::CheckStoreIntegrity(database);
    if (!problems.ok()) out.push_back(Fail("integrity", problems.status().message()));
    else if (!problems->empty()) out.push_back(Fail("integrity", problems->front()));
    else out.push_back(Ok("integrity", "ok"));
  }
  app::App* app = nullptr;
  if (version.ok()) {
    auto opened = services.Open(database, files_dir, config_file, /*create=*/false);
    if (!opened.ok()) out.push_back(Fail("database", opened.status().str()));
    else app = *opened;
  }
  if (app != nullptr) {
    auto campaigns = services.store()->ListCampaigns();
    if (!campaigns.ok()) out.push_back(Fail("campaigns", campaigns.status().str()));
    else if (campaigns->empty()) out.push_back(Warn("campaigns", "none yet (duban campaign create)"));
    else
      for (const auto& k : *campaigns) {
        auto v = services.store()->Verify(k.id);
        if (!v.ok()) out.push_back(Fail("chain " + k.id, v.status().str()));
        else if (!v->ok)
          out.push_back(Fail("chain " + k.id, "broken at seq " + std::to_string(v->seq) + ": " + v->problem));
        else out.push_back(Ok("chain " + k.id, std::to_string(v->rows) + " events verified"));
      }
    auto cal = app->Calendar();
    const int year = static_cast<int>(TimeZone::Default().local_date(now).year());
    if (!cal.ok()) {
      out.push_back(Fail("calendar", cal.status().str()));
    } else {
      for (int y : {year, year + 1}) {
        const auto missing = cal->YearsWithoutData(y, y);
        if (missing.empty()) out.push_back(Ok("calendar " + std::to_string(y), "holiday data loaded"));
        else
          out.push_back((y == year ? Fail : Warn)(
              "calendar " + std::to_string(y),
              "no State Council holiday data: working days fall back to Monday to Friday (duban calendar load)"));
      }
    }
    config = services.config();
  }
  auto host = OpenPlugins(config);
  if (!host.ok()) {
    out.push_back(Fail("plugins", host.status().str() + " (plugin_dir " + config.plugin_dir.string() + ")"));
  } else {
    for (const auto& spec : config.PluginSpecs())
      out.push_back(Ok("plugin " + spec.instance, "loaded from " + config.plugin_dir.string()));
  }
  out.push_back(SmtpAnswers(config.smtp));
  return out;
}

}  // namespace duban::runtime
