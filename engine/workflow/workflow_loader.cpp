// ParseWorkflow: reads roles, the deadline policy, stages and transitions, binds
// every name to its id, then checks the stage graph.

#include <algorithm>
#include <deque>
#include <set>
#include <utility>

#include "calendar/phrase.h"
#include "workflow/assessment_loader.h"
#include "workflow/deadline_policy.h"
#include "workflow/loader.h"
#include "workflow/notices_loader.h"
#include "workflow/permissions_loader.h"
#include "workflow/toml_fields.h"

namespace duban::workflow {

namespace {

using detail::Fail;
using detail::Fields;
using detail::Located;
using detail::Quoted;
using detail::RejectDuplicate;
using model::RoleId;
using model::StageId;

template <typename Def>
std::vector<std::string> IdsOf(const std::vector<Def>& defs) {
  std::vector<std::string> ids;
  for (const auto& d : defs) ids.push_back(d.id);
  return ids;
}

model::Text ToText(Fields::TextValue t) { return model::Text{std::move(t.zh), std::move(t.en)}; }

class WorkflowReader {
 public:
  explicit WorkflowReader(const detail::Document& doc) : doc_(doc) {}

  model::Workflow Read();

 private:
  void ReadRole(const toml::table& table);
  void ReadDefaultPolicy(const Fields& root);
  void ReadStage(const toml::table& table);
  model::DeadlinePolicy ReadStagePolicy(const Fields& stage, const model::StageDef& def) const;
  std::optional<model::DeadlineDef> ReadDue(const Fields& stage) const;
  calendar::DuePhrase ReadPhrase(const toml::node& node, const Fields& owner,
                                 std::string_view key) const;
  std::optional<Date> ReadDate(const Fields& due) const;
  void ReadTransition(const toml::table& table);
  std::vector<StageId> ReadFrom(const Fields& transition, const std::string& trigger);
  std::vector<RoleId> ReadRoleList(const Fields& transition, std::string_view key) const;
  void ReadApproval(const Fields& transition, model::TransitionDef& def) const;
  std::vector<model::Guard> ReadGuards(const Fields& transition) const;

  StageId ResolveStage(const Located& name, const std::string& context) const;
  RoleId ResolveRole(const Located& name, const std::string& context) const;

  void CheckEveryStageReachable() const;
  void CheckEveryOpenStageHasAnExit() const;

