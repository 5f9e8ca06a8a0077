#include "cli.h"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "calendar/calendar.h"
#include "core/text.h"
#include "labels.h"
#include "replay.h"
#include "serve.h"
#include "table.h"

#ifndef DUBAN_DEFAULT_SHARE
#define DUBAN_DEFAULT_SHARE "."
#endif

namespace duban::cli {

namespace {

using nlohmann::json;

// The options every verb shares.
struct Globals {
  std::string db;
  std::string at;
  std::string as;
  std::string format = "table";
  std::string campaign;
  std::string command_id;
  std::string data_dir;
  std::string config;
};

// What one invocation needs to carry out its verb.
struct Call {
  Globals g;
  Io io;
  Session& session;
  std::filesystem::path base_dir;
  Instant now{};
  app::App* app = nullptr;

  bool json_out() const { return g.format == "json"; }
  std::filesystem::path Path(const std::string& p) const {
    std::filesystem::path path(p);
    return path.is_relative() && !base_dir.empty() ? base_dir / path : path;
  }
  // Who asks, as --as, --at and --command-id say; the app resolves and authorises the person.
  app::RequestContext Request() const {
    app::RequestContext rc{g.as, now, std::nullopt, app::Channel::kCli};
    if (!g.command_id.empty()) rc.command_id = g.command_id;
    return rc;
  }
  int Fail(const Status& s) const {
    io.err << "duban: " << s.str() << '\n';
    return s.exit_code();
  }
  void Print(const json& j) const { io.out << j.dump(2, ' ', false) << '\n'; }
};

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::move(fallback);
}


std::string DueText(const app::Context& ctx, const std::optional<Instant>& due) {
  return due ? FormatDate(ctx.tz.local_date(*due)) : "—";
}

// A role's label from the workflow ("联络员"), else its id.
std::string RoleLabel(const model::Workflow& wf, const std::string& role) {
  auto id = wf.FindRole(role);
  return id ? wf.roles[*id].label.zh : role;
}

// The wire form of a command's answer, as --format json prints it.
template <typename T>
json Json(const app::Outcome<T>& o) {
  return wire::ToJson(o.value);
}

// ----- verbs -----

int DoInit(Call& c, const std::string& calendars) {
  auto dir = calendars.empty() ? ShareDir() / "workflows" / "calendars" : c.Path(calendars);
  auto r = c.app->LoadCalendars(dir, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) {
    c.Print(Json(*r));
  } else {
    c.io.out << "数据库已就绪 / database ready: " << c.g.db << '\n';
    for (const nlohmann::json all = Json(*r); const auto& y : all["loaded"])
      c.io.out << "  工作日历 " << y["year"].get<int>() << ": " << y["source"].get<std::string>() << '\n';
  }
  return 0;
}

int DoCampaignCreate(Call& c, const app::CampaignSpec& in) {
  app::CampaignSpec spec = in;
  spec.workflow = spec.workflow.empty() ? ShareDir() / "workflows" / "annual-cycle.toml" : c.Path(spec.workflow);
  spec.roster = c.Path(spec.roster);
  spec.calendars = ShareDir() / "workflows" / "calendars";
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
    out.push_back({{"id", k.id}, {"name", k.name}, {"year", k.year}, {"events", k.head_seq},
                   {"created_at", FormatUtc(k.created_at)}, {"created_by", k.created_by}});
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

int DoStatus(Call& c, const std::string& unit_filter) {
  auto ledger = c.app->Status(c.g.campaign, unit_filter, c.Request());
  if (!ledger.ok()) return c.Fail(ledger.status());
  const auto& ctx = ledger->context;
  json rows = json::array();
  Table t({"单位 unit", "名称", "阶段 stage", "截止 due", "剩余工作日 left", "灯 light", "督办 level", "签收 ack",
           "材料 materials", "纸质 copies", "退回 returns", "承诺书 commitment", "待批 pending"});
  for (const auto& r : ledger->rows) {
    json row = {{"unit", r.unit->id},
                {"name", r.unit->name},
                {"stage", r.stage->id},
                {"stage_label", r.stage->label.zh},
                {"entered_at", FormatUtc(r.instance.entered_at)},
                {"due", r.due_at ? json(FormatDate(ctx.tz.local_date(*r.due_at))) : json(nullptr)},
                {"due_at", r.due_at ? json(FormatUtc(*r.due_at)) : json(nullptr)},
                {"days_overdue", r.days_overdue},
                {"workdays_left", r.workdays_left ? json(*r.workdays_left) : json(nullptr)},
                {"light", r.light.empty() ? json(nullptr) : json(r.light)},
                {"escalation_level", r.escalation_level},
                {"materials_done", r.materials_done},
                {"materials_total", r.materials_total},
                {"review_rounds", r.review_rounds},
                {"commitment", r.commitment},
                {"commitment_number", r.commitment_number},
                {"paper_copies", r.paper_copies},
                {"paper_copies_required", app::kPaperCopiesToOffice},
                {"acknowledged_at", r.acknowledged_at ? json(FormatUtc(*r.acknowledged_at)) : json(nullptr)},
                {"pending_request", r.instance.pending_request ? json(*r.instance.pending_request) : json(nullptr)},
                {"version", r.instance.version}};
    rows.push_back(row);
    t.Add({r.unit->id, r.unit->name, r.stage->label.zh, DueText(ctx, r.due_at),
           r.workdays_left ? std::to_string(*r.workdays_left) : "", std::string(labels::Light(r.light)),
           labels::EscalationLevel(r.escalation_level),
           r.acknowledged_at ? FormatLocal(*r.acknowledged_at, ctx.tz).substr(5, 5) : std::string(labels::NotAcknowledged()),
           std::to_string(r.materials_done) + "/" + std::to_string(r.materials_total),
           std::to_string(r.paper_copies) + "/" + std::to_string(app::kPaperCopiesToOffice),
           r.review_rounds > 0 ? std::to_string(r.review_rounds) : "",
           labels::Commitment(r.commitment, r.commitment_number),
           r.instance.pending_request.value_or("")});
  }
  if (c.json_out()) {
    c.Print({{"campaign", ctx.campaign.id}, {"at", FormatUtc(c.now)}, {"units", rows},
             {"calendar_missing_years", ledger->calendar_missing_years}});
    return 0;
  }
  for (int y : ledger->calendar_missing_years)
    c.io.out << "警告 WARNING: " << y << "年没有节假日安排数据，工作日按普通周末计算 / no holiday calendar for " << y
             << ": working days fall back to plain weekends\n";
  c.io.out << "工作台账 ledger: " << ctx.campaign.name << " (" << ctx.campaign.id << ")  截至 "
           << FormatLocal(c.now, ctx.tz) << '\n';
  t.Print(c.io.out);
  return 0;
}

// Fires at each unit in turn: every unit is its own command and transaction.
int DoFire(Call& c, const std::string& units, const std::string& trigger, const std::string& note) {
  std::vector<std::string> targets;
  if (units == "all") {
    // Every unit the person may see.
    auto view = c.app->Roster(c.g.campaign, "", c.Request());
    if (!view.ok()) return c.Fail(view.status());
    for (const auto& u : view->units) targets.push_back(u.id);
  } else {
    std::stringstream ss(units);
    for (std::string u; std::getline(ss, u, ',');)
      if (!u.empty()) targets.push_back(u);
  }
  if (targets.empty()) return c.Fail(Status::InvalidInput("no unit given"));
  int worst = 0;
  json out = json::array();
  for (const auto& unit : targets) {
    app::RequestContext rc = c.Request();
    if (rc.command_id && targets.size() > 1) *rc.command_id += ":" + unit;
    auto r = c.app->Fire(c.g.campaign, unit, trigger, note, rc);
    if (!r.ok()) {
      worst = std::max(worst, c.Fail(r.status()));
      continue;
    }
    const json& j = Json(*r);
    out.push_back(j);
    if (c.json_out()) continue;
    c.io.out << unit << ": " << j["from"]["label"].get<std::string>();
    if (j["outcome"] == "applied")
      c.io.out << " → " << j["to"]["label"].get<std::string>();
    else
      c.io.out << " → " << j["to"]["label"].get<std::string>() << " 待审批 (request "
               << j["request"].get<std::string>() << ")";
    if (r->replayed) c.io.out << "  [重复命令，未再执行 / repeated command id: not applied again]";
    c.io.out << '\n';
  }
  if (c.json_out()) c.Print(targets.size() == 1 && !out.empty() ? out[0] : out);
  return worst;
}

int DoRequests(Call& c, bool all) {
  auto r = c.app->Requests(c.g.campaign, all, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  // The workflow's labels, once the person was allowed to read.
  auto ctx = c.app->Load(c.g.campaign);
  if (!ctx.ok()) return c.Fail(ctx.status());
  const auto& wf = *ctx->workflow;
  json out = json::array();
  Table t({"申请 request", "单位 unit", "事项 trigger", "申请人 by", "时间 at", "状态 status", "审批人 decided by",
           "说明 note"});
  for (const auto& q : *r) {
    const auto& tr = wf.transitions[q.transition];
    out.push_back({{"id", q.id}, {"unit", q.unit}, {"trigger", tr.trigger}, {"from", wf.stages[q.from].id},
                   {"to", wf.stages[q.to].id}, {"requested_by", q.requested_by},
                   {"requested_at", FormatUtc(q.requested_at)}, {"note", q.note},
                   {"status", model::RequestStatusName(q.status)}, {"decided_by", q.decided_by},
                   {"decided_at", q.decided_at ? json(FormatUtc(*q.decided_at)) : json(nullptr)},
                   {"decision_note", q.decision_note}});
    t.Add({q.id, q.unit, tr.label.zh, q.requested_by, FormatLocal(q.requested_at, ctx->tz),
           std::string(model::RequestStatusName(q.status)), q.decided_by,
           q.decision_note.empty() ? q.note : q.decision_note});
  }
  if (c.json_out()) c.Print(out);
  else if (t.empty()) c.io.out << "没有待审批的申请 / no open requests\n";
  else t.Print(c.io.out);
  return 0;
}

int DoDecide(Call& c, const std::string& request, bool approve, const std::string& note) {
  auto r = c.app->Decide(c.g.campaign, request, approve, note, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  const json& j = Json(*r);
  if (c.json_out()) {
    c.Print(j);
    return 0;
  }
  c.io.out << j["request"].get<std::string>() << (approve ? " 已批准 approved: " : " 已驳回 rejected: ")
           << j["unit"].get<std::string>() << " " << j["from"]["label"].get<std::string>();
  if (approve) c.io.out << " → " << j["to"]["label"].get<std::string>();
  if (r->replayed) c.io.out << "  [重复命令，未再执行 / repeated command id: not applied again]";
  c.io.out << '\n';
  return 0;
}

int DoMaterialList(Call& c, const std::string& unit) {
  auto r = c.app->Materials(c.g.campaign, unit, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  json out = json::array();
  Table t({"单位 unit", "材料 material", "名称 name", "状态 state", "报送次数", "意见/说明 note"});
  for (const auto& m : *r) {
    out.push_back({{"unit", m.unit}, {"material", m.material}, {"name", m.name}, {"required", m.required},
                   {"state", model::MaterialStateName(m.state)}, {"explained", m.explained},
                   {"submissions", m.submissions}, {"note", m.note}, {"updated_at", FormatUtc(m.updated_at)},
                   {"updated_by", m.updated_by}, {"dropped", m.dropped}, {"change_reason", m.change_reason}});
    t.Add({m.unit, m.material, m.name + (m.required ? "" : "（选报）"),
           m.dropped ? std::string(labels::MaterialDropped()) : labels::MaterialState(m.state, m.explained),
           std::to_string(m.submissions), m.dropped ? m.change_reason : m.note});
  }
  if (c.json_out()) c.Print(out);
  else t.Print(c.io.out);
  return 0;
}

int DoMaterial(Call& c, machine::MaterialAction action, const std::string& unit, const std::string& items,
               const std::string& note, const std::vector<std::string>& file_args) {
  std::vector<std::filesystem::path> files;
  for (const auto& f : file_args) files.push_back(c.Path(f));
  std::vector<std::string> targets;
  if (items == "all") {
    auto r = c.app->Materials(c.g.campaign, unit, c.Request());
    if (!r.ok()) return c.Fail(r.status());
    for (const auto& m : *r) {
      if (m.dropped) continue;
      const bool open = action == machine::MaterialAction::kSubmit || action == machine::MaterialAction::kExplain
                            ? (m.state == model::MaterialState::kPending || m.state == model::MaterialState::kReturned)
                            : (m.state == model::MaterialState::kSubmitted || m.state == model::MaterialState::kExplained);
      if (open) targets.push_back(m.material);
    }
    if (targets.empty()) return c.Fail(Status::InvalidInput("no material of unit '" + unit + "' is open for this"));
  } else {
    std::stringstream ss(items);
    for (std::string m; std::getline(ss, m, ',');)
      if (!m.empty()) targets.push_back(m);
  }
  int worst = 0;
  json out = json::array();
  for (const auto& item : targets) {
    app::RequestContext rc = c.Request();
    if (rc.command_id && targets.size() > 1) *rc.command_id += ":" + item;
    auto r = c.app->Material(c.g.campaign, unit, item, action, note, files, rc);
    if (!r.ok()) {
      worst = std::max(worst, c.Fail(r.status()));
      continue;
    }
    out.push_back(Json(*r));
    if (!c.json_out())
      c.io.out << unit << " / " << Json(*r)["name"].get<std::string>() << ": "
               << labels::MaterialState(*model::MaterialStateFromName(Json(*r)["from"].get<std::string>())) << " → "
               << labels::MaterialState(*model::MaterialStateFromName(Json(*r)["to"].get<std::string>())) << '\n';
  }
  if (c.json_out()) c.Print(out.size() == 1 ? out[0] : out);
  return worst;
}

int DoMaterialAdd(Call& c, const std::string& unit, const std::string& id, const std::string& name, bool required,
                  const std::string& reason) {
  auto r = c.app->AddMaterial(c.g.campaign, unit, id, name, required, reason, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) c.Print(Json(*r));
  else c.io.out << unit << ": 增加材料「" << name << "」(" << id << ")：" << reason << '\n';
  return 0;
}

int DoMaterialDrop(Call& c, const std::string& unit, const std::string& id, const std::string& reason) {
  auto r = c.app->DropMaterial(c.g.campaign, unit, id, reason, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) c.Print(Json(*r));
  else c.io.out << unit << ": 删减材料「" << Json(*r)["name"].get<std::string>() << "」：" << reason << '\n';
  return 0;
}

int DoFiles(Call& c, const std::string& unit) {
  auto r = c.app->Attachments(c.g.campaign, unit, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  json out = json::array();
  Table t({"单位 unit", "材料 material", "文件 file", "大小 bytes", "类型 type", "sha256", "提交人 by", "时间 at"});
  for (const auto& a : *r) {
    out.push_back({{"unit", a.unit}, {"material", a.material}, {"name", a.name}, {"size", a.size},
                   {"media_type", a.media_type}, {"sha256", a.sha256}, {"attached_by", a.attached_by},
                   {"attached_at", FormatUtc(a.attached_at)},
                   {"stored_at", c.app->files().PathOf(a.sha256).string()}});
    t.Add({a.unit, a.material, a.name, std::to_string(a.size), a.media_type, a.sha256.substr(0, 12) + "…",
           a.attached_by, FormatLocal(a.attached_at, TimeZone::Default())});
  }
  if (c.json_out()) c.Print(out);
  else if (t.empty()) c.io.out << "没有附件 / no files attached\n";
  else t.Print(c.io.out);
  return 0;
}

int DoCopies(Call& c, const std::string& unit, int received, const std::string& note) {
  auto r = c.app->PaperCopies(c.g.campaign, unit, received, note, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) c.Print(Json(*r));
  else
    c.io.out << unit << ": 纸质材料已收 " << received << " 份（应报送办公室 " << app::kPaperCopiesToOffice << " 份）\n";
  return 0;
}

int DoContactSet(Call& c, const std::string& unit, const app::ContactChange& change) {
  auto r = c.app->SetContact(c.g.campaign, unit, change, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  const json& j = Json(*r);
  if (c.json_out()) {
    c.Print(j);
    return 0;
  }
  auto ctx = c.app->Load(c.g.campaign);
  if (!ctx.ok()) return c.Fail(ctx.status());
  c.io.out << unit << ": " << RoleLabel(*ctx->workflow, change.role) << "变更为 " << j["name"].get<std::string>()
             << " (" << j["person"].get<std::string>() << ")"
             << (j["previous"].get<std::string>().empty() ? "" : "，原为 " + j["previous"].get<std::string>())
             << "；报告人 " << j["reported_by"].get<std::string>() << "，" << j["reported_on"].get<std::string>() << '\n';
  return 0;
}

int DoContactHistory(Call& c, const std::string& unit) {
  auto r = c.app->Contacts(c.g.campaign, unit, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  auto ctx = c.app->Load(c.g.campaign);
  if (!ctx.ok()) return c.Fail(ctx.status());
  json out = json::array();
  Table t({"单位 unit", "角色 role", "次序 #", "人员 person", "姓名 name", "电话 phone", "电子邮件 e-mail", "报告人 reported by",
           "报告日期 on", "登记人 recorded by"});
  for (const auto& k : *r) {
    out.push_back({{"unit", k.unit}, {"role", k.role}, {"number", k.number}, {"person", k.person}, {"name", k.name},
                   {"phone", k.phone}, {"email", k.email}, {"reported_by", k.reported_by},
                   {"reported_on", FormatDate(k.reported_on)}, {"recorded_by", k.recorded_by},
                   {"recorded_at", FormatUtc(k.recorded_at)}});
    t.Add({k.unit, RoleLabel(*ctx->workflow, k.role), std::to_string(k.number), k.person, k.name, k.phone, k.email,
           k.reported_by, FormatDate(k.reported_on), k.recorded_by});
  }
  if (c.json_out()) c.Print(out);
  else if (t.empty()) c.io.out << "没有联系人变更 / no contact changes\n";
  else t.Print(c.io.out);
  return 0;
}

int DoCommitments(Call& c, const std::string& unit) {
  auto r = c.app->Commitments(c.g.campaign, unit, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  json out = json::array();
  Table t({"单位 unit", "版本 #", "签字人 signer", "签字日期 signed", "盖章 stamped", "扫描件 scan", "状态 state"});
  for (std::size_t i = 0; i < r->size(); ++i) {
    const auto& k = (*r)[i];
    const bool current = i + 1 == r->size() || (*r)[i + 1].unit != k.unit;
    out.push_back({{"unit", k.unit}, {"number", k.number}, {"signer", k.signer}, {"signed_on", FormatDate(k.signed_on)},
                   {"stamped", k.stamped}, {"document_sha256", k.document_hash}, {"document_name", k.document_name},
                   {"recorded_by", k.recorded_by}, {"recorded_at", FormatUtc(k.recorded_at)}, {"current", current}});
    t.Add({k.unit, std::to_string(k.number), k.signer, FormatDate(k.signed_on), std::string(labels::StampedShort(k.stamped)),
           k.document_name + " " + k.document_hash.substr(0, 12) + "…", std::string(labels::CommitmentCurrency(current))});
  }
  if (c.json_out()) c.Print(out);
  else if (t.empty()) c.io.out << "没有承诺书 / no commitments signed\n";
  else t.Print(c.io.out);
  return 0;
}

int DoSign(Call& c, const std::string& unit, const std::string& signer, const std::string& date, bool stamped,
           const std::string& document) {
  auto d = ParseDate(date);
  if (!d.ok()) return c.Fail(d.status());
  auto r = c.app->Sign(c.g.campaign, unit, signer, *d, stamped, c.Path(document), c.Request());
  if (!r.ok()) return c.Fail(r.status());
  const json& j = Json(*r);
  if (c.json_out()) {
    c.Print(j);
    return 0;
  }
  c.io.out << unit << ": 承诺书第" << j["number"].get<int>() << "版 已登记，签字人 " << signer << "，"
           << labels::Stamped(stamped) << "，扫描件 sha256 "
           << j["document_sha256"].get<std::string>().substr(0, 16) << "…";
  if (j.contains("supersedes")) c.io.out << "（取代第" << j["supersedes"].get<int>() << "版）";
  c.io.out << '\n';
  return 0;
}

int DoEvents(Call& c, store::EventFilter f, const std::string& since) {
  f.campaign = c.g.campaign;
  if (!since.empty()) {
    auto t = ParseInstant(since, TimeZone::Default());
    if (!t.ok()) return c.Fail(t.status());
    f.since = *t;
  }
  auto r = c.app->Events(f, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  json out = json::array();
  Table t({"序号 seq", "时间 at", "事件 type", "单位 unit", "操作人 actor", "内容 payload"});
  for (const auto& e : *r) {
    out.push_back({{"seq", e.seq}, {"type", model::EventTypeName(e.event.type)}, {"unit", e.event.unit}, {"actor", e.event.actor},
                   {"at", FormatUtc(e.event.at)}, {"payload", e.event.payload}, {"hash", e.hash}});
    t.Add({std::to_string(e.seq), FormatLocal(e.event.at, TimeZone::Default()), std::string(model::EventTypeName(e.event.type)), e.event.unit,
           e.event.actor, e.event.payload.dump(-1, ' ', false)});
  }
  if (c.json_out()) c.Print(out);
  else t.Print(c.io.out);
  return 0;
}

int DoVerify(Call& c) {
  auto r = c.app->Verify(c.g.campaign, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) {
    c.Print({{"ok", r->ok}, {"rows", r->rows}, {"seq", r->seq}, {"problem", r->problem}});
  } else if (r->ok) {
    c.io.out << "事件链完整 / event chain verified: " << r->rows << " events, every link and hash checks\n";
  } else {
    c.io.out << "事件链被篡改 / event chain BROKEN at event " << r->seq << ": " << r->problem << '\n';
  }
  return r->ok ? 0 : 1;
}

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

std::string RecipientsText(const model::Notice& n) {
  std::string out;
  for (const auto& r : n.recipients) out += (out.empty() ? "" : "，") + r.name + (r.email.empty() ? "" : " <" + r.email + ">");
  return out;
}

json DeliveryJson(const store::Delivery& d) {
  return {{"plugin", d.plugin},
          {"state", store::DeliveryStateName(d.state)},
          {"attempts", d.attempts},
          {"next_attempt_at", d.next_attempt_at ? json(FormatUtc(*d.next_attempt_at)) : json(nullptr)},
          {"last_attempt_at", d.last_attempt_at ? json(FormatUtc(*d.last_attempt_at)) : json(nullptr)},
          {"last_error", d.last_error},
          {"delivered_at", d.delivered_at ? json(FormatUtc(*d.delivered_at)) : json(nullptr)}};
}

int DoNoticesList(Call& c, const std::string& unit, const std::string& state) {
  store::NoticeFilter f;
  f.campaign = c.g.campaign;
  if (!unit.empty()) f.unit = unit;
  if (!state.empty()) f.state = state;
  auto r = c.app->Notices(f, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  json out = json::array();
  Table t({"通知 notice", "事件 event", "单位 unit", "时间 at", "收件人 recipients", "投递 deliveries"});
  for (const auto& k : *r) {
    json j = model::ToJson(k.notice);
    j["deliveries"] = json::array();
    std::string states;
    for (const auto& d : k.deliveries) {
      j["deliveries"].push_back(DeliveryJson(d));
      states += (states.empty() ? "" : " ") + d.plugin + ":" + std::string(store::DeliveryStateName(d.state));
    }
    out.push_back(j);
    t.Add({k.notice.id, std::string(model::EventTypeName(k.notice.event.type)), k.notice.event.unit, FormatLocal(k.notice.event.at, TimeZone::Default()),
           RecipientsText(k.notice), states.empty() ? std::string(labels::NoticeNotPlanned()) : states});
  }
  if (c.json_out()) c.Print(out);
  else if (t.empty()) c.io.out << "没有通知 / no notices\n";
  else t.Print(c.io.out);
  return 0;
}

int DoNoticesShow(Call& c, const std::string& id) {
  store::NoticeFilter f;
  // A notice id is CAMPAIGN/SEQ: its campaign unless --campaign names one.
  f.campaign = !c.g.campaign.empty() ? c.g.campaign : id.substr(0, id.rfind('/') == std::string::npos ? 0 : id.rfind('/'));
  auto r = c.app->Notices(f, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  auto it = std::find_if(r->begin(), r->end(), [&](const store::NoticeRecord& k) { return k.notice.id == id; });
  if (it == r->end()) return c.Fail(Status::NotFound("no notice '" + id + "'"));
  json j = model::ToJson(it->notice);
  j["queued_at"] = FormatUtc(it->queued_at);
  j["deliveries"] = json::array();
  for (const auto& d : it->deliveries) j["deliveries"].push_back(DeliveryJson(d));
  j["attempts"] = json::array();
  for (const auto& a : it->attempts)
    j["attempts"].push_back({{"plugin", a.plugin}, {"attempt", a.attempt}, {"at", FormatUtc(a.at)},
                             {"outcome", a.outcome}, {"error", a.error}, {"elapsed_ms", a.elapsed_ms}});
  if (c.json_out()) {
    c.Print(j);
    return 0;
  }
  c.io.out << "通知 " << id << "  " << model::EventTypeName(it->notice.event.type) << "  " << it->notice.unit_name << " ("
           << it->notice.event.unit << ")\n收件人 recipients: " << RecipientsText(it->notice) << '\n';
  Table t({"插件 plugin", "次数 attempt", "时间 at", "结果 outcome", "错误 error"});
  for (const auto& a : it->attempts)
    t.Add({a.plugin, std::to_string(a.attempt), FormatLocal(a.at, TimeZone::Default()), a.outcome, a.error});
  for (const auto& d : it->deliveries)
    c.io.out << "  " << d.plugin << ": " << store::DeliveryStateName(d.state)
             << (d.delivered_at ? "，送达 " + FormatLocal(*d.delivered_at, TimeZone::Default()) : "")
             << (d.last_error.empty() ? "" : "，最后错误 " + d.last_error) << '\n';
  if (!t.empty()) t.Print(c.io.out);
  return 0;
}

int DoNoticesRetry(Call& c, const std::string& id, const std::string& plugin) {
  auto r = c.app->RetryNotice(id, plugin, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) c.Print(Json(*r));
  else c.io.out << id << ": " << Json(*r)["retried"].get<int>() << " 个投递已重新排队 / deliveries pending again\n";
  return 0;
}

int DoDispatch(Call& c) {
  auto d = c.session.Dispatcher();
  if (!d.ok()) return c.Fail(d.status());
  auto r = (*d)->RunOnce(c.now);
  if (!r.ok()) return c.Fail(r.status());
  json problems = json::array();
  for (const auto& p : r->problems) problems.push_back(p.str());
  if (c.json_out()) {
    c.Print({{"delivered", r->delivered}, {"retried", r->retried}, {"dead", r->dead}, {"held", r->held},
             {"problems", problems},
             {"next_open", r->next_open ? json(FormatUtc(*r->next_open)) : json(nullptr)}});
  } else if (r->delivered + r->retried + r->dead + r->held > 0 || !problems.empty()) {
    c.io.out << "  ✉ 通知投递 notices: 送达 " << r->delivered << "，重试 " << r->retried << "，失败 " << r->dead
             << "，待工作时间 " << r->held << '\n';
    for (const auto& p : problems) c.io.out << "  ✉ 问题 problem: " << p.get<std::string>() << '\n';
  }
  return 0;
}

// The calendar in the database, or the shipped one when the database holds none.
Result<calendar::Calendar> QueryCalendar(Call& c) {
  auto cal = c.app->Calendar();
  if (!cal.ok() || !cal->Years().empty()) return cal;
  auto years = calendar::LoadDirectory(ShareDir() / "workflows" / "calendars");
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

std::filesystem::path ShareDir() { return EnvOr("DUBAN_SHARE", DUBAN_DEFAULT_SHARE); }

int SystemTick(app::App& app, Instant at, const std::string& format, Io io) {
  return ReportTick(app.Tick(app::SystemRequest(at)), format == "json", io);
}

int Run(const std::vector<std::string>& args, Io io, Session& session, const std::filesystem::path& base_dir) {
  CLI::App cli{
      "duban — 督办: follows a campaign's assigned work to completion.\n"
      "Moves every member unit through the annual cycle, approves stage transitions,\n"
      "and keeps a tamper-evident record of every move.\n\n"
      "Exit status: 0 done; 2 bad usage or invalid input; 3 refused by the workflow's\n"
      "rules or permissions; 1 anything else.",
      "duban"};
  cli.require_subcommand(1);
  cli.fallthrough();
  Globals g;
  g.db = EnvOr("DUBAN_DB", "duban.db");
  g.as = EnvOr("DUBAN_AS", "");
  auto* db_option = cli.add_option("--db", g.db, "SQLite database file (default $DUBAN_DB, else the --config "
                                                 "file's `database`, else ./duban.db)");
  cli.add_option("--at", g.at, "the time the command happens, ISO 8601; no offset means Asia/Shanghai (default: now)");
  cli.add_option("--as", g.as, "the roster person acting (default $DUBAN_AS)");
  cli.add_option("--format", g.format, "output format")->check(CLI::IsMember({"table", "json"}));
  cli.add_option("--campaign", g.campaign, "campaign id (default: the only campaign)");
  g.config = EnvOr("DUBAN_CONFIG", "");
  cli.add_option("--config", g.config, "configuration file (TOML; default $DUBAN_CONFIG, else e-mail into a maildir "
                                       "beside the database)");
  cli.add_option("--data-dir", g.data_dir, "where attached files are kept (default: the database path + .files)");
  cli.add_option("--command-id", g.command_id,
                 "client command id: a repeat with the same id is answered with the first result, not applied again");

  std::string calendars_dir;
  auto* init = cli.add_subcommand("init", "create or migrate the database and load the holiday calendars");
  init->add_option("--calendars", calendars_dir, "directory of calendar year files (default: the shipped ones)");

  auto* campaign = cli.add_subcommand("campaign", "create and list campaigns (考核年度)");
  campaign->require_subcommand(1);
  app::CampaignSpec spec;
  std::string spec_workflow, spec_roster;
  int spec_year = 0;
  auto* create = campaign->add_subcommand("create", "create a campaign from a workflow and a roster file; both are "
                                                    "stored with their hash, so later edits never change it");
  create->add_option("--roster", spec_roster, "roster file (units, people, roles)")->required();
  create->add_option("--workflow", spec_workflow, "workflow file (default: the shipped annual cycle)");
  create->add_option("--id", spec.id, "campaign id (default: the roster's)");
  create->add_option("--name", spec.name, "campaign name (default: the roster's)");
  create->add_option("--year", spec_year, "assessment year (default: the roster's)");
  create->add_option("--time-zone", spec.time_zone, "IANA time zone (default: the roster's, else Asia/Shanghai)");
  auto* list = campaign->add_subcommand("list", "list the campaigns in the database");

  std::string unit_filter;
  auto* roster = cli.add_subcommand("roster", "the campaign's units, people and their roles");
  roster->add_option("--unit", unit_filter, "only this unit and its people");

  auto* status = cli.add_subcommand("status", "the ledger (工作台账): each unit's stage, due date, days overdue, "
                                              "materials, returns, commitment and open request");
  status->add_option("--unit", unit_filter, "only this unit");

  std::string fire_units, fire_trigger, note;
  auto* fire = cli.add_subcommand("fire", "fire a trigger at a unit (e.g. submit); a transition that needs approval "
                                          "becomes a request");
  fire->add_option("unit", fire_units, "unit id, several separated by commas, or 'all'")->required();
  fire->add_option("trigger", fire_trigger, "trigger name from the workflow (kickoff, submit, return, ...)")->required();
  fire->add_option("--note", note, "a note kept with the event (required by some triggers, e.g. return)");

  bool all_requests = false;
  auto* requests = cli.add_subcommand("requests", "requests waiting for a supervisor's approval");
  requests->add_flag("--all", all_requests, "include decided requests");

  std::string request_id;
  auto* approve = cli.add_subcommand("approve", "approve a request; the requester cannot approve their own");
  approve->add_option("request", request_id, "request id (finance#1) or unit id (its open request)")->required();
  approve->add_option("--note", note, "a note kept with the approval");
  auto* reject = cli.add_subcommand("reject", "reject a request, with a reason");
  reject->add_option("request", request_id, "request id (finance#1) or unit id (its open request)")->required();
  reject->add_option("--note", note, "why (required)")->required();

  auto* material = cli.add_subcommand("material", "a unit's materials under the commitment system (承诺制)");
  material->require_subcommand(1);
  std::string mat_unit, mat_items;
  std::vector<std::string> mat_files;
  auto* mat_list = material->add_subcommand("list", "every material and where it stands");
  mat_list->add_option("unit", mat_unit, "only this unit");
  struct MatVerb {
    const char* name;
    const char* help;
    machine::MaterialAction action;
    bool note_required;
    CLI::App* sub = nullptr;
  };
  MatVerb mat_verbs[] = {
      {"submit", "the unit hands in items", machine::MaterialAction::kSubmit, false},
      {"explain", "the unit explains why an item truly cannot be obtained (reason required)",
       machine::MaterialAction::kExplain, true},
      {"return", "the office returns items for revision, with comments", machine::MaterialAction::kReturn, true},
      {"accept", "the office accepts items (or an explanation)", machine::MaterialAction::kAccept, false},
  };
  for (auto& v : mat_verbs) {
    v.sub = material->add_subcommand(v.name, v.help);
    v.sub->add_option("unit", mat_unit, "unit id")->required();
    v.sub->add_option("items", mat_items, "material ids separated by commas, or 'all' (every item open for this)")
        ->required();
    auto* o = v.sub->add_option("--note", note, v.note_required ? "reason or comments (required)" : "a note");
    if (v.note_required) o->required();
    if (v.action == machine::MaterialAction::kSubmit || v.action == machine::MaterialAction::kExplain)
      v.sub->add_option("--file", mat_files, "a file to attach (repeatable); copied into duban's file store");
  }
  std::string mat_name;
  bool mat_optional = false;
  auto* mat_add = material->add_subcommand("add", "the office adds an item a unit owes in this campaign");
  mat_add->add_option("unit", mat_unit, "unit id")->required();
  mat_add->add_option("items", mat_items, "the new material's id")->required();
  mat_add->add_option("--name", mat_name, "its name, in Chinese")->required();
  mat_add->add_flag("--optional", mat_optional, "not required for submission");
  mat_add->add_option("--note", note, "why (required)")->required();
  auto* mat_drop = material->add_subcommand("drop", "the office drops an item for this campaign");
  mat_drop->add_option("unit", mat_unit, "unit id")->required();
  mat_drop->add_option("items", mat_items, "the material's id")->required();
  mat_drop->add_option("--note", note, "why (required)")->required();
  auto* mat_files_list = material->add_subcommand("files", "the files attached to a unit's materials and commitments");
  mat_files_list->add_option("unit", mat_unit, "only this unit");

  int copies_n = 0;
  std::string copies_unit;
  auto* copies = cli.add_subcommand("copies", "the office records the paper copies received from a unit (the plan "
                                              "asks two for the office)");
  copies->add_option("unit", copies_unit, "unit id")->required();
  copies->add_option("received", copies_n, "copies received so far")->required();
  copies->add_option("--note", note, "a note");

  auto* ack = cli.add_subcommand("ack", "a unit's liaison acknowledges its task list (签收): fires 'acknowledge'");
  ack->add_option("unit", copies_unit, "unit id")->required();

  auto* contact = cli.add_subcommand("contact", "a unit's coordinator and liaison (协调人、联络员)");
  contact->require_subcommand(1);
  app::ContactChange change;
  std::string contact_unit, reported_on;
  auto* contact_set = contact->add_subcommand("set", "record a new coordinator or liaison, as reported to the office; "
                                                     "they act for the unit and receive its notices from now on");
  contact_set->add_option("unit", contact_unit, "unit id")->required();
  contact_set->add_option("role", change.role, "one of the workflow's contact roles (unit_contacts: coordinator, "
                                              "liaison)")->required();
  contact_set->add_option("--person", change.person, "person id of the new holder (new or from the roster)")
      ->required();
  contact_set->add_option("--name", change.name, "name (required for a new person)");
  contact_set->add_option("--phone", change.phone, "phone");
  contact_set->add_option("--email", change.email, "e-mail");
  contact_set->add_option("--reported-by", change.reported_by, "who reported the change (default: --as)");
  contact_set->add_option("--reported-on", reported_on, "when it was reported, YYYY-MM-DD (default: --at's day)");
  auto* contact_history = contact->add_subcommand("history", "every change of coordinator or liaison, oldest first");
  contact_history->add_option("unit", contact_unit, "only this unit");

  auto* commitments = cli.add_subcommand("commitments", "every signed commitment, superseded ones included");
  commitments->add_option("unit", contact_unit, "only this unit");

  std::string sign_unit, signer, signed_on, document;
  bool stamped = false;
  auto* sign = cli.add_subcommand("sign", "record the principal leader's signed commitment (承诺书); a new signature "
                                          "supersedes the old, both are kept");
  sign->add_option("unit", sign_unit, "unit id")->required();
  sign->add_option("--signer", signer, "person id of the unit's principal leader")->required();
  sign->add_option("--date", signed_on, "signing date, YYYY-MM-DD")->required();
  sign->add_flag("--stamped", stamped, "the commitment carries the unit's stamp");
  sign->add_option("--document", document, "the scanned commitment (its SHA-256 is recorded)")->required();

  store::EventFilter filter;
  std::string ev_unit, ev_type, ev_since;
  auto* events = cli.add_subcommand("events", "the campaign's event log, in sequence order");
  events->add_option("--unit", ev_unit, "only this unit's events");
  events->add_option("--type", ev_type, "only this type (transition.applied) or family (transition.*)");
  events->add_option("--since", ev_since, "only events at or after this time");
  events->add_option("--limit", filter.limit, "at most this many");

  auto* cal = cli.add_subcommand("calendar", "the working-day calendar (State Council holiday notices, 调休 make-up days)");
  cal->require_subcommand(1);
  std::string cal_phrase, cal_from, cal_to, cal_path;
  int cal_year = 0, cal_n = 0;
  auto* cal_resolve = cal->add_subcommand("resolve", "print the due date of a phrase: 10月上旬, 10月下旬前, 12月底, "
                                                     "5个工作日内 (with --from), 2021-10-20");
  cal_resolve->add_option("phrase", cal_phrase, "the date phrase")->required();
  cal_resolve->add_option("--year", cal_year, "the assessment year")->required();
  cal_resolve->add_option("--from", cal_from, "the stage's start date, for N个工作日内");
  auto* cal_workdays = cal->add_subcommand("workdays", "print the number of working days from FROM to TO, both included");
  cal_workdays->add_option("from", cal_from, "YYYY-MM-DD")->required();
  cal_workdays->add_option("to", cal_to, "YYYY-MM-DD")->required();
  auto* cal_add = cal->add_subcommand("add", "print the date N working days after DATE (negative N: before)");
  cal_add->add_option("date", cal_from, "YYYY-MM-DD")->required();
  cal_add->add_option("n", cal_n, "working days")->required()->allow_extra_args(false);
  auto* cal_load = cal->add_subcommand("load", "load a year file (or a directory of them) into the database");
  cal_load->add_option("path", cal_path, "a YYYY.toml file or a directory")->required();

  auto* tick = cli.add_subcommand("tick", "raise the reminders, missed deadlines and escalations due at --at, once each");

  std::string dl_stage, dl_date;
  auto* deadline = cli.add_subcommand("deadline", "deadlines set by the office");
  deadline->require_subcommand(1);
  auto* dl_set = deadline->add_subcommand("set", "move a stage's due day for the whole campaign (an upper-level "
                                                 "notice), with the reason");
  dl_set->add_option("stage", dl_stage, "stage id (e.g. collecting)")->required();
  dl_set->add_option("date", dl_date, "the new due day, YYYY-MM-DD")->required();
  dl_set->add_option("--note", note, "the reason, e.g. the notice's number (required)")->required();

  std::string ext_unit;
  auto* extend = cli.add_subcommand("extend", "a unit asks for an extension of its current due day (延期申请); the "
                                              "office director approves or rejects it");
  extend->add_option("unit", ext_unit, "unit id")->required();
  extend->add_option("date", dl_date, "the due day asked for, YYYY-MM-DD")->required();
  extend->add_option("--note", note, "why (required)")->required();

  auto* urge = cli.add_subcommand("urge", "the office urges a unit by hand (催办)");
  urge->add_option("unit", ext_unit, "unit id")->required();
  urge->add_option("--note", note, "what the unit is urged to do");

  auto* notices = cli.add_subcommand("notices", "notices to the people who must hear of events, and their delivery");
  notices->require_subcommand(1);
  std::string notice_id, notice_plugin, notice_state, notice_unit;
  auto* n_list = notices->add_subcommand("list", "every notice with its recipients and delivery state");
  n_list->add_option("--unit", notice_unit, "only this unit's");
  n_list->add_option("--state", notice_state, "only notices with a delivery in this state")
      ->check(CLI::IsMember({"pending", "delivered", "dead", "skipped"}));
  auto* n_show = notices->add_subcommand("show", "one notice: recipients, every attempt, last error, delivery time");
  n_show->add_option("id", notice_id, "notice id, e.g. taishan-2021/42")->required();
  auto* n_retry = notices->add_subcommand("retry", "make a dead notice's deliveries pending again");
  n_retry->add_option("id", notice_id, "notice id")->required();
  n_retry->add_option("--plugin", notice_plugin, "only this plugin's delivery");
  auto* n_dispatch = notices->add_subcommand("dispatch", "one delivery pass at --at: every due notice through the "
                                                         "configured plugins");

  int serve_seconds = 0;
  auto* serve = cli.add_subcommand("serve", "run the daemon: tick deadlines when they fall due and send queued "
                                            "notices, until SIGINT or SIGTERM");
  serve->add_option("--for", serve_seconds, "stop after this many seconds (for tests and cron)");

  auto* verify = cli.add_subcommand("verify", "prove the event log was not altered, truncated or forked");

  std::string replay_file;
  auto* replay = cli.add_subcommand("replay", "run a scenario file of dated steps, the clock set to each step's time");
  replay->add_option("file", replay_file, "scenario file: lines of 'TIME PERSON VERB ARGS...'")->required();

  std::vector<std::string> argv_store{"duban"};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const auto& a : argv_store) argv.push_back(a.c_str());
  try {
    cli.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    io.out << cli.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    io.out << cli.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    // A verb's own --help lands here too, with its own help text.
    if (e.get_exit_code() == 0) {
      for (auto* sub : cli.get_subcommands()) {
        auto* leaf = sub;
        while (!leaf->get_subcommands().empty()) leaf = leaf->get_subcommands().front();
        io.out << leaf->help();
        return 0;
      }
      io.out << cli.help();
      return 0;
    }
    io.err << "duban: " << e.what() << "\n(run 'duban --help' or 'duban VERB --help')\n";
    return 2;
  }

  // A configuration file names the database and the data directory, unless
  // the command line or the environment does.
  if (!g.config.empty() && db_option->count() == 0 && EnvOr("DUBAN_DB", "").empty()) {
    auto file = g.config;
    if (std::filesystem::path(file).is_relative() && !base_dir.empty()) file = (base_dir / file).string();
    auto cfg = runtime::LoadConfig(file);
    if (!cfg.ok()) {
      io.err << "duban: " << cfg.status().str() << '\n';
      return cfg.status().exit_code();
    }
    g.db = cfg->database.string();
    if (g.data_dir.empty()) g.data_dir = (cfg->data_dir / "files").string();
  }

  Call c{g, io, session, base_dir};
  if (g.at.empty()) {
    c.now = session.env().Now();
  } else {
    auto t = ParseInstant(g.at, TimeZone::Default());
    if (!t.ok()) return c.Fail(Status::InvalidInput("--at: " + t.status().message()));
    c.now = *t;
  }

  if (replay->parsed()) {
    auto opened_for_replay = session.Open(g.db, g.data_dir, g.config.empty() ? "" : c.Path(g.config).string());
    if (!opened_for_replay.ok()) return c.Fail(opened_for_replay.status());
    return RunReplay(c.Path(replay_file).string(), g.db, g.format, io, session);
  }

  auto opened = session.Open(g.db, g.data_dir, c.Path(g.config).string());
  if (!opened.ok()) return c.Fail(opened.status());
  c.app = *opened;

  // Who is acting is the app's to check: every command and query is authorised there.

  if (init->parsed()) return DoInit(c, calendars_dir);
  if (create->parsed()) {
    spec.workflow = spec_workflow;
    spec.roster = spec_roster;
    if (spec_year != 0) spec.year = spec_year;
    return DoCampaignCreate(c, spec);
  }
  if (list->parsed()) return DoCampaignList(c);
  if (roster->parsed()) return DoRoster(c, unit_filter);
  if (status->parsed()) return DoStatus(c, unit_filter);
  if (fire->parsed()) return DoFire(c, fire_units, fire_trigger, note);
  if (requests->parsed()) return DoRequests(c, all_requests);
  if (approve->parsed()) return DoDecide(c, request_id, true, note);
  if (reject->parsed()) return DoDecide(c, request_id, false, note);
  if (mat_list->parsed()) return DoMaterialList(c, mat_unit);
  for (const auto& v : mat_verbs)
    if (v.sub->parsed()) return DoMaterial(c, v.action, mat_unit, mat_items, note, mat_files);
  if (mat_add->parsed()) return DoMaterialAdd(c, mat_unit, mat_items, mat_name, !mat_optional, note);
  if (mat_drop->parsed()) return DoMaterialDrop(c, mat_unit, mat_items, note);
  if (mat_files_list->parsed()) return DoFiles(c, mat_unit);
  if (copies->parsed()) return DoCopies(c, copies_unit, copies_n, note);
  if (ack->parsed()) return DoFire(c, copies_unit, "acknowledge", note);
  if (contact_set->parsed()) {
    if (!reported_on.empty()) {
      auto d = ParseDate(reported_on);
      if (!d.ok()) return c.Fail(d.status());
      change.reported_on = *d;
    }
    return DoContactSet(c, contact_unit, change);
  }
  if (contact_history->parsed()) return DoContactHistory(c, contact_unit);
  if (commitments->parsed()) return DoCommitments(c, contact_unit);
  if (sign->parsed()) return DoSign(c, sign_unit, signer, signed_on, stamped, document);
  if (events->parsed()) {
    if (!ev_unit.empty()) filter.unit = ev_unit;
    if (!ev_type.empty()) filter.type = ev_type;
    return DoEvents(c, filter, ev_since);
  }
  if (verify->parsed()) return DoVerify(c);
  if (tick->parsed()) return DoTick(c);
  if (serve->parsed()) return RunServe(session, io.out, io.err, serve_seconds > 0 ? std::optional<int>(serve_seconds) : std::nullopt);
  if (n_list->parsed()) return DoNoticesList(c, notice_unit, notice_state);
  if (n_show->parsed()) return DoNoticesShow(c, notice_id);
  if (n_retry->parsed()) return DoNoticesRetry(c, notice_id, notice_plugin);
  if (n_dispatch->parsed()) return DoDispatch(c);
  if (dl_set->parsed()) return DoDeadlineSet(c, dl_stage, dl_date, note);
  if (extend->parsed()) return DoExtend(c, ext_unit, dl_date, note);
  if (urge->parsed()) return DoUrge(c, ext_unit, note);
  if (cal_resolve->parsed()) return DoCalendarResolve(c, cal_phrase, cal_year, cal_from);
  if (cal_workdays->parsed()) return DoCalendarWorkdays(c, cal_from, cal_to);
  if (cal_add->parsed()) return DoCalendarAdd(c, cal_from, cal_n);
  if (cal_load->parsed()) return DoCalendarLoad(c, cal_path);
  io.err << cli.help();
  return 2;
}

}  // namespace duban::cli
