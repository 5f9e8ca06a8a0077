// The duban command line: one verb per use case, each in the verb table
// (verb.h, verbs/*.cpp). `Run` parses one command line and carries it out;
// `duban replay` parses each step through the same table and runs it on the
// open services.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "runtime/services.h"

namespace duban::cli {

// The services a process runs on (runtime/services.h): opened on first
// use, shared by the steps of a replay.
using Session = runtime::Services;

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

// Where the shipped workflows/ directory is: $DUBAN_SHARE, else the open
// configuration's share_dir, else this binary's layout (runtime/layout.h):
// <prefix>/share/duban when installed, the source tree in a build tree.
std::filesystem::path ShareDir(const Session& session);

}  // namespace duban::cli
