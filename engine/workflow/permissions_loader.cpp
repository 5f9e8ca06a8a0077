// ReadPermissions: the [permissions] section, every verb's rule and the roles
// the engine needs by purpose, bound to role ids.

#include "workflow/permissions_loader.h"

#include "core/toml_names.h"

#include <algorithm>
#include <array>

namespace duban::workflow::detail {

namespace {

// The engine's roles by purpose, keys of [permissions] beside the verbs.
constexpr std::string_view kSigners = "commitment_signers";
constexpr std::string_view kContacts = "unit_contacts";
constexpr std::string_view kExtensionApprovers = "extension_approvers";
constexpr std::string_view kContactDetails = "contact_details";
constexpr std::array<std::string_view, 4> kEngineKeys = {kSigners, kContacts, kExtensionApprovers,
                                                         kContactDetails};
// Needed only by a workflow with [assessment] (assessment_loader.cpp checks it).
constexpr std::string_view kAssessmentApprovers = "assessment_approvers";

std::vector<std::string> KnownKeys() {
  std::vector<std::string> out;
  for (const auto& s : model::kVerbSpecs) out.emplace_back(s.name);
  for (auto k : kEngineKeys) out.emplace_back(k);
  out.emplace_back(kAssessmentApprovers);
  return out;
}

std::string ScopeName(model::RoleScope s) { return s == model::RoleScope::kUnit ? "unit" : "campaign"; }

class PermissionsReader {
 public:
  PermissionsReader(const Document& doc, model::Workflow& wf) : doc_(doc), wf_(wf) {}

  void Read(const Fields& root) {
    const toml::node* node = root.Find("permissions");
    if (node == nullptr)
      Fail(root.what() + ": missing [permissions]: every command and query needs a rule (workflows/README.md)",
           root.pos());
    const auto* table = node->as_table();
    if (table == nullptr) root.WrongType("permissions", *node, "a table");
    auto& p = wf_.permissions;
    p.pos = doc_.PosOf(*table);
    std::array<bool, model::kVerbCount> given{};
    std::array<bool, kEngineKeys.size()> engine_given{};
    for (const auto& [key, value] : *table) {
      const std::string name(key.str());
      const std::string what = "[permissions] " + Quoted(name);
      if (auto verb = model::VerbFromName(name)) {
        p.verbs[static_cast<std::size_t>(*verb)] = ReadGrant(value, what, doc_.PosOf(key));
        given[static_cast<std::size_t>(*verb)] = true;
        continue;
      }
      if (name == kAssessmentApprovers) {
        p.assessment_approvers = ReadEngineRoles(value, what, std::nullopt);
        continue;
      }
      const auto engine = std::find(kEngineKeys.begin(), kEngineKeys.end(), name);
      if (engine == kEngineKeys.end())
        Fail("[permissions]: unknown verb " + Quoted(name) + " (expected one of: " + JoinNames(KnownKeys()) + ")",
             doc_.PosOf(key));
      engine_given[static_cast<std::size_t>(engine - kEngineKeys.begin())] = true;
      if (name == kContactDetails) {
        p.contact_details = ReadGrant(value, what, doc_.PosOf(key));
      } else {
        const auto scope = name == kExtensionApprovers ? std::nullopt : std::optional(model::RoleScope::kUnit);
        auto roles = ReadEngineRoles(value, what, scope);
        if (name == kSigners) p.commitment_signers = std::move(roles);
        if (name == kContacts) p.unit_contacts = std::move(roles);
        if (name == kExtensionApprovers) p.extension_approvers = std::move(roles);
      }
    }
    for (const auto& s : model::kVerbSpecs)
      if (!given[static_cast<std::size_t>(s.verb)])
        Fail("[permissions]: no rule for verb " + Quoted(s.name) +
                 " (every command and query needs one; an empty table {} grants it to no one)",
             p.pos);
    for (std::size_t i = 0; i < kEngineKeys.size(); ++i)
      if (!engine_given[i])
        Fail("[permissions]: missing " + Quoted(kEngineKeys[i]) + ", a role the engine needs (workflows/README.md)",
             p.pos);
    CheckTransitions();
  }

 private:
  // verb = { campaign = [...], unit = [...] }
  model::Grant ReadGrant(const toml::node& value, const std::string& what, SourcePos key_pos) const {
    const auto* t = value.as_table();
    if (t == nullptr)
      Fail(what + " must be a table { campaign = [roles], unit = [roles] }, not " +
               std::string(TomlTypeName(value.type())),
           doc_.PosOf(value));
    Fields rule(*t, doc_, what, {"campaign", "unit"});
    model::Grant g;
    g.pos = key_pos;
    g.campaign = Roles(rule, "campaign", model::RoleScope::kCampaign);
    g.unit = Roles(rule, "unit", model::RoleScope::kUnit);
    return g;
  }

