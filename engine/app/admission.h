// What every command must be before it is decided: its text well-formed
// UTF-8 and bounded, its time not before the campaign's record. Checked once,
// in App::Run, for every edge (CLI, HTTP, replay) alike; a command that fails is InvalidInput and changes nothing.
// Errors quote at most a short prefix of a bad value (core/text.h Quoted).
#pragma once

#include <cstddef>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/time.h"

namespace duban::app {

// Bytes a value of the command may hold, by its name in the fingerprint:
// free text (a note, a reason, a name) is longer than an id.
inline constexpr std::size_t kMaxIdBytes = 256;
inline constexpr std::size_t kMaxTextBytes = 8 * 1024;
inline constexpr std::size_t kMaxPathBytes = 4096;

// Every string in `fingerprint` (a command's arguments, by name) is valid
// UTF-8 without control characters other than tab and newline, and within
// its bound.
Status AdmitText(const nlohmann::json& fingerprint);

// A command at `at` in a campaign whose last recorded event is at `last`
// (none: the campaign is empty) is not dated before it. (Its year is
// bounded by the parser, core/time.h; a campaign's commands may come years
// later: a correction, or a command without --at on an old campaign.)
Status AdmitTime(Instant at, std::optional<Instant> last);

}  // namespace duban::app
