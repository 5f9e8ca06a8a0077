// `duban replay FILE`: a scenario of dated steps, run in order with the clock
// at each step's time.
#pragma once

#include <string>

#include "cli.h"

namespace duban::cli {

// Reads and checks the whole scenario first (a bad line changes nothing),
// then runs each step: its verb and arguments parsed through the verb table,
// run on the open `session` (which must have `db` open) as the step's person
// at the step's time, channel cli; the ticks between steps are the system's. Stops
// at the first step whose exit status is not the one it expects.
int RunReplay(const std::string& file, const std::string& db, const std::string& format, Io io,
              Session& session);

}  // namespace duban::cli
