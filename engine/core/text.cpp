#include "core/text.h"

#include <cstdint>

namespace duban {

namespace {

// Decodes one code point at s[i]; advances i. Returns 0xFFFD on bad input.
char32_t Decode(std::string_view s, std::size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  int extra = b < 0x80 ? 0 : (b >> 5) == 0x6 ? 1 : (b >> 4) == 0xE ? 2 : (b >> 3) == 0x1E ? 3 : -1;
  // The sequence's last byte, s[i + extra], must exist.
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = extra == 0 ? b : (b & (0x3Fu >> extra));
  for (int k = 1; k <= extra; ++k) {
    auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((c & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

bool IsWide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
         (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
         (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
}

bool IsZeroWidth(char32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || c == 0x200B || c == 0x200D || (c >= 0xFE00 && c <= 0xFE0F);
}

}  // namespace

std::size_t DisplayWidth(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    char32_t c = Decode(s, i);
    w += IsZeroWidth(c) ? 0u : IsWide(c) ? 2u : 1u;
  }
  return w;
}

std::string PadRight(std::string_view s, std::size_t width) {
  std::string out(s);
  for (std::size_t w = DisplayWidth(s); w < width; ++w) out.push_back(' ');
  return out;
}

std::uint32_t ColumnOf(std::string_view s, std::size_t offset) {
  std::uint32_t col = 1;
  for (std::size_t i = 0; i < offset && i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++col;
  return col;
}

std::size_t FirstInvalidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t before = i;
    char32_t c = Decode(s, i);
    if (c == 0xFFFD && !(b == 0xEF && i - before == 3)) return before;
  }
  return std::string_view::npos;
}

bool IsValidUtf8(std::string_view s) { return FirstInvalidUtf8(s) == std::string_view::npos; }

std::string Quoted(std::string_view s, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0, i = 0;
  while (i < s.size() && chars < max_chars) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t before = i;
    const char32_t c = Decode(s, i);
    if (c == 0xFFFD && !(b == 0xEF && i - before == 3)) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      i = before + 1;
    } else if (c < 0x20) {
      out += ' ';
    } else {
      out.append(s.substr(before, i - before));
    }
    ++chars;
  }
  if (i < s.size()) out += "… (" + std::to_string(s.size()) + " bytes)";
  return out;
}

}  // namespace duban
