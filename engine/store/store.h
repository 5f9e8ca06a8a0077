// The storage seam. engine/app talks to this interface only; it names no
// database. Every SQL statement of duban lives behind it in a backend
// (store/sqlite/: the embedded SQLite store a county runs); a province-sized
// deployment can bring another (PostgreSQL) without touching the app, and
// tests/store_conformance_test.cpp holds every backend to the contracts
// written here.
//
// The store's contracts, for every backend:
//  - Atomic commands: Commit applies a whole Changeset in one transaction or
//    nothing of it.
//  - One writer per campaign at a time: a Commit (and an outbox Record that
//    appends an event) takes an explicit per-campaign lock before it reads
//    anything it allocates from, and holds it to the end of its transaction.
//    Under it the store allocates the campaign's next event sequence numbers
//    (from the head), a new material's ordinal (the unit's count so far) and
//    checks the command id and instance versions; a request id (unit#n, n
//    from CountRequests) is taken by a command that also writes the unit's
//    instance, so a racing one fails its version check under the same lock
//    (and the (campaign, id) key is unique). SQLite takes the lock with
//    BEGIN IMMEDIATE, which serialises every writer of the database; a
//    backend without that must lock the campaign's head row (SELECT ... FOR
//    UPDATE on the campaigns row holding head_seq and head_hash) first, so
//    that numbers never repeat or skip. A writer waits for the lock up to
//    StoreOptions::lock_timeout, then gets Conflict.
//  - Optimistic concurrency: an instance write names the version it read; a
//    stale one is Conflict and changes nothing (another writer won).
//  - Client command ids: a recorded id is answered from its CommandRecord;
//    a Commit carrying an id recorded meanwhile is Conflict, so each id is
//    stored once.
//  - The chain: each campaign's events are numbered 1, 2, ... in commit
//    order without gaps, and hashed by the shared rule (chain.h) over the
//    payload text exactly as stored; Verify checks it with VerifyChain.
//  - Snapshots: each method reads in one read transaction; ReadLedger reads
//    everything the ledger needs in one.
//  - Lists are ordered as each says and page by a cursor: the last row's
//    key of one page is the `after` of the next (events: after_seq; notices
//    and requests: `after`, the last row's id), `limit` 0 meaning all.
//
// Thread-safety: a Store instance is not safe to share between threads
// without a lock; give each thread (or each request) its own, or guard one.
// Stores opened on the same database (in one process or many) may be used
// at the same time: the backend serialises their writers as above.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/model.h"
#include "model/notice.h"
#include "store/accounts.h"
#include "store/chain.h"
#include "store/outbox.h"

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
  std::optional<Instant> head_at; // the last event's time (none before the first)
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
// the event's sequence number and id (model::NoticeId) as it appends it.
struct NoticeDraft {
  std::size_t event_index = 0;  // into Changeset::events
  model::Notice notice;         // everything but id, seq and event
};

// A notice held back from one person for their daily digest (督办日报): the
// notice as it would have gone to them alone. Queued with one of the
// changeset's events, like a NoticeDraft.
struct DigestHold {
  std::size_t event_index = 0;  // into Changeset::events
  model::Notice notice;         // everything but id, seq and event; recipients: the one person
};

// A held notice as the store keeps it (the digest queue).
struct HeldNotice {
  model::Notice notice;                  // complete: id, seq, event, the one recipient
  std::string person;
  Instant held_at{};                     // the event's time
  std::optional<std::int64_t> digest_seq;  // the digest.assembled event that listed it; nullopt: still held
};

// A digest made in a changeset: its person and day, the event carrying its
// notice, and the held notices (by seq) it lists, which it consumes.
struct DigestMade {
  std::string person;
  Date day{};
  std::size_t event_index = 0;  // into Changeset::events
  std::vector<std::int64_t> items;
};

// A digest as the store keeps it.
struct DigestRecord {
  std::string person;
  Date day{};
  std::int64_t seq = 0;  // its digest.assembled event
};

