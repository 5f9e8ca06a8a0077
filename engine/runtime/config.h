// The engine's and the daemon's configuration file (TOML): where the database
// and data live, which notice plugins run with which settings, SMTP, working
// hours, urgent event types, retries and logging. duban.example.toml at the
// repository root documents every key; DefaultConfig() is what runs when
// there is no file (e-mail into a local maildir). Config is a plain value;
// the functions here keep no state and may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/time.h"
#include "machine/notices.h"
#include "notify/dispatcher.h"
#include "notify/plugin_host.h"

namespace spdlog { class logger; }

namespace duban::runtime {

struct LogSettings {
  std::string level = "info";          // trace, debug, info, warn, error, critical, off
  std::filesystem::path file;          // empty: standard error
  std::size_t max_size_mb = 10;        // a file is rotated at this size
  std::size_t max_files = 5;           // rotated files kept
};

struct SmtpSettings {
  std::string url;                     // "smtp://mail.example.org:587", "smtps://…"; empty: write to `maildir`
  std::string starttls = "try";        // "try", "required" or "off" (for smtp:// URLs)
  std::string username;                // empty: no AUTH
  std::string password;                // discouraged: prefer password_env
  std::string password_env;            // the environment variable holding the password
  std::string from;                    // envelope and From address
  std::string from_name;               // From display name
  int timeout_seconds = 30;
  std::string ca_file;                 // CA bundle for TLS; empty: the system's
  std::filesystem::path maildir;       // where messages go without `url`; default <data_dir>/maildir
};

struct PluginSettings {
  std::string instance;                // the table's name: [plugins.<instance>]
  std::string module;                  // the library: `module` key, default `instance`
  bool enabled = true;
  std::chrono::seconds timeout{60};    // `timeout_seconds`: per delivery (a child is killed after it)
  nlohmann::json settings = nlohmann::json::object();  // every other key, as JSON
  SourcePos pos;                       // where the table is
};

struct NotifySettings {
  std::string time_zone = std::string(kDefaultTimeZone);  // of working hours
  bool quiet_hours = true;             // hold non-urgent notices outside working hours
  std::chrono::minutes work_start{9 * 60};
  std::chrono::minutes work_end{17 * 60 + 30};
  std::vector<model::EventType> urgent;  // event types that ignore quiet hours
  notify::RetryPolicy retry;
  std::size_t parallel = 4;
  std::size_t batch = 100;
  std::chrono::seconds interval{30};   // how often the daemon runs a pass
  std::chrono::seconds lease{std::chrono::minutes(5)};  // how long a claim on a delivery holds (DispatcherOptions::lease)
};

struct Config {
  std::filesystem::path source;        // the file read; empty for DefaultConfig()
  std::filesystem::path base_dir;      // relative paths are relative to this (the file's directory)
  std::filesystem::path database;      // absolute after loading
  std::filesystem::path data_dir;
  std::filesystem::path plugin_dir;    // default: the layout's (runtime/layout.h)
  std::filesystem::path share_dir;     // holds workflows/; default: the layout's
  LogSettings log;
  NotifySettings notify;
  // [digest]: the daily digest (督办日报): its time, the types that skip it,
  // and per-person choices overriding the roster's.
  machine::DigestRule digest;
  SmtpSettings smtp;
  std::vector<PluginSettings> plugins; // in the file's key order
  // [serve] public_url: the base of the links in notices (no trailing slash).
  std::string public_url = "http://127.0.0.1:8080";

  // The enabled plugins as the host loads them. Each one's settings get
  // "duban": {"instance", "base_dir", "data_dir"}; an "email" module's also
  // get "smtp" (this file's [smtp], with maildir resolved) unless they have one.
  std::vector<notify::PluginSpec> PluginSpecs() const;

  // Whether notices of `event_type` are urgent (notify.urgent): the engine
  // sets Notice::urgent from this when it queues a notice.
  bool IsUrgent(model::EventType event_type) const;

  // The dispatcher's options; `is_working_day` is the campaign calendar's
  // (empty: Monday to Friday). InvalidInput when notify.time_zone is unknown.
  Result<notify::DispatcherOptions> Dispatch(std::function<bool(Date)> is_working_day) const;
};

// Parses a configuration file's text. `source_name` names it in messages;
// relative paths resolve against `base_dir`. Every error is InvalidInput
// naming the key by its dotted path ("notify.retry.max_attempts") with
// pos = source_name:line:column: TOML syntax, an unknown key, a wrong type, a
// value out of range (negative counts, start >= end, an unknown log level,
// starttls not try/required/off, an SMTP URL that is not smtp:// or smtps://,
// a plugin table that is not a table or names a bad module).
Result<Config> ParseConfig(std::string_view text, std::string_view source_name,
                           const std::filesystem::path& base_dir);

// Reads and parses `file`; relative paths in it are relative to its directory.
// NotFound when it does not exist, Io when it cannot be read.
Result<Config> LoadConfig(const std::filesystem::path& file);

// The embedded default, used without a file: data in <base_dir>/duban-data,
// the database duban.db in it, plugins and shipped files where this binary's
// layout has them (runtime/layout.h), and the email plugin writing every
// notice into <data_dir>/maildir with the templates of workflows/templates.
Config DefaultConfig(const std::filesystem::path& base_dir);

// A plugin host over config.plugin_dir with every enabled plugin of the
// configuration loaded; the first plugin that fails to load fails it all
// (PluginHost::Load's Status, which names the plugin).
Result<std::unique_ptr<notify::PluginHost>> OpenPlugins(const Config& config);

// A logger as `log` says: a size-rotated file, or standard error. Io when the
// file cannot be opened.
Result<std::shared_ptr<spdlog::logger>> OpenLogger(const LogSettings& log, const std::string& name);

}  // namespace duban::runtime
