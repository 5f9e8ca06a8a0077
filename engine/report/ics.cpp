// The iCalendar feed (RFC 5545) of the deadlines that concern a unit or a person.
#include <chrono>
#include <cstdio>
#include <set>

#include "deadline/evaluator.h"
#include "report/report.h"

namespace duban::report {

std::string IcsText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out;
}

std::string FoldLine(std::string_view line) {
  constexpr std::size_t kMax = 75;  // octets per line, CRLF not counted
  std::string out;
  std::size_t room = kMax;
  std::size_t i = 0;
  while (i < line.size()) {
    // The next whole UTF-8 character.
    std::size_t n = 1;
    while (i + n < line.size() && (static_cast<unsigned char>(line[i + n]) & 0xC0) == 0x80) ++n;
    if (n > room) {
      out += "\r\n ";
      room = kMax - 1;
    }
    out.append(line.substr(i, n));
    room -= n;
    i += n;
  }
  return out + "\r\n";
}

namespace {

std::string Two(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u", v % 100);
  return buf;
}

std::string DateValue(Date d) {
  return std::to_string(static_cast<int>(d.year())) + Two(static_cast<unsigned>(d.month())) +
         Two(static_cast<unsigned>(d.day()));
}

// "20211020T090000" of a day and seconds since its midnight.
std::string DateTimeValue(std::chrono::sys_seconds t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::hh_mm_ss hms{t - day};
  return DateValue(Date{day}) + "T" + Two(static_cast<unsigned>(hms.hours().count())) +
         Two(static_cast<unsigned>(hms.minutes().count())) + Two(static_cast<unsigned>(hms.seconds().count()));
}

std::string Utc(Instant t) { return DateTimeValue(std::chrono::floor<std::chrono::seconds>(t)) + "Z"; }

std::string Local(Instant t, const TimeZone& tz) {
  return DateTimeValue(std::chrono::sys_seconds{tz.to_local(t).time_since_epoch()});
}

std::chrono::seconds OffsetAt(Instant t, const TimeZone& tz) {
  return std::chrono::floor<std::chrono::seconds>(tz.to_local(t).time_since_epoch() - t.time_since_epoch());
}

std::string OffsetText(std::chrono::seconds off) {
  const bool neg = off.count() < 0;
  const long long s = neg ? -off.count() : off.count();
  return std::string(neg ? "-" : "+") + Two(static_cast<unsigned>(s / 3600)) + Two(static_cast<unsigned>(s / 60 % 60));
}

}  // namespace

std::string Ics(const std::string& name, const std::vector<CalendarEvent>& events, Instant stamp, const TimeZone& tz) {
  std::string out;
  auto line = [&](std::string_view l) { out += FoldLine(l); };
  // One offset over every timed event: the zone is written out and the
  // events keep their wall time; otherwise they are given in UTC.
  std::set<long long> offsets;
  for (const auto& e : events)
    if (e.at && !e.day) offsets.insert(OffsetAt(*e.at, tz).count());
  const bool zoned = offsets.size() == 1;
  line("BEGIN:VCALENDAR");
  line("VERSION:2.0");
  line("PRODID:-//duban//duban report ics//ZH");
  line("CALSCALE:GREGORIAN");
  line("METHOD:PUBLISH");
  line("X-WR-CALNAME:" + IcsText(name));
  line("X-WR-TIMEZONE:" + tz.name());
  if (zoned) {
    const std::string off = OffsetText(std::chrono::seconds{*offsets.begin()});
    line("BEGIN:VTIMEZONE");
    line("TZID:" + tz.name());
    line("BEGIN:STANDARD");
    line("DTSTART:19700101T000000");
    line("TZOFFSETFROM:" + off);
    line("TZOFFSETTO:" + off);
    line("END:STANDARD");
    line("END:VTIMEZONE");
  }
  for (const auto& e : events) {
    line("BEGIN:VEVENT");
    line("UID:" + e.uid);
    line("DTSTAMP:" + Utc(stamp));
    if (e.day) {
      line("DTSTART;VALUE=DATE:" + DateValue(*e.day));
      line("DTEND;VALUE=DATE:" + DateValue(Date{std::chrono::sys_days{*e.day} + std::chrono::days{1}}));
    } else if (e.at) {
      const Instant end = *e.at + std::chrono::minutes{30};
      if (zoned) {
        line("DTSTART;TZID=" + tz.name() + ":" + Local(*e.at, tz));
        line("DTEND;TZID=" + tz.name() + ":" + Local(end, tz));
      } else {
        line("DTSTART:" + Utc(*e.at));
        line("DTEND:" + Utc(end));
      }
    }
    line("SUMMARY:" + IcsText(e.summary));
    if (!e.description.empty()) line("DESCRIPTION:" + IcsText(e.description));
    line("TRANSP:TRANSPARENT");
    for (const auto& a : e.alarms) {
      line("BEGIN:VALARM");
      line("ACTION:DISPLAY");
      line("DESCRIPTION:" + IcsText(a.description));
      line("TRIGGER;VALUE=DATE-TIME:" + Utc(a.at));
      line("END:VALARM");
    }
    line("END:VEVENT");
  }
  line("END:VCALENDAR");
  return out;
}

namespace {

std::string RoleLabels(const model::Workflow& wf, const std::vector<model::RoleId>& roles) {
  std::string out;
  for (auto r : roles) out += (out.empty() ? "" : "、") + wf.roles[r].label.zh;
  return out;
}

}  // namespace

