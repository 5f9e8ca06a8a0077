// ReadNotices: the [notices] table, each entry checked where it is written.

#include "workflow/notices_loader.h"

#include <algorithm>
#include <string>

#include "core/toml_names.h"

namespace duban::workflow::detail {

namespace {

std::vector<std::string> RoleIds(const model::Workflow& wf) {
  std::vector<std::string> ids;
  for (const auto& r : wf.roles) ids.push_back(r.id);
  return ids;
}

// The members of `spec`'s payload a "$member" may name.
std::vector<std::string> RoleMembers(const model::EventSpec& spec) {
  std::vector<std::string> names;
  for (const auto& f : spec.payload)
    if (f.names_roles()) names.push_back("$" + std::string(f.name));
  return names;
}

std::string AudienceText(model::Audience a) {
  switch (a) {
    case model::Audience::kNone: return "never raises a notice";
    case model::Audience::kPayloadRoles: return "goes to the roles its payload names";
    case model::Audience::kWorkflow: return "is routed by this table";
  }
  return "?";
}

}  // namespace

std::array<std::vector<model::NoticeTarget>, model::kEventTypeCount> ReadNotices(const Fields& root,
                                                                                  const model::Workflow& wf) {
  const Document& doc = root.doc();
  std::array<std::vector<model::NoticeTarget>, model::kEventTypeCount> out;
  const toml::node* node = root.Find("notices");
  if (node == nullptr)
    Fail(root.what() + " has no [notices] table: it must say who hears of each event type "
                       "(an empty list: nobody; see workflows/README.md)",
         root.pos());
  const toml::table* table = node->as_table();
  if (table == nullptr) root.WrongType("notices", *node, "a table");
  std::array<bool, model::kEventTypeCount> given{};
  for (const auto& [key, value] : *table) {
    const SourcePos key_pos = doc.PosOf(key);
    const std::string name(key.str());
    const auto type = model::EventTypeFromName(name);
    if (!type) {
      std::string hint;
      if (value.is_table()) hint = " (write an event type's name in quotes: \"" + name + ".…\" = [...])";
      Fail("notices: unknown event type " + Quoted(name) + hint, key_pos);
    }
    const model::EventSpec& spec = model::SpecOf(*type);
    if (spec.audience != model::Audience::kWorkflow)
      Fail("notices: " + Quoted(name) + " " + AudienceText(spec.audience) + "; it takes no entry here", key_pos);
    const auto* list = value.as_array();
    if (list == nullptr)
      Fail("notices: " + Quoted(name) + " must be a list of roles, not " + std::string(TomlTypeName(value.type())),
           doc.PosOf(value));
    auto& targets = out[static_cast<std::size_t>(*type)];
    for (const toml::node& item : *list) {
      const auto* text = item.as_string();
      if (text == nullptr)
        Fail("notices: " + Quoted(name) + " must list roles as strings, not " + std::string(TomlTypeName(item.type())),
             doc.PosOf(item));
      const std::string wanted = text->get();
      const SourcePos pos = doc.TextStart(item);
      model::NoticeTarget target;
      target.pos = pos;
      if (wanted == "$stage.owners") {
        // The owners of the stage the payload names: every stage that can
        // raise the event (a stage with a due) must name its owners.
        const bool has_stage = std::any_of(spec.payload.begin(), spec.payload.end(),
                                           [](const model::FieldSpec& f) { return f.name == "stage"; });
        if (!has_stage)
          Fail("notices: " + Quoted(name) + " names \"$stage.owners\", but its payload names no stage", pos);
        for (const auto& st : wf.stages)
          if (st.due && st.owners.empty())
            Fail("stage " + Quoted(st.id) + " has a due date but no 'owners', and notices " + Quoted(name) +
                     " go to the owners of the stage (\"$stage.owners\" at " + std::to_string(pos.line) + ":" +
                     std::to_string(pos.column) + "): name the roles that must act on it",
                 st.due->pos);
        target.payload_field = "stage";
        target.stage_owners = true;
      } else if (wanted.starts_with("$")) {
        const auto field = std::find_if(spec.payload.begin(), spec.payload.end(), [&](const model::FieldSpec& f) {
          return f.names_roles() && wanted.substr(1) == f.name;
        });
        if (field == spec.payload.end()) {
          const auto members = RoleMembers(spec);
          Fail("notices: " + Quoted(name) + " names " + Quoted(wanted) + ", but its payload has no such member " +
                   "naming roles" + (members.empty() ? std::string(" (it has none)")
                                                    : " (it has: " + JoinNames(members) + ")"),
               pos);
        }
        target.payload_field = field->name;
      } else {
        const auto role = wf.FindRole(wanted);
        if (!role)
          Fail("notices: " + Quoted(name) + " names unknown role " + Quoted(wanted) + " (roles: " +
                   JoinNames(RoleIds(wf)) + ")",
               pos);
        target.role = *role;
      }
      if (std::any_of(targets.begin(), targets.end(), [&](const model::NoticeTarget& t) {
            return t.payload_field == target.payload_field && t.stage_owners == target.stage_owners &&
                   (!t.payload_field.empty() || t.role == target.role);
          }))
        Fail("notices: " + Quoted(name) + " names " + Quoted(wanted) + " twice", pos);
      targets.push_back(target);
    }
    given[static_cast<std::size_t>(*type)] = true;
  }
  for (const auto& spec : model::kEventSpecs)
    if (spec.audience == model::Audience::kWorkflow && !given[static_cast<std::size_t>(spec.type)])
      Fail("notices: no entry for " + Quoted(spec.name) + " (" + std::string(spec.meaning) +
               "); name who hears of it, or [] for nobody",
           doc.PosOf(*node));
  return out;
}

}  // namespace duban::workflow::detail
