// The reports (engine/report): the renderers on hand-built data — CSV quoting,
// iCalendar folding and escaping on multi-byte characters, HTML escaping, the
// deadlines that concern a unit or a person — and, black-box, the real binary
// on the 2021 replay: the XLSX ledger read back by openpyxl against
// `assess show`, the CSV files, the progress report and the circular with
// every unit in ranking order, a liaison's reports cut to their unit; and on
// the campaign as it stood in mid-October (deadlines open), the iCalendar
// feeds parsed by python3-icalendar, from the CLI and from the HTTP route.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/text.h"
#include "report/report.h"
#include "support/replay_2021.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using duban::Instant;
using duban::TimeZone;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
namespace report = duban::report;
namespace model = duban::model;
namespace app = duban::app;
using duban::testing::Quote;
using duban::testing::Ran;
using duban::testing::ShellIn;
using duban::testing::Slurp;

Instant At(const std::string& text) { return *duban::ParseInstant(text, TimeZone::Default()); }

// ----- CSV -----

TEST(Report, CsvQuotesOnlyWhatRfc4180Needs) {
  EXPECT_EQ(report::CsvField("区财政局"), "区财政局");
  EXPECT_EQ(report::CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(report::CsvField("他说\"好\""), "\"他说\"\"好\"\"\"");
  EXPECT_EQ(report::CsvField("第一行\n第二行"), "\"第一行\n第二行\"");
  EXPECT_EQ(report::CsvField("a\rb"), "\"a\rb\"");
  EXPECT_EQ(report::CsvField(""), "");
}

TEST(Report, CsvHasABomCrlfLinesAndEveryCell) {
  report::View v{"ledger", "工作台账", {{"单位", 10}, {"得分", 8}}, {}};
  v.rows.push_back({report::Cell::Text("区妇联,妇女"), report::Cell::Points(8040)});
  v.rows.push_back({report::Cell::Text("区妇联，全角逗号"), report::Cell::Integer(3)});
  v.rows.push_back({report::Cell::Text("\"引号\""), report::Cell::Blank()});
  EXPECT_EQ(report::Csv(v), "\xEF\xBB\xBF单位,得分\r\n\"区妇联,妇女\",80.40\r\n区妇联，全角逗号,3\r\n\"\"\"引号\"\"\",\r\n");
}

// ----- iCalendar -----

// Every physical line of `text` (CRLF-separated) in octets.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto j = text.find("\r\n", i);
    if (j == std::string::npos) {
      out.push_back(text.substr(i));
      break;
    }
    out.push_back(text.substr(i, j - i));
    i = j + 2;
  }
  return out;
}

TEST(Report, IcsFoldsAt75OctetsOnCharacterBoundaries) {
  // 3-octet characters after a 12-octet name: no boundary falls on 75.
  std::string value;
  for (int i = 0; i < 60; ++i) value += "督办";
  const std::string line = "DESCRIPTION:" + value;
  const std::string folded = report::FoldLine(line);
  ASSERT_TRUE(folded.ends_with("\r\n"));
  const auto lines = Lines(folded.substr(0, folded.size() - 2));
  ASSERT_GT(lines.size(), 4u);
  std::string unfolded;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 75u) << i;
    EXPECT_TRUE(duban::IsValidUtf8(lines[i])) << "line " << i << " splits a character";
    if (i > 0) {
      ASSERT_EQ(lines[i][0], ' ');
      unfolded += lines[i].substr(1);
    } else {
      unfolded += lines[i];
    }
  }
  EXPECT_EQ(unfolded, line);
  // The first line is as full as whole characters allow: 12 + 21 * 3 = 75.
  EXPECT_EQ(lines[0].size(), 75u);
  EXPECT_EQ(report::FoldLine("SUMMARY:短"), "SUMMARY:短\r\n");
  // A 4-octet character (an emoji) is never split either.
  std::string wide = "X:";
  for (int i = 0; i < 40; ++i) wide += "\xF0\x9F\x93\x85";
  for (const auto& l : Lines(report::FoldLine(wide))) EXPECT_TRUE(duban::IsValidUtf8(l));
}

