// The services one process runs on, built from the configuration: the store,
// the content-addressed file store and the App over them, and (on first use)
// the plugin host and the notice dispatcher. Every entry point builds them
// here: the CLI's verbs, `duban serve` (runtime/serve.h) and `duban replay`.
// Nothing below the runtime knows where its store, clock or plugins come
// from; this is where they are chosen.
#pragma once

#include <memory>
#include <string>

#include "app/accounts.h"
#include "app/app.h"
#include "core/env.h"
#include "core/status.h"
#include "notify/dispatcher.h"
#include "notify/plugin_host.h"
#include "runtime/config.h"
#include "store/store.h"

namespace duban::runtime {

// Thread-safety: not thread-safe; the entry point's thread opens and uses
// it. What it hands out (App, Store, Dispatcher) keeps its own contract.
class Services {
 public:
  // `env` (not owned; nullptr: DefaultEnv(), the system's) is what the App,
  // its file store and the dispatcher read the clock, sleep and draw from.
  explicit Services(Env* env = nullptr);
  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  // Opens the database at `database`; attached files are kept in `files_dir`
  // (default: the database's path with ".files" appended). The configuration
  // is `config_file`, or without one the embedded default beside the
  // database (data, e.g. the maildir, in <database>.data). Asking again for
  // the database and files directory already open answers the open App (the
  // configuration is not read again); another closes them first.
  // $DUBAN_MAX_ATTACHMENT_MB, when set, caps an attached file's size.
  // With `create` false a database that does not exist is NotFound naming
  // it, and nothing is written (only `duban init` creates one).
  Result<app::App*> Open(const std::string& database, const std::string& files_dir = "",
                         const std::string& config_file = "", bool create = true);

  // The notice dispatcher over the open database, with the configured
  // plugins loaded (once) and working hours on the database's calendar.
  // Internal when no database is open.
  Result<notify::Dispatcher*> Dispatcher();

  // The open App and Store; nullptr before Open.
  app::App* app() const { return app_.get(); }
  // Accounts, sessions and tokens over the open database (secrets from the
  // kernel, runtime::SecretBytes); nullptr before Open.
  app::Accounts* accounts() const { return accounts_.get(); }
  store::Store* store() const { return store_.get(); }
  // The configuration the open database was opened with.
  const Config& config() const { return config_; }
  // The path Open was last given successfully; empty before.
  const std::string& database() const { return path_; }
  // Where the open database's attached files are kept.
  const std::string& files_dir() const { return files_dir_; }
  Env& env() const { return *env_; }

 private:
  Env* env_;
  Config config_;
  std::string path_;
  std::string files_dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::App> app_;
  std::unique_ptr<app::Accounts> accounts_;
  std::unique_ptr<notify::PluginHost> plugins_;
  std::unique_ptr<notify::Dispatcher> dispatcher_;
};

}  // namespace duban::runtime
