// The report verbs: report ledger (XLSX and CSV), report progress (进展情况报告),
// report circular (通报), report ics (the deadlines as iCalendar). Every
// report is read through the app's queries as the asker may see it
// (engine/report) and written atomically.
#include <CLI/CLI.hpp>

#include <system_error>

#include "report/report.h"
#include "verb.h"

namespace duban::cli {

namespace {

using nlohmann::json;

// Prints what was written: a line per file, or {"written": [...]} as JSON.
int Written(Call& c, const std::string& what, const std::vector<std::filesystem::path>& paths) {
  if (c.json_out()) {
    json files = json::array();
    for (const auto& p : paths) files.push_back(p.string());
    c.Print({{"report", what}, {"written", files}});
    return 0;
  }
  for (const auto& p : paths) c.io.out << "已写入 written: " << p.string() << '\n';
  return 0;
}

struct LedgerArgs {
  std::string xlsx, csv, unit;
};

int DoLedger(Call& c, const LedgerArgs& a) {
  if (a.xlsx.empty() && a.csv.empty())
    return c.Fail(Status::InvalidInput("report ledger needs --xlsx FILE or --csv DIR (or both)"));
  auto data = report::Collect(*c.app, c.g.campaign, a.unit, c.Request());
  if (!data.ok()) return c.Fail(data.status());
  const auto views = report::LedgerViews(*data);
  std::vector<std::filesystem::path> written;
  if (!a.xlsx.empty()) {
    const auto path = c.Path(a.xlsx);
    if (auto s = report::WriteXlsx(views, data->heading, path); !s.ok()) return c.Fail(s);
    written.push_back(path);
  }
  if (!a.csv.empty()) {
    const auto dir = c.Path(a.csv);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return c.Fail(Status::Io("cannot create " + dir.string() + ": " + ec.message()));
    for (const auto& v : views) {
      const auto path = dir / (v.id + ".csv");
      if (auto s = report::WriteFileAtomic(path, report::Csv(v)); !s.ok()) return c.Fail(s);
      written.push_back(path);
    }
  }
  return Written(c, "ledger", written);
}

struct HtmlArgs {
  std::string out;
};

int DoHtml(Call& c, const std::string& what, const HtmlArgs& a) {
  auto data = report::Collect(*c.app, c.g.campaign, "", c.Request());
  if (!data.ok()) return c.Fail(data.status());
  Result<std::string> html = what == "circular" ? report::CircularHtml(*data) : report::ProgressHtml(*data);
  if (!html.ok()) return c.Fail(html.status());
  const auto path = c.Path(a.out);
  if (auto s = report::WriteFileAtomic(path, *html); !s.ok()) return c.Fail(s);
  return Written(c, what, {path});
}

struct IcsArgs {
  std::string unit, person, out;
};

int DoIcs(Call& c, const IcsArgs& a) {
  if (a.unit.empty() == a.person.empty())
    return c.Fail(Status::InvalidInput("report ics needs exactly one of --unit UNIT and --person PERSON"));
  auto data = report::Collect(*c.app, c.g.campaign, a.unit, c.Request());
  if (!data.ok()) return c.Fail(data.status());
  auto feed = report::DeadlineFeed(*data, {a.unit, a.person}, c.now);
  if (!feed.ok()) return c.Fail(feed.status());
  const auto path = c.Path(a.out);
  if (auto s = report::WriteFileAtomic(path, feed->ics); !s.ok()) return c.Fail(s);
  if (!c.json_out()) c.io.out << "截止事项 deadlines: " << feed->events << '\n';
  return Written(c, "ics", {path});
}

}  // namespace

void AddReportVerbs(VerbTable& t) {
  t.AddGroup("report", "the reports: the ledger as XLSX and CSV, the progress report, the circular (通报), iCalendar");
  t.Add({{"report", "ledger"}, "the ledger (工作台账) as XLSX and/or CSV: ledger, materials, escalations, scores",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<LedgerArgs>();
           cmd.add_option("--xlsx", a->xlsx, "write the workbook here (one sheet per view)");
           cmd.add_option("--csv", a->csv, "write ledger.csv, materials.csv, escalations.csv, scores.csv into this directory");
           cmd.add_option("--unit", a->unit, "only this unit");
           return [a](Call& c) { return DoLedger(c, *a); };
         }});
  t.Add({{"report", "progress"}, "the progress report for the district government (进展情况报告), printable HTML",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<HtmlArgs>();
           cmd.add_option("--out", a->out, "the HTML file to write")->required();
           return [a](Call& c) { return DoHtml(c, "progress", *a); };
         }});
  t.Add({{"report", "circular"}, "the circular (通报) of the published ranking, printable HTML (exit 3 before publication)",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<HtmlArgs>();
           cmd.add_option("--out", a->out, "the HTML file to write")->required();
           return [a](Call& c) { return DoHtml(c, "circular", *a); };
         }});
  t.Add({{"report", "ics"}, "the deadlines that concern a unit or a person, as an iCalendar file (RFC 5545)",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<IcsArgs>();
           cmd.add_option("--unit", a->unit, "the unit's deadlines");
           cmd.add_option("--person", a->person, "the deadlines whose roles this person holds");
           cmd.add_option("--out", a->out, "the .ics file to write")->required();
           return [a](Call& c) { return DoIcs(c, *a); };
         }});
}

}  // namespace duban::cli