TEST(Report, IcsEscapesTextValues) {
  EXPECT_EQ(report::IcsText("a,b;c\\d\ne\r\n"), "a\\,b\\;c\\\\d\\ne\\n");
  EXPECT_EQ(report::IcsText("区财政局：报送材料"), "区财政局：报送材料");
}

TEST(Report, IcsWritesAllDayAndTimedEventsWithAlarmsAndTheirZone) {
  std::vector<report::CalendarEvent> events;
  events.push_back({"u1.due@duban", "【截止】区财政局：材料收集", "第一行\n第二行, 含逗号", duban::Date{std::chrono::year{2021}, std::chrono::October, std::chrono::day{20}},
                    std::nullopt, {{At("2021-10-15T09:00"), "还剩3个工作日"}}});
  events.push_back({"u1.level2@duban", "【督办2级】区财政局", "", std::nullopt, At("2021-10-22T09:00"),
                    {{At("2021-10-22T09:00"), "督办"}}});
  const std::string ics = report::Ics("台账;日历", events, At("2021-10-15T12:00"), TimeZone::Default());
  for (const auto& l : Lines(ics.substr(0, ics.size() - 2))) EXPECT_LE(l.size(), 75u) << l;
  EXPECT_TRUE(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
  EXPECT_TRUE(ics.ends_with("END:VCALENDAR\r\n"));
  EXPECT_THAT(ics, HasSubstr("X-WR-CALNAME:台账\\;日历\r\n"));
  EXPECT_THAT(ics, HasSubstr("BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\n"));
  EXPECT_THAT(ics, HasSubstr("TZOFFSETTO:+0800\r\n"));
  EXPECT_THAT(ics, HasSubstr("DTSTAMP:20211015T040000Z\r\n"));
  EXPECT_THAT(ics, HasSubstr("DTSTART;VALUE=DATE:20211020\r\nDTEND;VALUE=DATE:20211021\r\n"));
  EXPECT_THAT(ics, HasSubstr("DTSTART;TZID=Asia/Shanghai:20211022T090000\r\n"));
  EXPECT_THAT(ics, HasSubstr("DESCRIPTION:第一行\\n第二行\\, 含逗号\r\n"));
  EXPECT_THAT(ics, HasSubstr("TRIGGER;VALUE=DATE-TIME:20211015T010000Z\r\n"));
  // Every line ends with CRLF: no bare LF or CR.
  for (std::size_t i = 0; i < ics.size(); ++i) {
    if (ics[i] == '\n') {
      EXPECT_TRUE(i > 0 && ics[i - 1] == '\r') << i;
    }
    if (ics[i] == '\r') {
      EXPECT_TRUE(i + 1 < ics.size() && ics[i + 1] == '\n') << i;
    }
  }
}

// ----- hand-built campaign data -----

// One unit in its collecting stage, due 2021-10-20, owing two materials (one
// pending, one accepted); its liaison owns the stage and hears level 1, the
// office director hears level 2.
struct Campaign {
  std::shared_ptr<model::Workflow> wf = std::make_shared<model::Workflow>();
  std::shared_ptr<model::Roster> roster = std::make_shared<model::Roster>();
  std::shared_ptr<duban::calendar::Calendar> cal = std::make_shared<duban::calendar::Calendar>();

  Campaign() {
    wf->roles = {{"liaison", {"联络员", "Liaison"}, model::RoleScope::kUnit, {}},
                 {"office_director", {"办公室主任", "Director"}, model::RoleScope::kCampaign, {}}};
    model::StageDef collecting;
    collecting.id = "collecting";
    collecting.label = {"材料收集", "Collecting"};
    collecting.owners = {0};
    collecting.policy.levels = {{1, 0, {0}, {}}, {2, 2, {1}, {}}};
    collecting.policy.repeat_every_workdays = 0;
    wf->stages = {collecting};
    roster->id = "demo-2021";
    roster->name = "示例区2021年考核";
    roster->year = 2021;
    model::Unit u;
    u.id = "finance";
    u.name = "区财政局<&>";
    roster->units = {u};
    roster->people = {{"fin-liaison", "财政联络员", "", "", "", false, std::nullopt, {{"liaison", 0, "finance", {}}}, {}},
                      {"director", "主任", "", "", "", false, std::nullopt, {{"office_director", 1, "", {}}}, {}}};
  }

  app::Context Context() const {
    duban::store::Campaign c;
    c.id = roster->id;
    c.name = roster->name;
    c.year = 2021;
    return app::Context{c, wf, roster, cal, TimeZone::Default(), {}};
  }

  report::Data Data(Instant now) const {
    app::Ledger ledger{Context(), now, {}, {}};
    app::LedgerRow row;
    row.unit = &roster->units[0];
    row.stage = &wf->stages[0];
    row.instance.unit = "finance";
    row.instance.entered_at = At("2021-10-08T09:00");
    row.instance.due_at = TimeZone::Default().end_of_day(duban::Date{std::chrono::year{2021}, std::chrono::October, std::chrono::day{20}});
    row.due_at = row.instance.due_at;
    row.materials_total = 2;
    row.materials_done = 1;
    ledger.rows.push_back(row);
    model::MaterialRecord pending, accepted;
    pending.unit = accepted.unit = "finance";
    pending.material = "budget";
    pending.name = "预算报告, \"2021\"";
    accepted.material = "transfers";
    accepted.name = "转移支付";
    accepted.state = model::MaterialState::kAccepted;
    app::AssessmentView a{Context(), now, {}, {}};
    report::Heading h{report::OfficeHeading(*roster), roster->name, roster->id, 2021, TimeZone::Default().local_date(now)};
    return report::Data{h, std::move(ledger), {pending, accepted}, {}, std::move(a)};
  }
};

std::vector<std::string> Uids(const std::vector<report::CalendarEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.uid);
  return out;
}

