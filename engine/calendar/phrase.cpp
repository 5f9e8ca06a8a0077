#include "calendar/phrase.h"

#include <charconv>

#include "core/text.h"

namespace duban::calendar {

namespace {

Status Bad(std::string_view text, std::size_t off, const std::string& why) {
  SourcePos pos;
  pos.column = ColumnOf(text, off);
  return Status::InvalidInput(
      "cannot read date phrase '" + std::string(text) + "': " + why +
          " (expected X月上旬/中旬/下旬, X月上旬前/中旬前/下旬前, X月底/月末, N个工作日内 or YYYY-MM-DD)",
      pos);
}

bool Eat(std::string_view& s, std::string_view word) {
  if (s.substr(0, word.size()) != word) return false;
  s.remove_prefix(word.size());
  return true;
}

// Reads ASCII digits at the front of `s`.
bool Number(std::string_view& s, int& out) {
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0 || n > 4) return false;
  std::from_chars(s.data(), s.data() + n, out);
  s.remove_prefix(n);
  return true;
}

}  // namespace

Result<DuePhrase> ParseDuePhrase(std::string_view text) {
  DuePhrase p;
  p.text = std::string(text);
  std::string_view s = text;
  auto off = [&] { return static_cast<std::size_t>(s.data() - text.data()); };

  if (s.empty()) return Bad(text, 0, "it is empty");

  if (s.size() == 10 && s[4] == '-') {
    auto d = ParseDate(s);
    if (!d.ok()) return Bad(text, 0, "not a valid date");
    p.kind = DuePhrase::Kind::kDate;
    p.date = *d;
    return p;
  }

  int n = 0;
  if (!Number(s, n)) return Bad(text, off(), "expected a number");
  if (Eat(s, "个工作日内")) {
    if (n < 1) return Bad(text, 0, "the number of working days must be at least 1");
    if (!s.empty()) return Bad(text, off(), "unexpected text after 个工作日内");
    p.kind = DuePhrase::Kind::kWorkdaysWithin;
    p.workdays = n;
    return p;
  }
  if (!Eat(s, "月")) return Bad(text, off(), "expected 月 or 个工作日内 after the number");
  if (n < 1 || n > 12) return Bad(text, 0, "month must be 1 to 12");
  p.month = static_cast<unsigned>(n);
  if (Eat(s, "底") || Eat(s, "末")) {
    p.kind = DuePhrase::Kind::kMonthEnd;
  } else {
    if (Eat(s, "上旬")) p.dekad = Dekad::kEarly;
    else if (Eat(s, "中旬")) p.dekad = Dekad::kMiddle;
    else if (Eat(s, "下旬")) p.dekad = Dekad::kLate;
    else return Bad(text, off(), "expected 上旬, 中旬, 下旬, 底 or 末 after 月");
    p.kind = Eat(s, "前") ? DuePhrase::Kind::kBeforeDekad : DuePhrase::Kind::kDekad;
  }
  if (!s.empty()) return Bad(text, off(), "unexpected text at the end");
  return p;
}

}  // namespace duban::calendar
