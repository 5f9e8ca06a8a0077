// ParseRoster: reads a campaign's units and people and binds each person's
// roles to the workflow's RoleIds.

#include <algorithm>
#include <utility>

#include "core/time.h"
#include "workflow/loader.h"
#include "workflow/toml_fields.h"

namespace duban::workflow {

namespace {

using detail::Fail;
using detail::Fields;
using detail::Located;
using detail::Quoted;
using detail::RejectDuplicate;

// local@domain.tld, no spaces; deliberately loose.
bool LooksLikeEmail(std::string_view s) {
  const auto at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos)
    return false;
  const std::string_view domain = s.substr(at + 1);
  const auto dot = domain.find('.');
  const bool has_space = s.find_first_of(" \t\r\n") != std::string_view::npos;
  return !has_space && dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size();
}

class RosterReader {
 public:
  RosterReader(const detail::Document& doc, const model::Workflow& wf) : doc_(doc), wf_(wf) {}

  model::Roster Read();

 private:
  void ReadTimeZone(const Fields& root);
  void ReadDigestRoles(const Fields& root);
  void ReadUnit(const toml::table& table);
  model::Material ReadMaterial(const toml::table& table, const Fields& unit,
                               const std::vector<model::Material>& so_far) const;
  void ReadPerson(const toml::table& table);
  std::string ReadEmail(const Fields& person) const;
  model::Assignment ReadAssignment(const toml::table& table, const Fields& person) const;
  model::RoleId BindRole(const Located& role, const Fields& assignment) const;
  void CheckUnitFitsScope(const model::RoleDef& role, const Fields& assignment,
                          const std::optional<Located>& unit) const;

