// The outbox as the dispatcher sees it: notices waiting to be delivered, one
// delivery per (notice, plugin). The engine queues notices in the same
// transaction as the command that raised their events; the dispatcher
// (notify/dispatcher.h) moves them out through the plugins. Two implementations:
// MemoryOutbox (store/testing/memory_outbox.h, for tests) and the SQLite
// store's (store/sqlite/sqlite_store.h).
//
// The guarantees the dispatcher builds on this interface:
//  - at least once: a delivery stays pending until Record() says otherwise, so
//    a crash between a plugin's success and Record() repeats the delivery
//    (plugins make that harmless with the notice id);
//  - in order per lane: a lane is the pending deliveries of one plugin for one
//    (campaign, unit, urgent) in event order; only a lane's head is ever due,
//    so a unit's later notice never overtakes an earlier one of the same
//    urgency (urgent notices have their own lane so that quiet hours, which
//    hold only non-urgent ones, never hold them back);
//  - retry with back-off: Record() stores when a pending delivery may be tried
//    again, and Due() does not return it before then (the head then blocks
//    its lane, which is what keeps the order);
//  - dead letters: a delivery the dispatcher gives up on is recorded kDead;
//    it leaves its lane, so the unit's later notices go on. Only an operator
//    (`duban notices retry`) makes it pending again;
//  - claims: a dispatcher Claim()s a delivery before it calls the plugin: a
//    lease (owner, until) committed before the call. While the lease runs no
//    other owner can claim it (several dispatchers never send the same
//    delivery), the owner may Extend() it while it sends, and only the owner
//    may Record() its outcome, fenced by (owner, attempts). A lease that ran
//    out (its owner crashed or stalled) is taken over by the next Claim,
//    which counts the interrupted attempt (attempts + 1) so that the stale
//    owner's Record is refused. The lease stays its lane's head meanwhile, so
//    a claimed delivery holds its lane as a retry does. Only the deliveries
//    that were in flight when an owner died are sent again, and the plugins
//    make that a copy the receiver can recognise (the e-mail plugin's
//    Message-ID and maildir name come from the notice id alone).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/notice.h"

namespace duban::store {

enum class DeliveryState : std::uint8_t {
  kPending,    // waiting for its first or next attempt
  kDelivered,  // the plugin accepted it
  kDead,       // given up on: failed permanently or too often
  kSkipped,    // the plugin does not want this event type
};
std::string_view DeliveryStateName(DeliveryState s);  // "pending", "delivered", "dead", "skipped"
std::optional<DeliveryState> DeliveryStateFromName(std::string_view name);

// One notice's delivery through one plugin, as the outbox holds it.
struct Delivery {
  model::Notice notice;
  std::string plugin;                      // the plugin instance's configured name
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;                        // attempts made so far
  std::optional<Instant> next_attempt_at;  // kPending: not before this; nullopt: at once
  std::optional<Instant> last_attempt_at;
  std::string last_error;                  // the last failed attempt's reason
  std::optional<Instant> delivered_at;
  std::string lease_owner;                 // kPending and claimed: who holds it; empty: nobody
  std::optional<Instant> lease_until;      // set iff lease_owner is; past it the claim may be taken over
};

// The outcome of one attempt, as the dispatcher decided it.
struct DeliveryResult {
  std::string notice_id;
  std::string plugin;
  int expected_attempts = 0;               // Delivery::attempts as Claim() returned it
  std::string owner;                       // the claim's owner; empty: the delivery is not claimed
  DeliveryState state = DeliveryState::kPending;  // kDelivered, kPending (retry) or kDead
  int attempts = 0;                        // expected_attempts + 1
  Instant attempted_at{};
  std::optional<Instant> next_attempt_at;  // set iff state == kPending
  std::string error;                       // why it failed; empty when delivered
  std::chrono::milliseconds elapsed{0};    // how long the plugin took (wall clock)
  // An event to append to the notice's campaign chain in the same
  // transaction as the outcome: what was sent to whom and when (the
  // dispatcher's notice.sent / notice.failed, notify::DeliveryEndedEvent).
  // The outbox only stores it; nullopt: none.
  std::optional<model::Event> event;

