// The daemon's loop (`duban serve`): sleeps until the next deadline step falls
// due anywhere (runtime/scheduler.h), ticks, and sends the notices queued by
// every command through the configured plugins every notify.interval, until
// SIGINT or SIGTERM. Components the entry point adds (the HTTP API) run on
// the same loop and thread, so that one store connection serves them all.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <vector>

#include "core/status.h"
#include "runtime/services.h"

namespace boost::asio {
class io_context;
}

namespace duban::runtime {

// Something else the loop runs: started on its io_context before it runs
// (a failure stops serve before it begins), stopped on the signal; a
// component's stop may leave work in flight, and the loop ends once it is done.
struct ServeComponent {
  std::function<Status(boost::asio::io_context&)> start;
  std::function<void()> stop;
  // After the loop has ended, before its io_context goes: release what uses it.
  std::function<void()> done;
  // Before each of the loop's own passes (a tick, a notice pass): make what
  // the component holds pending durable first (the HTTP server's open
  // batch), so that no notice goes out, and no plugin is called, inside it.
  std::function<void()> settle;
};

struct ServeOptions {
  std::ostream* out = nullptr;  // what happens: the start, every event a tick raised, every pass that moved a notice
  std::ostream* err = nullptr;  // problems that do not stop the loop (a pass that failed)
  std::optional<std::chrono::seconds> run_for;  // stop after this long; nullopt: only on a signal
  std::vector<ServeComponent> components;
};

// Runs the loop on the calling thread until a signal, or `run_for`. Ticks are
// recorded as "system" at the clock's time; deadlines are timed on the system
// clock, notices dispatched at services.env().Now(). REQUIRES: out and err
// set. Internal when `services` has no database open.
Status Serve(Services& services, const ServeOptions& options);

}  // namespace duban::runtime