Result<std::vector<CalendarEvent>> Deadlines(const Data& d, const Concern& who) {
  const app::Context& ctx = d.ledger.context;
  const model::Workflow& wf = *ctx.workflow;
  const model::Roster& roster = *ctx.roster;
  if (!who.person.empty() && roster.FindPerson(who.person) == nullptr)
    return Status::NotFound("no person '" + who.person + "' in campaign '" + ctx.campaign.id + "'");
  if (!who.unit.empty() && roster.FindUnit(who.unit) == nullptr)
    return Status::NotFound("no unit '" + who.unit + "' in campaign '" + ctx.campaign.id + "'");
  // Whether the feed's person holds one of `roles` for `unit` (a unit's feed: every role).
  auto holds = [&](const std::vector<model::RoleId>& roles, const std::string& unit) {
    if (who.person.empty()) return true;
    for (auto r : roles)
      if (roster.Holds(who.person, r, unit, wf)) return true;
    return false;
  };
  std::vector<CalendarEvent> out;
  for (const app::LedgerRow& r : d.ledger.rows) {
    if (!who.unit.empty() && r.unit->id != who.unit) continue;
    if (!r.due_at) continue;
    const model::StageDef& stage = *r.stage;
    const model::DeadlinePolicy& policy = stage.policy;
    std::vector<model::RoleId> concerned = stage.owners;
    for (const auto& level : policy.levels) concerned.insert(concerned.end(), level.roles.begin(), level.roles.end());
    const std::string key = ctx.campaign.id + "." + r.unit->id + "." + stage.id + "." +
                            std::to_string(std::chrono::floor<std::chrono::seconds>(r.instance.entered_at)
                                               .time_since_epoch()
                                               .count());
    const Date due_day = ctx.tz.local_date(*r.due_at);
    const std::string due_text = FormatDateZh(due_day);
    const deadline::Schedule schedule(policy, *r.due_at, r.instance.entered_at, *ctx.calendar, ctx.tz);
    std::vector<Alarm> reminders;
    for (int i = 0; i < schedule.first_missed(); ++i)
      if (auto step = schedule.At(i))
        reminders.push_back({step->at, r.unit->name + "：" + stage.label.zh + "还剩" +
                                           std::to_string(step->workdays_left) + "个工作日截止（" + due_text + "）"});
    const std::string owners = RoleLabels(wf, stage.owners);
    if (holds(concerned, r.unit->id)) {
      std::string desc = ctx.roster->name + "\n单位：" + r.unit->name + "\n阶段：" + stage.label.zh + "\n截止：" +
                         due_text + "\n负责：" + owners + "\n材料：已报" + std::to_string(r.materials_done) + "项，应报" +
                         std::to_string(r.materials_total) + "项";
      out.push_back({key + ".due@duban", "【截止】" + r.unit->name + "：" + stage.label.zh, desc, due_day, std::nullopt,
                     reminders});
    }
    if (holds(stage.owners, r.unit->id)) {
      for (const model::MaterialRecord& m : d.materials) {
        if (m.unit != r.unit->id || m.dropped) continue;
        if (m.state != model::MaterialState::kPending && m.state != model::MaterialState::kReturned) continue;
        std::string desc = r.unit->name + "应于" + due_text + "前报送：" + m.name + (m.required ? "" : "（选报）");
        if (m.state == model::MaterialState::kReturned) desc += "\n已退回修改：" + m.note;
        out.push_back({key + ".material." + m.material + "@duban",
                       "【材料】" + r.unit->name + "：" + m.name, desc, due_day, std::nullopt, reminders});
      }
    }
    for (int i = schedule.first_missed() + 1; i <= schedule.last_level(); ++i) {
      auto step = schedule.At(i);
      if (!step || step->kind != deadline::Step::Kind::kEscalation) continue;
      const model::EscalationLevel* level = nullptr;
      for (const auto& l : policy.levels)
        if (l.level == step->level) level = &l;
      if (level == nullptr || !holds(level->roles, r.unit->id)) continue;
      const std::string summary = "【督办" + std::to_string(step->level) + "级】" + r.unit->name + "：" + stage.label.zh;
      std::string desc = r.unit->name + "的" + stage.label.zh + "截止于" + due_text + "；如届时仍未完成，超期" +
                         std::to_string(step->overdue_workdays) + "个工作日时升级为" + std::to_string(step->level) +
                         "级督办，通知" + RoleLabels(wf, level->roles) + "。";
      out.push_back({key + ".level" + std::to_string(step->level) + "@duban", summary, desc, std::nullopt, step->at,
                     {{step->at, summary}}});
    }
  }
  return out;
}

Result<Feed> DeadlineFeed(const Data& d, const Concern& who, Instant stamp) {
  auto events = Deadlines(d, who);
  if (!events.ok()) return events.status();
  const model::Roster& roster = *d.ledger.context.roster;
  std::string whose = who.unit.empty() ? who.person : who.unit;
  if (const model::Unit* u = who.unit.empty() ? nullptr : roster.FindUnit(who.unit)) whose = u->name;
  if (const model::Person* p = who.person.empty() ? nullptr : roster.FindPerson(who.person)) whose = p->name;
  return Feed{Ics(roster.name + "：" + whose + "的截止日期", *events, stamp, d.ledger.context.tz), events->size()};
}

}  // namespace duban::report
