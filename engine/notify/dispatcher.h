// The dispatcher: moves due notices out of the outbox through the plugins.
// Pure scheduling around two seams: it takes `now` instead of reading a
// clock, and reaches the store and the plugins only through Outbox and
// Deliverer, so a whole year of retries can be replayed in a test.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/env.h"
#include "core/status.h"
#include "core/time.h"
#include "store/outbox.h"
#include "notify/plugin_host.h"

namespace spdlog { class logger; }

namespace duban::notify {

// When to try a failed delivery again, and when to give up.
struct RetryPolicy {
  std::chrono::seconds base{60};                          // the wait after the first failure
  std::chrono::seconds cap{std::chrono::hours(6)};        // no wait is longer
  int max_attempts = 12;                                  // a delivery failing this often is dead
  double jitter = 0.2;                                    // in [0, 1): how much shorter a wait may be

  // The wait after a delivery's `failures`-th failed attempt (>= 1), with `u`
  // a uniform draw from [0, 1): min(cap, base * 2^(failures-1)) shortened by
  // jitter * u of itself, so that deliveries that failed together spread out;
  // never under one second.
  std::chrono::seconds Delay(int failures, double u) const;
};

// Working hours on working days, in one time zone: when non-urgent notices go.
struct WorkingHours {
  bool enabled = true;                             // false: deliver around the clock
  std::chrono::minutes start{9 * 60};              // local time of day they begin
  std::chrono::minutes end{17 * 60 + 30};          // and end (exclusive); start < end
  TimeZone tz = TimeZone::Default();
  std::function<bool(Date)> is_working_day;        // the campaign's calendar; empty: Monday to Friday

  // Whether `t` lies in working hours (always, when !enabled).
  bool IsOpen(Instant t) const;
  // The first instant at or after `t` in working hours; nullopt when no
  // working day comes within a year.
  std::optional<Instant> NextOpen(Instant t) const;
};

struct DispatcherOptions {
  RetryPolicy retry;
  WorkingHours hours;
  // Event types that go outside working hours too. Queue such notices with
  // Notice::urgent set, which also gives them their own lane, so that a held
  // non-urgent notice of the same unit never holds them back; a notice of one
  // of these types queued without the flag goes at night only when it heads
  // its lane.
  std::vector<model::EventType> urgent_types;
  std::size_t batch = 100;                // lane heads taken per plugin and round
  std::size_t parallel = 4;               // deliveries running at the same time
  int max_rounds = 100;                   // rounds per pass; a lane moves one notice per round
  std::optional<std::uint64_t> seed;      // seeds the jitter; nullopt: env->Random() (0 without an env)
  // Claims (store/outbox.h): the owner this dispatcher claims deliveries as,
  // unique per dispatcher (the runtime gives "host:pid:random"); empty: one
  // drawn from the seeded generator. The lease is how long a claim holds
  // without a heartbeat: while jobs run the dispatcher extends its claims to
  // `lease` past the time elapsed since the pass's `now` about every lease/3,
  // so a slow SMTP server never loses its claim to another dispatcher, and a
  // dispatcher killed mid-send leaves its claims to be taken over `lease`
  // later. Five minutes: longer than any plugin's time limit (60 s by
  // default, SMTP 30 s per step), short enough that a crash delays a notice
  // by minutes, not hours.
  std::string owner;
  std::chrono::seconds lease{std::chrono::minutes(5)};
  Env* env = nullptr;                     // not owned; the runtime passes its Env
};

// What one pass did.
struct PassReport {
  int delivered = 0;
  int retried = 0;   // failed, and will be tried again
  int dead = 0;      // failed for good: now dead letters
  int held = 0;      // due, but waiting for working hours
  std::vector<store::DeliveryResult> results;  // every attempt recorded, in order
  std::vector<Status> problems;         // a plugin's Plan/Due failed, a Record conflicted
  std::optional<Instant> next_open;     // when held notices may go (set iff held > 0)
};

// Thread-safety: one RunOnce at a time per Dispatcher (it runs its own
// delivery workers); several dispatchers may share one outbox.
class Dispatcher {
 public:
  // `outbox` and `plugins` must outlive the dispatcher. `log` may be null.
  Dispatcher(store::Outbox& outbox, Deliverer& plugins, DispatcherOptions options,
             std::shared_ptr<spdlog::logger> log = nullptr);

  // One pass at `now`: plans every plugin's deliveries of new notices, then
  // repeats rounds until nothing more is due (or max_rounds): claim the due
  // lane heads of every plugin (leaving the non-urgent ones outside working
  // hours unclaimed: held), run them (in parallel, isolated, each within its
  // plugin's time limit, extending the claims while they run) and record each
  // outcome, fenced by the claim, as soon as it and those of the jobs before
  // it are there (job order, so a replay's chain is the same every run):
  // delivered; failed,
  // to be retried at
  // now + RetryPolicy::Delay(attempts); or dead after a permanent failure or
  // max_attempts attempts. A plugin whose Plan, Due or Record fails is left
  // out of the rest of this pass and the failure named in `problems` (a
  // delivery whose outcome was not recorded stays pending and is delivered
  // again once its claim runs out: at least once). Fails as a whole, with the first problem,
  // only when every plugin dropped out before anything was attempted.
  Result<PassReport> RunOnce(Instant now);

  // Whether notices of its event type (or a notice marked urgent) skip quiet hours.
  bool IsUrgent(const model::Notice& notice) const;

  const DispatcherOptions& options() const { return options_; }
  // The owner its claims carry.
  const std::string& owner() const { return owner_; }

 private:
  store::DeliveryResult Decide(const store::Delivery& d, const DeliveryOutcome& outcome, Instant now);

  store::Outbox& outbox_;
  Deliverer& plugins_;
  DispatcherOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::mt19937_64 rng_;
  std::string owner_;
};

// The JSON a plugin receives for one attempt: model::ToJson(d.notice) with
// "urgent" as the dispatcher judged it and "delivery": {"plugin", "attempt"
// (1-based), "at" (UTC, ISO 8601)}.
nlohmann::json AttemptJson(const store::Delivery& d, bool urgent, Instant now);

// The event a delivery's end puts on its campaign's chain, in the outbox's
// transaction (DeliveryResult::event): notice.sent when `r` is kDelivered,
// notice.failed when kDead, by "system" at r.attempted_at on the notice's
// unit, with payload {notice, plugin, attempts, event (the notice's event
// type), recipients [{person, email}], error (when there is one)}; nullopt
// while the delivery is still pending.
std::optional<model::Event> DeliveryEndedEvent(const model::Notice& notice, const store::DeliveryResult& r);

}  // namespace duban::notify
