#include "app/app.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "app/admission.h"
#include "app/authorized.h"
#include "app/rows.h"
#include "core/hash.h"
#include "deadline/deadline.h"
#include "deadline/evaluator.h"
#include "machine/notices.h"
#include "machine/paperwork.h"
#include "workflow/loader.h"
#include "workflow/permissions.h"

namespace duban::app {

namespace {

constexpr int kMaxAttempts = 8;

using model::Verb;

using detail::Authorized;

// `viewer` may see `person`'s phone and e-mail in this campaign.
bool SeesDetails(const Context& ctx, const RequestContext& rc, const std::string& person) {
  return workflow::SeesContactDetails(*ctx.workflow, *ctx.roster, rc.person, person);
}

// A contact.changed payload without the new holder's phone and e-mail, unless
// `rc` may see them.
void HideContactDetails(const Context& ctx, const RequestContext& rc, model::Event& e) {
  if (e.type != model::EventType::kContactChanged || SeesDetails(ctx, rc, e.payload.value("person", ""))) return;
  for (const char* key : {"phone", "email"})
    if (e.payload.contains(key)) e.payload[key] = "";
}

wire::StageRef StageOf(const model::Workflow& wf, model::StageId s) {
  return {wf.stages[s].id, wf.stages[s].label.zh};
}

// `roster` with each contact change applied in order: the new holder holds
// the role for the unit, the previous holder no longer does.
model::Roster WithContacts(const model::Roster& roster, const model::Workflow& wf,
                           const std::vector<model::Contact>& contacts) {
  model::Roster out = roster;
  for (const auto& c : contacts) {
    auto role = wf.FindRole(c.role);
    if (!role) continue;
    for (auto& p : out.people)
      std::erase_if(p.roles, [&](const model::Assignment& a) { return a.role_id == *role && a.unit == c.unit; });
    auto it = std::find_if(out.people.begin(), out.people.end(), [&](const model::Person& p) { return p.id == c.person; });
    if (it == out.people.end()) {
      model::Person p;
      p.id = c.person;
      p.title = "联系人变更登记 / reported contact change";
      out.people.push_back(std::move(p));
      it = std::prev(out.people.end());
    }
    if (!c.name.empty()) it->name = c.name;
    if (!c.phone.empty()) it->phone = c.phone;
    if (!c.email.empty()) it->email = c.email;
    it->placeholder = false;
    it->roles.push_back(model::Assignment{c.role, *role, c.unit, {}});
  }
  return out;
}

// The contact.changed payload of `c`, `previous` the holder it replaces.
nlohmann::json ContactPayload(const model::Contact& c, const std::string& previous) {
  return {{"role", c.role},   {"number", c.number}, {"person", c.person},
          {"name", c.name},   {"phone", c.phone},   {"email", c.email},
          {"previous", previous}, {"reported_by", c.reported_by}, {"reported_on", FormatDate(c.reported_on)}};
}

}  // namespace

Result<workflow::Authorization> detail::Authorized(const Context& ctx, const RequestContext& rc, Verb verb,
                                                   const std::string& unit) {
  auto a = workflow::Authorize(*ctx.workflow, *ctx.roster, {rc.person, rc.channel == Channel::kSystem}, verb, unit);
  if (!a.allowed) return Status::Refused(a.rule, a.message);
  return a;
}

// A plan for a command that changes a unit's paperwork or record but not its
// stage: the instance is written with its version bumped, so that the command
// is ordered against every other command on the unit (optimistic concurrency).
store::Changeset App::Touching(const Context& ctx, const model::Instance& inst) {
  store::Changeset changes;
  changes.campaign = ctx.campaign.id;
  model::Instance next = inst;
  next.version = inst.version + 1;
  changes.instances.push_back({next, inst.version});
  return changes;
}

namespace {

// Sets a unit's due (and restarts its deadline schedule) after a change at
// `since`: no step of the new schedule is stamped before it.
void Restarted(const Context& ctx, model::Instance& inst, std::optional<Instant> due,
               std::optional<Instant> since) {
  inst.due_at = due;
  inst.deadline_since = since;
  auto progress = deadline::Restart(*ctx.workflow, *ctx.calendar, ctx.tz, inst);
  inst.deadline_step = progress.step;
  inst.next_deadline_at = progress.next_at;
}

}  // namespace

Result<std::optional<Instant>> Context::DueFor(model::StageId stage, Instant entered_at,
                                               std::optional<Date> extended_to) const {
  if (extended_to) return std::optional<Instant>(tz.end_of_day(*extended_to));
  for (const auto& o : overrides)
    if (o.stage == stage) return std::optional<Instant>(tz.end_of_day(o.due));
  return deadline::StageDue(*workflow, stage, campaign.year, *calendar, tz, entered_at);
}

template <typename T>
Result<Outcome<T>> App::Run(const std::string& campaign, const RequestContext& rc, const nlohmann::json& fingerprint,
                            const Context* ctx, const std::function<Result<Plan<T>>()>& plan) {
  if (auto admitted = AdmitText(fingerprint); !admitted.ok()) return admitted;
  if (auto admitted = AdmitText(nlohmann::json{{"as", rc.person}}); !admitted.ok()) return admitted;
  const std::string fp = Sha256Hex(fingerprint.dump());
  // The answer already recorded for this command id, if any.
  auto recorded = [&]() -> std::optional<Result<Outcome<T>>> {
    if (!rc.command_id) return std::nullopt;
    auto seen = store_.GetCommand(campaign, *rc.command_id);
    if (!seen.ok()) return Result<Outcome<T>>(seen.status());
    if (!seen->has_value()) return std::nullopt;
    if ((*seen)->fingerprint != fp)
      return Result<Outcome<T>>(Status::InvalidInput("command id '" + *rc.command_id +
                                                     "' was already used for a different command"));
    // The first answer, as its record keeps it in the wire form.
    const auto text = nlohmann::json::parse((*seen)->result, nullptr, false);
    auto value = wire::FromJson<T>(text);
    if (!value.ok())
      return Result<Outcome<T>>(Status::Internal("the record of command id '" + *rc.command_id +
                                                 "' cannot be read: " + value.status().message()));
    return Result<Outcome<T>>(Outcome<T>{std::move(*value), true});
  };
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (auto answer = recorded()) return std::move(*answer);
    // The record moves forward in time: a person's command is not dated
    // before the campaign's last event (the engine's own catch-up steps are
    // stamped on the days they fell due, and are exempt).
    if (attempt == 0 && ctx != nullptr && rc.channel != Channel::kSystem)
      if (auto admitted = AdmitTime(rc.at, ctx->campaign.head_at); !admitted.ok()) return admitted;
    auto p = plan();
    if (!p.ok()) {
      // A retry racing its first attempt may read the state that attempt
      // committed after the check above, and be refused by it: the first
      // attempt's answer stands.
      if (auto answer = recorded()) return std::move(*answer);
      return p.status();
    }
    for (auto& e : p->changes.events) e.channel = std::string(ChannelName(rc.channel));
    if (rc.command_id)
      p->changes.command = store::CommandRecord{*rc.command_id, fp, 0, wire::ToJson(p->result).dump()};
    if (ctx != nullptr) QueueNotices(*ctx, p->changes);
    auto committed = store_.Commit(p->changes);
    if (committed.ok()) return Outcome<T>{std::move(p->result), false};
    if (committed.status().code() != Code::kConflict) return committed.status();
    // Another writer won: read again and decide again, after a short, jittered pause.
    if (Env* env = options_.env; env != nullptr)
      env->SleepFor(std::chrono::milliseconds(1 + env->Random() % (std::uint64_t{5} << attempt)));
  }
  return Status::Conflict("gave up after " + std::to_string(kMaxAttempts) +
                          " attempts: other writers kept changing the same unit");
}

// Commands defined in other files of the module (assessment.cpp) run through
// the same commit path.
template Result<Outcome<wire::Recorded>> App::Run<wire::Recorded>(const std::string&, const RequestContext&,
                                                                  const nlohmann::json&, const Context*,
                                                                  const std::function<Result<Plan<wire::Recorded>>()>&);
template Result<Outcome<wire::Decided>> App::Run<wire::Decided>(const std::string&, const RequestContext&,
                                                                const nlohmann::json&, const Context*,
                                                                const std::function<Result<Plan<wire::Decided>>()>&);

Result<std::shared_ptr<const calendar::Calendar>> App::LoadCalendar() {
  auto hashes = store_.CalendarHashes();
  if (!hashes.ok()) return hashes.status();
  if (calendar_ && *hashes == calendar_hashes_) return calendar_;
  auto years = store_.ListCalendarYears();
  if (!years.ok()) return years.status();
  std::vector<calendar::YearData> data;
  for (const auto& y : *years) {
    auto parsed = calendar::ParseYear(y.content, y.source);
    if (!parsed.ok()) return parsed.status();
    data.push_back(std::move(*parsed));
  }
  calendar_ = std::make_shared<const calendar::Calendar>(calendar::Calendar::FromYears(std::move(data)));
  calendar_hashes_ = std::move(*hashes);
  return calendar_;
}

Result<std::vector<store::CalendarYear>> App::ReadCalendarYears(const std::filesystem::path& path,
                                                                 Instant at) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    auto years = calendar::LoadDirectory(path);  // checks every file, and one file per year
    if (!years.ok()) return years.status();
    for (const auto& y : *years) files.push_back(path / (std::to_string(y.year) + ".toml"));
  } else {
    files.push_back(path);
  }
  std::vector<store::CalendarYear> out;
  for (const auto& f : files) {
    auto content = workflow::ReadTextFile(f);
    if (!content.ok()) return content.status();
    auto parsed = calendar::ParseYear(*content, f.string());
    if (!parsed.ok()) return parsed.status();
    out.push_back(store::CalendarYear{parsed->year, f.string(), *content, Sha256Hex(*content), at});
  }
  return out;
}

Result<calendar::Calendar> App::Calendar() {
  auto cal = LoadCalendar();
  if (!cal.ok()) return cal.status();
  return **cal;
}