  // The outcome of the attempt `d` (as Claim() returned it) makes at `at`,
  // fenced by its claim: the state, the error and the event left to the caller.
  static DeliveryResult AttemptOf(const Delivery& d, Instant at) {
    DeliveryResult r;
    r.notice_id = d.notice.id;
    r.plugin = d.plugin;
    r.expected_attempts = d.attempts;
    r.owner = d.lease_owner;
    r.attempts = d.attempts + 1;
    r.attempted_at = at;
    return r;
  }
};

// Thread-safety: as the implementation states (MemoryOutbox: none; the
// SQLite store's outbox is its store's connection: one thread at a time).
class Outbox {
 public:
  virtual ~Outbox() = default;

  // Gives every notice that has no delivery for `plugin` yet one: kPending
  // (attempts 0, due at once) when wants(event type) is true, kSkipped when
  // it is false. Notices are taken in event order; a plugin configured later
  // receives the backlog. Stops at the first failed `wants` and returns its
  // Status; deliveries created before it stay. Idempotent.
  virtual Status Plan(const std::string& plugin,
                      const std::function<Result<bool>(model::EventType event_type)>& wants) = 0;

  // The heads of `plugin`'s lanes that are due at `now`: for each (campaign,
  // unit, urgent) the kPending delivery with the lowest seq, returned only
  // when its next_attempt_at is unset or <= now and it is not under a lease
  // that runs past `now` (a head that is not due hides the rest of its lane).
  // At most `limit` (> 0) of them, by campaign and then seq ascending. Reads
  // only: a dispatcher claims instead.
  virtual Result<std::vector<Delivery>> Due(const std::string& plugin, Instant now, std::size_t limit) = 0;

  // Claims what Due(plugin, now, ...) would return, in one transaction: each
  // such head for which take(head) is true (an empty `take` takes all) gets
  // the lease (owner, now + lease), committed before Claim returns, until
  // `limit` (> 0) are claimed; the claimed ones are returned with their
  // lease. A head whose earlier lease ran out (lease_until <= now) is taken
  // over: its attempts grow by one (the interrupted attempt; implementations
  // may keep it for `notices show`) and last_error says whose lease ran out.
  // A head under a running lease, its own owner's included, is never
  // returned. InvalidInput when `owner` is empty, lease <= 0 or limit == 0.
  virtual Result<std::vector<Delivery>> Claim(const std::string& plugin, const std::string& owner, Instant now,
                                              std::chrono::seconds lease, std::size_t limit,
                                              const std::function<bool(const Delivery&)>& take) = 0;

  // Moves lease_until to `until` on every pending delivery `owner` holds (a
  // heartbeat while it sends). Returns how many. A delivery another owner
  // took over is not touched.
  virtual Result<int> Extend(const std::string& owner, Instant until) = 0;

  // Stores one attempt's outcome on the delivery (notice_id, plugin): its
  // state, attempts, next_attempt_at, last_attempt_at = attempted_at, and
  // last_error = error when it failed or delivered_at = attempted_at when it
  // was delivered, and ends the lease. A compare-and-set fenced by the claim:
  // Conflict, changing nothing, unless the delivery is kPending with
  // attempts == expected_attempts and lease_owner == result.owner (an empty
  // owner: a delivery nobody claimed) — another dispatcher took the claim
  // over, or an operator got there first; NotFound when there is no such
  // delivery. When result.event is set it is appended, in the same
  // transaction, to the chain of the notice's campaign (a store's outbox; an
  // outbox without a chain keeps it with the attempt). Implementations may
  // also keep every attempt for `notices show`.
  virtual Status Record(const DeliveryResult& result) = 0;
};

}  // namespace duban::store
