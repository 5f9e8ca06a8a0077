// The paperwork verbs: material *, copies, contact set|history, commitments, sign.
#include <CLI/CLI.hpp>

#include "app/batch.h"
#include "app/rows.h"
#include "core/text.h"
#include "labels.h"
#include "table.h"
#include "verb.h"

namespace duban::cli {

namespace {

using nlohmann::json;

int DoMaterialList(Call& c, const std::string& unit) {
  auto r = c.app->Materials(c.g.campaign, unit, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  json out = json::array();
  Table t({"单位 unit", "材料 material", "名称 name", "状态 state", "报送次数", "意见/说明 note"});
  for (const auto& m : *r) {
    out.push_back(app::MaterialJson(m));
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
  auto moved = app::MaterialEach(*c.app, c.g.campaign, unit, items, action, note, files, c.Request());
  if (!moved.ok()) return c.Fail(moved.status());
  int worst = 0;
  json out = json::array();
  for (const auto& [item, r] : *moved) {
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
    json j = app::AttachmentJson(a);
    j["stored_at"] = c.app->files().PathOf(a.sha256).string();
    out.push_back(std::move(j));
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
    out.push_back(app::ContactJson(k));
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
    out.push_back(app::CommitmentJson(k, current));
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

}  // namespace

void AddPaperworkVerbs(VerbTable& t) {
  t.AddGroup("material", "a unit's materials under the commitment system (承诺制)");
  t.Add({{"material", "list"}, "every material and where it stands", [](CLI::App& cmd) -> Runner {
           auto unit = std::make_shared<std::string>();
           cmd.add_option("unit", *unit, "only this unit");
           return [unit](Call& c) { return DoMaterialList(c, *unit); };
         }});
  struct MatVerb {
    const char* name;
    const char* help;
    machine::MaterialAction action;
    bool note_required;
  };
  static constexpr MatVerb kMatVerbs[] = {
      {"submit", "the unit hands in items", machine::MaterialAction::kSubmit, false},
      {"explain", "the unit explains why an item truly cannot be obtained (reason required)",
       machine::MaterialAction::kExplain, true},
      {"return", "the office returns items for revision, with comments", machine::MaterialAction::kReturn, true},
      {"accept", "the office accepts items (or an explanation)", machine::MaterialAction::kAccept, false},
  };
  struct MatArgs {
    std::string unit, items, note;
    std::vector<std::string> files;
  };
  for (const auto& v : kMatVerbs) {
    t.Add({{"material", v.name}, v.help, [&v](CLI::App& cmd) -> Runner {
             auto a = std::make_shared<MatArgs>();
             cmd.add_option("unit", a->unit, "unit id")->required();
             cmd.add_option("items", a->items, "material ids separated by commas, or 'all' (every item open for this)")
                 ->required();
             auto* o = cmd.add_option("--note", a->note, v.note_required ? "reason or comments (required)" : "a note");
             if (v.note_required) o->required();
             if (v.action == machine::MaterialAction::kSubmit || v.action == machine::MaterialAction::kExplain)
               cmd.add_option("--file", a->files, "a file to attach (repeatable); copied into duban's file store");
             return [a, action = v.action](Call& c) { return DoMaterial(c, action, a->unit, a->items, a->note, a->files); };
           }});
  }
  struct AddArgs {
    std::string unit, id, name, note;
    bool optional = false;
  };
  t.Add({{"material", "add"}, "the office adds an item a unit owes in this campaign", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<AddArgs>();
           cmd.add_option("unit", a->unit, "unit id")->required();
           cmd.add_option("items", a->id, "the new material's id")->required();
           cmd.add_option("--name", a->name, "its name, in Chinese")->required();
           cmd.add_flag("--optional", a->optional, "not required for submission");
           cmd.add_option("--note", a->note, "why (required)")->required();
           return [a](Call& c) { return DoMaterialAdd(c, a->unit, a->id, a->name, !a->optional, a->note); };
         }});
  t.Add({{"material", "drop"}, "the office drops an item for this campaign", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<AddArgs>();
           cmd.add_option("unit", a->unit, "unit id")->required();
           cmd.add_option("items", a->id, "the material's id")->required();
           cmd.add_option("--note", a->note, "why (required)")->required();
           return [a](Call& c) { return DoMaterialDrop(c, a->unit, a->id, a->note); };
         }});
  t.Add({{"material", "files"}, "the files attached to a unit's materials and commitments", [](CLI::App& cmd) -> Runner {
           auto unit = std::make_shared<std::string>();
           cmd.add_option("unit", *unit, "only this unit");
           return [unit](Call& c) { return DoFiles(c, *unit); };
         }});

  struct CopiesArgs {
    std::string unit, note;
    int received = 0;
  };
  t.Add({{"copies"}, "the office records the paper copies received from a unit (the plan asks two for the office)",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<CopiesArgs>();
           cmd.add_option("unit", a->unit, "unit id")->required();
           cmd.add_option("received", a->received, "copies received so far")->required();
           cmd.add_option("--note", a->note, "a note");
           return [a](Call& c) { return DoCopies(c, a->unit, a->received, a->note); };
         }});

  t.AddGroup("contact", "a unit's coordinator and liaison (协调人、联络员)");
  struct ContactArgs {
    app::ContactChange change;
    std::string unit, reported_on;
  };
  t.Add({{"contact", "set"},
         "record a new coordinator or liaison, as reported to the office; they act for the unit and receive its "
         "notices from now on",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<ContactArgs>();
           cmd.add_option("unit", a->unit, "unit id")->required();
           cmd.add_option("role", a->change.role, "one of the workflow's contact roles (unit_contacts: coordinator, "
                                                  "liaison)")->required();
           cmd.add_option("--person", a->change.person, "person id of the new holder (new or from the roster)")
               ->required();
           cmd.add_option("--name", a->change.name, "name (required for a new person)");
           cmd.add_option("--phone", a->change.phone, "phone");
           cmd.add_option("--email", a->change.email, "e-mail");
           cmd.add_option("--reported-by", a->change.reported_by, "who reported the change (default: --as)");
           cmd.add_option("--reported-on", a->reported_on, "when it was reported, YYYY-MM-DD (default: --at's day)");
           return [a](Call& c) {
             app::ContactChange change = a->change;
             if (!a->reported_on.empty()) {
               auto d = ParseDate(a->reported_on);
               if (!d.ok()) return c.Fail(d.status());
               change.reported_on = *d;
             }
             return DoContactSet(c, a->unit, change);
           };
         }});
  t.Add({{"contact", "history"}, "every change of coordinator or liaison, oldest first", [](CLI::App& cmd) -> Runner {
           auto unit = std::make_shared<std::string>();
           cmd.add_option("unit", *unit, "only this unit");
           return [unit](Call& c) { return DoContactHistory(c, *unit); };
         }});
  t.Add({{"commitments"}, "every signed commitment, superseded ones included", [](CLI::App& cmd) -> Runner {
           auto unit = std::make_shared<std::string>();
           cmd.add_option("unit", *unit, "only this unit");
           return [unit](Call& c) { return DoCommitments(c, *unit); };
         }});
  struct SignArgs {
    std::string unit, signer, signed_on, document;
    bool stamped = false;
  };
  t.Add({{"sign"},
         "record the principal leader's signed commitment (承诺书); a new signature supersedes the old, both are kept",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<SignArgs>();
           cmd.add_option("unit", a->unit, "unit id")->required();
           cmd.add_option("--signer", a->signer, "person id of the unit's principal leader")->required();
           cmd.add_option("--date", a->signed_on, "signing date, YYYY-MM-DD")->required();
           cmd.add_flag("--stamped", a->stamped, "the commitment carries the unit's stamp");
           cmd.add_option("--document", a->document, "the scanned commitment (its SHA-256 is recorded)")->required();
           return [a](Call& c) { return DoSign(c, a->unit, a->signer, a->signed_on, a->stamped, a->document); };
         }});
}

}  // namespace duban::cli
