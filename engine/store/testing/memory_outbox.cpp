#include "store/testing/memory_outbox.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace duban::store {

Status MemoryOutbox::Add(model::Notice notice) {
  if (by_id_.count(notice.id) != 0) return Status::InvalidInput("notice " + notice.id + " is already queued");
  Key key{notice.campaign, notice.seq};
  if (notices_.count(key) != 0)
    return Status::InvalidInput("event " + model::NoticeId(notice.campaign, notice.seq) + " already has a notice");
  by_id_.emplace(notice.id, key);
  notices_.emplace(std::move(key), std::move(notice));
  return Status::Ok();
}

Status MemoryOutbox::Retry(const std::string& notice_id, const std::string& plugin) {
  Delivery* d = FindMutable(notice_id, plugin);
  if (d == nullptr) return Status::NotFound("no delivery of notice " + notice_id + " through " + plugin);
  d->state = DeliveryState::kPending;
  d->attempts = 0;
  d->next_attempt_at.reset();
  d->lease_owner.clear();
  d->lease_until.reset();
  return Status::Ok();
}

std::vector<Delivery> MemoryOutbox::Deliveries(const std::string& plugin) const {
  std::vector<Delivery> out;
  const auto it = deliveries_.find(plugin);
  if (it == deliveries_.end()) return out;
  for (const auto& [key, d] : it->second) out.push_back(d);
  return out;
}

const Delivery* MemoryOutbox::Find(const std::string& notice_id, const std::string& plugin) const {
  const auto id = by_id_.find(notice_id);
  const auto p = deliveries_.find(plugin);
  if (id == by_id_.end() || p == deliveries_.end()) return nullptr;
  const auto d = p->second.find(id->second);
  return d == p->second.end() ? nullptr : &d->second;
}

Delivery* MemoryOutbox::FindMutable(const std::string& notice_id, const std::string& plugin) {
  return const_cast<Delivery*>(std::as_const(*this).Find(notice_id, plugin));
}

Status MemoryOutbox::Plan(const std::string& plugin,
                          const std::function<Result<bool>(model::EventType event_type)>& wants) {
  auto& mine = deliveries_[plugin];
  for (const auto& [key, notice] : notices_) {
    if (mine.count(key) != 0) continue;
    Result<bool> wanted = wants(notice.event.type);
    if (!wanted.ok()) return wanted.status();
    Delivery d;
    d.notice = notice;
    d.plugin = plugin;
    d.state = *wanted ? DeliveryState::kPending : DeliveryState::kSkipped;
    mine.emplace(key, std::move(d));
  }
  return Status::Ok();
}

std::vector<Delivery*> MemoryOutbox::Heads(const std::string& plugin, Instant now, std::size_t limit) {
  std::vector<Delivery*> out;
  const auto it = deliveries_.find(plugin);
  if (it == deliveries_.end()) return out;
  // Lanes whose head was already seen, due or not.
  std::set<std::tuple<std::string, std::string, bool>> seen;
  for (auto& [key, d] : it->second) {  // event order
    if (d.state != DeliveryState::kPending) continue;
    if (!seen.emplace(d.notice.campaign, d.notice.event.unit, d.notice.urgent).second) continue;
    if (d.next_attempt_at && *d.next_attempt_at > now) continue;
    if (d.lease_until && *d.lease_until > now) continue;
    out.push_back(&d);
    if (out.size() == limit) break;
  }
  return out;
}

Result<std::vector<Delivery>> MemoryOutbox::Due(const std::string& plugin, Instant now, std::size_t limit) {
  if (limit == 0) return Status::InvalidInput("Outbox::Due: limit must be positive");
  std::vector<Delivery> out;
  for (const Delivery* d : Heads(plugin, now, limit)) out.push_back(*d);
  return out;
}

Result<std::vector<Delivery>> MemoryOutbox::Claim(const std::string& plugin, const std::string& owner, Instant now,
                                                  std::chrono::seconds lease, std::size_t limit,
                                                  const std::function<bool(const Delivery&)>& take) {
  if (owner.empty() || lease.count() <= 0 || limit == 0)
    return Status::InvalidInput("Outbox::Claim: needs an owner, a positive lease and a positive limit");
  std::vector<Delivery> out;
  for (Delivery* d : Heads(plugin, now, 0)) {
    if (take && !take(*d)) continue;
    if (!d->lease_owner.empty()) {  // its lease ran out: the attempt was interrupted
      ++d->attempts;
      d->last_error = "interrupted: the claim of " + d->lease_owner + " ran out";
      DeliveryResult interrupted;
      interrupted.notice_id = d->notice.id;
      interrupted.plugin = plugin;
      interrupted.owner = d->lease_owner;
      interrupted.expected_attempts = d->attempts - 1;
      interrupted.attempts = d->attempts;
      interrupted.attempted_at = now;
      interrupted.error = d->last_error;
      attempts_.push_back(std::move(interrupted));
    }
    d->lease_owner = owner;
    d->lease_until = now + lease;
    out.push_back(*d);
    if (out.size() == limit) break;
  }
  return out;
}

Result<int> MemoryOutbox::Extend(const std::string& owner, Instant until) {
  int n = 0;
  for (auto& [plugin, mine] : deliveries_)
    for (auto& [key, d] : mine)
      if (d.state == DeliveryState::kPending && !owner.empty() && d.lease_owner == owner) {
        d.lease_until = until;
        ++n;
      }
  return n;
}

Status MemoryOutbox::Record(const DeliveryResult& r) {
  Delivery* d = FindMutable(r.notice_id, r.plugin);
  if (d == nullptr) return Status::NotFound("no delivery of notice " + r.notice_id + " through " + r.plugin);
  if (d->state != DeliveryState::kPending || d->attempts != r.expected_attempts || d->lease_owner != r.owner)
    return Status::Conflict("delivery of notice " + r.notice_id + " through " + r.plugin +
                            " changed since it was claimed");
  d->state = r.state;
  d->attempts = r.attempts;
  d->next_attempt_at = r.next_attempt_at;
  d->last_attempt_at = r.attempted_at;
  d->lease_owner.clear();
  d->lease_until.reset();
  if (r.state == DeliveryState::kDelivered) d->delivered_at = r.attempted_at;
  else d->last_error = r.error;
  attempts_.push_back(r);
  return Status::Ok();
}

}  // namespace duban::store
