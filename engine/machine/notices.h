// Who hears of an event: the routing of notices, as the event list
// (model/events.h) and the workflow's [notices] table say. Pure: no role id
// lives here, only the data's.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "calendar/calendar.h"
#include "core/time.h"
#include "model/model.h"
#include "model/notice.h"

namespace duban::machine {

// The roles that hear of `e`, in the order the data names them, each once:
// none for Audience::kNone; the roles the payload member
// EventSpec::roles_field lists for kPayloadRoles; for kWorkflow the
// workflow's notices[e.type], where a "$member" target contributes the role
// (or roles) the payload names in that member. Role names the workflow lacks
// are left out. Which people hold the roles is the caller's business.
std::vector<model::RoleId> NoticeRolesFor(const model::Workflow& wf, const model::Event& e);

// --- the daily digest (督办日报) --------------------------------------------

// How digests are delivered: the config's [digest] table (runtime/config.h).
struct DigestRule {
  // The local time of day the digest is made on each working day.
  std::chrono::minutes time{8 * 60 + 30};
  // Event types that go at once to digest readers too, besides urgent notices.
  std::vector<model::EventType> immediate = {model::EventType::kTransitionRequested};
  // Person id -> choice: the config's override of the roster.
  std::map<std::string, model::DigestChoice, std::less<>> people;
};

// How `person` receives non-urgent notices: the config's override, else the
// roster's `digest` on the person, else daily when they hold one of the
// roster's digest_roles, else at once.
model::DigestChoice DigestChoiceOf(const model::Roster& roster, const model::Person& person, const DigestRule& rule);

// A notice's recipients split by delivery: those it goes to at once, and
// those it is held for (their next digest). An urgent notice, or one of the
// rule's immediate types, goes at once to everyone; otherwise a recipient
// whose choice is daily is held. Recipients the roster lacks (a new contact)
// go at once. Order kept.
struct Routed {
  std::vector<model::Recipient> now;
  std::vector<model::Recipient> held;
};
Routed RouteRecipients(const model::Roster& roster, const model::Notice& notice, const DigestRule& rule);

// The instant of day `d`'s digest (rule.time, local in `tz`).
Instant DigestSlot(const TimeZone& tz, Date d, const DigestRule& rule);

// The day of the latest digest slot at or before `now`: the last working day
// (of `cal`) whose slot has come; nullopt when none within a year.
std::optional<Date> DigestDayAt(const calendar::Calendar& cal, const TimeZone& tz, Instant now, const DigestRule& rule);

// The first working day's slot at or after `t` whose day is after `not_before`
// (a day that already had its digest): when a notice held at `t` is due in a
// digest. nullopt when none within a year.
std::optional<Instant> NextDigestSlot(const calendar::Calendar& cal, const TimeZone& tz, Instant t,
                                      std::optional<Date> after_day, const DigestRule& rule);

}  // namespace duban::machine
