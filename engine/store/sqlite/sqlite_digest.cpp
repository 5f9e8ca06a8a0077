// SQL of the digest queue (the daily digest, 督办日报): tables digest_queue
// and digests of migrations.cpp.
#include "store/sqlite/sqlite_digest.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

namespace duban::store::sqlite {

namespace {

std::int64_t Secs(Instant t) { return t.time_since_epoch().count(); }
Instant FromSecs(std::int64_t s) { return Instant(std::chrono::seconds(s)); }

}  // namespace

Status InsertHolds(SQLite::Database& db, const std::string& campaign, std::int64_t first_seq,
                   const std::vector<model::Event>& events, const std::vector<DigestHold>& holds) {
  if (holds.empty()) return Status::Ok();
  SQLite::Statement q(db,
                      "INSERT INTO digest_queue(campaign_id, seq, person_id, body, held_at) VALUES (?, ?, ?, ?, ?)");
  for (const DigestHold& h : holds) {
    if (h.event_index >= events.size()) return Status::Internal("a held notice names no event of its command");
    if (h.notice.recipients.size() != 1) return Status::Internal("a held notice is for exactly one person");
    model::Notice n = h.notice;
    n.seq = first_seq + static_cast<std::int64_t>(h.event_index);
    n.id = model::NoticeId(campaign, n.seq);
    n.campaign = campaign;
    n.event = events[h.event_index];
    q.reset();
    q.bind(1, campaign);
    q.bind(2, n.seq);
    q.bind(3, n.recipients.front().person);
    q.bind(4, model::ToJson(n).dump());
    q.bind(5, Secs(n.event.at));
    q.exec();
  }
  return Status::Ok();
}

Status RecordDigests(SQLite::Database& db, const std::string& campaign, std::int64_t first_seq,
                     const std::vector<DigestMade>& digests) {
  if (digests.empty()) return Status::Ok();
  SQLite::Statement made(db, "SELECT 1 FROM digests WHERE campaign_id = ? AND person_id = ? AND day = ?");
  SQLite::Statement ins(db, "INSERT INTO digests(campaign_id, person_id, day, seq) VALUES (?, ?, ?, ?)");
  SQLite::Statement consume(db,
                            "UPDATE digest_queue SET digest_seq = ? WHERE campaign_id = ? AND person_id = ? AND seq = ?"
                            " AND digest_seq IS NULL");
  for (const DigestMade& d : digests) {
    const std::string day = FormatDate(d.day);
    made.reset();
    made.bind(1, campaign);
    made.bind(2, d.person);
    made.bind(3, day);
    if (made.executeStep()) return Status::Conflict("the digest of " + d.person + " for " + day + " was made meanwhile");
    const std::int64_t seq = first_seq + static_cast<std::int64_t>(d.event_index);
    ins.reset();
    ins.bind(1, campaign);
    ins.bind(2, d.person);
    ins.bind(3, day);
    ins.bind(4, seq);
    ins.exec();
    for (std::int64_t item : d.items) {
      consume.reset();
      consume.bind(1, seq);
      consume.bind(2, campaign);
      consume.bind(3, d.person);
      consume.bind(4, item);
      if (consume.exec() != 1)
        return Status::Conflict("notice " + model::NoticeId(campaign, item) + " is no longer held for " + d.person);
    }
  }
  return Status::Ok();
}

std::vector<HeldNotice> ListHeld(SQLite::Database& db, const std::string& campaign, bool with_consumed) {
  SQLite::Statement q(db,
                      "SELECT person_id, body, held_at, digest_seq FROM digest_queue WHERE campaign_id = ?"
                      " AND (? OR digest_seq IS NULL) ORDER BY person_id, seq");
  q.bind(1, campaign);
  q.bind(2, with_consumed ? 1 : 0);
  std::vector<HeldNotice> out;
  while (q.executeStep()) {
    HeldNotice h;
    h.person = q.getColumn(0).getString();
    auto n = model::NoticeFromJson(nlohmann::json::parse(q.getColumn(1).getString()));
    if (!n.ok()) throw std::runtime_error("digest_queue: " + n.status().str());
    h.notice = std::move(*n);
    h.held_at = FromSecs(q.getColumn(2).getInt64());
    if (!q.getColumn(3).isNull()) h.digest_seq = q.getColumn(3).getInt64();
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<DigestRecord> ListDigests(SQLite::Database& db, const std::string& campaign) {
  SQLite::Statement q(db, "SELECT person_id, day, seq FROM digests WHERE campaign_id = ? ORDER BY person_id, day");
  q.bind(1, campaign);
  std::vector<DigestRecord> out;
  while (q.executeStep()) {
    DigestRecord d;
    d.person = q.getColumn(0).getString();
    auto day = ParseDate(q.getColumn(1).getString());
    if (!day.ok()) throw std::runtime_error("digests: " + day.status().str());
    d.day = *day;
    d.seq = q.getColumn(2).getInt64();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace duban::store::sqlite