duban::Status App::AuthorizeEverywhere(const RequestContext& rc, Verb verb) {
  if (rc.person == "system" && rc.channel != Channel::kSystem)
    return Status::Refused(workflow::kRuleActor, "只有系统通道可以以 'system' 身份操作 / only the engine's own clock acts as "
                                                 "'system'");
  auto campaigns = store_.ListCampaigns();
  if (!campaigns.ok()) return campaigns.status();
  for (const auto& c : *campaigns) {
    auto ctx = Load(c.id);
    if (!ctx.ok()) return ctx.status();
    auto a = Authorized(*ctx, rc, verb);
    if (!a.ok())
      return Status::Refused(a.status().rule(), a.status().message() + "（考核年度 " + c.id + "）");
  }
  return Status::Ok();
}

Result<Outcome<wire::CalendarLoaded>> App::LoadCalendars(const std::filesystem::path& path, const RequestContext& rc) {
  if (auto allowed = AuthorizeEverywhere(rc, Verb::kCalendarLoad); !allowed.ok()) return allowed;
  auto years = ReadCalendarYears(path, rc.at);
  if (!years.ok()) return years.status();
  nlohmann::json fingerprint = {{"verb", "calendar.load"}, {"path", path.string()}};
  for (const auto& y : *years) fingerprint["sha256"].push_back(y.hash);
  auto loaded = Run<wire::CalendarLoaded>("", rc, fingerprint, nullptr, [&]() -> Result<Plan<wire::CalendarLoaded>> {
    Plan<wire::CalendarLoaded> plan;
    for (const auto& y : *years) {
      plan.changes.calendar_years.push_back(y);
      auto parsed = calendar::ParseYear(y.content, y.source);
      plan.result.loaded.push_back({y.year, parsed.ok() ? parsed->source : y.source, y.hash});
    }
    return plan;
  });
  if (!loaded.ok()) return loaded;
  // Every open deadline on the new calendar. Each campaign is its own
  // transaction after the calendar's; running the load again recomputes again.
  auto moved = RecomputeDeadlines(rc);
  if (!moved.ok()) return moved.status();
  loaded->value.moved = std::move(*moved);
  return loaded;
}

namespace {

// `text` with every occurrence of the year `from` moved to `to`
// ("taishan-2021" -> "taishan-2022"); unchanged when it has none.
std::string NextYearIn(std::string text, int from, int to) {
  const std::string a = std::to_string(from), b = std::to_string(to);
  for (std::size_t at = text.find(a); at != std::string::npos; at = text.find(a, at + b.size()))
    text.replace(at, a.size(), b);
  return text;
}

}  // namespace

Result<Outcome<wire::CampaignCreated>> App::CreateCampaign(const CampaignSpec& spec, const RequestContext& rc) {
  // A definition: a file given, or the previous campaign's pinned copy.
  struct Source {
    std::string text;
    std::string source;
  };
  std::optional<Context> previous;
  if (!spec.from.empty()) {
    auto prev = Load(spec.from);
    if (!prev.ok()) return prev.status();
    if (auto allowed = Authorized(*prev, rc, Verb::kCampaignCreate); !allowed.ok()) return allowed.status();
    previous = std::move(*prev);
  }
  auto read = [&](const std::filesystem::path& path, const std::string& pinned_hash) -> Result<Source> {
    if (path.empty() && previous) {
      auto def = store_.GetDefinition(pinned_hash);
      if (!def.ok()) return def.status();
      if (!def->has_value()) return Status::Internal("the definition " + pinned_hash + " pinned by '" + spec.from + "' is missing");
      return Source{(*def)->content, (*def)->source};
    }
    if (path.empty()) return Status::InvalidInput("a campaign needs a roster file (--roster) or a previous campaign (--from)");
    auto text = workflow::ReadTextFile(path);
    if (!text.ok()) return text.status();
    return Source{std::move(*text), path.string()};
  };
  auto wf_source = read(spec.workflow, previous ? previous->campaign.workflow_hash : "");
  if (!wf_source.ok()) return wf_source.status();
  auto roster_source = read(spec.roster, previous ? previous->campaign.roster_hash : "");
  if (!roster_source.ok()) return roster_source.status();
  const std::string* wf_text = &wf_source->text;
  const std::string* roster_text = &roster_source->text;
  auto wf = workflow::ParseWorkflow(*wf_text, wf_source->source);
  if (!wf.ok()) return wf.status();
  auto roster = workflow::ParseRoster(*roster_text, roster_source->source, *wf);
  if (!roster.ok()) return roster.status();

  const int year = spec.year.value_or(previous ? previous->campaign.year + 1 : roster->year);
  std::string id = spec.id;
  if (id.empty() && previous) {
    id = NextYearIn(previous->campaign.id, previous->campaign.year, year);
    if (id == previous->campaign.id)
      return Status::InvalidInput("campaign '" + id + "' has no year in its id to move on: give the new one's --id");
  }
  if (id.empty()) id = roster->id;
  std::string name = spec.name;
  if (name.empty() && previous) name = NextYearIn(previous->campaign.name, previous->campaign.year, year);
  const std::string tz_name = !spec.time_zone.empty() ? spec.time_zone
                              : previous             ? previous->campaign.time_zone
                              : roster->time_zone.empty() ? std::string(kDefaultTimeZone)
                                                          : roster->time_zone;
  auto tz = TimeZone::Find(tz_name);
  if (!tz.ok()) return tz.status();
  if (id.empty()) return Status::InvalidInput("the campaign needs an id (--id or the roster's id)");

  auto may_create = workflow::Authorize(*wf, *roster, {rc.person, rc.channel == Channel::kSystem},
                                        Verb::kCampaignCreate);
  if (!may_create.allowed)
    return Status::Refused(may_create.rule, may_create.message + "（名册 " + roster_source->source + "）");

  // What the previous campaign hands on: the latest contact change of each
  // unit's role, and its published ranking as last year's scores.
  std::vector<model::Contact> contacts;
  std::vector<assessment::PriorRow> prior;
  if (previous) {
    auto changes = store_.ListContacts(previous->campaign.id, "");
    if (!changes.ok()) return changes.status();
    for (const auto& c : *changes) {
      if (roster->FindUnit(c.unit) == nullptr || !wf->FindRole(c.role)) continue;  // gone from the revised roster
      std::erase_if(contacts, [&](const model::Contact& k) { return k.unit == c.unit && k.role == c.role; });
      contacts.push_back(c);
    }
    for (auto& c : contacts) {
      c.number = 1;
      c.recorded_by = rc.person;
      c.recorded_at = rc.at;
    }
    auto events = AllEvents(*previous);
    if (!events.ok()) return events.status();
    const auto rec = assessment::ReadRecord(*events);
    if (rec.published != 0 && wf->assessment.given) {
      auto rows = assessment::PriorFromRanking(rec.published_payload.value("ranking", nlohmann::json::array()),
                                               previous->campaign.id, *roster);
      if (!rows.ok()) return rows.status();
      prior = std::move(*rows);
    }
  }

  nlohmann::json fingerprint = {{"verb", "campaign.create"},
                                {"id", id},
                                {"workflow", Sha256Hex(*wf_text)},
                                {"roster", Sha256Hex(*roster_text)},
                                {"year", year},
                                {"from", spec.from},
                                {"actor", rc.person}};
  return Run<wire::CampaignCreated>(id, rc, fingerprint, nullptr, [&]() -> Result<Plan<wire::CampaignCreated>> {
    auto existing = store_.GetCampaign(id);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) return Status::InvalidInput("campaign '" + id + "' already exists");

    Plan<wire::CampaignCreated> plan;
    auto& ch = plan.changes;
    ch.campaign = id;
    auto loaded = LoadCalendar();
    if (!loaded.ok()) return loaded.status();
    auto cal = std::make_shared<calendar::Calendar>(**loaded);
    if (cal->Years().empty() && !spec.calendars.empty()) {
      auto years = ReadCalendarYears(spec.calendars, rc.at);
      if (!years.ok()) return years.status();
      std::vector<calendar::YearData> data;
      for (const auto& y : *years) data.push_back(*calendar::ParseYear(y.content, y.source));
      ch.calendar_years = std::move(*years);
      *cal = calendar::Calendar::FromYears(std::move(data));
    }
    const std::string wf_hash = Sha256Hex(*wf_text);
    const std::string roster_hash = Sha256Hex(*roster_text);
    ch.definitions.push_back({wf_hash, "workflow", wf_source->source, *wf_text});
    ch.definitions.push_back({roster_hash, "roster", roster_source->source, *roster_text});
    store::Campaign c;
    c.id = id;
    c.name = name.empty() ? roster->name : name;
    c.year = year;
    c.time_zone = tz->name();
    c.workflow_hash = wf_hash;
    c.roster_hash = roster_hash;
    c.created_at = rc.at;
    c.created_by = rc.person;
    ch.create_campaign = c;

    for (const auto& unit : roster->units) {
      model::Instance inst;
      inst.unit = unit.id;
      inst.stage = wf->initial;
      inst.version = 1;
      inst.entered_at = rc.at;
      auto due = deadline::StageDue(*wf, wf->initial, year, *cal, *tz, rc.at);
      if (!due.ok()) return due.status();
      inst.due_at = *due;
      auto progress = deadline::Restart(*wf, *cal, *tz, inst);
      inst.deadline_step = progress.step;
      inst.next_deadline_at = progress.next_at;
      ch.instances.push_back({inst, std::nullopt});
      for (const auto& m : unit.materials) {
        model::MaterialRecord r;
        r.unit = unit.id;
        r.material = m.id;
        r.name = m.name;
        r.required = m.required;
        r.updated_at = rc.at;
        r.updated_by = rc.person;
        ch.materials.push_back(std::move(r));
      }
    }
    wire::CampaignCreated& made = plan.result;
    made.id = id;
    made.name = c.name;
    made.year = year;
    made.time_zone = c.time_zone;
    made.workflow.id = wf->id;
    made.workflow.version = wf->version;
    made.workflow.sha256 = wf_hash;
    made.workflow.source = wf_source->source;
    made.roster.id = roster->id;
    made.roster.sha256 = roster_hash;
    made.roster.source = roster_source->source;
    made.units = static_cast<std::int64_t>(roster->units.size());
    made.calendar_missing_years = cal->YearsWithoutData(year, year + 1);
    if (previous)
      made.from = wire::CampaignCreated::From{previous->campaign.id, wf_hash != previous->campaign.workflow_hash,
                                              static_cast<std::int64_t>(contacts.size()),
                                              static_cast<std::int64_t>(prior.size())};
    // The event's payload is the answer without the id (the event is the campaign's own).
    nlohmann::json payload = wire::ToJson(plan.result);
    payload.erase("id");
    ch.events.push_back(model::Event{model::EventType::kCampaignCreated, "", rc.person, rc.at, payload});
    // The contacts in force at the end of last year, each on the record as reported then.
    for (const auto& k : contacts) {
      ch.contacts.push_back(k);
      std::string before;
      if (auto role = wf->FindRole(k.role))
        for (const auto& p : roster->people)
          if (roster->Holds(p.id, *role, k.unit, *wf)) before = p.id;
      nlohmann::json p = ContactPayload(k, before);
      p["carried_from"] = previous->campaign.id;
      ch.events.push_back(model::Event{model::EventType::kContactChanged, k.unit, rc.person, rc.at, std::move(p)});
    }
    for (const auto& row : prior)
      ch.events.push_back(model::Event{model::EventType::kAssessmentPriorRecorded, row.unit, rc.person, rc.at,
                                       {{"score", assessment::PointsJson(row.score)},
                                        {"source", "campaign:" + previous->campaign.id}}});
    return plan;
  });
}