// A notice with its deliveries, for `duban notices`.
struct NoticeRecord {
  model::Notice notice;
  Instant queued_at{};
  std::vector<Delivery> deliveries;  // one per plugin planned so far (notice left empty)
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

// Notices are listed in (campaign, seq) order: by campaign id, then in
// event order.
struct NoticeFilter {
  std::string campaign;                 // empty: every campaign
  std::optional<std::string> unit;
  std::optional<std::string> state;     // a delivery state: only notices with such a delivery
  std::string after;                    // a notice id: only notices after it in that order; empty: from the first
  std::size_t limit = 0;                // 0: all
};

// Requests are listed in (requested_at, id) order.
struct RequestFilter {
  std::string campaign;
  std::optional<model::RequestStatus> status;  // nullopt: every status
  std::string after;                    // a request id: only requests after it in that order; empty: from the first
  std::size_t limit = 0;                // 0: all
};

// What the ledger (`duban status`) reads, as of one instant.
struct LedgerSnapshot {
  std::vector<model::Instance> instances;           // as ListInstances
  std::vector<model::MaterialRecord> materials;     // as ListMaterials(campaign, "")
  std::vector<model::Commitment> commitments;       // as ListCommitments(campaign, "")
  std::vector<std::pair<std::string, int>> paper_copies;  // as ListPaperCopies
  std::vector<model::StoredEvent> events;           // the events asked for, as ListEvents
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
  std::vector<DigestHold> digest_holds;         // held for digests, with their events
  // Digests made: each (person, day) once (Conflict, changing nothing, when it
  // exists), each item consumed once (Conflict when already consumed or not held).
  std::vector<DigestMade> digests;
  std::vector<CalendarYear> calendar_years;     // inserted or replaced
  std::vector<model::DueOverride> due_overrides;  // inserted or replaced, per stage
  std::optional<CommandRecord> command;
};

struct CommitResult {
  std::int64_t first_seq = 0;  // 0 when no events
  std::int64_t last_seq = 0;
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
  // A page of the campaign's requests (RequestFilter's order). InvalidInput
  // when `after` names no request of the campaign.
  virtual Result<std::vector<model::Request>> ListRequests(const RequestFilter& filter) = 0;
  // Every request of the campaign with `status` (nullopt: any), in order.
  Result<std::vector<model::Request>> ListRequests(const std::string& campaign,
                                                   std::optional<model::RequestStatus> status) {
    return ListRequests(RequestFilter{campaign, status, "", 0});
  }
  virtual Result<std::optional<model::Request>> GetRequest(const std::string& campaign,
                                                           const std::string& id) = 0;
  // How many requests `unit` has ever had: the next id is finance#(n+1).
  virtual Result<std::int64_t> CountRequests(const std::string& campaign, const std::string& unit) = 0;
  // The campaign's events the filter selects, in seq order.
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
  // The campaign's instances, materials, commitments and paper copies, and
  // its events of `event_type` (exact, or a prefix ending in ".*"), all read
  // in one read transaction: one consistent snapshot for the ledger.
  virtual Result<LedgerSnapshot> ReadLedger(const std::string& campaign, const std::string& event_type) = 0;

  // The notice outbox the dispatcher works through (outbox.h), over this
  // store: the same thread-safety.
  virtual store::Outbox& Outbox() = 0;
  // Accounts, sessions and API tokens (accounts.h), over this store: the
  // same thread-safety.
  virtual store::Accounts& Accounts() = 0;
  // A page of notices (NoticeFilter's order) with their deliveries and
  // attempts. InvalidInput when `after` names no notice.
  virtual Result<std::vector<NoticeRecord>> ListNotices(const NoticeFilter& filter) = 0;
  // Makes the dead deliveries of a notice pending again, due at once
  // (`plugin` empty: every plugin's). Returns how many.
  virtual Result<int> RetryNotice(const std::string& notice_id, const std::string& plugin) = 0;

  // The digest queue (store/sqlite/sqlite_digest.cpp): the campaign's held
  // notices in (person, seq) order, only those still held unless
  // `with_consumed`; and its digests in (person, day) order.
  virtual Result<std::vector<HeldNotice>> ListHeld(const std::string& campaign, bool with_consumed) = 0;
  virtual Result<std::vector<DigestRecord>> ListDigests(const std::string& campaign) = 0;

  // Walks the campaign's event chain and checks every link and hash
  // (VerifyChain), in one read transaction.
  virtual Result<VerifyReport> Verify(const std::string& campaign) = 0;

  // Applies `changes` atomically. Returns Conflict, changing nothing, when an
  // instance's expected version no longer matches (another writer won) or the
  // command id was recorded meanwhile.
  virtual Result<CommitResult> Commit(const Changeset& changes) = 0;

  // Group commit: between BeginBatch and CommitBatch every Commit (and every
  // other write of this store) is applied inside one transaction that holds
  // the write lock, each atomically on its own (a failed one undoes only
  // itself), and none is durable until CommitBatch makes them all durable at
  // once (one fsync). Reads of this store see the batch; other connections
  // see none of it until then. CommitBatch failing loses the whole batch.
  // Internal when a batch is (BeginBatch) or is not (CommitBatch) open.
  virtual Status BeginBatch() = 0;
  virtual Status CommitBatch() = 0;
};

struct StoreOptions {
  // Whether a commit survives power loss (true) or only a crash of the
  // process (false). SQLite: PRAGMA synchronous FULL or NORMAL.
  bool durable = true;
  // How long a writer waits for another writer's lock before Conflict.
  std::chrono::milliseconds lock_timeout{10000};
  // Whether a database that does not exist yet is created (`duban init`);
  // false: NotFound naming it, and nothing is written.
  bool create = true;
};

// Opens (creating and migrating if needed) the store `url` names:
// "sqlite:PATH", or a bare PATH, which is SQLite's. A URL is text that starts
// with a scheme (a letter, then letters, digits, '+', '-' or '.', at least
// two characters) and a colon; InvalidInput naming the scheme when no
// backend has it, or when the path is empty.
Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options = {});

// ----- maintenance of the store at a URL (the same URLs as OpenStore) -----

// Whether the database `url` names exists (without creating it).
Result<bool> StoreExists(std::string_view url);

// A consistent copy of the whole database into the new file `dest`, taken
// while other processes read and write it (SQLite: the online backup API).
// InvalidInput when `dest` exists.
Status BackupStore(std::string_view url, const std::filesystem::path& dest);

// The storage's own check of its pages and indexes (SQLite: PRAGMA
// integrity_check and foreign_key_check): empty when sound, else each
// problem it reports. Opens the database read-only; NotFound when missing.
Result<std::vector<std::string>> CheckStoreIntegrity(std::string_view url);

// The schema version of the database at `url` and the one this duban
// writes: {have, known}. Read-only; NotFound when missing.
Result<std::pair<int, int>> StoreSchemaVersion(std::string_view url);

}  // namespace duban::store
