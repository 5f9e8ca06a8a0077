// The duban command line: one verb per use case. `Run` parses one command
// line and carries it out; `duban replay` calls it again for every step of a
// scenario, sharing one open database.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "notify/config.h"
#include "notify/dispatcher.h"
#include "notify/plugin_host.h"
#include "store/store.h"

namespace duban::cli {

// The database a process has open: opened on first use, shared by the steps
// of a replay.
class Session {
 public:
  // Opens the database at `db_path`; attached files are kept in `data_dir`
  // (default: the database's path with ".files" appended).
  Result<app::App*> Open(const std::string& db_path, const std::string& data_dir = "",
                         const std::string& config_file = "");
  // The notice dispatcher over the open database, with the configured
  // plugins loaded (once). REQUIRES: Open succeeded.
  Result<notify::Dispatcher*> Dispatcher();
  const notify::Config& config() const { return config_; }
  const std::string& db_path() const { return path_; }

 private:
  notify::Config config_;
  std::unique_ptr<notify::PluginHost> plugins_;
  std::unique_ptr<notify::Dispatcher> dispatcher_;
  std::string path_;
  std::string data_dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::App> app_;
};

struct Io {
  std::ostream& out;
  std::ostream& err;
};

// Runs one command line (`args` without the program name). Relative paths
// given to the command are read from `base_dir`. Returns the exit status of
// the CLI contract: 0 done, 2 bad usage or input, 3 refused, 1 otherwise.
int Run(const std::vector<std::string>& args, Io io, Session& session,
        const std::filesystem::path& base_dir = {});

// Ticks the deadline clock at `at` as the engine itself (app::SystemRequest),
// printing what it raised as the `tick` verb does: the replay's automatic
// ticks. Returns the exit status.
int SystemTick(app::App& app, Instant at, const std::string& format, Io io);

// Where the shipped workflows/ directory is: $DUBAN_SHARE, else the source
// tree duban was built from.
std::filesystem::path ShareDir();

}  // namespace duban::cli
