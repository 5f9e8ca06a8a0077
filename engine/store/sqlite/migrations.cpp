#include "store/sqlite/migrations.h"

#include <iterator>

namespace duban::store::sqlite {

namespace {

// Never edit a released migration: append a new one.
const char* const kMigrations[] = {
    // 1: campaigns, definitions, instances, requests, the event chain, commands.
    R"sql(
CREATE TABLE definitions (
  hash    TEXT PRIMARY KEY,
  kind    TEXT NOT NULL,
  source  TEXT NOT NULL,
  content TEXT NOT NULL
);
CREATE TABLE campaigns (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  year          INTEGER NOT NULL,
  time_zone     TEXT NOT NULL,
  workflow_hash TEXT NOT NULL REFERENCES definitions(hash),
  roster_hash   TEXT NOT NULL REFERENCES definitions(hash),
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  head_seq      INTEGER NOT NULL DEFAULT 0,
  head_hash     TEXT NOT NULL
);
CREATE TABLE instances (
  campaign_id     TEXT NOT NULL REFERENCES campaigns(id),
  unit_id         TEXT NOT NULL,
  stage           INTEGER NOT NULL,
  version         INTEGER NOT NULL,
  entered_at      INTEGER NOT NULL,
  due_at          INTEGER,
  pending_request TEXT,
  PRIMARY KEY (campaign_id, unit_id)
) WITHOUT ROWID;
CREATE TABLE requests (
  campaign_id   TEXT NOT NULL REFERENCES campaigns(id),
  id            TEXT NOT NULL,
  unit_id       TEXT NOT NULL,
  transition    INTEGER NOT NULL,
  from_stage    INTEGER NOT NULL,
  to_stage      INTEGER NOT NULL,
  requested_by  TEXT NOT NULL,
  requested_at  INTEGER NOT NULL,
  note          TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  decided_by    TEXT NOT NULL DEFAULT '',
  decided_at    INTEGER,
  decision_note TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (campaign_id, id),
  FOREIGN KEY (campaign_id, unit_id) REFERENCES instances(campaign_id, unit_id)
);
CREATE TABLE events (
  campaign_id TEXT NOT NULL REFERENCES campaigns(id),
  seq         INTEGER NOT NULL,
  type        TEXT NOT NULL,
  unit_id     TEXT NOT NULL,
  actor       TEXT NOT NULL,
  at          INTEGER NOT NULL,
  payload     TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL,
  PRIMARY KEY (campaign_id, seq)
);
CREATE INDEX events_by_unit ON events (campaign_id, unit_id, seq);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE commands (
  campaign_id TEXT NOT NULL,
  id          TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  exit_code   INTEGER NOT NULL,
  result      TEXT NOT NULL,
  PRIMARY KEY (campaign_id, id)
);
CREATE TABLE materials (
  campaign_id TEXT NOT NULL,
  unit_id     TEXT NOT NULL,
  material_id TEXT NOT NULL,
  ordinal     INTEGER NOT NULL,
  name        TEXT NOT NULL,
  required    INTEGER NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'returned', 'explained', 'accepted')),
  explained   INTEGER NOT NULL DEFAULT 0,
  submissions INTEGER NOT NULL DEFAULT 0,
  note        TEXT NOT NULL DEFAULT '',
  updated_at  INTEGER NOT NULL,
  updated_by  TEXT NOT NULL,
  PRIMARY KEY (campaign_id, unit_id, material_id),
  FOREIGN KEY (campaign_id, unit_id) REFERENCES instances(campaign_id, unit_id)
) WITHOUT ROWID;
CREATE TABLE commitments (
  campaign_id   TEXT NOT NULL,
  unit_id       TEXT NOT NULL,
  number        INTEGER NOT NULL,
  signer        TEXT NOT NULL,
  signed_on     TEXT NOT NULL,
  stamped       INTEGER NOT NULL,
  document_hash TEXT NOT NULL,
  document_name TEXT NOT NULL,
  recorded_at   INTEGER NOT NULL,
  recorded_by   TEXT NOT NULL,
  PRIMARY KEY (campaign_id, unit_id, number),
  FOREIGN KEY (campaign_id, unit_id) REFERENCES instances(campaign_id, unit_id)
);
CREATE TRIGGER commitments_never_edited BEFORE UPDATE ON commitments
  BEGIN SELECT RAISE(ABORT, 'a signed commitment is never edited; sign a new one'); END;
CREATE TABLE calendar_years (
  year      INTEGER PRIMARY KEY,
  source    TEXT NOT NULL,
  content   TEXT NOT NULL,
  hash      TEXT NOT NULL,
  loaded_at INTEGER NOT NULL
);
)sql",
    // 2: deadlines on the working-day calendar: progress through each due's
    // schedule of reminders and escalations, indexed by when the next step
    // falls due; campaign-wide due overrides; unit extensions.
    R"sql(
