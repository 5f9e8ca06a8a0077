// The storage seam. engine/app talks to this interface only; every SQL
// statement in duban lives behind it (sqlite_store.cpp). A county runs the
// embedded SQLite store; a province-sized deployment can bring another
// implementation without touching the app.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/model.h"
#include "notify/notice.h"
#include "notify/outbox.h"

namespace duban::store {

// A workflow, roster or calendar file exactly as it was loaded, addressed by
// the SHA-256 of its content.
struct Definition {
  std::string hash;
  std::string kind;     // "workflow", "roster"
  std::string source;   // the path it was read from, for people
  std::string content;
};

struct Campaign {
  std::string id;                 // "taishan-2021"
  std::string name;
  int year = 0;
  std::string time_zone;
  std::string workflow_hash;
  std::string roster_hash;
  Instant created_at{};
  std::string created_by;
  std::int64_t head_seq = 0;      // the last event's sequence number
  std::string head_hash;          // the last event's hash
};

// A year of the working-day calendar, as loaded.
struct CalendarYear {
  int year = 0;
  std::string source;
  std::string content;
  std::string hash;
  Instant loaded_at{};
};

// A client command id's first answer, kept so that a retry is answered, not
// applied again.
struct CommandRecord {
  std::string id;
  std::string fingerprint;  // what was asked; a reused id asking something else is refused
  int exit_code = 0;
  std::string result;       // JSON the CLI printed
};

struct EventFilter {
  std::string campaign;
  std::optional<std::string> unit;
  std::optional<std::string> type;  // exact, or a prefix ending in ".*" ("transition.*")
  std::optional<Instant> since;     // events at or after
  std::int64_t after_seq = 0;
  std::size_t limit = 0;            // 0: all
};

// A notice to queue with one of the changeset's events: the store gives it
// the event's sequence number and id (notify::NoticeId) as it appends it.
struct NoticeDraft {
  std::size_t event_index = 0;  // into Changeset::events
  notify::Notice notice;        // everything but id, seq and event
};

// A notice with its deliveries, for `duban notices`.
struct NoticeRecord {
  notify::Notice notice;
  Instant queued_at{};
  std::vector<notify::Delivery> deliveries;  // one per plugin planned so far (notice left empty)
  struct Attempt {
    std::string plugin;
    int attempt = 0;
    Instant at{};
    std::string outcome;  // "delivered", "retry", "dead"
    std::string error;
    std::int64_t elapsed_ms = 0;
  };
  std::vector<Attempt> attempts;
};

struct NoticeFilter {
  std::string campaign;                 // empty: every campaign
  std::optional<std::string> unit;
  std::optional<std::string> state;     // a delivery state: only notices with such a delivery
  std::size_t limit = 0;
};

// Everything one command changes. Commit applies all of it in one transaction
// or none of it.
struct Changeset {
  std::string campaign;
  std::optional<Campaign> create_campaign;
  std::vector<Definition> definitions;          // stored once per hash
  struct InstanceWrite {
    model::Instance instance;                   // the new state, version already bumped
    std::optional<std::int64_t> expected_version;  // nullopt: insert a new instance
  };
  std::vector<InstanceWrite> instances;
  std::vector<model::Request> requests;         // inserted, or updated when decided
  std::vector<model::MaterialRecord> materials; // inserted or updated
  std::vector<model::Commitment> commitments;   // inserted (never updated)
  std::vector<model::Attachment> attachments;   // inserted; the same content is kept once
  std::vector<model::Contact> contacts;         // inserted (history is never rewritten)
  std::vector<std::pair<std::string, int>> paper_copies;  // unit, copies received so far
  std::vector<model::Event> events;             // appended in order to the chain
  std::vector<NoticeDraft> notices;             // queued in the outbox with their events
  std::vector<CalendarYear> calendar_years;     // inserted or replaced
  std::vector<model::DueOverride> due_overrides;  // inserted or replaced, per stage
  std::optional<CommandRecord> command;
};

struct CommitResult {
  std::int64_t first_seq = 0;  // 0 when no events
  std::int64_t last_seq = 0;
};

struct VerifyReport {
  std::int64_t rows = 0;
  bool ok = true;
  std::int64_t seq = 0;        // the first bad row (or where one is missing)
  std::string problem;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<std::optional<Campaign>> GetCampaign(const std::string& id) = 0;
  virtual Result<std::vector<Campaign>> ListCampaigns() = 0;
  virtual Result<std::optional<Definition>> GetDefinition(const std::string& hash) = 0;
  virtual Result<std::vector<model::Instance>> ListInstances(const std::string& campaign) = 0;
  virtual Result<std::optional<model::Instance>> GetInstance(const std::string& campaign,
                                                             const std::string& unit) = 0;
  virtual Result<std::vector<model::Request>> ListRequests(
      const std::string& campaign, std::optional<model::RequestStatus> status) = 0;
  virtual Result<std::optional<model::Request>> GetRequest(const std::string& campaign,
                                                           const std::string& id) = 0;
  // How many requests `unit` has ever had: the next id is finance#(n+1).
  virtual Result<std::int64_t> CountRequests(const std::string& campaign, const std::string& unit) = 0;
  virtual Result<std::vector<model::StoredEvent>> ListEvents(const EventFilter& filter) = 0;
  virtual Result<std::optional<CommandRecord>> GetCommand(const std::string& campaign,
                                                          const std::string& id) = 0;
  virtual Result<std::vector<CalendarYear>> ListCalendarYears() = 0;
  // Each calendar year's number and content hash, without the content: what
  // a cached calendar is checked against.
  virtual Result<std::vector<std::pair<int, std::string>>> CalendarHashes() = 0;
  virtual Result<std::vector<model::DueOverride>> ListDueOverrides(const std::string& campaign) = 0;

