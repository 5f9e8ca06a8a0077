// The campaign verbs: init, campaign create|list, roster.
#include <CLI/CLI.hpp>

#include "app/rows.h"

#include "core/text.h"
#include "table.h"
#include "verb.h"

namespace duban::cli {

namespace {

using nlohmann::json;

int DoInit(Call& c, const std::string& calendars) {
  auto dir = calendars.empty() ? ShareDir(c.session) / "workflows" / "calendars" : c.Path(calendars);
  auto r = c.app->LoadCalendars(dir, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) {
    c.Print(Json(*r));
  } else {
    namespace fs = std::filesystem;
    std::error_code ec;
    c.io.out << "数据库已就绪 / database ready: " << fs::absolute(c.session.database(), ec).string() << '\n'
             << "  附件 attached files: " << fs::absolute(c.session.files_dir(), ec).string() << '\n'
             << "  配置 configuration: "
             << (c.session.config().source.empty() ? std::string("none (the embedded default)")
                                                   : c.session.config().source.string())
             << '\n';
    for (const nlohmann::json all = Json(*r); const auto& y : all["loaded"])
      c.io.out << "  工作日历 " << y["year"].get<int>() << ": " << y["source"].get<std::string>() << '\n';
  }
  return 0;
}

int DoCampaignCreate(Call& c, const app::CampaignSpec& in) {
  app::CampaignSpec spec = in;
  // From a previous campaign, its pinned definitions unless new files are given.
  if (!spec.workflow.empty()) spec.workflow = c.Path(spec.workflow);
  else if (spec.from.empty()) spec.workflow = ShareDir(c.session) / "workflows" / "annual-cycle.toml";
  if (!spec.roster.empty()) spec.roster = c.Path(spec.roster);
  else if (spec.from.empty())
    return c.Fail(Status::InvalidInput("campaign create needs --roster FILE, or --from a previous campaign"));
  spec.calendars = ShareDir(c.session) / "workflows" / "calendars";
  auto r = c.app->CreateCampaign(spec, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  const json& j = Json(*r);
  if (c.json_out()) {
    c.Print(j);
    return 0;
  }
  c.io.out << "已创建考核年度 / campaign created: " << j["id"].get<std::string>() << "  "
           << j["name"].get<std::string>() << '\n'
           << "  成员单位 units: " << j["units"].get<int>() << "   年度 year: " << j["year"].get<int>()
           << "   时区 time zone: " << j["time_zone"].get<std::string>() << '\n'
           << "  工作流 workflow: " << j["workflow"]["id"].get<std::string>() << " sha256 "
           << j["workflow"]["sha256"].get<std::string>().substr(0, 16) << "…\n"
           << "  名册 roster: " << j["roster"]["id"].get<std::string>() << " sha256 "
           << j["roster"]["sha256"].get<std::string>().substr(0, 16) << "…\n";
  if (j.contains("from")) {
    const json& f = j["from"];
    c.io.out << "  沿用 carried from " << f.value("campaign", "") << ": "
             << (f.value("workflow_revised", false) ? "工作方案已更新 revised workflow" : "工作方案继续有效 same workflow")
             << "，联系人变更 contacts " << f.value("contacts", 0) << "，上年通报得分 prior scores "
             << f.value("prior_scores", 0) << '\n';
  }
  if (j.contains("calendar_missing_years"))
    c.io.out << "  警告 WARNING: no holiday calendar for " << j["calendar_missing_years"].dump()
             << ": those years fall back to plain weekends\n";
  return 0;
}

int DoCampaignList(Call& c) {
  auto r = c.app->Campaigns(c.Request());
  if (!r.ok()) return c.Fail(r.status());
  json out = json::array();
  Table t({"考核年度 campaign", "名称 name", "年份 year", "事件 events", "创建 created"});
  for (const auto& k : *r) {
    out.push_back(app::CampaignJson(k));
    t.Add({k.id, k.name, std::to_string(k.year), std::to_string(k.head_seq), FormatLocal(k.created_at, TimeZone::Default())});
  }
  if (c.json_out()) c.Print(out);
  else t.Print(c.io.out);
  return 0;
}

int DoRoster(Call& c, const std::string& unit_filter) {
  auto view = c.app->Roster(c.g.campaign, unit_filter, c.Request());
  if (!view.ok()) return c.Fail(view.status());
  const auto& wf = *view->workflow;
  json units = json::array(), people = json::array();
  Table tu({"单位 unit", "名称 name", "材料 materials"});
  for (const auto& u : view->units) {
    json mats = json::array();
    for (const auto& m : u.materials) mats.push_back({{"id", m.id}, {"name", m.name}, {"required", m.required}});
    units.push_back({{"id", u.id}, {"name", u.name}, {"name_en", u.name_en}, {"duties", u.duties},
                     {"materials", mats}});
    tu.Add({u.id, u.name, std::to_string(u.materials.size())});
  }
  Table tp({"人员 person", "姓名 name", "角色 roles", "电子邮件 e-mail", "电话 phone"});
  for (const auto& p : view->people) {
    std::string roles;
    json jroles = json::array();
    for (const auto& a : p.roles) {
      const auto& def = wf.roles[a.role_id];
      roles += (roles.empty() ? "" : "，") + def.label.zh + (a.unit.empty() ? "" : "(" + a.unit + ")");
      jroles.push_back({{"role", a.role}, {"unit", a.unit}});
    }
    people.push_back({{"id", p.id}, {"name", p.name}, {"title", p.title}, {"email", p.email},
                      {"phone", p.phone}, {"placeholder", p.placeholder}, {"roles", jroles}});
    tp.Add({p.id, p.name + (p.placeholder ? " *" : ""), roles, p.email, p.phone});
  }
  if (c.json_out()) {
    c.Print({{"campaign", view->campaign}, {"units", units}, {"people", people}});
    return 0;
  }
  tu.Print(c.io.out);
  c.io.out << '\n';
  tp.Print(c.io.out);
  c.io.out << "* 方案未列明，占位待办公室登记 / placeholder: the plan does not name this person\n";
  return 0;
}

}  // namespace

void AddCampaignVerbs(VerbTable& t) {
  t.Add({{"init"}, "create or migrate the database and load the holiday calendars", [](CLI::App& cmd) -> Runner {
           auto calendars = std::make_shared<std::string>();
           cmd.add_option("--calendars", *calendars, "directory of calendar year files (default: the shipped ones)");
           return [calendars](Call& c) { return DoInit(c, *calendars); };
         },
         /*needs_app=*/true, /*creates_db=*/true});
  t.AddGroup("campaign", "create and list campaigns (考核年度)");
  struct CreateArgs {
    app::CampaignSpec spec;
    std::string workflow, roster;
    int year = 0;
  };
  t.Add({{"campaign", "create"},
         "create a campaign from a workflow and a roster file; both are stored with their hash, so later edits never "
         "change it",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<CreateArgs>();
           cmd.add_option("--roster", a->roster, "roster file (units, people, roles); with --from: a revised one");
           cmd.add_option("--workflow", a->workflow,
                          "workflow file (default: the shipped annual cycle; with --from: the previous campaign's)");
           cmd.add_option("--from", a->spec.from,
                          "the previous year's campaign: its roster with its contact changes, its workflow and its "
                          "published scores carry over");
           cmd.add_option("--id", a->spec.id, "campaign id (default: the roster's; with --from: its id a year on)");
           cmd.add_option("--name", a->spec.name, "campaign name (default: the roster's; with --from: its name a year on)");
           cmd.add_option("--year", a->year, "assessment year (default: the roster's; with --from: the next year)");
           cmd.add_option("--time-zone", a->spec.time_zone, "IANA time zone (default: the roster's, else Asia/Shanghai)");
           return [a](Call& c) {
             app::CampaignSpec spec = a->spec;
             spec.workflow = a->workflow;
             spec.roster = a->roster;
             if (a->year != 0) spec.year = a->year;
             return DoCampaignCreate(c, spec);
           };
         }});
  t.Add({{"campaign", "list"}, "list the campaigns in the database",
         [](CLI::App&) -> Runner { return [](Call& c) { return DoCampaignList(c); }; }});
  t.Add({{"roster"}, "the campaign's units, people and their roles", [](CLI::App& cmd) -> Runner {
           auto unit = std::make_shared<std::string>();
           cmd.add_option("--unit", *unit, "only this unit and its people");
           return [unit](Call& c) { return DoRoster(c, *unit); };
         }});
}

}  // namespace duban::cli