ALTER TABLE instances ADD COLUMN deadline_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN next_deadline_at INTEGER;
ALTER TABLE instances ADD COLUMN extended_to TEXT;
CREATE INDEX instances_next_deadline ON instances (next_deadline_at)
  WHERE next_deadline_at IS NOT NULL;
ALTER TABLE requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'transition'
  CHECK (kind IN ('transition', 'extension'));
ALTER TABLE requests ADD COLUMN new_due TEXT;
CREATE TABLE due_overrides (
  campaign_id TEXT NOT NULL REFERENCES campaigns(id),
  stage       INTEGER NOT NULL,
  due_date    TEXT NOT NULL,
  reason      TEXT NOT NULL,
  set_by      TEXT NOT NULL,
  set_at      INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, stage)
);
)sql",
    // 3: the unit's paperwork in full: files in the content-addressed store,
    // items added or dropped for one campaign, paper copies, contacts.
    R"sql(
ALTER TABLE materials ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE materials ADD COLUMN change_reason TEXT NOT NULL DEFAULT '';
CREATE TABLE attachments (
  campaign_id TEXT NOT NULL,
  unit_id     TEXT NOT NULL,
  material_id TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  name        TEXT NOT NULL,
  size        INTEGER NOT NULL,
  media_type  TEXT NOT NULL,
  attached_by TEXT NOT NULL,
  attached_at INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, unit_id, material_id, sha256, attached_at),
  FOREIGN KEY (campaign_id, unit_id) REFERENCES instances(campaign_id, unit_id)
);
CREATE TABLE paper_copies (
  campaign_id TEXT NOT NULL,
  unit_id     TEXT NOT NULL,
  received    INTEGER NOT NULL CHECK (received >= 0),
  PRIMARY KEY (campaign_id, unit_id),
  FOREIGN KEY (campaign_id, unit_id) REFERENCES instances(campaign_id, unit_id)
);
CREATE TABLE contacts (
  campaign_id TEXT NOT NULL,
  unit_id     TEXT NOT NULL,
  role        TEXT NOT NULL,
  number      INTEGER NOT NULL,
  person_id   TEXT NOT NULL,
  name        TEXT NOT NULL,
  phone       TEXT NOT NULL,
  email       TEXT NOT NULL,
  reported_by TEXT NOT NULL,
  reported_on TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, unit_id, role, number),
  FOREIGN KEY (campaign_id, unit_id) REFERENCES instances(campaign_id, unit_id)
);
CREATE TRIGGER contacts_history_kept BEFORE UPDATE ON contacts
  BEGIN SELECT RAISE(ABORT, 'contact history is never rewritten; record a new change'); END;
)sql",
    // 4: the notice outbox: each notice queued with its event, one delivery
    // per (notice, plugin), and every attempt kept.
    R"sql(
ALTER TABLE instances ADD COLUMN deadline_since INTEGER;
CREATE TABLE notices (
  campaign_id TEXT NOT NULL REFERENCES campaigns(id),
  seq         INTEGER NOT NULL,
  id          TEXT NOT NULL UNIQUE,
  unit_id     TEXT NOT NULL,
  event_type  TEXT NOT NULL,
  urgent      INTEGER NOT NULL,
  body        TEXT NOT NULL,
  queued_at   INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, seq),
  FOREIGN KEY (campaign_id, seq) REFERENCES events(campaign_id, seq)
);
CREATE TABLE deliveries (
  notice_id       TEXT NOT NULL REFERENCES notices(id),
  plugin          TEXT NOT NULL,
  campaign_id     TEXT NOT NULL,
  unit_id         TEXT NOT NULL,
  urgent          INTEGER NOT NULL,
  seq             INTEGER NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead', 'skipped')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_attempt_at INTEGER,
  last_error      TEXT NOT NULL DEFAULT '',
  delivered_at    INTEGER,
  PRIMARY KEY (notice_id, plugin)
);
CREATE INDEX deliveries_lanes ON deliveries (plugin, campaign_id, unit_id, urgent, seq)
  WHERE state = 'pending';