Result<Context> App::Load(const std::string& id) {
  std::string wanted = id;
  if (wanted.empty()) {
    auto all = store_.ListCampaigns();
    if (!all.ok()) return all.status();
    if (all->empty()) return Status::NotFound("no campaign yet: create one with 'duban campaign create'");
    if (all->size() > 1)
      return Status::InvalidInput("there are " + std::to_string(all->size()) +
                                  " campaigns: choose one with --campaign");
    wanted = all->front().id;
  }
  auto c = store_.GetCampaign(wanted);
  if (!c.ok()) return c.status();
  if (!c->has_value()) return Status::NotFound("no campaign '" + wanted + "'");
  const store::Campaign& campaign = **c;

  auto& wf = workflows_[campaign.workflow_hash];
  if (!wf) {
    auto def = store_.GetDefinition(campaign.workflow_hash);
    if (!def.ok()) return def.status();
    if (!def->has_value()) return Status::Internal("campaign's workflow definition is missing");
    auto parsed = workflow::ParseWorkflow((*def)->content, (*def)->source + " (as stored)");
    if (!parsed.ok()) return parsed.status();
    wf = std::make_shared<const model::Workflow>(std::move(*parsed));
  }
  auto& base = rosters_[campaign.roster_hash + campaign.workflow_hash];
  if (!base) {
    auto def = store_.GetDefinition(campaign.roster_hash);
    if (!def.ok()) return def.status();
    if (!def->has_value()) return Status::Internal("campaign's roster definition is missing");
    auto parsed = workflow::ParseRoster((*def)->content, (*def)->source + " (as stored)", *wf);
    if (!parsed.ok()) return parsed.status();
    base = std::make_shared<const model::Roster>(std::move(*parsed));
  }
  // The roster as the office knows it now: the pinned file with every
  // reported change of coordinator or liaison applied. Changes only grow, so
  // their count versions the result.
  auto contacts = store_.ListContacts(campaign.id, "");
  if (!contacts.ok()) return contacts.status();
  std::shared_ptr<const model::Roster> roster = base;
  if (!contacts->empty()) {
    auto& current = rosters_[campaign.roster_hash + campaign.workflow_hash + "#" + campaign.id + "#" +
                             std::to_string(contacts->size())];
    if (!current) current = std::make_shared<const model::Roster>(WithContacts(*base, *wf, *contacts));
    roster = current;
  }
  auto cal = LoadCalendar();
  if (!cal.ok()) return cal.status();
  auto tz = TimeZone::Find(campaign.time_zone);
  if (!tz.ok()) return tz.status();
  auto overrides = store_.ListDueOverrides(campaign.id);
  if (!overrides.ok()) return overrides.status();
  // Said once per process and year, loudly: deadlines in such a year may be wrong.
  static std::set<int> warned;
  for (int y : (*cal)->YearsWithoutData(campaign.year, campaign.year + 1))
    if (warned.insert(y).second)
      spdlog::warn("no holiday calendar for {}: campaign '{}' falls back to plain weekends that year; "
                   "load the State Council notice with 'duban calendar load'",
                   y, campaign.id);
  return Context{campaign, wf, roster, *cal, *tz,
                 std::move(*overrides)};
}

Result<std::vector<store::Campaign>> App::Campaigns(const RequestContext& rc) {
  auto all = store_.ListCampaigns();
  if (!all.ok()) return all.status();
  std::vector<store::Campaign> out;
  std::optional<duban::Status> refused;
  for (const auto& c : *all) {
    auto ctx = Load(c.id);
    if (!ctx.ok()) return ctx.status();
    auto a = Authorized(*ctx, rc, Verb::kCampaignList);
    if (a.ok()) out.push_back(c);
    else refused = a.status();
  }
  // Someone who may list none of them is refused, as by any other query.
  if (out.empty() && refused) return *refused;
  return out;
}

Result<RosterView> App::Roster(const std::string& campaign, const std::string& unit, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  auto allowed = Authorized(*ctx, rc, Verb::kRoster, unit);
  if (!allowed.ok()) return allowed.status();
  const model::Roster& roster = *ctx->roster;
  if (!unit.empty() && roster.FindUnit(unit) == nullptr) return Status::NotFound("no unit '" + unit + "'");
  auto shown = [&](const std::string& u) { return unit.empty() ? allowed->Covers(u) : u == unit; };
  RosterView view{ctx->campaign.id, ctx->workflow, {}, {}};
  for (const auto& u : roster.units)
    if (shown(u.id)) view.units.push_back(u);
  for (const auto& p : roster.people) {
    // Everyone for the whole campaign; else the people of the units shown.
    const bool relevant = (unit.empty() && allowed->campaign_wide) ||
                          std::any_of(p.roles.begin(), p.roles.end(),
                                      [&](const model::Assignment& a) { return !a.unit.empty() && shown(a.unit); });
    if (!relevant) continue;
    model::Person person = p;
    if (!SeesDetails(*ctx, rc, p.id)) person.phone = person.email = "";
    view.people.push_back(std::move(person));
  }
  return view;
}

Result<model::Instance> App::GetInstance(const Context& ctx, const std::string& unit) {
  auto inst = store_.GetInstance(ctx.campaign.id, unit);
  if (!inst.ok()) return inst.status();
  if (!inst->has_value())
    return Status::NotFound("no unit '" + unit + "' in campaign '" + ctx.campaign.id + "'");
  return **inst;
}

Result<machine::GuardFacts> App::Facts(const Context& ctx, const std::string& unit, model::TransitionId tid) {
  auto materials = store_.ListMaterials(ctx.campaign.id, unit);
  if (!materials.ok()) return materials.status();
  auto signatures = store_.ListCommitments(ctx.campaign.id, unit);
  if (!signatures.ok()) return signatures.status();
  std::optional<model::Commitment> current;
  if (!signatures->empty()) current = signatures->back();
  machine::GuardFacts facts = machine::FactsFor(*ctx.workflow, *ctx.roster, unit, *materials, current);
  facts.inspection_recorded.detail = "须由办公室录入现场核查结果（inspect record）";
  if (auto assessed = AssessmentFacts(ctx, unit, tid, facts); !assessed.ok()) return assessed;
  return facts;
}

Result<model::Instance> App::Moved(const Context& ctx, const model::Instance& from, model::StageId to,
                                   Instant at, std::optional<Date> due_day) {
  model::Instance next = from;
  next.stage = to;
  next.version = from.version + 1;
  next.entered_at = at;
  next.pending_request.reset();
  next.extended_to = due_day;
  auto due = ctx.DueFor(to, at, due_day);
  if (!due.ok()) return due.status();
  Restarted(ctx, next, *due, std::nullopt);
  return next;
}

Result<Outcome<wire::Fired>> App::Fire(const std::string& campaign, const std::string& unit, const std::string& trigger,
                          const std::string& note, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = Authorized(*ctx, rc, Verb::kFire, unit); !allowed.ok()) return allowed.status();
  const auto& wf = *ctx->workflow;
  nlohmann::json fingerprint = {{"verb", "fire"}, {"unit", unit}, {"trigger", trigger},
                                {"note", note}, {"actor", rc.person}};
  return Run<wire::Fired>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Fired>> {
    auto inst = GetInstance(*ctx, unit);
    if (!inst.ok()) return inst.status();
    // The paperwork and the request count are read only when the transition
    // this trigger would take has guards or needs approval.
    auto tid = wf.FindTransition(trigger, inst->stage);
    machine::GuardFacts facts;
    if (tid && !wf.transitions[*tid].guards.empty()) {
      auto f = Facts(*ctx, unit, *tid);
      if (!f.ok()) return f.status();
      facts = std::move(*f);
    }
    std::string request_id;
    if (tid && wf.transitions[*tid].needs_approval) {
      auto count = store_.CountRequests(ctx->campaign.id, unit);
      if (!count.ok()) return count.status();
      request_id = unit + "#" + std::to_string(*count + 1);
    }
    machine::Fire fire{trigger, rc.person, rc.at, note};
    auto d = machine::DecideFire(wf, *ctx->roster, *inst, fire, facts, request_id);
    if (d.refused()) return Status::Refused(d.rule, d.message);

    Plan<wire::Fired> plan;
    plan.changes.campaign = ctx->campaign.id;
    model::Instance next = *inst;
    if (d.moves()) {
      auto moved = Moved(*ctx, *inst, d.to, rc.at);
      if (!moved.ok()) return moved.status();
      next = *moved;
    } else {
      next.version = inst->version + 1;
      next.pending_request = d.request->id;
      plan.changes.requests.push_back(*d.request);
    }
    plan.changes.instances.push_back({next, inst->version});
    plan.changes.events = d.events;
    plan.result = wire::Fired{unit,
                              trigger,
                              d.moves() ? wire::Fired::Outcome::kApplied : wire::Fired::Outcome::kRequested,
                              StageOf(wf, d.from),
                              StageOf(wf, d.to),
                              d.request ? std::optional<std::string>(d.request->id) : std::nullopt,
                              next.due_at};
    return plan;
  });
}

