// `duban serve`: the daemon. It sleeps until the next deadline step falls due
// (runtime/scheduler.h), ticks, and sends the notices queued by every
// command through the configured plugins, until SIGINT or SIGTERM.
#pragma once

#include <optional>
#include <string>

#include "cli.h"

namespace duban::cli {

// Runs until a signal, or for `seconds` when given. Returns an exit status.
int RunServe(Session& session, Io io, std::optional<int> seconds);

}  // namespace duban::cli