TEST(Report, TheOfficeHeadingIsTheCampaignWithoutItsYear) {
  model::Roster r;
  r.name = "泰山区2021年国家重点生态功能区县域生态环境质量监测评价与考核";
  r.year = 2021;
  EXPECT_EQ(report::OfficeHeading(r), "泰山区国家重点生态功能区县域生态环境质量监测评价与考核工作领导小组办公室");
}

TEST(Report, DeadlinesConcernTheUnitAndThePeopleWhoseRolesTheyName) {
  const Campaign c;
  const report::Data d = c.Data(At("2021-10-15T12:00"));
  auto unit = report::Deadlines(d, {"finance", ""});
  ASSERT_TRUE(unit.ok()) << unit.status().str();
  // The stage's due, the one material still owed, and the two levels.
  ASSERT_EQ(unit->size(), 4u);
  EXPECT_EQ((*unit)[0].summary, "【截止】区财政局<&>：材料收集");
  EXPECT_TRUE((*unit)[0].day.has_value());
  ASSERT_EQ((*unit)[0].alarms.size(), 2u);  // the reminders 3 and 1 working days before
  EXPECT_EQ((*unit)[0].alarms[0].at, At("2021-10-15T09:00"));
  EXPECT_EQ((*unit)[0].alarms[1].at, At("2021-10-19T09:00"));
  EXPECT_THAT((*unit)[1].summary, HasSubstr("预算报告"));
  EXPECT_THAT((*unit)[2].summary, HasSubstr("督办1级"));
  EXPECT_THAT((*unit)[3].summary, HasSubstr("督办2级"));
  ASSERT_TRUE((*unit)[3].at.has_value());
  EXPECT_EQ(*(*unit)[3].at, At("2021-10-22T09:00"));  // the 2nd working day after the due day

  auto liaison = report::Deadlines(d, {"", "fin-liaison"});
  ASSERT_TRUE(liaison.ok());
  EXPECT_EQ(Uids(*liaison), (std::vector<std::string>{(*unit)[0].uid, (*unit)[1].uid, (*unit)[2].uid}));
  auto director = report::Deadlines(d, {"", "director"});
  ASSERT_TRUE(director.ok());
  // The director hears level 2, and so the stage's due concerns them.
  EXPECT_EQ(Uids(*director), (std::vector<std::string>{(*unit)[0].uid, (*unit)[3].uid}));
  EXPECT_EQ(report::Deadlines(d, {"", "nobody"}).status().exit_code(), 2);

  // A later feed of the same deadlines keeps their UIDs.
  auto later = report::Deadlines(c.Data(At("2021-10-19T12:00")), {"finance", ""});
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(Uids(*later), Uids(*unit));
  auto feed = report::DeadlineFeed(d, {"finance", ""}, At("2021-10-15T12:00"));
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->events, 4u);
  EXPECT_THAT(feed->ics, HasSubstr("X-WR-CALNAME:示例区2021年考核：区财政局<&>的截止日期"));
  EXPECT_THAT(feed->ics, HasSubstr("预算报告\\, \"2021\""));
}