  const detail::Document& doc_;
  const model::Workflow& wf_;
  model::Roster roster_;
};

model::Roster RosterReader::Read() {
  Fields root(doc_.root(), doc_, detail::Naming("roster", doc_.root()),
              {"id", "name", "year", "time_zone", "digest_roles", "units", "people"});
  roster_.id = root.Id("id").value;
  roster_.name = root.String("name");
  const std::int64_t year = root.Integer("year");
  if (year < 1900 || year > 9999)
    Fail(root.what() + ": 'year' must be a year such as 2021", doc_.PosOf(root.Require("year")));
  roster_.year = static_cast<int>(year);
  ReadTimeZone(root);

  for (const toml::table* t : root.RequiredTables("units")) ReadUnit(*t);
  for (const toml::table* t : root.RequiredTables("people")) ReadPerson(*t);
  ReadDigestRoles(root);
  return std::move(roster_);
}

void RosterReader::ReadTimeZone(const Fields& root) {
  if (root.Find("time_zone") == nullptr) return;  // the model's default, Asia/Shanghai
  const Located zone = root.LocatedString("time_zone");
  if (!TimeZone::Find(zone.value).ok())
    Fail(root.what() + ": unknown time zone " + Quoted(zone.value) +
             " (expected an IANA name such as Asia/Shanghai)",
         zone.pos);
  roster_.time_zone = zone.value;
}

// digest_roles = ["office_staff", "office_director"]: the roles whose holders
// get the daily digest (督办日报) unless a person's own `digest` says otherwise.
void RosterReader::ReadDigestRoles(const Fields& root) {
  const toml::node* node = root.Find("digest_roles");
  if (node == nullptr) return;
  const toml::array* list = node->as_array();
  if (list == nullptr) Fail(root.what() + ": 'digest_roles' must be a list of role ids", doc_.PosOf(*node));
  for (const toml::node& item : *list) {
    const auto* name = item.as_string();
    if (name == nullptr) Fail(root.what() + ": 'digest_roles' must be a list of role ids", doc_.PosOf(item));
    const auto id = wf_.FindRole(name->get());
    if (!id) {
      std::vector<std::string> known;
      for (const auto& r : wf_.roles) known.push_back(r.id);
      Fail(root.what() + ": 'digest_roles' names the unknown role " + Quoted(name->get()) + " (roles: " +
               detail::JoinNames(known) + ")",
           doc_.PosOf(item));
    }
    if (std::find(roster_.digest_roles.begin(), roster_.digest_roles.end(), *id) != roster_.digest_roles.end())
      Fail(root.what() + ": 'digest_roles' names " + Quoted(name->get()) + " twice", doc_.PosOf(item));
    roster_.digest_roles.push_back(*id);
  }
}

// --- units ----------------------------------------------------------------

void RosterReader::ReadUnit(const toml::table& table) {
  Fields unit(table, doc_, detail::Naming("unit", table),
              {"id", "name", "name_en", "duties", "materials"});
  const Located id = unit.Id("id");
  RejectDuplicate(roster_.units, id, "unit");
  model::Unit def;
  def.id = id.value;
  def.name = unit.String("name");
  def.name_en = unit.String("name_en");
  def.duties = unit.String("duties");
  for (const toml::table* t : unit.Tables("materials"))
    def.materials.push_back(ReadMaterial(*t, unit, def.materials));
  def.pos = id.pos;
  roster_.units.push_back(std::move(def));
}

model::Material RosterReader::ReadMaterial(const toml::table& table, const Fields& unit,
                                           const std::vector<model::Material>& so_far) const {
  Fields material(table, doc_, unit.what() + " " + detail::Naming("material", table),
                  {"id", "name", "required"});
  const Located id = material.Id("id");
  RejectDuplicate(so_far, id, "material");
  model::Material def;
  def.id = id.value;
  def.name = material.String("name");
  def.required = material.BoolOr("required", true);
  def.pos = id.pos;
  return def;
}

// --- people ---------------------------------------------------------------

void RosterReader::ReadPerson(const toml::table& table) {
  Fields person(table, doc_, detail::Naming("person", table),
                {"id", "name", "title", "email", "phone", "placeholder", "digest", "roles"});
  const Located id = person.Id("id");
  RejectDuplicate(roster_.people, id, "person");
  model::Person def;
  def.id = id.value;
  def.name = person.String("name");
  def.title = person.StringOr("title", "");
  def.email = ReadEmail(person);
  def.phone = person.StringOr("phone", "");
  def.placeholder = person.BoolOr("placeholder", false);
  if (person.Find("digest") != nullptr) {
    const Located digest = person.LocatedString("digest");
    def.digest = model::DigestChoiceFromName(digest.value);
    if (!def.digest)
      Fail(person.what() + ": 'digest' must be \"daily\" (one 督办日报 a working day) or \"immediate\" (each notice at once), not " +
               Quoted(digest.value),
           digest.pos);
  }
  for (const toml::table* t : person.Tables("roles")) {
    model::Assignment a = ReadAssignment(*t, person);
    const bool repeated = std::any_of(def.roles.begin(), def.roles.end(), [&](const auto& b) {
      return b.role_id == a.role_id && b.unit == a.unit;
    });
    if (repeated)
      Fail(person.what() + ": duplicate assignment of role " + Quoted(a.role) +
               (a.unit.empty() ? "" : " for unit " + Quoted(a.unit)),
           a.pos);
    def.roles.push_back(std::move(a));
  }
  def.pos = id.pos;
  roster_.people.push_back(std::move(def));
}

std::string RosterReader::ReadEmail(const Fields& person) const {
  if (person.Find("email") == nullptr) return {};
  const Located email = person.LocatedString("email");
  if (!email.value.empty() && !LooksLikeEmail(email.value))
    Fail(person.what() + ": " + Quoted(email.value) + " is not an e-mail address", email.pos);
  return email.value;
}

// roles = [{ role = "liaison", unit = "finance" }, { role = "leader" }]
model::Assignment RosterReader::ReadAssignment(const toml::table& table,
                                               const Fields& person) const {
  Fields assignment(table, doc_, person.what() + " role", {"role", "unit"});
  const Located role = assignment.LocatedString("role");
  std::optional<Located> unit;
  if (assignment.Find("unit") != nullptr) unit = assignment.LocatedString("unit");

  model::Assignment a;
  a.role = role.value;
  a.role_id = BindRole(role, assignment);
  CheckUnitFitsScope(wf_.roles[a.role_id], assignment, unit);
  a.unit = unit ? unit->value : std::string();
  a.pos = assignment.pos();
  return a;
}

model::RoleId RosterReader::BindRole(const Located& role, const Fields& assignment) const {
  auto id = wf_.FindRole(role.value);
  if (!id) {
    std::vector<std::string> known;
    for (const auto& r : wf_.roles) known.push_back(r.id);
    Fail(assignment.what() + ": unknown role " + Quoted(role.value) + " in workflow " +
             Quoted(wf_.id) + " (roles: " + detail::JoinNames(known) + ")",
         role.pos);
  }
  return *id;
}

void RosterReader::CheckUnitFitsScope(const model::RoleDef& role, const Fields& assignment,
                                      const std::optional<Located>& unit) const {
  if (role.scope == model::RoleScope::kCampaign) {
    if (unit)
      Fail(assignment.what() + ": role " + Quoted(role.id) +
               " is campaign-wide, so it takes no 'unit'",
           unit->pos);
    return;
  }
  if (!unit)
    Fail(assignment.what() + ": role " + Quoted(role.id) +
             " is held for one unit: add unit = \"<unit id>\"",
         assignment.pos());
  if (roster_.FindUnit(unit->value) == nullptr)
    Fail(assignment.what() + ": unknown unit " + Quoted(unit->value), unit->pos);
}

}  // namespace

Result<model::Roster> ParseRoster(std::string_view toml_content, std::string_view source_name,
                                  const model::Workflow& wf) {
  return detail::Catching<model::Roster>([&] {
    const detail::Document doc(toml_content, source_name);
    return RosterReader(doc, wf).Read();
  });
}

}  // namespace duban::workflow
