// An Outbox in memory, for tests and for trying a configuration without a
// database. Not thread-safe.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "store/outbox.h"

namespace duban::store {

class MemoryOutbox final : public Outbox {
 public:
  // Queues a notice, as the engine does when a command raises its event.
  // InvalidInput when a notice with this id is already queued.
  Status Add(model::Notice notice);

  // Makes a dead (or delivered) delivery pending again with no attempts, as
  // `duban notices retry` does. NotFound when there is no such delivery.
  Status Retry(const std::string& notice_id, const std::string& plugin);

  // Every delivery for `plugin`, in event order.
  std::vector<Delivery> Deliveries(const std::string& plugin) const;
  // The delivery of one notice through `plugin`, or nullptr.
  const Delivery* Find(const std::string& notice_id, const std::string& plugin) const;
  // Every attempt Record() accepted, oldest first.
  const std::vector<DeliveryResult>& attempts() const { return attempts_; }

  Status Plan(const std::string& plugin,
              const std::function<Result<bool>(model::EventType event_type)>& wants) override;
  Result<std::vector<Delivery>> Due(const std::string& plugin, Instant now, std::size_t limit) override;
  Result<std::vector<Delivery>> Claim(const std::string& plugin, const std::string& owner, Instant now,
                                      std::chrono::seconds lease, std::size_t limit,
                                      const std::function<bool(const Delivery&)>& take) override;
  Result<int> Extend(const std::string& owner, Instant until) override;
  Status Record(const DeliveryResult& result) override;

 private:
  // (campaign, seq): event order.
  using Key = std::pair<std::string, std::int64_t>;
  Delivery* FindMutable(const std::string& notice_id, const std::string& plugin);
  // Due()'s heads, in order, at most `limit` of them (0: all).
  std::vector<Delivery*> Heads(const std::string& plugin, Instant now, std::size_t limit);

  std::map<Key, model::Notice> notices_;
  std::map<std::string, Key> by_id_;
  std::map<std::string, std::map<Key, Delivery>> deliveries_;  // by plugin
  std::vector<DeliveryResult> attempts_;
};

}  // namespace duban::store