Result<Outcome<wire::Decided>> App::Decide(const std::string& campaign, const std::string& request, bool approve,
                            const std::string& note, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  // The assessment's ranking (assessment#N) is the campaign's, not a unit's.
  if (request.rfind(assessment::kApprovalPrefix, 0) == 0) return DecideAssessment(*ctx, request, approve, note, rc);
  // "finance#1" names a request of unit "finance"; "finance" the unit's open one.
  const std::string request_unit = request.substr(0, request.find('#'));
  if (auto allowed = Authorized(*ctx, rc, approve ? Verb::kApprove : Verb::kReject, request_unit); !allowed.ok())
    return allowed.status();
  const auto& wf = *ctx->workflow;
  nlohmann::json fingerprint = {{"verb", approve ? "approve" : "reject"}, {"request", request},
                                {"note", note}, {"actor", rc.person}};
  return Run<wire::Decided>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Decided>> {
    // "finance#1" names a request; "finance" the unit's open one.
    std::string request_id = request;
    if (request.find('#') == std::string::npos) {
      auto inst = GetInstance(*ctx, request);
      if (!inst.ok()) return inst.status();
      if (!inst->pending_request) return Status::NotFound("unit '" + request + "' has no open request");
      request_id = *inst->pending_request;
    }
    auto req = store_.GetRequest(ctx->campaign.id, request_id);
    if (!req.ok()) return req.status();
    if (!req->has_value()) return Status::NotFound("no request '" + request_id + "'");
    const model::Request& r = **req;
    auto inst = GetInstance(*ctx, r.unit);
    if (!inst.ok()) return inst.status();
    auto facts = Facts(*ctx, r.unit, r.transition);
    if (!facts.ok()) return facts.status();
    auto d = machine::DecideRequest(wf, *ctx->roster, *inst, r,
                                    machine::Decide{approve, rc.person, rc.at, note}, *facts);
    if (d.refused()) return Status::Refused(d.rule, d.message);

    Plan<wire::Decided> plan;
    plan.changes.campaign = ctx->campaign.id;
    model::Instance next = *inst;
    const bool extension = r.kind == model::RequestKind::kExtension;
    if (d.moves() && extension && r.new_due && inst->due_at && *r.new_due <= ctx->tz.local_date(*inst->due_at))
      return Status::Refused("extension_date", "延期后的日期 " + FormatDate(*r.new_due) + " 已不晚于当前截止日期 " +
                                             FormatDate(ctx->tz.local_date(*inst->due_at)) + "，无需批准；请驳回");
    if (d.moves() && extension) {
      // The stage stays; its due day moves, and the reminders and
      // escalations start again from the new one.
      next.version = inst->version + 1;
      next.pending_request.reset();
      next.extended_to = r.new_due;
      auto due = ctx->DueFor(inst->stage, inst->entered_at, r.new_due);
      if (!due.ok()) return due.status();
      Restarted(*ctx, next, *due, rc.at);
      nlohmann::json moved = {{"scope", "unit"}, {"stage", wf.stages[inst->stage].id}, {"request", r.id},
                              {"reason", r.note}, {"requested_by", r.requested_by}};
      if (inst->due_at) moved["from"] = FormatDate(ctx->tz.local_date(*inst->due_at));
      if (next.due_at) moved["to"] = FormatDate(ctx->tz.local_date(*next.due_at));
      d.events.push_back(model::Event{model::EventType::kDeadlineExtended, r.unit, rc.person, rc.at, moved});
    } else if (d.moves()) {
      auto moved = Moved(*ctx, *inst, d.to, rc.at);
      if (!moved.ok()) return moved.status();
      next = *moved;
    } else {
      next.version = inst->version + 1;
      next.pending_request.reset();
    }
    plan.changes.instances.push_back({next, inst->version});
    plan.changes.requests.push_back(*d.request);
    plan.changes.events = d.events;
    plan.result = wire::Decided{
        r.unit,
        r.id,
        extension ? model::RequestKind::kExtension : model::RequestKind::kTransition,
        extension ? "extend" : wf.transitions[r.transition].trigger,
        d.moves() ? wire::Decided::Outcome::kApproved : wire::Decided::Outcome::kRejected,
        StageOf(wf, d.from),
        StageOf(wf, d.moves() ? d.to : d.from),
        extension && next.due_at ? std::optional<Date>(ctx->tz.local_date(*next.due_at)) : std::nullopt};
    return plan;
  });
}


// What every notice of a unit says besides its event (workflows/templates/README.md):
// the stage's owners, the due in words with the working days left, the
// outstanding items by name, the office's contacts, the link to the page
// where the recipient acts, and the thread the unit's mails of the stage share.
void App::QueueNotices(const Context& ctx, store::Changeset& changes) const {
  const auto& wf = *ctx.workflow;
  const auto& roster = *ctx.roster;
  nlohmann::json office = nlohmann::json::array();
  for (const auto& p : roster.people)
    for (const auto& a : p.roles)
      if (std::find(wf.notice_contacts.begin(), wf.notice_contacts.end(), a.role_id) != wf.notice_contacts.end() &&
          std::none_of(office.begin(), office.end(), [&](const nlohmann::json& o) { return o["person"] == p.id; }))
        office.push_back({{"person", p.id}, {"name", p.name}, {"title", p.title}, {"phone", p.phone}, {"email", p.email}});
  const std::string base = options_.public_url + "/c/" + ctx.campaign.id;
  // The unit's materials as they stand after the change, read once per unit.
  std::map<std::string, std::vector<model::MaterialRecord>> materials;
  auto materials_of = [&](const std::string& unit) -> const std::vector<model::MaterialRecord>& {
    auto it = materials.find(unit);
    if (it != materials.end()) return it->second;
    auto listed = store_.ListMaterials(ctx.campaign.id, unit);
    std::vector<model::MaterialRecord> now = listed.ok() ? std::move(*listed) : std::vector<model::MaterialRecord>{};
    for (const auto& m : changes.materials) {
      if (m.unit != unit) continue;
      auto same = std::find_if(now.begin(), now.end(), [&](const model::MaterialRecord& r) { return r.material == m.material; });
      if (same == now.end()) now.push_back(m); else *same = m;
    }
    return materials.emplace(unit, std::move(now)).first->second;
  };
  // The unit's instance after the change.
  auto instance_of = [&](const std::string& unit) -> std::optional<model::Instance> {
    for (auto it = changes.instances.rbegin(); it != changes.instances.rend(); ++it)
      if (it->instance.unit == unit) return it->instance;
    auto got = store_.GetInstance(ctx.campaign.id, unit);
    if (got.ok() && got->has_value()) return **got;
    return std::nullopt;
  };
  for (std::size_t i = 0; i < changes.events.size(); ++i) {
    const model::Event& e = changes.events[i];
    const std::vector<model::RoleId> roles = machine::NoticeRolesFor(wf, e);
    if (roles.empty()) continue;
    model::Notice n;
    n.campaign_name = ctx.campaign.name;
    n.time_zone = ctx.tz.name();
    if (const auto* unit = roster.FindUnit(e.unit)) n.unit_name = unit->name;
    if (const auto* actor = roster.FindPerson(e.actor)) n.actor_name = actor->name;
    n.urgent = std::find(options_.urgent_types.begin(), options_.urgent_types.end(), e.type) !=
               options_.urgent_types.end();
    // Names for the ids in the payload, for the templates.
    for (const char* key : {"stage", "from", "to"})
      if (e.payload.contains(key) && e.payload[key].is_string())
        if (auto sid = wf.FindStage(e.payload[key].get<std::string>())) n.display[key] = wf.stages[*sid].label.zh;
    if (e.payload.contains("trigger") && e.payload["trigger"].is_string()) {
      auto ids = wf.FindTrigger(e.payload["trigger"].get<std::string>());
      if (!ids.empty()) n.display["trigger"] = wf.transitions[ids.front()].label.zh;
    }
    if (e.payload.contains("role") && e.payload["role"].is_string())
      if (auto rid = wf.FindRole(e.payload["role"].get<std::string>())) n.display["role"] = wf.roles[*rid].label.zh;
    n.display["office"] = office;
    n.display["link"] = e.unit.empty() ? base : base + "/units/" + e.unit;
    n.display["queue_link"] = base + "/queue";
    n.display["office_link"] = base;
    if (!e.unit.empty()) {
      const std::optional<model::Instance> inst = instance_of(e.unit);
      // The stage the event is about: the payload's, else where the unit stands now.
      std::optional<model::StageId> stage;
      if (e.payload.contains("stage") && e.payload["stage"].is_string()) stage = wf.FindStage(e.payload["stage"].get<std::string>());
      if (!stage && inst) stage = inst->stage;
      if (stage) {
        nlohmann::json owners = nlohmann::json::array();
        std::string owner_label;
        bool unit_owned = !wf.stages[*stage].owners.empty();
        for (model::RoleId r : wf.stages[*stage].owners) {
          owners.push_back(wf.roles[r].id);
          owner_label += (owner_label.empty() ? "" : "、") + wf.roles[r].label.zh;
          unit_owned = unit_owned && wf.roles[r].scope == model::RoleScope::kUnit;
        }
        n.display["owners"] = std::move(owners);
        // Who must act, as a supervisor reads it: 区财政局联络员、协调人.
        if (!owner_label.empty()) n.display["owner_label"] = (unit_owned ? n.unit_name : std::string()) + owner_label;
        n.display["thread"] = ctx.campaign.id + "." + e.unit + "." + wf.stages[*stage].id;
        if (!n.display.contains("stage")) n.display["stage"] = wf.stages[*stage].label.zh;
        if (inst) n.display["current_stage"] = wf.stages[inst->stage].label.zh;
      }
      // The due before this change (an extension's decision moves it).
      if (auto before = store_.GetInstance(ctx.campaign.id, e.unit); before.ok() && before->has_value() && (**before).due_at)
        n.display["due_before"] = DateInWords(ctx.tz.local_date(*(**before).due_at));
      // By when: the payload's due day, else the unit's current due.
      std::optional<Date> due;
      if (e.payload.contains("due_date") && e.payload["due_date"].is_string()) {
        if (auto d = ParseDate(e.payload["due_date"].get<std::string>()); d.ok()) due = *d;
      } else if (inst && inst->due_at && (!stage || *stage == inst->stage)) {
        due = ctx.tz.local_date(*inst->due_at);
      }
      if (due) {
        const int left = deadline::WorkdaysLeft(*ctx.calendar, ctx.tz.local_date(e.at), *due);
        nlohmann::json d = {{"date", DateInWords(*due)}};
        if (left > 0) d["left"] = left;
        else if (left == 0) d["today"] = true;
        else d["overdue"] = -left;
        n.display["deadline"] = std::move(d);
      }
      nlohmann::json outstanding = nlohmann::json::array();
      for (const auto& m : materials_of(e.unit))
        if (!m.dropped && m.state != model::MaterialState::kAccepted && (m.required || m.state != model::MaterialState::kPending))
          outstanding.push_back({{"name", m.name}, {"state", MaterialStateWords(m.state)}});
      if (!outstanding.empty()) {
        n.display["outstanding_count"] = outstanding.size();
        n.display["outstanding"] = std::move(outstanding);
      }
    }
    std::set<std::string> seen;
    for (model::RoleId role : roles) {
      const std::string& role_name = wf.roles[role].id;
      n.display["roles"][role_name] = wf.roles[role].label.zh;
      // A unit's role has no holder for a campaign-wide event.
      const bool unit_scoped = wf.roles[role].scope == model::RoleScope::kUnit;
      n.display["scopes"][role_name] = unit_scoped ? "unit" : "campaign";
      if (unit_scoped && e.unit.empty()) continue;
      for (const auto& p : roster.people)
        for (const auto& a : p.roles)
          if (a.role_id == role && (!unit_scoped || a.unit == e.unit) && seen.insert(p.id).second)
            n.recipients.push_back(model::Recipient{p.id, p.name, p.email, role_name});
    }
    // A contact change is told to the new holder of the role too, whom the
    // roster of this command does not hold yet (the change is in this changeset).
    if (e.type == model::EventType::kContactChanged && e.payload.value("person", "") != "") {
      const std::string role = e.payload.value("role", "");
      if (std::none_of(n.recipients.begin(), n.recipients.end(),
                       [&](const model::Recipient& r) { return r.person == e.payload.value("person", ""); }))
        n.recipients.push_back(model::Recipient{e.payload.value("person", ""), e.payload.value("name", ""),
                                              e.payload.value("email", ""), role});
    }
    // Those who take the daily digest hear of it there, unless it is urgent.
    n.event = e;
    machine::Routed routed = machine::RouteRecipients(roster, n, options_.digest);
    for (auto& r : routed.held) {
      model::Notice held = n;
      held.recipients = {std::move(r)};
      changes.digest_holds.push_back(store::DigestHold{i, std::move(held)});
    }
    n.recipients = std::move(routed.now);
    if (n.recipients.empty()) continue;
    changes.notices.push_back(store::NoticeDraft{i, std::move(n)});
  }
}

