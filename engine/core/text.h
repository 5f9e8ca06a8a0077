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

}  // namespace duban
