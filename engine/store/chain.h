// The event chain's rule, shared by every backend: how an event's hash is
// made and how a campaign's chain is checked. Each campaign's events form
// one chain: event n stores the hash of event n-1 (kGenesisHash for the
// first) and its own hash over its fields and that link, so an edited,
// removed, inserted or reordered row shows. Backends store the payload as
// JSON text and hash that text exactly as stored, byte for byte.
// Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "core/time.h"

namespace duban::store {

// One stored event as the chain sees it.
struct ChainRow {
  std::int64_t seq = 0;
  std::string type;
  std::string unit;
  std::string actor;
  Instant at{};
  std::string payload;   // the payload's JSON text exactly as stored
  std::string channel;   // "cli", "token", "session", "system"; empty in rows from before channels
  std::string prev_hash;
  std::string hash;
};

struct VerifyReport {
  std::int64_t rows = 0;
  bool ok = true;
  std::int64_t seq = 0;        // the first bad row (or where one is missing)
  std::string problem;
};

// The prev_hash of a campaign's first event.
inline const std::string kGenesisHash(64, '0');

// The SHA-256 (hex) of the JSON array [campaign, seq, type, unit, actor,
// at (UTC, ISO 8601), payload text, prev_hash], with channel as a ninth
// element only when it is non-empty, so rows written before events had a
// channel hash as they always did.
std::string EventHash(const std::string& campaign, std::int64_t seq, const std::string& type,
                      const std::string& unit, const std::string& actor, Instant at,
                      const std::string& payload, const std::string& prev_hash,
                      const std::string& channel = "");
// EventHash over a row's fields (its own hash is not read).
std::string EventHash(const std::string& campaign, const ChainRow& row);

// Walks `campaign`'s chain as a backend reads it: `next` fills in the next
// row in seq order and returns true, or false after the last (a failed
// Status stops the walk and is returned). Checks that seq runs 1, 2, ...
// without a gap, that each row links to the one before, that each hash
// follows EventHash, and that the last row is the campaign's head
// (head_seq, head_hash); the first problem ends the walk and the report
// names its seq. A backend reads the rows and the head at one instant (one
// read transaction).
Result<VerifyReport> VerifyChain(const std::string& campaign, const std::function<Result<bool>(ChainRow&)>& next,
                                 std::int64_t head_seq, const std::string& head_hash);

}  // namespace duban::store
