// ReadDeadlinePolicy: reminders, the hour notices go out, escalation levels
// and the repeat of the last level, each checked where it is written.

#include "workflow/deadline_policy.h"

#include <algorithm>
#include <string_view>

namespace duban::workflow::detail {

namespace {

// Far beyond any real policy (a working year is about 250 days), and small
// enough that working-day arithmetic on it cannot overflow.
constexpr std::int64_t kMaxWorkdays = 10'000;

std::vector<std::string> RoleIds(const model::Workflow& wf) {
  std::vector<std::string> ids;
  for (const auto& r : wf.roles) ids.push_back(r.id);
  return ids;
}

// The integer at `node`, which `table` holds under `key`, in [min, kMaxWorkdays].
int ReadWorkdays(const Fields& table, std::string_view key, const toml::node& node,
                 std::int64_t min) {
  const auto* value = node.as_integer();
  if (value == nullptr) table.WrongType(key, node, "an integer number of working days");
  const std::int64_t n = value->get();
  const SourcePos pos = table.doc().PosOf(node);
  if (n < 0)
    Fail(table.what() + ": " + Quoted(key) + " must not be negative, not " + std::to_string(n),
         pos);
  if (n < min)
    Fail(table.what() + ": " + Quoted(key) + " must be at least " + std::to_string(min) + ", not " +
             std::to_string(n),
         pos);
  if (n > kMaxWorkdays)
    Fail(table.what() + ": " + Quoted(key) + " is too large (at most " +
             std::to_string(kMaxWorkdays) + " working days)",
         pos);
  return static_cast<int>(n);
}

// reminders = [3, 1]: working days before the due day, each at least 1 and
// given once; kept in descending order (the order they are raised in).
std::vector<int> ReadReminders(const Fields& table, const toml::node& node) {
  const auto* array = node.as_array();
  if (array == nullptr) table.WrongType("reminders", node, "an array of working-day counts");
  std::vector<int> reminders;
  for (const toml::node& item : *array) {
    const int days = ReadWorkdays(table, "reminders", item, 1);
    if (std::find(reminders.begin(), reminders.end(), days) != reminders.end())
      Fail(table.what() + ": reminder " + std::to_string(days) + " is given twice",
           table.doc().PosOf(item));
    reminders.push_back(days);
  }
  std::sort(reminders.begin(), reminders.end(), std::greater<>());
  return reminders;
}

// notice_time = "09:00", or a TOML local time 09:00:00.
std::chrono::minutes ReadNoticeTime(const Fields& table, const toml::node& node) {
  const SourcePos pos = table.doc().PosOf(node);
  auto bad = [&] {
    Fail(table.what() + ": 'notice_time' must be a time of day \"HH:MM\", 00:00 to 23:59", pos);
  };
  int hour = 0;
  int minute = 0;
  if (const auto* t = node.as_time()) {
    const toml::time v = t->get();
    if (v.second != 0 || v.nanosecond != 0) bad();
    hour = v.hour;
    minute = v.minute;
  } else if (const auto* s = node.as_string()) {
    const std::string& text = s->get();
    auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
    if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4))
      bad();
    hour = (text[0] - '0') * 10 + (text[1] - '0');
    minute = (text[3] - '0') * 10 + (text[4] - '0');
  } else {
    table.WrongType("notice_time", node, R"(a time of day "HH:MM")");
  }
  if (hour > 23 || minute > 59) bad();
  return std::chrono::hours(hour) + std::chrono::minutes(minute);
}

// One level's roles: non-empty, each known and named once.
std::vector<model::RoleId> ReadLevelRoles(const Fields& level, const model::Workflow& wf) {
  const std::vector<Located> names = level.StringList("roles");
  if (names.empty())
    Fail(level.what() + ": notifies no role ('roles' is empty)",
         level.doc().PosOf(level.Require("roles")));
  std::vector<model::RoleId> roles;
  for (const Located& name : names) {
    const auto role = wf.FindRole(name.value);
    if (!role)
      Fail(level.what() + ": 'roles' names unknown role " + Quoted(name.value) + " (roles: " +
               JoinNames(RoleIds(wf)) + ")",
           name.pos);
    if (std::find(roles.begin(), roles.end(), *role) != roles.end())
      Fail(level.what() + ": role " + Quoted(name.value) + " is named twice", name.pos);
    roles.push_back(*role);
  }
  return roles;
}

// escalation = [{ level = 1, after_workdays = 0, roles = [...] }, ...]: level
// numbers 1, 2, 3, ... in order, each later than the one before.
std::vector<model::EscalationLevel> ReadLevels(const Fields& table, const model::Workflow& wf) {
  std::vector<model::EscalationLevel> levels;
  for (const toml::table* t : table.Tables("escalation")) {
    const int expected = static_cast<int>(levels.size()) + 1;
    Fields entry(*t, table.doc(), table.what() + " escalation level " + std::to_string(expected),
                 {"level", "after_workdays", "roles"});
    model::EscalationLevel def;
    def.pos = entry.pos();

    const toml::node& level_node = entry.Require("level");
    const std::int64_t level = entry.Integer("level");
    if (level != expected)
      Fail(table.what() + ": escalation levels out of order: entry " + std::to_string(expected) +
               " must be level " + std::to_string(expected) + ", not " + std::to_string(level) +
               " (levels run 1, 2, 3, ... in the order they are raised)",
           table.doc().PosOf(level_node));
    def.level = expected;

    const toml::node& after_node = entry.Require("after_workdays");
    def.after_workdays = ReadWorkdays(entry, "after_workdays", after_node, 0);
    if (!levels.empty() && def.after_workdays <= levels.back().after_workdays)
      Fail(table.what() + ": escalation levels out of order: level " + std::to_string(expected) +
               " comes after " + std::to_string(def.after_workdays) +
               " overdue working days, but level " + std::to_string(expected - 1) +
               " already after " + std::to_string(levels.back().after_workdays) +
               " (each level must come later than the one before)",
           table.doc().PosOf(after_node));

    def.roles = ReadLevelRoles(entry, wf);
    levels.push_back(std::move(def));
  }
  return levels;
}

}  // namespace

PolicyRead ReadDeadlinePolicy(const toml::node& node, const Fields& owner,
                              const model::DeadlinePolicy& base, const model::Workflow& wf) {
  const auto* t = node.as_table();
  if (t == nullptr) owner.WrongType("deadline_policy", node, "a table");
  const Fields table(*t, owner.doc(), owner.what() + " deadline_policy",
                     {"reminders", "notice_time", "escalation", "repeat_every_workdays"});
  PolicyRead read{base, false};
  read.policy.pos = table.pos();
  if (const toml::node* n = table.Find("reminders"))
    read.policy.reminders = ReadReminders(table, *n);
  if (const toml::node* n = table.Find("notice_time"))
    read.policy.notice_time = ReadNoticeTime(table, *n);
  if (table.Find("escalation") != nullptr) {
    read.policy.levels = ReadLevels(table, wf);
    read.levels_given = true;
  }
  if (const toml::node* n = table.Find("repeat_every_workdays"))
    read.policy.repeat_every_workdays = ReadWorkdays(table, "repeat_every_workdays", *n, 0);
  return read;
}

}  // namespace duban::workflow::detail