TEST(Report, HtmlEscapesEverythingFromTheRecord) {
  EXPECT_EQ(report::HtmlEscape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  const Campaign c;
  report::Data d = c.Data(At("2021-12-31T17:00"));
  const std::string progress = report::ProgressHtml(d);
  EXPECT_THAT(progress, HasSubstr("区财政局&lt;&amp;&gt;"));
  EXPECT_THAT(progress, Not(HasSubstr("区财政局<&>")));
  EXPECT_THAT(progress, HasSubstr("@page { size: A4;"));
  EXPECT_THAT(progress, HasSubstr("<html lang=\"zh-CN\">"));
  EXPECT_THAT(progress, HasSubstr("2021年12月31日"));
  EXPECT_THAT(progress, HasSubstr(report::OfficeHeading(*c.roster)));
}

TEST(Report, TheCircularNeedsAPublishedRankingAndShowsItInOrder) {
  const Campaign c;
  report::Data d = c.Data(At("2021-12-31T17:00"));
  auto none = report::CircularHtml(d);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().exit_code(), 3);
  EXPECT_THAT(none.status().str(), HasSubstr(report::kRuleNotPublished));
  d.assessment.record.published = 1;
  d.assessment.record.revision = 1;
  d.assessment.record.published_payload = {
      {"ranking",
       {{{"rank", 1}, {"unit", "b"}, {"name", "乙<单位>"}, {"prior", 90}, {"submission", 100}, {"evaluation", 80}, {"total", 93}},
        {{"rank", 2}, {"unit", "a"}, {"name", "甲单位"}, {"prior", 80}, {"submission", 90.5}, {"evaluation", 70}, {"total", 83.25}}}}};
  auto html = report::CircularHtml(d);
  ASSERT_TRUE(html.ok()) << html.status().str();
  const auto first = html->find("乙&lt;单位&gt;"), second = html->find("甲单位");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_THAT(*html, HasSubstr("上年指标得分（30%）"));
  EXPECT_THAT(*html, HasSubstr("材料报送得分（50%）"));
  EXPECT_THAT(*html, HasSubstr("办公室评价得分（20%）"));
  EXPECT_THAT(*html, HasSubstr("<td class=\"n\">83.25</td>"));
  EXPECT_THAT(*html, HasSubstr("<td class=\"n\">90.50</td>"));
  EXPECT_THAT(*html, HasSubstr("关于2021年度考核结果的通报"));
}

