// The SQLite schema, as the migrations that build it. Pure data: thread-safe.
#pragma once

#include <span>

namespace duban::store::sqlite {

// The schema migrations in order: migration n (1-based) is element n-1. The
// store applies those a database lacks, in one transaction, and records each
// in schema_migrations.
std::span<const char* const> Migrations();

}  // namespace duban::store::sqlite