  const detail::Document& doc_;
  model::Workflow wf_;
  std::set<std::pair<std::string, StageId>> trigger_sources_;  // (trigger, from) seen
  // Whether the top-level [deadline_policy] gives `escalation`: the engine
  // knows no escalation roles of its own, so a stage with a due date must then
  // give its own.
  bool default_levels_given_ = false;
};

model::Workflow WorkflowReader::Read() {
  Fields root(doc_.root(), doc_, detail::Naming("workflow", doc_.root()),
              {"id", "version", "label", "initial", "deadline_policy", "roles", "stages",
                "transitions", "notices", "notice_contacts", "permissions", "assessment"});
  wf_.id = root.Id("id").value;
  const std::int64_t version = root.Integer("version");
  if (version < 1 || version > 1'000'000)
    Fail(root.what() + ": 'version' must be a positive integer",
         doc_.PosOf(root.Require("version")));
  wf_.version = static_cast<int>(version);
  wf_.label = ToText(root.Text("label"));

  for (const toml::table* t : root.RequiredTables("roles")) ReadRole(*t);
  ReadDefaultPolicy(root);
  for (const toml::table* t : root.RequiredTables("stages")) ReadStage(*t);
  wf_.initial = ResolveStage(root.LocatedString("initial"), root.what() + ": 'initial'");
  for (const toml::table* t : root.RequiredTables("transitions")) ReadTransition(*t);

  CheckEveryStageReachable();
  CheckEveryOpenStageHasAnExit();
  wf_.notices = detail::ReadNotices(root, wf_);
  wf_.notice_contacts = ReadRoleList(root, "notice_contacts");
  for (RoleId r : wf_.notice_contacts)
    if (wf_.roles[r].scope != model::RoleScope::kCampaign)
      Fail(root.what() + ": 'notice_contacts' names " + Quoted(wf_.roles[r].id) +
               ", a unit's role; the contacts every notice gives are campaign-wide (the office)",
           doc_.PosOf(root.Require("notice_contacts")));
  detail::ReadPermissions(root, wf_);
  detail::ReadAssessment(root, wf_);
  return std::move(wf_);
}

// --- roles ----------------------------------------------------------------

model::RoleScope ReadScope(const Fields& role) {
  const Located scope = role.LocatedString("scope");
  if (scope.value == "unit") return model::RoleScope::kUnit;
  if (scope.value == "campaign") return model::RoleScope::kCampaign;
  Fail(role.what() + ": unknown scope " + Quoted(scope.value) + " (expected 'unit' or 'campaign')",
       scope.pos);
}

void WorkflowReader::ReadRole(const toml::table& table) {
  Fields role(table, doc_, detail::Naming("role", table), {"id", "label", "scope"});
  const Located id = role.Id("id");
  RejectDuplicate(wf_.roles, id, "role");
  model::RoleDef def;
  def.id = id.value;
  def.label = ToText(role.Text("label"));
  def.scope = ReadScope(role);
  def.pos = id.pos;
  wf_.roles.push_back(std::move(def));
}

// --- deadline policy ----------------------------------------------------------

// The built-in timings (model::DeadlinePolicy's defaults, no escalation
// levels), overridden key by key by a top-level [deadline_policy].
void WorkflowReader::ReadDefaultPolicy(const Fields& root) {
  const toml::node* node = root.Find("deadline_policy");
  if (node == nullptr) return;
  detail::PolicyRead read = detail::ReadDeadlinePolicy(*node, root, wf_.deadline_policy, wf_);
  wf_.deadline_policy = std::move(read.policy);
  default_levels_given_ = read.levels_given;
}

// The stage's own deadline_policy over the workflow's, or the workflow's.
model::DeadlinePolicy WorkflowReader::ReadStagePolicy(const Fields& stage,
                                                      const model::StageDef& def) const {
  const toml::node* node = stage.Find("deadline_policy");
  if (node != nullptr && !def.due)
    Fail(stage.what() + ": 'deadline_policy' given but the stage has no 'due'", doc_.PosOf(*node));
  bool levels_given = false;
  model::DeadlinePolicy policy = wf_.deadline_policy;
  if (node != nullptr) {
    detail::PolicyRead read = detail::ReadDeadlinePolicy(*node, stage, wf_.deadline_policy, wf_);
    policy = std::move(read.policy);
    levels_given = read.levels_given;
  }
  if (def.due && !levels_given && !default_levels_given_)
    Fail(stage.what() + ": it has a due date but no escalation levels name who hears when it "
             "passes; give 'escalation' in [deadline_policy] or in the stage's "
             "'deadline_policy' (an empty list for none)",
         def.due->pos);
  return policy;
}

// --- stages ---------------------------------------------------------------

void WorkflowReader::ReadStage(const toml::table& table) {
  Fields stage(table, doc_, detail::Naming("stage", table),
               {"id", "label", "owners", "due", "deadline_policy", "terminal"});
  const Located id = stage.Id("id");
  RejectDuplicate(wf_.stages, id, "stage");
  model::StageDef def;
  def.id = id.value;
  def.label = ToText(stage.Text("label"));
  def.due = ReadDue(stage);
  def.policy = ReadStagePolicy(stage, def);
  def.owners = ReadRoleList(stage, "owners");
  if (const toml::node* owners = stage.Find("owners"); owners != nullptr && def.owners.empty())
    Fail(stage.what() + ": 'owners' names no role (who must act while a unit stands in the stage)",
         doc_.PosOf(*owners));
  for (std::size_t i = 0; i < def.owners.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (def.owners[i] == def.owners[j])
        Fail(stage.what() + ": 'owners' names " + Quoted(wf_.roles[def.owners[i]].id) + " twice",
             stage.StringList("owners")[i].pos);
  def.terminal = stage.BoolOr("terminal", false);
  def.pos = id.pos;
  wf_.stages.push_back(std::move(def));
}

// due = "10月下旬前", or due = { phrase = "10月下旬前", date = 2021-10-20 }.
std::optional<model::DeadlineDef> WorkflowReader::ReadDue(const Fields& stage) const {
  const toml::node* node = stage.Find("due");
  if (node == nullptr) return std::nullopt;
  model::DeadlineDef def;
  def.pos = doc_.PosOf(*node);
  if (node->is_string()) {
    def.phrase = ReadPhrase(*node, stage, "due");
    return def;
  }
  const auto* table = node->as_table();
  if (table == nullptr)
    stage.WrongType("due", *node, R"(a date phrase or a table {phrase = "...", date = ...})");
  Fields due(*table, doc_, stage.what() + " due", {"phrase", "date"});
  def.phrase = ReadPhrase(due.Require("phrase"), due, "phrase");
  def.date = ReadDate(due);
  return def;
}

// A ParseDuePhrase error is reported at the character where reading failed.
calendar::DuePhrase WorkflowReader::ReadPhrase(const toml::node& node, const Fields& owner,
                                               std::string_view key) const {
  const auto* text = node.as_string();
  if (text == nullptr) owner.WrongType(key, node, "a date phrase string");
  auto phrase = calendar::ParseDuePhrase(text->get());
  if (!phrase.ok()) {
    SourcePos pos = doc_.TextStart(node);
    const std::uint32_t column = phrase.status().pos().column;
    pos.column += column > 0 ? column - 1 : 0;
    Fail(owner.what() + ": " + phrase.status().message(), pos);
  }
  return std::move(phrase).value();
}

// date = 2021-10-20 (a TOML date) or "2021-10-20".
std::optional<Date> WorkflowReader::ReadDate(const Fields& due) const {
  const toml::node* node = due.Find("date");
  if (node == nullptr) return std::nullopt;
  if (const auto* d = node->as_date()) {
    const toml::date v = d->get();
    Date date{std::chrono::year(v.year), std::chrono::month(v.month), std::chrono::day(v.day)};
    if (!date.ok()) Fail(due.what() + ": 'date' is not a calendar date", doc_.PosOf(*node));
    return date;
  }
  const auto* s = node->as_string();
  if (s == nullptr) due.WrongType("date", *node, "a date (YYYY-MM-DD)");
  auto date = ParseDate(s->get());
  if (!date.ok()) Fail(due.what() + ": 'date' " + date.status().message(), doc_.PosOf(*node));
  return *date;
}

// --- transitions ----------------------------------------------------------

void WorkflowReader::ReadTransition(const toml::table& table) {
  Fields transition(table, doc_, detail::Naming("transition", table, "trigger"),
                    {"trigger", "label", "from", "to", "roles", "needs_approval", "approvers",
                     "guards", "note_required"});
  const Located trigger = transition.Id("trigger");
  model::TransitionDef def;
  def.trigger = trigger.value;
  def.label = ToText(transition.Text("label"));
  def.from = ReadFrom(transition, trigger.value);
  def.to = ResolveStage(transition.LocatedString("to"), transition.what() + ": 'to'");
  def.roles = ReadRoleList(transition, "roles");
  if (def.roles.empty())
    Fail(transition.what() + ": no role may fire it ('roles' is empty)",
         doc_.PosOf(transition.Require("roles")));
  ReadApproval(transition, def);
  def.guards = ReadGuards(transition);
  def.note_required = transition.BoolOr("note_required", false);
  def.pos = trigger.pos;
  wf_.transitions.push_back(std::move(def));
}

// Each source must be a known, non-terminal stage, and a trigger may leave a
// stage only once.
std::vector<StageId> WorkflowReader::ReadFrom(const Fields& transition,
                                              const std::string& trigger) {
  const toml::node& node = transition.Require("from");
  const std::vector<Located> names = transition.StringList("from");
  if (names.empty())
    Fail(transition.what() + ": 'from' names no stage", doc_.PosOf(node));
  std::vector<StageId> from;
  for (const Located& name : names) {
    const StageId stage = ResolveStage(name, transition.what() + ": 'from'");
    if (wf_.stages[stage].terminal)
      Fail(transition.what() + ": stage " + Quoted(name.value) +
               " is terminal, so no transition may leave it",
           name.pos);
    if (!trigger_sources_.emplace(trigger, stage).second)
      Fail(transition.what() + ": duplicate trigger " + Quoted(trigger) + " from stage " +
               Quoted(name.value) + " (a trigger may leave each stage once)",
           name.pos);
    from.push_back(stage);
  }
  return from;
}

std::vector<RoleId> WorkflowReader::ReadRoleList(const Fields& transition,
                                                 std::string_view key) const {
  std::vector<RoleId> roles;
  for (const Located& name : transition.StringList(key))
    roles.push_back(ResolveRole(name, transition.what() + ": " + Quoted(key)));
  return roles;
}

void WorkflowReader::ReadApproval(const Fields& transition, model::TransitionDef& def) const {
  def.needs_approval = transition.BoolOr("needs_approval", false);
  def.approvers = ReadRoleList(transition, "approvers");
  if (def.needs_approval && def.approvers.empty()) {
    const toml::node* approvers = transition.Find("approvers");
    Fail(transition.what() + ": needs approval but names no approver roles ('approvers' is " +
             (approvers == nullptr ? "missing" : "empty") + ")",
         doc_.PosOf(approvers != nullptr ? *approvers : transition.Require("needs_approval")));
  }
  if (!def.needs_approval && !def.approvers.empty())
    Fail(transition.what() + ": 'approvers' given but 'needs_approval' is not true",
         doc_.PosOf(transition.Require("approvers")));
}

std::vector<model::Guard> WorkflowReader::ReadGuards(const Fields& transition) const {
  std::vector<model::Guard> guards;
  for (const Located& name : transition.StringList("guards")) {
    auto guard = model::GuardFromName(name.value);
    if (!guard)
      Fail(transition.what() + ": unknown guard " + Quoted(name.value) +
               " (expected materials_complete, materials_accepted or commitment_signed)",
           name.pos);
    guards.push_back(*guard);
  }
  return guards;
}

// --- names to ids ---------------------------------------------------------

StageId WorkflowReader::ResolveStage(const Located& name, const std::string& context) const {
  auto id = wf_.FindStage(name.value);
  if (!id)
    Fail(context + " names unknown stage " + Quoted(name.value) + " (stages: " +
             detail::JoinNames(IdsOf(wf_.stages)) + ")",
         name.pos);
  return *id;
}

RoleId WorkflowReader::ResolveRole(const Located& name, const std::string& context) const {
  auto id = wf_.FindRole(name.value);
  if (!id)
    Fail(context + " names unknown role " + Quoted(name.value) + " (roles: " +
             detail::JoinNames(IdsOf(wf_.roles)) + ")",
         name.pos);
  return *id;
}

// --- the stage graph ------------------------------------------------------

void WorkflowReader::CheckEveryStageReachable() const {
  std::vector<bool> reached(wf_.stages.size(), false);
  std::deque<StageId> queue{wf_.initial};
  reached[wf_.initial] = true;
  while (!queue.empty()) {
    const StageId at = queue.front();
    queue.pop_front();
    for (const auto& t : wf_.transitions) {
      const bool leaves_here = std::find(t.from.begin(), t.from.end(), at) != t.from.end();
      if (leaves_here && !reached[t.to]) {
        reached[t.to] = true;
        queue.push_back(t.to);
      }
    }
  }
  for (std::size_t i = 0; i < wf_.stages.size(); ++i)
    if (!reached[i])
      Fail("stage " + Quoted(wf_.stages[i].id) + " cannot be reached from the initial stage " +
               Quoted(wf_.stages[wf_.initial].id),
           wf_.stages[i].pos);
}

void WorkflowReader::CheckEveryOpenStageHasAnExit() const {
  for (std::size_t i = 0; i < wf_.stages.size(); ++i) {
    const auto& stage = wf_.stages[i];
    if (stage.terminal) continue;
    const auto stage_id = static_cast<StageId>(i);
    const bool has_exit = std::any_of(wf_.transitions.begin(), wf_.transitions.end(),
                                      [&](const model::TransitionDef& t) {
                                        return std::find(t.from.begin(), t.from.end(), stage_id) !=
                                               t.from.end();
                                      });
    if (!has_exit)
      Fail("stage " + Quoted(stage.id) +
               " has no way out: no transition leaves it and it is not marked terminal = true",
           stage.pos);
  }
}

}  // namespace

Result<model::Workflow> ParseWorkflow(std::string_view toml_content, std::string_view source_name) {
  return detail::Catching<model::Workflow>([&] {
    const detail::Document doc(toml_content, source_name);
    return WorkflowReader(doc).Read();
  });
}

}  // namespace duban::workflow