  std::vector<model::RoleId> Roles(const Fields& rule, std::string_view key, model::RoleScope scope) const {
    std::vector<model::RoleId> out;
    for (const Located& name : rule.StringList(key)) {
      const model::RoleId id = Resolve(name, rule.what() + " " + Quoted(key));
      if (wf_.roles[id].scope != scope)
        Fail(rule.what() + ": role " + Quoted(name.value) + " is " + ScopeName(wf_.roles[id].scope) +
                 "-scoped; list it under '" + ScopeName(wf_.roles[id].scope) + "', not '" + std::string(key) + "'",
             name.pos);
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
    return out;
  }

  // key = ["role", ...], non-empty, each of `scope` when given.
  std::vector<model::RoleId> ReadEngineRoles(const toml::node& value, const std::string& what,
                                             std::optional<model::RoleScope> scope) const {
    const auto* array = value.as_array();
    if (array == nullptr)
      Fail(what + " must be an array of role ids, not " + std::string(TomlTypeName(value.type())), doc_.PosOf(value));
    if (array->empty()) Fail(what + " names no role (the engine needs one)", doc_.PosOf(value));
    std::vector<model::RoleId> out;
    for (const toml::node& item : *array) {
      const auto* s = item.as_string();
      if (s == nullptr)
        Fail(what + ": each item must be a role id, not " + std::string(TomlTypeName(item.type())), doc_.PosOf(item));
      const Located name{s->get(), doc_.PosOf(item)};
      const model::RoleId id = Resolve(name, what);
      if (scope && wf_.roles[id].scope != *scope)
        Fail(what + ": role " + Quoted(name.value) + " is " + ScopeName(wf_.roles[id].scope) +
                 "-scoped; these roles act for their own unit and must be " + ScopeName(*scope) + "-scoped",
             name.pos);
      out.push_back(id);
    }
    return out;
  }

  model::RoleId Resolve(const Located& name, const std::string& context) const {
    auto id = wf_.FindRole(name.value);
    if (!id) {
      std::vector<std::string> ids;
      for (const auto& r : wf_.roles) ids.push_back(r.id);
      Fail(context + " names unknown role " + Quoted(name.value) + " (roles: " + JoinNames(ids) + ")", name.pos);
    }
    return *id;
  }

  static bool Grants(const model::Grant& g, model::RoleId r) {
    return std::find(g.campaign.begin(), g.campaign.end(), r) != g.campaign.end() ||
           std::find(g.unit.begin(), g.unit.end(), r) != g.unit.end();
  }

  // A role a transition names but the verb's rule does not grant could never act.
  void CheckTransitions() const {
    const auto& p = wf_.permissions;
    for (const auto& t : wf_.transitions) {
      for (auto r : t.roles)
        if (!Grants(p.Of(model::Verb::kFire), r))
          Fail("transition " + Quoted(t.trigger) + ": role " + Quoted(wf_.roles[r].id) +
                   " may fire it, but [permissions] 'fire' does not grant that role",
               t.pos);
      for (auto r : t.approvers)
        if (!Grants(p.Of(model::Verb::kApprove), r) || !Grants(p.Of(model::Verb::kReject), r))
          Fail("transition " + Quoted(t.trigger) + ": role " + Quoted(wf_.roles[r].id) +
                   " approves it, but [permissions] 'approve' and 'reject' do not both grant that role",
               t.pos);
    }
    for (auto r : p.extension_approvers)
      if (!Grants(p.Of(model::Verb::kApprove), r) || !Grants(p.Of(model::Verb::kReject), r))
        Fail("[permissions] 'extension_approvers': role " + Quoted(wf_.roles[r].id) +
                 " is not granted both 'approve' and 'reject'",
             p.pos);
    for (auto r : p.assessment_approvers)
      if (!Grants(p.Of(model::Verb::kApprove), r) || !Grants(p.Of(model::Verb::kReject), r))
        Fail("[permissions] 'assessment_approvers': role " + Quoted(wf_.roles[r].id) +
                 " is not granted both 'approve' and 'reject'",
             p.pos);
  }

  const Document& doc_;
  model::Workflow& wf_;
};

}  // namespace

void ReadPermissions(const Fields& root, model::Workflow& wf) { PermissionsReader(root.doc(), wf).Read(root); }

}  // namespace duban::workflow::detail
