// The operations verbs: migrate, backup, restore, doctor.
#include <CLI/CLI.hpp>

#include "runtime/maintenance.h"
#include "store/store.h"
#include "verb.h"

namespace duban::cli {

namespace {

using nlohmann::json;

// The attached files' directory for the database the line names: --data-dir
// (or the configuration's), else the database's path + ".files".
std::string FilesDir(const Call& c) { return c.g.data_dir.empty() ? c.g.db + ".files" : c.g.data_dir; }

json BackupJson(const runtime::BackupReport& r) {
  json campaigns = json::array();
  for (const auto& [id, events] : r.campaigns) campaigns.push_back({{"id", id}, {"events", events}});
  return {{"dir", r.dir.string()}, {"schema_version", r.schema_version}, {"campaigns", campaigns},
          {"files", r.files}, {"file_bytes", r.file_bytes}};
}

void PrintBackup(const Call& c, const runtime::BackupReport& r) {
  for (const auto& [id, events] : r.campaigns)
    c.io.out << "  考核年度 campaign " << id << ": " << events << " events, chain verified\n";
  c.io.out << "  附件 files: " << r.files << " (" << r.file_bytes << " bytes), each hash checked\n"
           << "  数据库版本 schema version: " << r.schema_version << '\n';
}

int DoMigrate(Call& c) {
  auto v = store::StoreSchemaVersion(c.session.database());
  if (!v.ok()) return c.Fail(v.status());
  if (c.json_out()) c.Print({{"database", c.session.database()}, {"schema_version", v->first}});
  else c.io.out << "数据库已是最新 / database up to date: " << c.session.database() << ", schema version " << v->first
                << '\n';
  return 0;
}

int DoBackup(Call& c, const std::string& dest) {
  auto r = runtime::Backup(c.session.database(), c.session.files_dir(), c.Path(dest));
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) {
    c.Print(BackupJson(*r));
  } else {
    c.io.out << "已备份 / backed up " << c.session.database() << " to " << r->dir.string() << '\n';
    PrintBackup(c, *r);
  }
  return 0;
}

int DoRestore(Call& c, const std::string& src, bool check_only) {
  if (check_only) {
    auto r = runtime::CheckBackup(c.Path(src));
    if (!r.ok()) return c.Fail(r.status());
    if (c.json_out()) c.Print(BackupJson(*r));
    else {
      c.io.out << "备份完好 / backup checked: " << r->dir.string() << '\n';
      PrintBackup(c, *r);
    }
    return 0;
  }
  auto r = runtime::Restore(c.Path(src), c.Path(c.g.db), c.Path(FilesDir(c)), c.now);
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) {
    json j = BackupJson(r->backup);
    j["database"] = r->database.string();
    j["replaced"] = r->replaced.string();
    c.Print(j);
  } else {
    c.io.out << "已恢复 / restored " << r->backup.dir.string() << " to " << r->database.string() << '\n';
    PrintBackup(c, r->backup);
    if (!r->replaced.empty()) c.io.out << "  原数据库保留为 / the replaced database is kept as " << r->replaced.string() << '\n';
  }
  return 0;
}

int DoDoctor(Call& c) {
  const auto checks = runtime::Doctor(c.session, c.g.db, c.g.data_dir, c.g.config.empty() ? "" : c.Path(c.g.config).string(), c.now);
  int failed = 0;
  json out = json::array();
  for (const auto& k : checks) {
    const char* level = k.level == runtime::Check::Level::kOk ? "ok" : k.level == runtime::Check::Level::kWarn ? "warn" : "FAIL";
    if (k.level == runtime::Check::Level::kFail) ++failed;
    out.push_back({{"level", level}, {"item", k.item}, {"detail", k.detail}});
    if (!c.json_out()) c.io.out << (std::string(level) + "    ").substr(0, 5) << ' ' << k.item << ": " << k.detail << '\n';
  }
  if (c.json_out()) c.Print({{"checks", out}, {"failed", failed}});
  else c.io.out << (failed == 0 ? "一切正常 / all checks passed\n" : std::to_string(failed) + " check(s) failed\n");
  return failed == 0 ? 0 : 1;
}

}  // namespace

void AddOpsVerbs(VerbTable& t) {
  t.Add({{"migrate"}, "bring the database to this duban's schema (the package runs it on upgrade)",
         [](CLI::App&) -> Runner { return [](Call& c) { return DoMigrate(c); }; }});
  t.Add({{"backup"},
         "copy the database and its attached files into a new directory, consistently, while serve runs; the copy is "
         "checked",
         [](CLI::App& cmd) -> Runner {
           auto dest = std::make_shared<std::string>();
           cmd.add_option("dest", *dest, "the new (or empty) directory to write the backup into")->required();
           return [dest](Call& c) { return DoBackup(c, *dest); };
         }});
  t.Add({{"restore"},
         "check a backup (integrity, event chains, files) and only then put it in place of the database; stop the "
         "service first",
         [](CLI::App& cmd) -> Runner {
           auto src = std::make_shared<std::string>();
           auto check = std::make_shared<bool>(false);
           cmd.add_option("src", *src, "a directory written by duban backup")->required();
           cmd.add_flag("--check", *check, "only check the backup; change nothing");
           return [src, check](Call& c) { return DoRestore(c, *src, *check); };
         },
         /*needs_app=*/false});
  t.Add({{"doctor"},
         "check the configuration, the database's integrity and chains, this year's and next year's calendar, the "
         "plugins and the SMTP server",
         [](CLI::App&) -> Runner { return [](Call& c) { return DoDoctor(c); }; }, /*needs_app=*/false});
}

}  // namespace duban::cli
