// The reports the office hands upward and keeps (三、（三）): the work ledger
// (工作台账) as XLSX and CSV, the progress report for the district government
// (进展情况报告) and the circular (通报) with the ranking as printable HTML, and
// an iCalendar feed of the deadlines that concern a unit or a person.
//
// Collect() reads everything through app::App's queries with the asker's
// request context, so a report shows exactly what the asker may see (a
// unit's liaison: their unit only). The renderers are pure functions of the
// collected data; the writers put a file in place atomically (temp + rename).
//
// Thread-safety: free functions over const data; any thread may call them.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/app.h"
#include "core/status.h"
#include "core/time.h"

namespace duban::report {

// ----- what the reports are made of -----

// Who the reports come from, and as of when.
struct Heading {
  std::string office;    // 泰山区国家重点生态功能区县域生态环境质量监测评价与考核工作领导小组办公室
  std::string campaign;  // the roster's name
  std::string campaign_id;
  int year = 0;
  Date date{};           // the day of the report, in the campaign's time zone
};

// The office's heading from the roster: the campaign's name without its year
// ("泰山区2021年…考核" → "泰山区…考核") followed by 工作领导小组办公室, the office
// of the leading group the plan sets up (二、（一）).
std::string OfficeHeading(const model::Roster& roster);

// Everything the reports show, as the asker may see it.
struct Data {
  Heading heading;
  app::Ledger ledger;
  std::vector<model::MaterialRecord> materials;
  std::vector<model::StoredEvent> escalations;  // deadline.missed and escalation.raised, oldest first
  app::AssessmentView assessment;
};

// Reads the ledger, the materials, the escalations and the assessment of
// `campaign` (only `unit` when non-empty) through `app`, each query
// authorised for rc.
Result<Data> Collect(app::App& app, const std::string& campaign, const std::string& unit,
                     const app::RequestContext& rc);

// ----- the ledger's views (XLSX sheets, CSV files) -----

struct Cell {
  enum class Kind : std::uint8_t { kText, kInteger, kPoints, kDate };
  Kind kind = Kind::kText;
  std::string text;   // kText; also every kind's CSV form
  double number = 0;  // kInteger, kPoints
  Date date{};        // kDate

  static Cell Text(std::string s) { return {Kind::kText, std::move(s), 0, {}}; }
  static Cell Integer(long long n) { return {Kind::kInteger, std::to_string(n), static_cast<double>(n), {}}; }
  static Cell Points(model::Points p);
  static Cell Day(Date d) { return {Kind::kDate, FormatDate(d), 0, d}; }
  static Cell Blank() { return {}; }
};

struct Column {
  std::string title;  // zh-CN
  double width = 12;  // in characters (a Chinese character counts two)
};

struct View {
  std::string id;     // "ledger", "materials", "escalations", "scores": the CSV file's name
  std::string sheet;  // 工作台账, 材料清单, 督办记录, 考核评分
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
};

// The four views of the ledger, in this order: ledger, materials, escalations, scores.
std::vector<View> LedgerViews(const Data& data);

// A view as CSV: UTF-8 with a byte order mark (so Excel reads Chinese right),
// CRLF line ends, a field quoted when it holds a comma, a quote, CR or LF
// (RFC 4180), a quote doubled.
std::string Csv(const View& view);
// One field as RFC 4180 writes it.
std::string CsvField(std::string_view field);

// The views as one workbook, a sheet each: frozen header row, A4 landscape,
// fit to the page's width, the header row repeated on every page, the
// office's heading in the page header and the date and page in the footer.
// Written to a temporary file beside `path`, then renamed over it.
Status WriteXlsx(const std::vector<View>& views, const Heading& heading, const std::filesystem::path& path);

// The published ranking's place of each unit, by unit id; empty unless the
// latest scored revision is the published one.
std::map<std::string, int> PublishedRanks(const app::AssessmentView& a);
// A unit's deductions: the latest revision's, else the preview's.
std::vector<assessment::Deduction> DeductionsOf(const app::AssessmentView::Row& row);
// "逾期报送2个工作日 −10.00；…"
std::string DeductionsText(const std::vector<assessment::Deduction>& deductions);

// ----- the reports for people (HTML, printable on A4) -----

// The progress report for the district government (进展情况报告): where every
// unit stands, the materials, the escalations, and the assessment so far.
std::string ProgressHtml(const Data& data);
// The circular (通报) of the published ranking: refused
// (assessment_not_published) when no ranking has been published.
Result<std::string> CircularHtml(const Data& data);
inline constexpr const char* kRuleNotPublished = "assessment_not_published";

// `text` with &, <, >, " and ' as HTML character references.
std::string HtmlEscape(std::string_view text);

// ----- the iCalendar feed (RFC 5545) -----

struct Alarm {
  Instant at{};  // an absolute trigger
  std::string description;
};

struct CalendarEvent {
  std::string uid;  // stable per deadline: the same deadline keeps it when its day moves
  std::string summary;
  std::string description;
  std::optional<Date> day;   // an all-day event
  std::optional<Instant> at; // or a timed one (shown in the campaign's zone)
  std::vector<Alarm> alarms;
};

// Whose deadlines a feed holds: a unit's, or a person's (the deadlines of the
// units, stages and escalation steps whose roles they hold).
struct Concern {
  std::string unit;
  std::string person;
};

// The deadlines of the units `data` holds that concern `who`: each unit's
// stage deadline (all day, with an alarm at each reminder of its policy), each
// material it still owes by then, and each escalation step of the schedule
// (timed). NotFound for a person or unit the data does not know.
Result<std::vector<CalendarEvent>> Deadlines(const Data& data, const Concern& who);

// A VCALENDAR of `events`: CRLF line ends, lines folded at 75 octets on
// UTF-8 character boundaries, TEXT values escaped, DTSTAMP `stamp`, timed
// events with TZID `tz` and its VTIMEZONE (a zone of one fixed offset over
// the events' span; otherwise in UTC).
std::string Ics(const std::string& name, const std::vector<CalendarEvent>& events, Instant stamp, const TimeZone& tz);
// The feed of `who` as a file: Deadlines() in Ics(), named after the
// campaign and the unit or person, stamped `stamp`.
struct Feed {
  std::string ics;
  std::size_t events = 0;
};
Result<Feed> DeadlineFeed(const Data& data, const Concern& who, Instant stamp);
inline constexpr std::string_view kIcsMediaType = "text/calendar; charset=utf-8";

// One content line folded as RFC 5545 3.1 asks, CRLF included.
std::string FoldLine(std::string_view line);
// A TEXT value escaped (RFC 5545 3.3.11): backslash, semicolon, comma, newline.
std::string IcsText(std::string_view text);

// ----- files -----

// Writes `bytes` to a temporary file beside `path`, then renames it over
// `path`: a reader sees the old file or the new one, never half of one.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view bytes);
// The temporary name beside `path` a writer fills first (path.tmp-PID).
std::filesystem::path TempBeside(const std::filesystem::path& path);
// Renames `tmp` over `path`; on failure removes `tmp` and says why.
Status PutInPlace(const std::filesystem::path& tmp, const std::filesystem::path& path);

}  // namespace duban::report
