#include "mime.h"

#include <array>
#include <cstdint>

#include <date/tz.h>

namespace duban_email {

namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The length of the UTF-8 character starting at s[i]; 1 for a stray byte.
std::size_t CharLength(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 1;
  if (c >= 0xF0 && c < 0xF8) n = 4;
  else if (c >= 0xE0) n = 3;
  else if (c >= 0xC0) n = 2;
  if (c >= 0xF8) n = 1;
  if (i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  return n;
}

std::string NoLineBreaks(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

const date::time_zone* FindZone(const std::string& tz) {
  try {
    return date::locate_zone(tz);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// The local time of `t` and its offset from UTC.
std::pair<date::local_seconds, std::chrono::seconds> Local(std::chrono::sys_seconds t, const std::string& tz) {
  if (const date::time_zone* zone = FindZone(tz)) {
    const date::sys_info info = zone->get_info(t);
    return {date::local_seconds(t.time_since_epoch() + info.offset), info.offset};
  }
  const std::chrono::seconds offset = std::chrono::hours(8);
  return {date::local_seconds(t.time_since_epoch() + offset), offset};
}

std::string Two(unsigned v) { return v < 10 ? "0" + std::to_string(v) : std::to_string(v); }

bool Digits(std::string_view s, std::size_t from, std::size_t n) {
  for (std::size_t i = from; i < from + n; ++i)
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  return true;
}
int Number(std::string_view s, std::size_t from, std::size_t n) {
  int v = 0;
  for (std::size_t i = from; i < from + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

}  // namespace

std::string Base64(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16 |
                            static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8 |
                            static_cast<unsigned char>(data[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kBase64Alphabet[(v >> shift) & 0x3F];
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16;
    if (rest == 2) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
    out += kBase64Alphabet[(v >> 18) & 0x3F];
    out += kBase64Alphabet[(v >> 12) & 0x3F];
    out += rest == 2 ? kBase64Alphabet[(v >> 6) & 0x3F] : '=';
    out += '=';
  }
  return out;
}

std::string Base64Lines(std::string_view data) {
  const std::string b = Base64(data);
  std::string out;
  for (std::size_t i = 0; i < b.size(); i += 76) {
    out += b.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

bool NeedsEncoding(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E) return true;
  }
  return text.find("=?") != std::string_view::npos;
}

namespace {

// Whether a reader may see a space at byte `at` of `text` without it landing
// mid-word: after closing or separating punctuation or a space, or before an
// opening bracket. Some parsers (Python's email among them, for display
// names) show the folding between two encoded words as a space.
bool GoodBreak(std::string_view text, std::size_t at) {
  static constexpr std::string_view kAfter[] = {"）", "】", "」", "』", "》", "，", "、", "：", "；", "。", ")", " ", ",", ":"};
  static constexpr std::string_view kBefore[] = {"（", "【", "「", "『", "《", "(", " "};
  for (std::string_view p : kAfter)
    if (at >= p.size() && text.substr(at - p.size(), p.size()) == p) return true;
  for (std::string_view p : kBefore)
    if (text.substr(at, p.size()) == p) return true;
  return false;
}

}  // namespace

std::string EncodeWords(std::string_view text, std::size_t first_line_used) {
  constexpr std::string_view kPrefix = "=?UTF-8?B?";
  constexpr std::string_view kSuffix = "?=";
  constexpr std::size_t kMaxWord = 75;  // RFC 2047, section 2
  constexpr std::size_t kMaxLine = 76;
  std::string out;
  // A text that fits in one word is one word, even when that makes its line
  // a little longer than 76: a reader never sees a fold inside it.
  if ((text.size() + 2) / 3 * 4 + kPrefix.size() + kSuffix.size() <= kMaxWord)
    return std::string(kPrefix) + Base64(text) + std::string(kSuffix);
  std::size_t budget = kMaxLine > first_line_used + 16 ? std::min(kMaxWord, kMaxLine - first_line_used) : 16;
  std::size_t i = 0;
  while (i < text.size()) {
    // Whole characters while their base64 still fits in the word.
    const std::size_t max_bytes = (budget - kPrefix.size() - kSuffix.size()) / 4 * 3;
    std::size_t end = i;
    std::size_t good = 0;  // the last good break in (i, end), 0: none
    while (end < text.size()) {
      const std::size_t n = CharLength(text, end);
      if (end + n - i > max_bytes && end > i) break;
      end += n;
      if (end < text.size() && GoodBreak(text, end)) good = end;
    }
    // A word that cannot hold the rest ends at a good break when it has one.
    if (end < text.size() && good > i) end = good;
    if (!out.empty()) out += "\r\n ";
    out += kPrefix;
    out += Base64(text.substr(i, end - i));
    out += kSuffix;
    i = end;
    budget = kMaxWord;
  }
  return out;
}

std::string HeaderText(std::string_view text, std::size_t first_line_used) {
  const std::string clean = NoLineBreaks(text);
  return NeedsEncoding(clean) ? EncodeWords(clean, first_line_used) : clean;
}

bool IsValidAddress(std::string_view a) {
  const std::size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= a.size() || a.size() > 254) return false;
  for (char c : a) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u > 0x7E) return false;
    if (std::string_view("<>()[],;:\\\"").find(c) != std::string_view::npos) return false;
  }
  return a.find('@') == at;
}

std::string FormatMailbox(std::string_view name, std::string_view address) {
  const std::string clean = NoLineBreaks(name);
  if (clean.empty()) return "<" + std::string(address) + ">";
  std::string phrase;
  if (NeedsEncoding(clean)) {
    phrase = EncodeWords(clean, 4);
  } else if (clean.find_first_of("()<>[]:;@\\,.\"") != std::string::npos) {
    phrase = "\"";
    for (char c : clean) {
      if (c == '"' || c == '\\') phrase += '\\';
      phrase += c;
    }
    phrase += '"';
  } else {
    phrase = clean;
  }
  return phrase + " <" + std::string(address) + ">";
}

std::string MessageIdFor(std::string_view notice_id) {
  std::string local;
  for (char c : notice_id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-=?^_`{|}~").find(c) != std::string_view::npos;
    local += ok ? c : (c == '/' || c == '.' ? '.' : '_');
  }
  return "<" + local + "@duban.invalid>";
}

std::string MaildirNameFor(std::string_view notice_id) {
  std::string name = "duban.";
  for (char c : notice_id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_';
    name += ok ? c : (c == '/' || c == '.' ? '.' : '_');
  }
  return name;
}

std::optional<std::chrono::year_month_day> ParseDate(std::string_view s) {
  if (s.size() != 10 || !Digits(s, 0, 4) || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' || !Digits(s, 8, 2))
    return std::nullopt;
  const std::chrono::year_month_day d{std::chrono::year(Number(s, 0, 4)),
                                      std::chrono::month(static_cast<unsigned>(Number(s, 5, 2))),
                                      std::chrono::day(static_cast<unsigned>(Number(s, 8, 2)))};
  if (!d.ok()) return std::nullopt;
  return d;
}

std::optional<std::chrono::sys_seconds> ParseUtc(std::string_view s) {
  if (s.size() != 20 || s[10] != 'T' || s[19] != 'Z' || !Digits(s, 11, 2) || s[13] != ':' ||
      !Digits(s, 14, 2) || s[16] != ':' || !Digits(s, 17, 2))
    return std::nullopt;
  const auto d = ParseDate(s.substr(0, 10));
  if (!d) return std::nullopt;
  return std::chrono::sys_days(*d) + std::chrono::hours(Number(s, 11, 2)) +
         std::chrono::minutes(Number(s, 14, 2)) + std::chrono::seconds(Number(s, 17, 2));
}

std::string ChineseDate(std::chrono::year_month_day d) {
  return std::to_string(static_cast<int>(d.year())) + "年" + std::to_string(static_cast<unsigned>(d.month())) +
         "月" + std::to_string(static_cast<unsigned>(d.day())) + "日";
}

std::string ChineseDate(std::chrono::sys_seconds t, const std::string& tz) {
  const auto local = Local(t, tz).first;
  return ChineseDate(std::chrono::year_month_day{
      std::chrono::sys_days(std::chrono::floor<std::chrono::days>(local).time_since_epoch())});
}

std::string ChineseDateTime(std::chrono::sys_seconds t, const std::string& tz) {
  const auto local = Local(t, tz).first;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::hh_mm_ss hms{local - day};
  return ChineseDate(std::chrono::year_month_day{std::chrono::sys_days(day.time_since_epoch())}) + " " +
         Two(static_cast<unsigned>(hms.hours().count())) + ":" + Two(static_cast<unsigned>(hms.minutes().count()));
}

std::string RfcDate(std::chrono::sys_seconds t, const std::string& tz) {
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto [local, offset] = Local(t, tz);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::sys_days sys_day(day.time_since_epoch());
  const std::chrono::year_month_day ymd{sys_day};
  const std::chrono::hh_mm_ss hms{local - day};
  const std::chrono::weekday wd{sys_day};
  const long minutes = static_cast<long>(offset.count() / 60);
  const long abs_minutes = minutes < 0 ? -minutes : minutes;
  return std::string(kDays[wd.c_encoding()]) + ", " + std::to_string(static_cast<unsigned>(ymd.day())) + " " +
         std::string(kMonths[static_cast<unsigned>(ymd.month()) - 1]) + " " +
         std::to_string(static_cast<int>(ymd.year())) + " " + Two(static_cast<unsigned>(hms.hours().count())) +
         ":" + Two(static_cast<unsigned>(hms.minutes().count())) + ":" +
         Two(static_cast<unsigned>(hms.seconds().count())) + " " + (minutes < 0 ? "-" : "+") +
         Two(static_cast<unsigned>(abs_minutes / 60)) + Two(static_cast<unsigned>(abs_minutes % 60));
}

std::string BuildMessage(const Message& m) {
  std::string h;
  auto header = [&h](std::string_view name, std::string_view value) {
    h += name;
    h += ": ";
    h += value;
    h += "\r\n";
  };
  header("Date", m.date);
  header("From", FormatMailbox(m.from.name, m.from.address));
  if (m.to.empty()) {
    header("To", "undisclosed-recipients:;");
  } else {
    std::string to;
    for (const Mailbox& r : m.to) {
      if (!to.empty()) to += ",\r\n ";
      to += FormatMailbox(r.name, r.address);
    }
    header("To", to);
  }
  header("Subject", HeaderText(m.subject, 9));
  header("Message-ID", m.message_id);
  if (!m.in_reply_to.empty()) header("In-Reply-To", NoLineBreaks(m.in_reply_to));
  if (!m.references.empty()) {
    std::string refs;
    for (const std::string& r : m.references) refs += (refs.empty() ? "" : "\r\n ") + NoLineBreaks(r);
    header("References", refs);
  }
  for (const auto& [name, value] : m.headers) header(name, NoLineBreaks(value));
  header("MIME-Version", "1.0");

  const auto part = [](std::string_view subtype, std::string_view body) {
    return "Content-Type: text/" + std::string(subtype) + "; charset=UTF-8\r\n" +
           "Content-Transfer-Encoding: base64\r\n\r\n" + Base64Lines(body);
  };
  if (m.html.empty()) return h + part("plain", m.text);
  // Base64 never contains '_', so the boundary cannot occur in a part.
  const std::string boundary = "=_duban_alternative_" + MaildirNameFor(m.message_id).substr(6);
  header("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
  return h + "\r\n" + "--" + boundary + "\r\n" + part("plain", m.text) + "--" + boundary + "\r\n" +
         part("html", m.html) + "--" + boundary + "--\r\n";
}

}  // namespace duban_email