Result<std::optional<Instant>> App::NextDeadline() {
  auto deadline = store_.NextDeadline();
  if (!deadline.ok()) return deadline;
  auto digest = NextDigest();
  if (!digest.ok()) return digest;
  if (!*digest) return deadline;
  if (!*deadline) return digest;
  return std::optional<Instant>(std::min(**deadline, **digest));
}

Result<Outcome<wire::Ticked>> App::Tick(const RequestContext& rc) {
  constexpr std::size_t kBatch = 1000;
  const Instant now = rc.at;
  if (auto allowed = AuthorizeEverywhere(rc, Verb::kTick); !allowed.ok()) return allowed;
  // A tick is idempotent by construction; one command id for several
  // campaigns and passes would answer the later ones from the first.
  RequestContext tick = rc;
  tick.command_id.reset();
  wire::Ticked ticked{now, {}};
  // Each pass takes the earliest due instances, and ticks those of the first
  // one's campaign in one transaction. Every instance ticked moves its next
  // step past `now`, so the passes end.
  for (;;) {
    auto due = store_.ListDueInstances(now, 1);
    if (!due.ok()) return due.status();
    if (due->empty()) break;
    const std::string id = due->front().first;
    auto ctx = Load(id);
    if (!ctx.ok()) return ctx.status();
    auto done = Run<wire::Ticked>(id, tick, {{"verb", "tick"}, {"at", FormatUtc(now)}}, &*ctx,
                                  [&]() -> Result<Plan<wire::Ticked>> {
      auto batch = store_.ListDueInstances(now, kBatch);
      if (!batch.ok()) return batch.status();
      Plan<wire::Ticked> plan;
      plan.changes.campaign = id;
      plan.result.at = now;
      for (const auto& [campaign, inst] : *batch) {
        if (campaign != id) continue;
        auto ev = deadline::Evaluate(*ctx->workflow, *ctx->calendar, ctx->tz, inst, now);
        if (ev.progress.next_at && *ev.progress.next_at <= now)
          return Status::Internal("deadline schedule of unit '" + inst.unit + "' did not advance past " +
                                  FormatUtc(now));
        model::Instance next = inst;
        next.version = inst.version + 1;
        next.deadline_step = ev.progress.step;
        next.next_deadline_at = ev.progress.next_at;
        plan.changes.instances.push_back({next, inst.version});
        for (auto& e : ev.events) {
          e.actor = rc.person;  // "system" for the engine's clock, else who ticked by hand
          plan.result.raised.push_back({id, e});
          plan.changes.events.push_back(std::move(e));
        }
      }
      return plan;
    });
    if (!done.ok()) return done.status();
    for (auto& r : done->value.raised) ticked.raised.push_back(std::move(r));
  }
  // Then the daily digests whose time has come (digest.cpp), after the
  // deadlines' notices of the same instant, which they may list.
  if (auto made = AssembleDigests(now, ticked.raised); !made.ok()) return made;
  return Outcome<wire::Ticked>{std::move(ticked), false};
}

Result<Outcome<wire::DueSet>> App::SetDue(const std::string& campaign, const std::string& stage, Date due,
                            const std::string& reason, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = Authorized(*ctx, rc, Verb::kDeadlineSet, ""); !allowed.ok()) return allowed.status();
  const auto& wf = *ctx->workflow;
  auto sid = wf.FindStage(stage);
  if (!sid) return Status::NotFound("no stage '" + stage + "' in workflow '" + wf.id + "'");
  if (reason.empty()) return Status::Refused(machine::kRuleNote, "调整截止日期须写明依据 (--note)，如上级通知文号");
  nlohmann::json fingerprint = {{"verb", "deadline.set"}, {"stage", stage}, {"due", FormatDate(due)},
                                {"reason", reason}, {"actor", rc.person}};
  return Run<wire::DueSet>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::DueSet>> {
    Context next_ctx = *ctx;
    next_ctx.overrides.erase(std::remove_if(next_ctx.overrides.begin(), next_ctx.overrides.end(),
                                            [&](const model::DueOverride& o) { return o.stage == *sid; }),
                             next_ctx.overrides.end());
    model::DueOverride o{*sid, due, reason, rc.person, rc.at};
    next_ctx.overrides.push_back(o);
    Plan<wire::DueSet> plan;
    plan.changes.campaign = ctx->campaign.id;
    plan.changes.due_overrides.push_back(o);
    auto instances = store_.ListInstances(ctx->campaign.id);
    if (!instances.ok()) return instances.status();
    std::vector<std::string> moved;
    for (const auto& inst : *instances) {
      // A unit's own extension stands only while it is later than the new day.
      if (inst.stage != *sid || (inst.extended_to && *inst.extended_to >= due)) continue;
      auto d = next_ctx.DueFor(inst.stage, inst.entered_at, std::nullopt);
      if (!d.ok()) return d.status();
      model::Instance next = inst;
      next.extended_to.reset();
      next.version = inst.version + 1;
      Restarted(next_ctx, next, *d, rc.at);
      plan.changes.instances.push_back({next, inst.version});
      nlohmann::json payload = {{"scope", "campaign"}, {"stage", stage}, {"to", FormatDate(due)},
                                {"reason", reason}};
      if (inst.due_at) payload["from"] = FormatDate(ctx->tz.local_date(*inst.due_at));
      plan.changes.events.push_back(model::Event{model::EventType::kDeadlineExtended, inst.unit, rc.person, rc.at, payload});
      moved.push_back(inst.unit);
    }
    if (moved.empty())
      plan.changes.events.push_back(model::Event{
          model::EventType::kDeadlineExtended, "", rc.person, rc.at,
          {{"scope", "campaign"}, {"stage", stage}, {"to", FormatDate(due)}, {"reason", reason}, {"units", 0}}});
    plan.result = wire::DueSet{stage, due, reason, std::move(moved)};
    return plan;
  });
}

Result<Outcome<wire::ExtensionRequested>> App::RequestExtension(const std::string& campaign, const std::string& unit, Date new_due,
                                      const std::string& reason, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = Authorized(*ctx, rc, Verb::kExtend, unit); !allowed.ok()) return allowed.status();
  nlohmann::json fingerprint = {{"verb", "extend"}, {"unit", unit}, {"due", FormatDate(new_due)},
                                {"reason", reason}, {"actor", rc.person}};
  return Run<wire::ExtensionRequested>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::ExtensionRequested>> {
    auto inst = GetInstance(*ctx, unit);
    if (!inst.ok()) return inst.status();
    auto count = store_.CountRequests(ctx->campaign.id, unit);
    if (!count.ok()) return count.status();
    std::optional<Date> current;
    if (inst->due_at) current = ctx->tz.local_date(*inst->due_at);
    auto d = machine::DecideExtension(*ctx->workflow, *ctx->roster, *inst, current, new_due,
                                      machine::Fire{"extend", rc.person, rc.at, reason},
                                      unit + "#" + std::to_string(*count + 1));
    if (d.refused()) return Status::Refused(d.rule, d.message);
    Plan<wire::ExtensionRequested> plan;
    plan.changes.campaign = ctx->campaign.id;
    model::Instance next = *inst;
    next.version = inst->version + 1;
    next.pending_request = d.request->id;
    plan.changes.instances.push_back({next, inst->version});
    plan.changes.requests.push_back(*d.request);
    plan.changes.events = d.events;
    plan.result = wire::ExtensionRequested{unit, d.request->id, current, new_due};
    return plan;
  });
}

