// Due-date phrases as the plan writes them: 10月上旬, 10月下旬前, 12月底,
// 5个工作日内, or an ISO date. Parsing is pure text work; resolving a phrase to
// a day needs the working-day calendar (calendar.h).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace duban::calendar {

enum class Dekad : std::uint8_t { kEarly = 1, kMiddle = 2, kLate = 3 };  // 上旬 中旬 下旬

struct DuePhrase {
  enum class Kind : std::uint8_t {
    kDekad,          // X月上旬/中旬/下旬: the window's last day (10th, 20th, month end)
    kBeforeDekad,    // X月上旬前/中旬前/下旬前: the day before that window opens
    kMonthEnd,       // X月底, X月末: the month's last day
    kWorkdaysWithin, // N个工作日内: the Nth working day after the stage starts
    kDate,           // 2021-10-20
  };
  Kind kind = Kind::kDate;
  unsigned month = 0;       // 1..12 for the month kinds
  Dekad dekad = Dekad::kEarly;
  int workdays = 0;         // for kWorkdaysWithin, >= 1
  Date date{};              // for kDate
  std::string text;         // as written

  friend bool operator==(const DuePhrase&, const DuePhrase&) = default;
};

// Parses one phrase. On error, the Status's pos.column is the 1-based column
// (in characters) within `text` where reading failed; pos.file and pos.line
// are left for the caller to fill in.
Result<DuePhrase> ParseDuePhrase(std::string_view text);

}  // namespace duban::calendar
