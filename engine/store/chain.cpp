#include "store/chain.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "core/hash.h"

namespace duban::store {

std::string EventHash(const std::string& campaign, std::int64_t seq, const std::string& type,
                      const std::string& unit, const std::string& actor, Instant at,
                      const std::string& payload, const std::string& prev_hash, const std::string& channel) {
  nlohmann::json row = {campaign, seq, type, unit, actor, FormatUtc(at), payload, prev_hash};
  if (!channel.empty()) row.push_back(channel);
  return Sha256Hex(row.dump());
}

std::string EventHash(const std::string& campaign, const ChainRow& row) {
  return EventHash(campaign, row.seq, row.type, row.unit, row.actor, row.at, row.payload, row.prev_hash,
                   row.channel);
}

Result<VerifyReport> VerifyChain(const std::string& campaign, const std::function<Result<bool>(ChainRow&)>& next,
                                 std::int64_t head_seq, const std::string& head_hash) {
  VerifyReport report;
  std::string prev = kGenesisHash;
  std::int64_t expect = 1;
  auto fail = [&](std::int64_t seq, std::string why) {
    report.ok = false;
    report.seq = seq;
    report.problem = std::move(why);
    return report;
  };
  for (;;) {
    ChainRow row;
    Result<bool> more = next(row);
    if (!more.ok()) return more.status();
    if (!*more) break;
    ++report.rows;
    if (row.seq != expect)
      return fail(expect, "event " + std::to_string(expect) + " is missing (next is " + std::to_string(row.seq) + ")");
    if (row.prev_hash != prev)
      return fail(row.seq, "event " + std::to_string(row.seq) +
                               " does not link to the event before it (chain forked or rewritten)");
    if (EventHash(campaign, row) != row.hash)
      return fail(row.seq, "event " + std::to_string(row.seq) + " was altered (hash mismatch)");
    prev = std::move(row.hash);
    ++expect;
  }
  if (head_seq != expect - 1 || head_hash != prev)
    return fail(expect, "the chain ends at event " + std::to_string(expect - 1) + " but the campaign's head is event " +
                            std::to_string(head_seq) + " (events removed from the end?)");
  return report;
}

}  // namespace duban::store