Result<Outcome<wire::Recorded>> App::Urge(const std::string& campaign, const std::string& unit, const std::string& note,
                          const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = Authorized(*ctx, rc, Verb::kUrge, unit); !allowed.ok()) return allowed.status();
  nlohmann::json fingerprint = {{"verb", "urge"}, {"unit", unit}, {"note", note}, {"actor", rc.person},
                                {"at", FormatUtc(rc.at)}};
  return Run<wire::Recorded>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto inst = GetInstance(*ctx, unit);
    if (!inst.ok()) return inst.status();
    Plan<wire::Recorded> plan{Touching(*ctx, *inst), {}};
    // The office urges those its first escalation level would reach.
    const model::DeadlinePolicy& policy = ctx->workflow->stages[inst->stage].policy;
    nlohmann::json roles = nlohmann::json::array();
    if (!policy.levels.empty())
      for (model::RoleId r : policy.levels.front().roles) roles.push_back(ctx->workflow->roles[r].id);
    nlohmann::json payload = {{"manual", true},
                              {"level", 0},
                              {"roles", std::move(roles)},
                              {"stage", ctx->workflow->stages[inst->stage].id}};
    if (!note.empty()) payload["note"] = note;
    if (inst->due_at) {
      payload["due_date"] = FormatDate(ctx->tz.local_date(*inst->due_at));
      if (auto st = deadline::StandingAt(*ctx->workflow, *ctx->calendar, ctx->tz, *inst, rc.at))
        payload["workdays_left"] = st->workdays_left;
    }
    plan.changes.events.push_back(model::Event{model::EventType::kEscalationRaised, unit, rc.person, rc.at, payload});
    plan.result = wire::Recorded{unit, payload};
    return plan;
  });
}

Result<std::vector<wire::CalendarLoaded::Moved>> App::RecomputeDeadlines(const RequestContext& rc) {
  const Instant at = rc.at;
  RequestContext recompute = rc;
  recompute.command_id.reset();
  std::vector<wire::CalendarLoaded::Moved> moved;
  if (rc.person == "system" && rc.channel != Channel::kSystem)
    return Status::Refused(workflow::kRuleActor, "只有系统通道可以以 'system' 身份操作 / only the engine's own clock acts as "
                                                 "'system'");
  auto campaigns = store_.ListCampaigns();
  if (!campaigns.ok()) return campaigns.status();
  for (const auto& c : *campaigns) {
    auto ctx = Load(c.id);
    if (!ctx.ok()) return ctx.status();
    auto done = Run<wire::CalendarLoaded>(c.id, recompute, {{"verb", "recompute"}, {"at", FormatUtc(at)}}, &*ctx, [&]() -> Result<Plan<wire::CalendarLoaded>> {
      auto instances = store_.ListInstances(c.id);
      if (!instances.ok()) return instances.status();
      Plan<wire::CalendarLoaded> plan;
      plan.changes.campaign = c.id;
      for (const auto& inst : *instances) {
        auto d = ctx->DueFor(inst.stage, inst.entered_at, inst.extended_to);
        if (!d.ok()) return d.status();
        model::Instance next = inst;
        if (*d != inst.due_at) {
          Restarted(*ctx, next, *d, at);
          nlohmann::json payload = {{"scope", "calendar"}, {"stage", ctx->workflow->stages[inst.stage].id},
                                    {"reason", "工作日历更正 / corrected holiday calendar"}};
          std::optional<Date> from, to;
          if (inst.due_at) payload["from"] = FormatDate(*(from = ctx->tz.local_date(*inst.due_at)));
          if (*d) payload["to"] = FormatDate(*(to = ctx->tz.local_date(**d)));
          plan.changes.events.push_back(model::Event{model::EventType::kDeadlineExtended, inst.unit, rc.person, at, payload});
          plan.result.moved.push_back(
              {c.id, inst.unit, payload["stage"].get<std::string>(), payload["reason"].get<std::string>(), from, to});
        } else {
          // Same due day; the working days of its reminders and escalations may still move.
          next.next_deadline_at = deadline::StepAt(*ctx->workflow, *ctx->calendar, ctx->tz, inst, inst.deadline_step);
          if (next.next_deadline_at == inst.next_deadline_at) continue;
        }
        next.version = inst.version + 1;
        plan.changes.instances.push_back({next, inst.version});
      }
      return plan;
    });
    if (!done.ok()) return done.status();
    for (auto& m : done->value.moved) moved.push_back(std::move(m));
  }
  return moved;
}

Result<Outcome<wire::Recorded>> App::Material(const std::string& campaign, const std::string& unit,
                              const std::string& material, machine::MaterialAction action,
                              const std::string& note, const std::vector<std::filesystem::path>& files,
                              const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  const Verb verb = action == machine::MaterialAction::kSubmit    ? Verb::kMaterialSubmit
                    : action == machine::MaterialAction::kExplain ? Verb::kMaterialExplain
                    : action == machine::MaterialAction::kReturn  ? Verb::kMaterialReturn
                                                                  : Verb::kMaterialAccept;
  if (auto allowed = Authorized(*ctx, rc, verb, unit); !allowed.ok()) return allowed.status();
  // Files first: copying content-addressed files twice is harmless, and a
  // bad file stops the command before anything is recorded.
  std::vector<attach::StoredFile> stored;
  for (const auto& f : files) {
    auto put = files_.Put(f);
    if (!put.ok()) return put.status();
    stored.push_back(*put);
  }
  nlohmann::json fingerprint = {{"verb", "material"}, {"unit", unit}, {"material", material},
                                {"action", static_cast<int>(action)}, {"note", note}, {"actor", rc.person}};
  for (const auto& f : stored) fingerprint["files"].push_back(f.sha256);
  // A refused command keeps no file it brought.
  auto forget = [&](Result<Outcome<wire::Recorded>> r) {
    if (!r.ok())
      for (const auto& f : stored)
        if (f.added) files_.Remove(f.sha256);
    return r;
  };
  return forget(Run<wire::Recorded>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto inst = GetInstance(*ctx, unit);
    if (!inst.ok()) return inst.status();
    auto owed = OwedMaterial(ctx->campaign.id, unit, material);
    if (!owed.ok()) return owed.status();
    auto d = machine::DecideMaterial(*ctx->workflow, *ctx->roster, *owed,
                                     machine::MaterialCommand{action, rc.person, rc.at, note});
    if (d.refused) return Status::Refused(d.rule, d.message);
    Plan<wire::Recorded> plan{Touching(*ctx, *inst), {}};
    plan.changes.materials.push_back(d.record);
    for (const auto& f : stored) {
      plan.changes.attachments.push_back(
          model::Attachment{f.sha256, f.name, f.size, f.media_type, unit, material, rc.person, rc.at});
      d.event.payload["files"].push_back({{"name", f.name}, {"sha256", f.sha256}, {"size", f.size},
                                          {"media_type", f.media_type}});
    }
    plan.changes.events.push_back(d.event);
    plan.result = wire::Recorded{unit, d.event.payload};
    return plan;
  }));
}

Result<model::MaterialRecord> App::OwedMaterial(const std::string& campaign, const std::string& unit,
                                                const std::string& material) {
  auto records = store_.ListMaterials(campaign, unit);
  if (!records.ok()) return records.status();
  for (const auto& m : *records)
    if (m.material == material && !m.dropped) return m;
  return Status::NotFound("unit '" + unit + "' owes no material '" + material + "'");
}

Result<Outcome<wire::Recorded>> App::AddMaterial(const std::string& campaign, const std::string& unit, const std::string& material,
                                 const std::string& name, bool required, const std::string& reason,
                                 const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = Authorized(*ctx, rc, Verb::kMaterialAdd, unit); !allowed.ok()) return allowed.status();
  if (reason.empty()) return Status::Refused(machine::kRuleNote, "增加材料须写明理由 (--note)");
  if (material.empty() || name.empty()) return Status::InvalidInput("a material needs an id and a name");
  nlohmann::json fingerprint = {{"verb", "material.add"}, {"unit", unit}, {"material", material}, {"name", name},
                                {"required", required}, {"reason", reason}, {"actor", rc.person}};
  return Run<wire::Recorded>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto inst = GetInstance(*ctx, unit);
    if (!inst.ok()) return inst.status();
    auto records = store_.ListMaterials(ctx->campaign.id, unit);
    if (!records.ok()) return records.status();
    for (const auto& m : *records)
      if (m.material == material && !m.dropped)
        return Status::InvalidInput("unit '" + unit + "' already owes material '" + material + "'");
    model::MaterialRecord r;
    r.unit = unit;
    r.material = material;
    r.name = name;
    r.required = required;
    r.updated_at = rc.at;
    r.updated_by = rc.person;
    r.change_reason = reason;
    Plan<wire::Recorded> plan{Touching(*ctx, *inst), {}};
    plan.changes.materials.push_back(r);
    nlohmann::json payload = {{"material", material}, {"name", name}, {"required", required}, {"reason", reason}};
    plan.changes.events.push_back(model::Event{model::EventType::kMaterialAdded, unit, rc.person, rc.at, payload});
    plan.result = wire::Recorded{unit, payload};
    return plan;
  });
}