  // Instances of every campaign whose next deadline step is due at `now`,
  // earliest first: cost in proportion to what is due, through the
  // next_deadline_at index, not to all open instances.
  virtual Result<std::vector<std::pair<std::string, model::Instance>>> ListDueInstances(Instant now,
                                                                                       std::size_t limit) = 0;
  // The earliest next deadline step of any instance, for the scheduler.
  virtual Result<std::optional<Instant>> NextDeadline() = 0;
  // A unit's materials in roster order; every unit's when `unit` is empty.
  virtual Result<std::vector<model::MaterialRecord>> ListMaterials(const std::string& campaign,
                                                                   const std::string& unit) = 0;
  // Files attached to a unit's materials (and commitments), oldest first;
  // every unit's when `unit` is empty.
  virtual Result<std::vector<model::Attachment>> ListAttachments(const std::string& campaign,
                                                                 const std::string& unit) = 0;
  // Every contact change, oldest first; every unit's when `unit` is empty.
  virtual Result<std::vector<model::Contact>> ListContacts(const std::string& campaign, const std::string& unit) = 0;
  // Paper copies received per unit.
  virtual Result<std::vector<std::pair<std::string, int>>> ListPaperCopies(const std::string& campaign) = 0;
  // Every signature of a unit, oldest first; every unit's when `unit` is empty.
  virtual Result<std::vector<model::Commitment>> ListCommitments(const std::string& campaign,
                                                                 const std::string& unit) = 0;

  // The notice outbox the dispatcher works through (notify/outbox.h).
  virtual notify::Outbox& Outbox() = 0;
  virtual Result<std::vector<NoticeRecord>> ListNotices(const NoticeFilter& filter) = 0;
  // Makes the dead deliveries of a notice pending again, due at once
  // (`plugin` empty: every plugin's). Returns how many.
  virtual Result<int> RetryNotice(const std::string& notice_id, const std::string& plugin) = 0;

  // Walks the campaign's event chain and checks every link and hash.
  virtual Result<VerifyReport> Verify(const std::string& campaign) = 0;

  // Applies `changes` atomically. Returns Conflict, changing nothing, when an
  // instance's expected version no longer matches (another writer won) or the
  // command id was recorded meanwhile.
  virtual Result<CommitResult> Commit(const Changeset& changes) = 0;
};

struct SqliteOptions {
  // PRAGMA synchronous: "FULL" survives power loss; "NORMAL" only crashes.
  std::string synchronous = "FULL";
  // How long a writer waits for another's lock before giving up.
  int busy_timeout_ms = 10000;
};

// Opens (creating if needed) and migrates the SQLite database at `path`.
Result<std::unique_ptr<Store>> OpenSqlite(const std::filesystem::path& path,
                                          const SqliteOptions& options = {});

// The hash chain's rule, shared by the store and its verifier: the SHA-256 of
// a canonical JSON array of the row's fields (the payload as its stored JSON
// text) and the previous row's hash.
std::string EventHash(const std::string& campaign, std::int64_t seq, const std::string& type,
                      const std::string& unit, const std::string& actor, Instant at,
                      const std::string& payload, const std::string& prev_hash);
// The prev_hash of a campaign's first event.
inline const std::string kGenesisHash(64, '0');

}  // namespace duban::store