TEST(Report, FilesAreWrittenWholeOrNotAtAll) {
  duban::testing::TempDir dir("report-files");
  const fs::path p = dir.path() / "a.csv";
  ASSERT_TRUE(report::WriteFileAtomic(p, "old").ok());
  ASSERT_TRUE(report::WriteFileAtomic(p, "new").ok());
  EXPECT_EQ(Slurp(p), "new");
  EXPECT_FALSE(report::WriteFileAtomic(dir.path() / "missing" / "a.csv", "x").ok());
  // No temporary file is left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

// ----- the real binary -----

const std::string kOffice = "泰山区国家重点生态功能区县域生态环境质量监测评价与考核工作领导小组办公室";

class ReportBinary : public ::testing::Test {
 protected:
  Ran Duban(const std::string& as, const std::string& at, const std::vector<std::string>& args) {
    std::string cmd = Quote(DUBAN_EXE) + " --db " + Quote((dir_.path() / "t.db").string()) + " --as " + Quote(as) +
                      " --at " + at;
    for (const auto& a : args) cmd += " " + Quote(a);
    return ShellIn(cmd, dir_.path());
  }
  Ran Python(const std::string& script, const std::vector<std::string>& args) {
    std::string cmd = "/usr/bin/python3 " + Quote(std::string(DUBAN_SOURCE_DIR) + "/tests/report/" + script);
    for (const auto& a : args) cmd += " " + Quote(a);
    return ShellIn(cmd, dir_.path());
  }
  fs::path Path(const std::string& name) const { return dir_.path() / name; }

  duban::testing::TempDir dir_{"report-cli"};
};

// The whole 2021 replay: published, every unit scored.
class ReportReplay : public ReportBinary {};

TEST_F(ReportReplay, TheLedgerAndTheReportsOfThe2021Replay) {
  Ran replay = duban::testing::Replay2021(DUBAN_EXE, Path("t.db"), dir_.path());
  ASSERT_EQ(replay.status, 0) << replay.err;
  const std::string at = "2021-12-31T17:30";
  Ran show = Duban("office-cao-bin", at, {"--format", "json", "assess", "show"});
  ASSERT_EQ(show.status, 0) << show.err;
  const json assess = json::parse(show.out);
  ASSERT_EQ(assess["rows"].size(), 15u);
  std::ofstream(Path("assess.json")) << show.out;

  // The workbook, read back by openpyxl.
  Ran ledger = Duban("office-cao-bin", at, {"report", "ledger", "--xlsx", "ledger.xlsx", "--csv", "csv"});
  ASSERT_EQ(ledger.status, 0) << ledger.err;
  EXPECT_THAT(ledger.out, HasSubstr("ledger.xlsx"));
  Ran xlsx = Python("check_xlsx.py", {Path("ledger.xlsx").string(), Path("assess.json").string(), kOffice});
  EXPECT_EQ(xlsx.status, 0) << xlsx.out << xlsx.err;
  EXPECT_THAT(xlsx.out, HasSubstr("15 units, 4 sheets: ok"));

  // The CSV files: a BOM, CRLF, a line per unit.
  for (const char* view : {"ledger", "materials", "escalations", "scores"}) {
    const std::string csv = Slurp(Path("csv") / (std::string(view) + ".csv"));
    EXPECT_TRUE(csv.starts_with("\xEF\xBB\xBF")) << view;
    EXPECT_THAT(csv, HasSubstr("\r\n")) << view;
  }
  const std::string scores = Slurp(Path("csv/scores.csv"));
  for (const auto& row : assess["rows"]) {
    EXPECT_THAT(scores, HasSubstr(row["unit"].get<std::string>() + "," + row["name"].get<std::string>())) << row["unit"];
  }
  EXPECT_EQ(std::count(scores.begin(), scores.end(), '\n'), 16);

  // The progress report and the circular: every unit, in ranking order.
  ASSERT_EQ(Duban("office-cao-bin", at, {"report", "progress", "--out", "progress.html"}).status, 0);
  Ran circular = Duban("office-cao-bin", at, {"--format", "json", "report", "circular", "--out", "circular.html"});
  ASSERT_EQ(circular.status, 0) << circular.err;
  EXPECT_EQ(json::parse(circular.out)["written"][0], "circular.html");
  const json& ranking = assess["ranking"];
  ASSERT_EQ(ranking.size(), 15u);
  for (const char* file : {"progress.html", "circular.html"}) {
    const std::string html = Slurp(Path(file));
    EXPECT_THAT(html, HasSubstr(kOffice)) << file;
    EXPECT_THAT(html, HasSubstr("2021年12月31日")) << file;
    EXPECT_THAT(html, HasSubstr("@page { size: A4;")) << file;
    const auto table = html.find("<table class=\"ranking\">");
    ASSERT_NE(table, std::string::npos) << file;
    std::size_t last = table;
    for (const auto& r : ranking) {
      const std::string cell = "<td>" + r["name"].get<std::string>() + "</td>";
      const auto at_unit = html.find(cell, table);
      ASSERT_NE(at_unit, std::string::npos) << file << ": " << r["unit"];
      EXPECT_GT(at_unit, last) << file << ": " << r["unit"] << " out of ranking order";
      last = at_unit;
    }
  }
  const std::string html = Slurp(Path("circular.html"));
  EXPECT_THAT(html, HasSubstr("扣分情况"));
  EXPECT_THAT(html, HasSubstr("材料被退回修改2次"));

  // A unit's liaison sees their own unit only.
  Ran mine = Duban("agriculture-liaison", at, {"report", "ledger", "--csv", "mine"});
  ASSERT_EQ(mine.status, 0) << mine.err;
  const std::string own = Slurp(Path("mine/ledger.csv"));
  EXPECT_THAT(own, HasSubstr("agriculture,区农业农村局"));
  EXPECT_EQ(std::count(own.begin(), own.end(), '\n'), 2) << own;
  EXPECT_THAT(Slurp(Path("mine/materials.csv")), Not(HasSubstr("finance,")));
  Ran other = Duban("agriculture-liaison", at, {"report", "ledger", "--unit", "finance", "--csv", "theirs"});
  EXPECT_EQ(other.status, 3) << other.err;
  EXPECT_FALSE(fs::exists(Path("theirs/ledger.csv")));

  // Bad usage changes nothing and says why.
  Ran neither = Duban("office-cao-bin", at, {"report", "ledger"});
  EXPECT_EQ(neither.status, 2);
  EXPECT_THAT(neither.err, HasSubstr("--xlsx"));
}

// The campaign as it stood on 2021-10-15 at noon: deadlines open.
class ReportOctober : public ReportBinary {};

TEST_F(ReportOctober, TheDeadlineFeedsAndTheCircularBeforePublication) {
  Ran replay = duban::testing::Replay2021(DUBAN_EXE, Path("t.db"), dir_.path(), "2021-10-15T12:00");
  ASSERT_EQ(replay.status, 0) << replay.err;
  const std::string at = "2021-10-15T12:00";
  Ran refused = Duban("office-cao-bin", at, {"report", "circular", "--out", "circular.html"});
  EXPECT_EQ(refused.status, 3);
  EXPECT_THAT(refused.err, HasSubstr("assessment_not_published"));
  EXPECT_FALSE(fs::exists(Path("circular.html")));

  Ran unit = Duban("office-cao-bin", at, {"report", "ics", "--unit", "agriculture", "--out", "agriculture.ics"});
  ASSERT_EQ(unit.status, 0) << unit.err;
  // The unit's stage due, its eight materials, three escalation levels.
  Ran checked = Python("check_ics.py", {Path("agriculture.ics").string(), "--name", "区农业农村局", "--min", "12",
                                        "--summary-has", "【截止】区农业农村局：材料收集", "--summary-has",
                                        "【材料】区农业农村局：本单位自查总结报告", "--summary-has", "【督办3级】"});
  EXPECT_EQ(checked.status, 0) << checked.out << checked.err;
  // A day later, the same deadlines keep their UIDs.
  ASSERT_EQ(Duban("office-cao-bin", "2021-10-15T18:00",
                  {"report", "ics", "--unit", "agriculture", "--out", "agriculture-later.ics"})
                .status,
            0);
  Ran same = Python("check_ics.py", {Path("agriculture-later.ics").string(), "--name", "区农业农村局", "--same-uids",
                                     Path("agriculture.ics").string()});
  EXPECT_EQ(same.status, 0) << same.out << same.err;

  // The liaison's own feed: their unit's due, materials and the level they hear;
  // not the director's levels.
  Ran person = Duban("agriculture-liaison", at,
                     {"report", "ics", "--person", "agriculture-liaison", "--out", "liaison.ics"});
  ASSERT_EQ(person.status, 0) << person.err;
  Ran liaison = Python("check_ics.py", {Path("liaison.ics").string(), "--name", "区农业农村局", "--min", "9",
                                        "--summary-has", "【督办1级】", "--no-summary-has", "【督办3级】"});
  EXPECT_EQ(liaison.status, 0) << liaison.out << liaison.err;
  Ran unknown = Duban("office-cao-bin", at, {"report", "ics", "--person", "nobody", "--out", "x.ics"});
  EXPECT_EQ(unknown.status, 2) << unknown.err;
  EXPECT_EQ(Duban("office-cao-bin", at, {"report", "ics", "--unit", "agriculture", "--person", "agriculture-liaison",
                                         "--out", "x.ics"})
                .status,
            2);
  EXPECT_FALSE(fs::exists(Path("x.ics")));

  // The same feed over HTTP, with the liaison's bearer token.
  Ran token = Duban("office-cao-bin", at,
                    {"--format", "json", "token", "create", "--person", "agriculture-liaison", "--name", "calendar"});
  ASSERT_EQ(token.status, 0) << token.err;
  const std::string secret = json::parse(token.out)["token"];
  Ran http = Python("check_ics.py", {Path("http.ics").string(), "--name", "区农业农村局", "--min", "9", "--serve",
                                     DUBAN_EXE, Path("t.db").string(), secret, "person=agriculture-liaison",
                                     "--forbidden", "unit=finance"});
  EXPECT_EQ(http.status, 0) << http.out << http.err;
}

// The campaign the day after the on-site verification (现场核查, 2021-11-16):
// forestry was found wanting and is fixing it up by 26 November.
class ReportNovember : public ReportBinary {};

TEST_F(ReportNovember, TheFixUpIsInTheUnitsFeedWithItsEscalations) {
  Ran replay = duban::testing::Replay2021(DUBAN_EXE, Path("t.db"), dir_.path(), "2021-11-17T00:00");
  ASSERT_EQ(replay.status, 0) << replay.err;
  const std::string at = "2021-11-17T09:00";
  Ran unit = Duban("forestry-liaison", at, {"report", "ics", "--unit", "forestry", "--out", "forestry.ics"});
  ASSERT_EQ(unit.status, 0) << unit.err;
  Ran checked = Python("check_ics.py", {Path("forestry.ics").string(), "--name", "区林业保护发展中心", "--min", "4",
                                        "--summary-has", "【截止】区林业保护发展中心：整改中", "--summary-has",
                                        "【督办1级】区林业保护发展中心：整改中"});
  EXPECT_EQ(checked.status, 0) << checked.out << checked.err;
  const std::string ics = Slurp(Path("forestry.ics"));
  EXPECT_THAT(ics, HasSubstr("DTSTART;VALUE=DATE:20211126")) << ics;  // the fix-up's due day
  // The unit verified without findings has no deadline left to show.
  Ran clean = Duban("office-cao-bin", at,
                    {"report", "ics", "--unit", "ecology-environment", "--out", "ecology.ics"});
  ASSERT_EQ(clean.status, 0) << clean.err;
  EXPECT_THAT(Slurp(Path("ecology.ics")), Not(HasSubstr("整改中")));
}

}  // namespace