Result<Outcome<wire::Recorded>> App::DropMaterial(const std::string& campaign, const std::string& unit, const std::string& material,
                                  const std::string& reason, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = Authorized(*ctx, rc, Verb::kMaterialDrop, unit); !allowed.ok()) return allowed.status();
  if (reason.empty()) return Status::Refused(machine::kRuleNote, "删减材料须写明理由 (--note)");
  nlohmann::json fingerprint = {{"verb", "material.drop"}, {"unit", unit}, {"material", material},
                                {"reason", reason}, {"actor", rc.person}};
  return Run<wire::Recorded>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto inst = GetInstance(*ctx, unit);
    if (!inst.ok()) return inst.status();
    auto owed = OwedMaterial(ctx->campaign.id, unit, material);
    if (!owed.ok()) return owed.status();
    model::MaterialRecord r = *owed;
    r.dropped = true;
    r.change_reason = reason;
    r.updated_at = rc.at;
    r.updated_by = rc.person;
    Plan<wire::Recorded> plan{Touching(*ctx, *inst), {}};
    plan.changes.materials.push_back(r);
    nlohmann::json payload = {{"material", material}, {"name", owed->name}, {"reason", reason},
                              {"state", model::MaterialStateName(owed->state)}};
    plan.changes.events.push_back(model::Event{model::EventType::kMaterialDropped, unit, rc.person, rc.at, payload});
    plan.result = wire::Recorded{unit, payload};
    return plan;
  });
}

Result<Outcome<wire::Recorded>> App::PaperCopies(const std::string& campaign, const std::string& unit, int received,
                                 const std::string& note, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = Authorized(*ctx, rc, Verb::kCopies, unit); !allowed.ok()) return allowed.status();
  if (received < 0) return Status::InvalidInput("copies received cannot be negative");
  nlohmann::json fingerprint = {{"verb", "copies"}, {"unit", unit}, {"received", received}, {"note", note},
                                {"actor", rc.person}};
  return Run<wire::Recorded>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto inst = GetInstance(*ctx, unit);
    if (!inst.ok()) return inst.status();
    auto copies = store_.ListPaperCopies(ctx->campaign.id);
    if (!copies.ok()) return copies.status();
    int before = 0;
    for (const auto& [u, n] : *copies)
      if (u == unit) before = n;
    Plan<wire::Recorded> plan{Touching(*ctx, *inst), {}};
    plan.changes.paper_copies.emplace_back(unit, received);
    nlohmann::json payload = {{"received", received}, {"before", before}, {"required", kPaperCopiesToOffice}};
    if (!note.empty()) payload["note"] = note;
    plan.changes.events.push_back(model::Event{model::EventType::kPaperReceived, unit, rc.person, rc.at, payload});
    plan.result = wire::Recorded{unit, payload};
    return plan;
  });
}

Result<Outcome<wire::Recorded>> App::SetContact(const std::string& campaign, const std::string& unit, const ContactChange& change,
                                const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  const auto& wf = *ctx->workflow;
  auto allowed = Authorized(*ctx, rc, Verb::kContactSet, unit);
  if (!allowed.ok()) return allowed.status();
  const auto& contacts = wf.permissions.unit_contacts;
  if (std::none_of(contacts.begin(), contacts.end(),
                   [&](model::RoleId r) { return wf.roles[r].id == change.role; })) {
    std::vector<std::string> ids;
    for (auto r : contacts) ids.push_back("'" + wf.roles[r].id + "'");
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "" : " or ") + id;
    return Status::InvalidInput("a contact is " + list + ", not '" + change.role + "'");
  }
  if (change.person.empty()) return Status::InvalidInput("the new holder needs a person id (--person)");
  if (ctx->roster->FindUnit(unit) == nullptr)
    return Status::NotFound("no unit '" + unit + "' in campaign '" + ctx->campaign.id + "'");
  const model::Person* existing = ctx->roster->FindPerson(change.person);
  if (existing == nullptr && change.name.empty())
    return Status::InvalidInput("a new person '" + change.person + "' needs a name (--name)");
  // The office records any change; a unit reporting its own may name a new
  // person or one of its own, but never take over a person who holds roles
  // elsewhere, nor change anyone's recorded name or address.
  if (!allowed->campaign_wide && existing != nullptr) {
    for (const auto& a : existing->roles)
      if (a.unit != unit)
        return Status::Refused("contact_takeover",
                               rc.person + " 不能将 " + change.person + " 登记为单位 " + unit + " 的联系人：此人在" +
                                   (a.unit.empty() ? std::string("全局") : "单位 " + a.unit) + "担任" +
                                   wf.roles[a.role_id].label.zh + "，只有领导小组办公室可以登记");
    const bool rewrites = (!change.name.empty() && change.name != existing->name) ||
                          (!change.phone.empty() && change.phone != existing->phone) ||
                          (!change.email.empty() && change.email != existing->email);
    if (rewrites)
      return Status::Refused("contact_details", rc.person + " 不能更改已登记人员 " + change.person +
                                                    " 的姓名、电话或电子邮件；请报领导小组办公室登记");
  }
  nlohmann::json fingerprint = {{"verb", "contact.set"}, {"unit", unit}, {"role", change.role},
                                {"person", change.person}, {"name", change.name}, {"phone", change.phone},
                                {"email", change.email}, {"actor", rc.person}};
  return Run<wire::Recorded>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto inst = GetInstance(*ctx, unit);
    if (!inst.ok()) return inst.status();
    auto history = store_.ListContacts(ctx->campaign.id, unit);
    if (!history.ok()) return history.status();
    int number = 0;
    for (const auto& c : *history)
      if (c.role == change.role) number = std::max(number, c.number);
    // The holder before this change, for the record.
    std::string previous;
    if (auto role = wf.FindRole(change.role))
      for (const auto& p : ctx->roster->people)
        if (ctx->roster->Holds(p.id, *role, unit, wf)) previous = p.id;
    model::Contact c;
    c.unit = unit;
    c.role = change.role;
    c.number = number + 1;
    c.person = change.person;
    c.name = !change.name.empty() ? change.name : existing ? existing->name : "";
    c.phone = !change.phone.empty() ? change.phone : existing ? existing->phone : "";
    c.email = !change.email.empty() ? change.email : existing ? existing->email : "";
    c.reported_by = change.reported_by.empty() ? rc.person : change.reported_by;
    c.reported_on = change.reported_on.value_or(ctx->tz.local_date(rc.at));
    c.recorded_by = rc.person;
    c.recorded_at = rc.at;
    Plan<wire::Recorded> plan{Touching(*ctx, *inst), {}};
    plan.changes.contacts.push_back(c);
    nlohmann::json payload = ContactPayload(c, previous);
    plan.changes.events.push_back(model::Event{model::EventType::kContactChanged, unit, rc.person, rc.at, payload});
    plan.result = wire::Recorded{unit, payload};
    return plan;
  });
}

Result<Outcome<wire::Recorded>> App::Sign(const std::string& campaign, const std::string& unit, const std::string& signer,
                          Date signed_on, bool stamped, const std::filesystem::path& document,
                          const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = Authorized(*ctx, rc, Verb::kSign, unit); !allowed.ok()) return allowed.status();
  if (const Date today = ctx->tz.local_date(rc.at); signed_on > today)
    return Status::InvalidInput("the commitment is dated " + FormatDate(signed_on) + ", after the day it is recorded (" +
                                FormatDate(today) + "): a signature cannot come from the future");
  if (static_cast<int>(signed_on.year()) < ctx->campaign.year - 1)
    return Status::InvalidInput("the commitment is dated " + FormatDate(signed_on) + ", before the campaign's years");
  auto scan = files_.Put(document);
  if (!scan.ok()) return scan.status();
  const std::string doc_hash = scan->sha256;
  nlohmann::json fingerprint = {{"verb", "sign"}, {"unit", unit}, {"signer", signer},
                                {"signed_on", FormatDate(signed_on)}, {"stamped", stamped},
                                {"document", doc_hash}, {"actor", rc.person}};
  // A refused signature keeps no scan it brought.
  auto forget = [&](Result<Outcome<wire::Recorded>> r) {
    if (!r.ok() && scan->added) files_.Remove(scan->sha256);
    return r;
  };
  return forget(Run<wire::Recorded>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto inst = GetInstance(*ctx, unit);
    if (!inst.ok()) return inst.status();
    auto signatures = store_.ListCommitments(ctx->campaign.id, unit);
    if (!signatures.ok()) return signatures.status();
    std::optional<model::Commitment> current;
    if (!signatures->empty()) current = signatures->back();
    machine::SignCommand cmd{rc.person, rc.at, signer, signed_on, stamped, doc_hash,
                             document.filename().string()};
    auto d = machine::DecideSign(*ctx->workflow, *ctx->roster, unit, current, cmd);
    if (d.refused) return Status::Refused(d.rule, d.message);
    Plan<wire::Recorded> plan{Touching(*ctx, *inst), {}};
    plan.changes.commitments.push_back(d.commitment);
    plan.changes.attachments.push_back(model::Attachment{scan->sha256, scan->name, scan->size, scan->media_type,
                                                         unit, "commitment", rc.person, rc.at});
    plan.changes.events.push_back(d.event);
    plan.result = wire::Recorded{unit, d.event.payload};
    return plan;
  }));
}

