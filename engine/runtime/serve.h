// The daemon's loop (`duban serve`): sleeps until the next deadline step falls
// due anywhere (runtime/scheduler.h), ticks, and sends the notices queued by
// every command through the configured plugins every notify.interval, until
// SIGINT or SIGTERM.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>

#include "core/status.h"
#include "runtime/services.h"

namespace duban::runtime {

struct ServeOptions {
  std::ostream* out = nullptr;  // what happens: the start, every event a tick raised, every pass that moved a notice
  std::ostream* err = nullptr;  // problems that do not stop the loop (a pass that failed)
  std::optional<std::chrono::seconds> run_for;  // stop after this long; nullopt: only on a signal
};

// Runs the loop on the calling thread until a signal, or `run_for`. Ticks are
// recorded as "system" at the clock's time; deadlines are timed on the system
// clock, notices dispatched at services.env().Now(). REQUIRES: out and err
// set. Internal when `services` has no database open.
Status Serve(Services& services, const ServeOptions& options);

}  // namespace duban::runtime
