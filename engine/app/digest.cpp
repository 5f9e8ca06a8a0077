// The daily digest (督办日报): the notices held back from the people who take
// it (machine::RouteRecipients, at QueueNotices) are listed, once a working
// day at the configured time, in one notice per person, with what is late and
// what waits for them. Made by the tick (so the daemon's scheduler and the
// replay both make it, from `now` alone), one transaction per campaign: the
// digest.assembled events, their notices queued through the outbox like any
// other, and the held notices consumed.
//
// After a gap (no tick on some working days) one catch-up digest is made, for
// the latest working day whose time has come, listing everything held since
// the last digest: a digest per missed day would bury its reader again in one
// morning with news that is already stale. Days without anything held for a
// person make no digest for them.
#include <algorithm>
#include <map>
#include <set>

#include "app/app.h"
#include "app/rows.h"
#include "machine/notices.h"
#include "workflow/permissions.h"

namespace duban::app {

namespace {

// "10月20日 14:30", local.
std::string ShortTime(const TimeZone& tz, Instant t) {
  const auto local = tz.to_local(t);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const Date d{day};
  const std::chrono::hh_mm_ss hms{std::chrono::duration_cast<std::chrono::minutes>(local - day)};
  auto two = [](long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  return std::to_string(static_cast<unsigned>(d.month())) + "月" + std::to_string(static_cast<unsigned>(d.day())) +
         "日 " + two(hms.hours().count()) + ":" + two(hms.minutes().count());
}

// One held notice as a digest line's data (digest_item.partial.mustache):
// `is.<type>` selects the wording; `names` and `dates` as the templates of
// the notice itself have them.
nlohmann::json ItemJson(const TimeZone& tz, const model::Notice& n, int number) {
  std::string type(model::EventTypeName(n.event.type));
  std::replace(type.begin(), type.end(), '.', '_');
  nlohmann::json names = nlohmann::json::object(), dates = nlohmann::json::object();
  for (const auto& [key, value] : n.event.payload.items()) {
    if (!value.is_string()) continue;
    names[key] = value;
    if (auto d = ParseDate(value.get<std::string>()); d.ok()) dates[key] = DateInWords(*d);
  }
  for (const auto& [key, value] : n.display.items())
    if (value.is_string()) names[key] = value;
  nlohmann::json item = {{"no", number},        {"time", ShortTime(tz, n.event.at)},
                         {"is", {{type, true}}}, {"payload", n.event.payload},
                         {"names", names},      {"dates", dates},
                         {"actor_name", n.actor_name},
                         {"seq", n.seq},
                         {"role", n.recipients.empty() ? std::string() : n.recipients.front().role}};
  if (n.display.contains("deadline")) item["deadline"] = n.display["deadline"];
  return item;
}

// The role a person reads their digest in: the first they hold among the
// roster's digest_roles, else their first.
// Person -> the day of their latest digest.
std::map<std::string, Date> LastDigestDays(const std::vector<store::DigestRecord>& digests) {
  std::map<std::string, Date> last;
  for (const auto& d : digests)
    if (auto [at, fresh] = last.try_emplace(d.person, d.day); !fresh) at->second = std::max(at->second, d.day);
  return last;
}

std::string DigestRole(const model::Workflow& wf, const model::Roster& roster, const model::Person& p) {
  for (const auto& a : p.roles)
    if (std::find(roster.digest_roles.begin(), roster.digest_roles.end(), a.role_id) != roster.digest_roles.end())
      return wf.roles[a.role_id].id;
  return p.roles.empty() ? std::string() : wf.roles[p.roles.front().role_id].id;
}

}  // namespace

Result<std::optional<Instant>> App::NextDigest() {
  auto campaigns = store_.ListCampaigns();
  if (!campaigns.ok()) return campaigns.status();
  std::optional<Instant> next;
  for (const auto& c : *campaigns) {
    auto held = store_.ListHeld(c.id, false);
    if (!held.ok()) return held.status();
    if (held->empty()) continue;
    auto ctx = Load(c.id);
    if (!ctx.ok()) return ctx.status();
    auto digests = store_.ListDigests(c.id);
    if (!digests.ok()) return digests.status();
    const std::map<std::string, Date> last = LastDigestDays(*digests);
    std::map<std::string, Instant> first;  // person -> their earliest held notice
    for (const auto& h : *held)
      if (!first.count(h.person)) first[h.person] = h.held_at;
    for (const auto& [person, at] : first) {
      const auto l = last.find(person);
      auto slot = machine::NextDigestSlot(*ctx->calendar, ctx->tz, at,
                                          l == last.end() ? std::nullopt : std::optional<Date>(l->second),
                                          options_.digest);
      if (slot && (!next || *slot < *next)) next = slot;
    }
  }
  return next;
}

duban::Status App::AssembleDigests(Instant now, std::vector<wire::Ticked::Raised>& raised) {
  auto campaigns = store_.ListCampaigns();
  if (!campaigns.ok()) return campaigns.status();
  for (const auto& c : *campaigns) {
    auto held = store_.ListHeld(c.id, false);
    if (!held.ok()) return held.status();
    if (held->empty()) continue;
    auto loaded = Load(c.id);
    if (!loaded.ok()) return loaded.status();
    const Context& ctx = *loaded;
    const auto& wf = *ctx.workflow;
    const auto& roster = *ctx.roster;
    const std::optional<Date> day = machine::DigestDayAt(*ctx.calendar, ctx.tz, now, options_.digest);
    if (!day) continue;
    const Instant slot = machine::DigestSlot(ctx.tz, *day, options_.digest);
    auto digests = store_.ListDigests(c.id);
    if (!digests.ok()) return digests.status();
    const std::map<std::string, Date> last = LastDigestDays(*digests);
    // Each person's notices held up to the day's digest time; later ones wait for the next.
    std::map<std::string, std::vector<const store::HeldNotice*>> due;
    for (const auto& h : *held)
      if (const auto l = last.find(h.person); h.held_at <= slot && !(l != last.end() && l->second >= *day))
        due[h.person].push_back(&h);
    if (due.empty()) continue;
    // Each person's in the order they happened (a catch-up tick raises steps stamped earlier).
    for (auto& [person, list] : due)
      std::stable_sort(list.begin(), list.end(), [](const store::HeldNotice* a, const store::HeldNotice* b) {
        return a->held_at != b->held_at ? a->held_at < b->held_at : a->notice.seq < b->notice.seq;
      });

    auto requests = store_.ListRequests(c.id, model::RequestStatus::kPending);
    if (!requests.ok()) return requests.status();
    auto materials = store_.ListMaterials(c.id, "");
    if (!materials.ok()) return materials.status();
    const std::string base = options_.public_url + "/c/" + c.id;

    store::Changeset changes;
    changes.campaign = c.id;
    for (const auto& [person_id, items] : due) {
      const model::Person* person = roster.FindPerson(person_id);
      const model::Recipient& first = items.front()->notice.recipients.front();
      const std::string role = person != nullptr ? DigestRole(wf, roster, *person) : first.role;
      const model::Recipient to = person != nullptr ? model::Recipient{person->id, person->name, person->email, role}
                                                    : first;

      // What came in, unit by unit in roster order (campaign-wide news first).
      nlohmann::json arrived = nlohmann::json::array();
      nlohmann::json seqs = nlohmann::json::array();
      std::vector<std::int64_t> consumed;
      int number = 0;
      auto add_unit = [&](const std::string& unit, const std::string& name) {
        nlohmann::json lines = nlohmann::json::array();
        for (const auto* h : items)
          if (h->notice.event.unit == unit) lines.push_back(ItemJson(ctx.tz, h->notice, ++number));
        if (!lines.empty()) arrived.push_back({{"unit_name", name}, {"count", lines.size()}, {"items", lines}});
      };
      add_unit("", "全体成员单位");
      for (const auto& u : roster.units) add_unit(u.id, u.name);
      for (const auto* h : items) {
        seqs.push_back(h->notice.seq);
        consumed.push_back(h->notice.seq);
      }
      if (static_cast<std::size_t>(number) != items.size())
        return Status::Internal("a held notice of " + person_id + " names a unit the roster lacks");

      // What is late, as the person's ledger shows it.
      nlohmann::json late = nlohmann::json::array();
      if (auto ledger = Status(c.id, "", RequestContext{person_id, now, std::nullopt, Channel::kCli}); ledger.ok()) {
        for (const auto& row : ledger->rows) {
          if (!row.workdays_left || *row.workdays_left >= 0 || !row.due_at) continue;
          nlohmann::json l = {{"unit_name", row.unit->name},
                              {"stage", row.stage->label.zh},
                              {"due", DateInWords(ctx.tz.local_date(*row.due_at))},
                              {"overdue", -*row.workdays_left},
                              {"link", base + "/units/" + row.unit->id}};
          if (row.escalation_level > 0) l["level"] = row.escalation_level;
          late.push_back(std::move(l));
        }
      }

      // What waits for them: requests they may approve, materials they may review.
      nlohmann::json approvals = nlohmann::json::array(), reviews = nlohmann::json::array();
      for (const auto& r : *requests) {
        const auto& approvers = r.kind == model::RequestKind::kExtension ? wf.permissions.extension_approvers
                                                                          : wf.transitions[r.transition].approvers;
        if (!workflow::HoldsAny(wf, roster, person_id, approvers, r.unit)) continue;
        const model::Unit* unit = roster.FindUnit(r.unit);
        const model::Person* by = roster.FindPerson(r.requested_by);
        nlohmann::json a = {{"unit_name", unit != nullptr ? unit->name : r.unit},
                            {"request", r.id},
                            {"time", ShortTime(ctx.tz, r.requested_at)},
                            {"requester", by != nullptr ? by->name : r.requested_by}};
        if (r.kind == model::RequestKind::kExtension && r.new_due) {
          a["extension"] = true;
          a["new_due"] = DateInWords(*r.new_due);
        } else {
          a["trigger"] = wf.transitions[r.transition].label.zh;
        }
        approvals.push_back(std::move(a));
      }
      for (const auto& u : roster.units) {
        const auto may = workflow::Authorize(wf, roster, {person_id, false}, model::Verb::kMaterialAccept, u.id);
        if (!may.allowed) continue;
        std::string names;
        int count = 0;
        for (const auto& m : *materials)
          if (m.unit == u.id && !m.dropped &&
              (m.state == model::MaterialState::kSubmitted || m.state == model::MaterialState::kExplained)) {
            names += (names.empty() ? "" : "、") + m.name;
            ++count;
          }
        if (count > 0)
          reviews.push_back({{"unit_name", u.name}, {"count", count}, {"names", names}, {"link", base + "/units/" + u.id}});
      }

      nlohmann::json digest = {{"day", DateInWords(*day)},
                               {"arrived", arrived},
                               {"arrived_count", items.size()},
                               {"late", late},
                               {"late_count", late.size()},
                               {"approvals", approvals},
                               {"reviews", reviews},
                               {"waiting_count", approvals.size() + reviews.size()},
                               {"nothing_waiting", approvals.empty() && reviews.empty()},
                               {"link", base},
                               {"queue_link", base + "/queue"}};
      const auto l = last.find(person_id);
      nlohmann::json payload = {{"person", person_id},
                                {"day", FormatDate(*day)},
                                {"items", seqs},
                                {"late", late.size()},
                                {"waiting", approvals.size() + reviews.size()}};
      if (l != last.end()) {
        digest["since"] = DateInWords(l->second);
        payload["since"] = FormatDate(l->second);
      }

      model::Notice n;
      n.campaign_name = c.name;
      n.time_zone = ctx.tz.name();
      n.recipients = {to};
      n.display["digest"] = std::move(digest);
      n.display["link"] = base;
      n.display["queue_link"] = base + "/queue";
      n.display["office_link"] = base;
      if (auto rid = wf.FindRole(role)) {
        n.display["roles"][role] = wf.roles[*rid].label.zh;
        n.display["scopes"][role] = wf.roles[*rid].scope == model::RoleScope::kUnit ? "unit" : "campaign";
      }
      const std::size_t index = changes.events.size();
      changes.events.push_back(model::Event{model::EventType::kDigestAssembled, "", "system", now, std::move(payload),
                                            std::string(ChannelName(Channel::kSystem))});
      changes.notices.push_back(store::NoticeDraft{index, std::move(n)});
      changes.digests.push_back(store::DigestMade{person_id, *day, index, std::move(consumed)});
    }
    auto committed = store_.Commit(changes);
    if (!committed.ok()) return committed.status();
    for (const auto& e : changes.events) raised.push_back({c.id, e});
  }
  return Status::Ok();
}

}  // namespace duban::app