Result<Ledger> App::Status(const std::string& campaign, const std::string& unit_filter, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  auto allowed = Authorized(*ctx, rc, Verb::kStatus, unit_filter);
  if (!allowed.ok()) return allowed.status();
  if (!unit_filter.empty() && ctx->roster->FindUnit(unit_filter) == nullptr)
    return Status::NotFound("no unit '" + unit_filter + "'");
  const Instant now = rc.at;
  const std::string& id = ctx->campaign.id;
  // One snapshot: every list as of one instant.
  auto snap = store_.ReadLedger(id, std::string(model::EventTypeName(model::EventType::kTransitionApplied)));
  if (!snap.ok()) return snap.status();
  const auto* instances = &snap->instances;
  const auto* materials = &snap->materials;
  const auto* signatures = &snap->commitments;
  const auto* copies = &snap->paper_copies;
  const auto* moves = &snap->events;

  Ledger ledger{*ctx, now, ctx->calendar->YearsWithoutData(ctx->campaign.year, ctx->campaign.year + 1), {}};
  for (const auto& unit : ctx->roster->units) {
    if (!(unit_filter.empty() ? allowed->Covers(unit.id) : unit.id == unit_filter)) continue;
    auto inst = std::find_if(instances->begin(), instances->end(),
                             [&](const model::Instance& i) { return i.unit == unit.id; });
    if (inst == instances->end()) continue;
    LedgerRow row;
    row.unit = &unit;
    row.instance = *inst;
    row.stage = &ctx->workflow->stages[inst->stage];
    row.due_at = inst->due_at;
    if (inst->due_at) row.days_overdue = deadline::DaysOverdue(*inst->due_at, now, ctx->tz);
    if (auto st = deadline::StandingAt(*ctx->workflow, *ctx->calendar, ctx->tz, *inst, now)) {
      row.workdays_left = st->workdays_left;
      row.light = st->light;
      row.escalation_level = st->escalation_level;
    }
    std::vector<model::MaterialRecord> mine;
    for (const auto& m : *materials) {
      if (m.unit != unit.id || m.dropped) continue;
      ++row.materials_total;
      if (m.state != model::MaterialState::kPending && m.state != model::MaterialState::kReturned)
        ++row.materials_done;
      mine.push_back(m);
    }
    for (const auto& e : *moves) {
      if (e.event.unit != unit.id) continue;
      const std::string trigger = e.event.payload.value("trigger", "");
      if (trigger == "return") ++row.review_rounds;
      if (trigger == "acknowledge" && !row.acknowledged_at) row.acknowledged_at = e.event.at;
    }
    for (const auto& [u, n] : *copies)
      if (u == unit.id) row.paper_copies = n;
    std::optional<model::Commitment> current;
    for (const auto& c : *signatures)
      if (c.unit == unit.id) current = c;
    if (current) row.commitment_number = current->number;
    if (!current) {
      row.commitment = model::CommitmentState::kNone;
    } else {
      auto facts = machine::FactsFor(*ctx->workflow, *ctx->roster, unit.id, mine, current);
      row.commitment = facts.commitment_signed.holds ? model::CommitmentState::kSigned : model::CommitmentState::kIncomplete;
    }
    ledger.rows.push_back(std::move(row));
  }
  return ledger;
}

template <typename Row>
Result<std::vector<Row>> App::Scoped(const ScopedQuery<Row>& q, const RequestContext& rc) {
  auto ctx = Load(q.campaign);
  if (!ctx.ok()) return ctx.status();
  auto allowed = Authorized(*ctx, rc, q.verb, q.unit);
  if (!allowed.ok()) return allowed.status();
  // A unit-scoped reader's rows are picked out here, so the limit applies after.
  auto rows = q.read(*ctx, allowed->campaign_wide ? q.limit : 0);
  if (!rows.ok()) return rows.status();
  if (!allowed->campaign_wide)
    std::erase_if(*rows, [&](const Row& r) {
      const std::string& u = q.unit_of(r);
      return !(allowed->Covers(u) || (q.keep_campaign_wide && u.empty()));
    });
  if (q.limit > 0 && rows->size() > q.limit) rows->resize(q.limit);
  if (q.finish)
    for (auto& r : *rows) q.finish(*ctx, r);
  return rows;
}

Result<std::vector<model::Request>> App::Requests(store::RequestFilter filter, const RequestContext& rc) {
  ScopedQuery<model::Request> q{filter.campaign, "", Verb::kRequests,
                                [&](const Context& ctx, std::size_t limit) {
                                  filter.campaign = ctx.campaign.id;
                                  filter.limit = limit;
                                  return store_.ListRequests(filter);
                                },
                                [](const model::Request& r) -> const std::string& { return r.unit; }};
  q.limit = filter.limit;
  return Scoped(q, rc);
}

template <typename Row, typename Filter>
App::ScopedQuery<Row> App::FilteredQuery(Filter& filter, Verb verb,
                                         std::function<Result<std::vector<Row>>(const Filter&)> list,
                                         std::function<const std::string&(const Row&)> unit_of) {
  ScopedQuery<Row> q{filter.campaign, filter.unit.value_or(""), verb,
                     [&filter, list](const Context& ctx, std::size_t limit) {
                       filter.campaign = ctx.campaign.id;
                       filter.limit = filter.unit ? filter.limit : limit;
                       return list(filter);
                     },
                     std::move(unit_of)};
  q.keep_campaign_wide = true;
  q.limit = filter.limit;
  return q;
}

Result<std::vector<model::StoredEvent>> App::Events(store::EventFilter filter, const RequestContext& rc) {
  auto q = FilteredQuery<model::StoredEvent, store::EventFilter>(
      filter, Verb::kEvents, [this](const store::EventFilter& f) { return store_.ListEvents(f); },
      [](const model::StoredEvent& e) -> const std::string& { return e.event.unit; });
  q.finish = [&](const Context& ctx, model::StoredEvent& e) { HideContactDetails(ctx, rc, e.event); };
  return Scoped(q, rc);
}

Result<std::vector<model::MaterialRecord>> App::Materials(const std::string& campaign, const std::string& unit,
                                                          const RequestContext& rc) {
  return Scoped<model::MaterialRecord>(
      {campaign, unit, Verb::kMaterialList,
       [&](const Context& ctx, std::size_t) -> Result<std::vector<model::MaterialRecord>> {
         if (!unit.empty() && ctx.roster->FindUnit(unit) == nullptr)
           return Status::NotFound("no unit '" + unit + "' in campaign '" + ctx.campaign.id + "'");
         return store_.ListMaterials(ctx.campaign.id, unit);
       },
       [](const model::MaterialRecord& m) -> const std::string& { return m.unit; }},
      rc);
}

Result<std::vector<model::Attachment>> App::Attachments(const std::string& campaign, const std::string& unit,
                                                        const RequestContext& rc) {
  return Scoped<model::Attachment>(
      {campaign, unit, Verb::kMaterialFiles,
       [&](const Context& ctx, std::size_t) { return store_.ListAttachments(ctx.campaign.id, unit); },
       [](const model::Attachment& a) -> const std::string& { return a.unit; }},
      rc);
}

Result<std::vector<model::Contact>> App::Contacts(const std::string& campaign, const std::string& unit,
                                                  const RequestContext& rc) {
  ScopedQuery<model::Contact> q{campaign, unit, Verb::kContactHistory,
                                [&](const Context& ctx, std::size_t) { return store_.ListContacts(ctx.campaign.id, unit); },
                                [](const model::Contact& c) -> const std::string& { return c.unit; }};
  q.finish = [&](const Context& ctx, model::Contact& c) {
    if (!SeesDetails(ctx, rc, c.person)) c.phone = c.email = "";
  };
  return Scoped(q, rc);
}

Result<std::vector<model::Commitment>> App::Commitments(const std::string& campaign, const std::string& unit,
                                                        const RequestContext& rc) {
  return Scoped<model::Commitment>(
      {campaign, unit, Verb::kCommitments,
       [&](const Context& ctx, std::size_t) { return store_.ListCommitments(ctx.campaign.id, unit); },
       [](const model::Commitment& c) -> const std::string& { return c.unit; }},
      rc);
}

Result<std::vector<store::NoticeRecord>> App::Notices(store::NoticeFilter filter, const RequestContext& rc) {
  auto q = FilteredQuery<store::NoticeRecord, store::NoticeFilter>(
      filter, Verb::kNotices, [this](const store::NoticeFilter& f) { return store_.ListNotices(f); },
      [](const store::NoticeRecord& k) -> const std::string& { return k.notice.event.unit; });
  q.finish = [&](const Context& ctx, store::NoticeRecord& k) {
    HideContactDetails(ctx, rc, k.notice.event);
    for (auto& r : k.notice.recipients)
      if (!SeesDetails(ctx, rc, r.person)) r.email = "";
  };
  return Scoped(q, rc);
}

Result<Outcome<wire::NoticeRetried>> App::RetryNotice(const std::string& notice_id, const std::string& plugin, const RequestContext& rc) {
  // A notice id is "campaign/seq" (notify::NoticeId).
  const auto slash = notice_id.rfind('/');
  if (slash == std::string::npos) return Status::InvalidInput("a notice id is CAMPAIGN/SEQ, not '" + notice_id + "'");
  auto ctx = Load(notice_id.substr(0, slash));
  if (!ctx.ok()) return ctx.status();
  store::NoticeFilter filter;
  filter.campaign = ctx->campaign.id;
  auto all = store_.ListNotices(filter);
  if (!all.ok()) return all.status();
  auto it = std::find_if(all->begin(), all->end(), [&](const store::NoticeRecord& k) { return k.notice.id == notice_id; });
  const std::string unit = it != all->end() ? it->notice.event.unit : "";
  if (auto allowed = Authorized(*ctx, rc, Verb::kNoticesRetry, unit); !allowed.ok()) return allowed.status();
  if (it == all->end()) return Status::NotFound("no notice '" + notice_id + "'");
  int dead = 0;
  for (const auto& d : it->deliveries)
    if (d.state == store::DeliveryState::kDead && (plugin.empty() || d.plugin == plugin)) ++dead;
  nlohmann::json fingerprint = {{"verb", "notices.retry"}, {"notice", notice_id}, {"plugin", plugin},
                                {"actor", rc.person}, {"at", FormatUtc(rc.at)}};
  auto done = Run<wire::NoticeRetried>(ctx->campaign.id, rc, fingerprint, &*ctx,
                                       [&]() -> Result<Plan<wire::NoticeRetried>> {
    if (dead == 0) return Status::NotFound("notice '" + notice_id + "' has no dead delivery to retry");
    Plan<wire::NoticeRetried> plan;
    plan.changes.campaign = ctx->campaign.id;
    nlohmann::json payload = {{"notice", notice_id}, {"event_seq", it->notice.seq}, {"deliveries", dead}};
    if (!plugin.empty()) payload["plugin"] = plugin;
    plan.changes.events.push_back(model::Event{model::EventType::kNoticeRetried, unit, rc.person, rc.at, payload});
    plan.result = wire::NoticeRetried{notice_id, dead};
    return plan;
  });
  if (!done.ok() || done->replayed) return done;
  // Recorded first, then re-queued: the dispatcher picks the deliveries up.
  auto n = store_.RetryNotice(notice_id, plugin);
  if (!n.ok()) return n.status();
  done->value.retried = *n;
  return done;
}

Result<store::VerifyReport> App::Verify(const std::string& campaign, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = Authorized(*ctx, rc, Verb::kVerify); !allowed.ok()) return allowed.status();
  return store_.Verify(ctx->campaign.id);
}

}  // namespace duban::app
