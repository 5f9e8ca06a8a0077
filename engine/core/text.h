// UTF-8 helpers for terminal output: Chinese characters take two columns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace duban {

// Columns `s` occupies in a terminal: East Asian wide and fullwidth characters
// count two, combining marks zero, everything else one. Invalid UTF-8 bytes
// count one each.
std::size_t DisplayWidth(std::string_view s);

// `s` followed by spaces up to `width` display columns.
std::string PadRight(std::string_view s, std::size_t width);

// The 1-based column, in characters (code points), of byte `offset` of `s`:
// what error messages call a column.
std::uint32_t ColumnOf(std::string_view s, std::size_t offset);

// True when `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);
// The byte offset of the first malformed sequence in `s`; npos when none.
std::size_t FirstInvalidUtf8(std::string_view s);

// What an error message may quote of a value from outside: at most
// `max_chars` characters of `s` (whole UTF-8 characters; an invalid byte is
// shown as \xHH), followed by "…" and the full length when cut. A 5 MB bad
// value is never echoed back whole.
std::string Quoted(std::string_view s, std::size_t max_chars = 40);

}  // namespace duban
