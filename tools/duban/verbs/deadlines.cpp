// The deadline verbs: calendar *, tick, deadline set, extend, urge; and the
// system tick replay runs between steps.
#include <CLI/CLI.hpp>

#include "calendar/calendar.h"
#include "core/text.h"
#include "labels.h"
#include "verb.h"

namespace duban::cli {

namespace {

using nlohmann::json;

// One line per deadline event raised by a tick.
void PrintRaised(std::ostream& out, const json& raised) {
  for (const auto& e : raised) {
    const json& p = e["payload"];
    auto at = ParseInstant(e["at"].get<std::string>(), TimeZone::Default());
    out << "  ⏰ " << (at.ok() ? FormatLocal(*at, TimeZone::Default()) : e["at"].get<std::string>()) << "  "
             << e["unit"].get<std::string>() << "  " << e["type"].get<std::string>() << " "
             << labels::DeadlineEvent(e["type"].get<std::string>());
    if (p.contains("level")) out << " 第" << p["level"].get<int>() << "级";
    if (p.contains("roles")) out << " → " << p["roles"].dump();
    if (p.contains("workdays_left")) out << " 剩余" << p["workdays_left"].get<int>() << "个工作日";
    if (p.contains("overdue_workdays")) out << " 超期" << p["overdue_workdays"].get<int>() << "个工作日";
    if (p.contains("due_date")) out << " (截止 " << p["due_date"].get<std::string>() << ")";
    out << '\n';
  }
}

// Prints a tick's answer as `tick` does.
int ReportTick(const Result<app::Outcome<wire::Ticked>>& r, bool json_out, Io io) {
  if (!r.ok()) {
    io.err << "duban: " << r.status().str() << '\n';
    return r.status().exit_code();
  }
  if (json_out) io.out << Json(*r).dump(2, ' ', false) << '\n';
  else if (Json(*r)["raised"].empty()) io.out << "没有到期的提醒或督办 / nothing due\n";
  else PrintRaised(io.out, Json(*r)["raised"]);
  return 0;
}

int DoTick(Call& c) { return ReportTick(c.app->Tick(c.Request()), c.json_out(), c.io); }

int DoDeadlineSet(Call& c, const std::string& stage, const std::string& date, const std::string& reason) {
  auto d = ParseDate(date);
  if (!d.ok()) return c.Fail(d.status());
  auto r = c.app->SetDue(c.g.campaign, stage, *d, reason, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) c.Print(Json(*r));
  else
    c.io.out << "阶段 " << stage << " 截止日期调整为 " << date << "（" << reason << "），涉及单位 "
             << Json(*r)["units"].size() << " 个\n";
  return 0;
}

int DoExtend(Call& c, const std::string& unit, const std::string& date, const std::string& reason) {
  auto d = ParseDate(date);
  if (!d.ok()) return c.Fail(d.status());
  auto r = c.app->RequestExtension(c.g.campaign, unit, *d, reason, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) c.Print(Json(*r));
  else
    c.io.out << unit << ": 延期申请 " << Json(*r)["request"].get<std::string>() << " 截止 "
             << (Json(*r)["due"].is_null() ? "—" : Json(*r)["due"].get<std::string>()) << " → " << date
             << " 待审批\n";
  return 0;
}

int DoUrge(Call& c, const std::string& unit, const std::string& note) {
  auto r = c.app->Urge(c.g.campaign, unit, note, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) c.Print(Json(*r));
  else c.io.out << unit << ": 已催办" << (note.empty() ? "" : "：" + note) << '\n';
  return 0;
}

// The calendar in the database, or the shipped one when the database holds none.
Result<calendar::Calendar> QueryCalendar(Call& c) {
  auto cal = c.app->Calendar();
  if (!cal.ok() || !cal->Years().empty()) return cal;
  auto years = calendar::LoadDirectory(ShareDir(c.session) / "workflows" / "calendars");
  if (!years.ok()) return years.status();
  return calendar::Calendar::FromYears(std::move(*years));
}

void WarnMissingYears(Call& c, const calendar::Calendar& cal, int from, int to) {
  for (int y : cal.YearsWithoutData(from, to))
    c.io.err << "duban: WARNING: no holiday calendar for " << y
             << ": working days fall back to plain weekends (load the State Council notice with 'duban calendar load')\n";
}

int DoCalendarResolve(Call& c, const std::string& phrase, int year, const std::string& from) {
  auto p = calendar::ParseDuePhrase(phrase);
  if (!p.ok()) {
    Status s = p.status();
    return c.Fail(Status::InvalidInput(s.message() + " (column " + std::to_string(s.pos().column) + ")"));
  }
  auto cal = QueryCalendar(c);
  if (!cal.ok()) return c.Fail(cal.status());
  std::optional<Date> start;
  if (!from.empty()) {
    auto d = ParseDate(from);
    if (!d.ok()) return c.Fail(d.status());
    start = *d;
  }
  auto due = calendar::ResolveDue(*p, year, *cal, start);
  if (!due.ok()) return c.Fail(due.status());
  WarnMissingYears(c, *cal, year, year);
  const bool working = cal->IsWorkingDay(*due);
  if (c.json_out()) {
    c.Print({{"phrase", phrase}, {"year", year}, {"due", FormatDate(*due)}, {"working_day", working}});
  } else {
    c.io.out << phrase << " (" << year << ") → " << FormatDate(*due) << "  " << FormatDateZh(*due)
             << (working ? "" : "  (非工作日 / not a working day)") << '\n';
  }
  return 0;
}

int DoCalendarWorkdays(Call& c, const std::string& from, const std::string& to) {
  auto a = ParseDate(from);
  if (!a.ok()) return c.Fail(a.status());
  auto b = ParseDate(to);
  if (!b.ok()) return c.Fail(b.status());
  auto cal = QueryCalendar(c);
  if (!cal.ok()) return c.Fail(cal.status());
  WarnMissingYears(c, *cal, std::min(int(a->year()), int(b->year())), std::max(int(a->year()), int(b->year())));
  const int n = cal->WorkdaysBetween(*a, *b);
  if (c.json_out()) c.Print({{"from", from}, {"to", to}, {"workdays", n}});
  else c.io.out << n << '\n';
  return 0;
}

int DoCalendarAdd(Call& c, const std::string& date, int n) {
  auto d = ParseDate(date);
  if (!d.ok()) return c.Fail(d.status());
  auto cal = QueryCalendar(c);
  if (!cal.ok()) return c.Fail(cal.status());
  const Date out = cal->AddWorkdays(*d, n);
  WarnMissingYears(c, *cal, std::min(int(d->year()), int(out.year())), std::max(int(d->year()), int(out.year())));
  if (c.json_out()) c.Print({{"date", date}, {"workdays", n}, {"result", FormatDate(out)}});
  else c.io.out << FormatDate(out) << '\n';
  return 0;
}

int DoCalendarLoad(Call& c, const std::string& path) {
  auto r = c.app->LoadCalendars(c.Path(path), c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) {
    c.Print(Json(*r));
    return 0;
  }
  for (const nlohmann::json all = Json(*r); const auto& y : all["loaded"])
    c.io.out << "工作日历 calendar " << y["year"].get<int>() << ": " << y["source"].get<std::string>() << '\n';
  for (const nlohmann::json all = Json(*r); const auto& m : all["moved"])
    c.io.out << "  截止日期变动 moved: " << m["campaign"].get<std::string>() << " " << m["unit"].get<std::string>()
             << " " << m["stage"].get<std::string>() << " " << m.value("from", "—") << " → " << m.value("to", "—")
             << '\n';
  if (Json(*r)["moved"].empty()) c.io.out << "  没有截止日期变动 / no due date moved\n";
  return 0;
}

}  // namespace

void AddDeadlinesVerbs(VerbTable& t) {
  t.AddGroup("calendar", "the working-day calendar (State Council holiday notices, 调休 make-up days)");
  struct CalArgs {
    std::string phrase, from, to, path;
    int year = 0, n = 0;
  };
  t.Add({{"calendar", "resolve"},
         "print the due date of a phrase: 10月上旬, 10月下旬前, 12月底, 5个工作日内 (with --from), 2021-10-20",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<CalArgs>();
           cmd.add_option("phrase", a->phrase, "the date phrase")->required();
           cmd.add_option("--year", a->year, "the assessment year")->required();
           cmd.add_option("--from", a->from, "the stage's start date, for N个工作日内");
           return [a](Call& c) { return DoCalendarResolve(c, a->phrase, a->year, a->from); };
         }});
  t.Add({{"calendar", "workdays"}, "print the number of working days from FROM to TO, both included",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<CalArgs>();
           cmd.add_option("from", a->from, "YYYY-MM-DD")->required();
           cmd.add_option("to", a->to, "YYYY-MM-DD")->required();
           return [a](Call& c) { return DoCalendarWorkdays(c, a->from, a->to); };
         }});
  t.Add({{"calendar", "add"}, "print the date N working days after DATE (negative N: before)", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<CalArgs>();
           cmd.add_option("date", a->from, "YYYY-MM-DD")->required();
           cmd.add_option("n", a->n, "working days (at most 1000 either way)")
               ->required()
               ->check(CLI::Range(-1000, 1000))
               ->allow_extra_args(false);
           return [a](Call& c) { return DoCalendarAdd(c, a->from, a->n); };
         }});
  t.Add({{"calendar", "load"}, "load a year file (or a directory of them) into the database", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<CalArgs>();
           cmd.add_option("path", a->path, "a YYYY.toml file or a directory")->required();
           return [a](Call& c) { return DoCalendarLoad(c, a->path); };
         }});
  t.Add({{"tick"}, "raise the reminders, missed deadlines and escalations due at --at, once each",
         [](CLI::App&) -> Runner { return [](Call& c) { return DoTick(c); }; }});
  struct DueArgs {
    std::string what, date, note;
  };
  t.AddGroup("deadline", "deadlines set by the office");
  t.Add({{"deadline", "set"},
         "move a stage's due day for the whole campaign (an upper-level notice), with the reason",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<DueArgs>();
           cmd.add_option("stage", a->what, "stage id (e.g. collecting)")->required();
           cmd.add_option("date", a->date, "the new due day, YYYY-MM-DD")->required();
           cmd.add_option("--note", a->note, "the reason, e.g. the notice's number (required)")->required();
           return [a](Call& c) { return DoDeadlineSet(c, a->what, a->date, a->note); };
         }});
  t.Add({{"extend"},
         "a unit asks for an extension of its current due day (延期申请); the office director approves or rejects it",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<DueArgs>();
           cmd.add_option("unit", a->what, "unit id")->required();
           cmd.add_option("date", a->date, "the due day asked for, YYYY-MM-DD")->required();
           cmd.add_option("--note", a->note, "why (required)")->required();
           return [a](Call& c) { return DoExtend(c, a->what, a->date, a->note); };
         }});
  t.Add({{"urge"}, "the office urges a unit by hand (催办)", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<DueArgs>();
           cmd.add_option("unit", a->what, "unit id")->required();
           cmd.add_option("--note", a->note, "what the unit is urged to do");
           return [a](Call& c) { return DoUrge(c, a->what, a->note); };
         }});
}

int SystemTick(app::App& app, Instant at, const std::string& format, Io io) {
  return ReportTick(app.Tick(app::SystemRequest(at)), format == "json", io);
}

}  // namespace duban::cli