CREATE TABLE delivery_attempts (
  notice_id  TEXT NOT NULL,
  plugin     TEXT NOT NULL,
  attempt    INTEGER NOT NULL,
  at         INTEGER NOT NULL,
  outcome    TEXT NOT NULL,
  error      TEXT NOT NULL,
  elapsed_ms INTEGER NOT NULL,
  PRIMARY KEY (notice_id, plugin, attempt)
);
)sql",
    // 5: the channel an event came by ("cli", "token", "session", "system");
    // empty in rows written before, which hash as they did (store/chain.h).
    R"sql(
ALTER TABLE events ADD COLUMN channel TEXT NOT NULL DEFAULT '';
)sql",
    // 6: accounts (an Argon2id hash per person, for one campaign or all),
    // sessions and API tokens kept by the SHA-256 of their secrets, and the
    // failed sign-ins counted per person and per address (store/accounts.h).
    R"sql(
CREATE TABLE accounts (
  person_id     TEXT NOT NULL,
  campaign_id   TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  set_by        TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (person_id, campaign_id)
);
CREATE TABLE sessions (
  id_hash     TEXT PRIMARY KEY CHECK (length(id_hash) = 64),
  csrf_hash   TEXT NOT NULL CHECK (length(csrf_hash) = 64),
  person_id   TEXT NOT NULL,
  campaign_id TEXT NOT NULL DEFAULT '',
  address     TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  ended_at    INTEGER
);
CREATE INDEX sessions_person ON sessions (person_id) WHERE ended_at IS NULL;
CREATE TABLE api_tokens (
  id          TEXT PRIMARY KEY,
  hash        TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
  person_id   TEXT NOT NULL,
  campaign_id TEXT NOT NULL DEFAULT '',
  name        TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER,
  revoked_by  TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER api_tokens_kept BEFORE DELETE ON api_tokens
  BEGIN SELECT RAISE(ABORT, 'tokens are revoked, never deleted'); END;
CREATE TABLE sign_in_failures (
  kind    TEXT NOT NULL CHECK (kind IN ('person', 'address')),
  key     TEXT NOT NULL,
  count   INTEGER NOT NULL CHECK (count > 0),
  last_at INTEGER NOT NULL,
  PRIMARY KEY (kind, key)
);
)sql",
    // delivery claims (store/outbox.h): who holds a pending delivery while it
    // is sent, and until when; NULL: nobody.
    R"sql(
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until INTEGER;
)sql",
    // The daily digest (督办日报, sqlite_digest.cpp): each notice held back
    // from a person for their digest, and each digest made (one per person
    // and day), naming its digest.assembled event; a held notice is consumed
    // by the digest that lists it.
    R"sql(
CREATE TABLE digest_queue (
  campaign_id TEXT NOT NULL REFERENCES campaigns(id),
  seq         INTEGER NOT NULL,
  person_id   TEXT NOT NULL,
  body        TEXT NOT NULL,
  held_at     INTEGER NOT NULL,
  digest_seq  INTEGER,
  PRIMARY KEY (campaign_id, person_id, seq),
  FOREIGN KEY (campaign_id, seq) REFERENCES events(campaign_id, seq)
);
CREATE INDEX digest_queue_held ON digest_queue (campaign_id, held_at) WHERE digest_seq IS NULL;
CREATE TABLE digests (
  campaign_id TEXT NOT NULL REFERENCES campaigns(id),
  person_id   TEXT NOT NULL,
  day         TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, person_id, day),
  FOREIGN KEY (campaign_id, seq) REFERENCES events(campaign_id, seq)
);
)sql",
};

}  // namespace

std::span<const char* const> Migrations() { return {std::begin(kMigrations), std::size(kMigrations)}; }

}  // namespace duban::store::sqlite
