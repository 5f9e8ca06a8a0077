// The SQLite backend's digest queue (store.h: DigestHold, DigestMade,
// ListHeld, ListDigests), over a connection its SqliteStore owns: the
// notices held back for a person's daily digest and the digests made.
//
// Thread-safety: that of the connection: one thread at a time. The writes run
// inside the store's Commit transaction; the reads in their own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/model.h"
#include "store/store.h"

namespace SQLite {
class Database;
}

namespace duban::store::sqlite {

// Queues `holds` of a commit whose events got the seqs first_seq, ... .
// Throws SQLite::Exception on a database error.
Status InsertHolds(SQLite::Database& db, const std::string& campaign, std::int64_t first_seq,
                   const std::vector<model::Event>& events, const std::vector<DigestHold>& holds);

// Records `digests` and consumes their items. Conflict when a (person, day)
// already has its digest or an item is not held for the person.
Status RecordDigests(SQLite::Database& db, const std::string& campaign, std::int64_t first_seq,
                     const std::vector<DigestMade>& digests);

std::vector<HeldNotice> ListHeld(SQLite::Database& db, const std::string& campaign, bool with_consumed);
std::vector<DigestRecord> ListDigests(SQLite::Database& db, const std::string& campaign);

}  // namespace duban::store::sqlite
