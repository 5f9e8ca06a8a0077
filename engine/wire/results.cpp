#include "wire/results.h"

#include "core/json_reader.h"

namespace duban::wire {

using nlohmann::json;

namespace {

json DateOrNull(const std::optional<Date>& d) { return d ? json(FormatDate(*d)) : json(nullptr); }

}  // namespace

std::string_view OutcomeName(Fired::Outcome o) { return o == Fired::Outcome::kApplied ? "applied" : "requested"; }
std::string_view OutcomeName(Decided::Outcome o) {
  return o == Decided::Outcome::kApproved ? "approved" : "rejected";
}

json ToJson(const StageRef& v) { return {{"id", v.id}, {"label", v.label}}; }

json ToJson(const CalendarLoaded& v) {
  json loaded = json::array(), moved = json::array();
  for (const auto& y : v.loaded) loaded.push_back({{"year", y.year}, {"source", y.source}, {"sha256", y.sha256}});
  for (const auto& m : v.moved) {
    json j = {{"scope", "calendar"}, {"campaign", m.campaign}, {"unit", m.unit}, {"stage", m.stage},
              {"reason", m.reason}};
    if (m.from) j["from"] = FormatDate(*m.from);
    if (m.to) j["to"] = FormatDate(*m.to);
    moved.push_back(std::move(j));
  }
  return {{"loaded", loaded}, {"moved", moved}};
}

json ToJson(const CampaignCreated& v) {
  json wf = {{"id", v.workflow.id}, {"sha256", v.workflow.sha256}, {"source", v.workflow.source}};
  if (v.workflow.version) wf["version"] = *v.workflow.version;
  json roster = {{"id", v.roster.id}, {"sha256", v.roster.sha256}, {"source", v.roster.source}};
  if (v.roster.version) roster["version"] = *v.roster.version;
  json j = {{"id", v.id},       {"name", v.name}, {"year", v.year}, {"time_zone", v.time_zone},
            {"workflow", wf}, {"roster", roster}, {"units", v.units}};
  if (!v.calendar_missing_years.empty()) j["calendar_missing_years"] = v.calendar_missing_years;
  if (v.from)
    j["from"] = {{"campaign", v.from->campaign},
                 {"workflow_revised", v.from->workflow_revised},
                 {"contacts", v.from->contacts},
                 {"prior_scores", v.from->prior_scores}};
  return j;
}

json ToJson(const Fired& v) {
  json j = {{"unit", v.unit}, {"trigger", v.trigger}, {"outcome", OutcomeName(v.outcome)},
            {"from", ToJson(v.from)}, {"to", ToJson(v.to)}};
  if (v.request) j["request"] = *v.request;
  if (v.due) j["due"] = FormatUtc(*v.due);
  return j;
}

json ToJson(const Decided& v) {
  json j = {{"unit", v.unit},
            {"request", v.request},
            {"kind", model::RequestKindName(v.kind)},
            {"trigger", v.trigger},
            {"outcome", OutcomeName(v.outcome)},
            {"from", ToJson(v.from)},
            {"to", ToJson(v.to)}};
  if (v.due) j["due"] = FormatDate(*v.due);
  return j;
}

json ToJson(const Recorded& v) {
  json j = v.payload;
  j["unit"] = v.unit;
  return j;
}

json ToJson(const Ticked& v) {
  json raised = json::array();
  for (const auto& r : v.raised)
    raised.push_back({{"campaign", r.campaign},
                      {"type", model::EventTypeName(r.event.type)},
                      {"unit", r.event.unit},
                      {"at", FormatUtc(r.event.at)},
                      {"payload", r.event.payload}});
  return {{"at", FormatUtc(v.at)}, {"raised", raised}};
}

json ToJson(const DueSet& v) {
  return {{"stage", v.stage}, {"due", FormatDate(v.due)}, {"reason", v.reason}, {"units", v.units}};
}

json ToJson(const ExtensionRequested& v) {
  return {{"unit", v.unit}, {"request", v.request}, {"kind", model::RequestKindName(model::RequestKind::kExtension)},
          {"due", DateOrNull(v.due)}, {"new_due", FormatDate(v.new_due)}};
}

json ToJson(const NoticeRetried& v) { return {{"notice", v.notice}, {"retried", v.retried}}; }

// ----- FromJson -----

namespace {

void Read(JsonReader& r, const char* key, StageRef& out) {
  JsonReader s = r.Object(key);
  s.Get("id", out.id);
  s.Get("label", out.label);
  r.Absorb(s);
}

}  // namespace

template <>
Result<CalendarLoaded> FromJson<CalendarLoaded>(const json& j) {
  JsonReader r(j, "result");
  CalendarLoaded v;
  r.EachOf("loaded", [&](JsonReader& y) {
    CalendarLoaded::Year out;
    y.Get("year", out.year);
    y.Get("source", out.source);
    y.Get("sha256", out.sha256);
    v.loaded.push_back(std::move(out));
  });
  r.EachOf("moved", [&](JsonReader& m) {
    CalendarLoaded::Moved out;
    m.Get("campaign", out.campaign);
    m.Get("unit", out.unit);
    m.Get("stage", out.stage);
    m.Get("reason", out.reason);
    m.GetDate("from", out.from);
    m.GetDate("to", out.to);
    v.moved.push_back(std::move(out));
  });
  return r.Done(std::move(v));
}

template <>
Result<CampaignCreated> FromJson<CampaignCreated>(const json& j) {
  JsonReader r(j, "result");
  CampaignCreated v;
  r.Get("id", v.id);
  r.Get("name", v.name);
  r.Get("year", v.year);
  r.Get("time_zone", v.time_zone);
  for (auto [key, def] : {std::pair{"workflow", &v.workflow}, std::pair{"roster", &v.roster}}) {
    JsonReader d = r.Object(key);
    d.Get("id", def->id);
    d.Get("sha256", def->sha256);
    d.Get("source", def->source);
    d.GetOptional("version", def->version);
    r.Absorb(d);
  }
  r.Get("units", v.units);
  r.GetOptional("calendar_missing_years", v.calendar_missing_years);
  if (j.is_object() && j.contains("from")) {
    JsonReader f = r.Object("from");
    CampaignCreated::From from;
    f.Get("campaign", from.campaign);
    f.Get("workflow_revised", from.workflow_revised);
    f.Get("contacts", from.contacts);
    f.Get("prior_scores", from.prior_scores);
    r.Absorb(f);
    v.from = std::move(from);
  }
  return r.Done(std::move(v));
}

template <>
Result<Fired> FromJson<Fired>(const json& j) {
  JsonReader r(j, "result");
  Fired v;
  r.Get("unit", v.unit);
  r.Get("trigger", v.trigger);
  std::string outcome;
  r.Get("outcome", outcome);
  if (outcome == OutcomeName(Fired::Outcome::kRequested)) v.outcome = Fired::Outcome::kRequested;
  else if (outcome != OutcomeName(Fired::Outcome::kApplied)) r.Fail("outcome", "an unknown outcome");
  Read(r, "from", v.from);
  Read(r, "to", v.to);
  r.GetOptional("request", v.request);
  r.GetInstant("due", v.due);
  return r.Done(std::move(v));
}

template <>
Result<Decided> FromJson<Decided>(const json& j) {
  JsonReader r(j, "result");
  Decided v;
  r.Get("unit", v.unit);
  r.Get("request", v.request);
  std::string kind, outcome;
  r.Get("kind", kind);
  if (auto k = model::RequestKindFromName(kind)) v.kind = *k;
  else r.Fail("kind", "an unknown request kind");
  r.Get("trigger", v.trigger);
  r.Get("outcome", outcome);
  if (outcome == OutcomeName(Decided::Outcome::kRejected)) v.outcome = Decided::Outcome::kRejected;
  else if (outcome != OutcomeName(Decided::Outcome::kApproved)) r.Fail("outcome", "an unknown outcome");
  Read(r, "from", v.from);
  Read(r, "to", v.to);
  r.GetDate("due", v.due);
  return r.Done(std::move(v));
}

template <>
Result<Recorded> FromJson<Recorded>(const json& j) {
  JsonReader r(j, "result");
  Recorded v;
  r.Get("unit", v.unit);
  if (j.is_object()) {
    v.payload = j;
    v.payload.erase("unit");
  }
  return r.Done(std::move(v));
}

template <>
Result<Ticked> FromJson<Ticked>(const json& j) {
  JsonReader r(j, "result");
  Ticked v;
  std::optional<Instant> at;
  r.GetInstant("at", at);
  if (at) v.at = *at;
  r.EachOf("raised", [&](JsonReader& e) {
    Ticked::Raised out;
    e.Get("campaign", out.campaign);
    std::string type;
    e.Get("type", type);
    if (auto t = model::EventTypeFromName(type)) out.event.type = *t;
    else e.Fail("type", "an unknown event type");
    e.Get("unit", out.event.unit);
    std::optional<Instant> when;
    e.GetInstant("at", when);
    if (when) out.event.at = *when;
    e.GetJson("payload", out.event.payload);
    v.raised.push_back(std::move(out));
  });
  return r.Done(std::move(v));
}

template <>
Result<DueSet> FromJson<DueSet>(const json& j) {
  JsonReader r(j, "result");
  DueSet v;
  r.Get("stage", v.stage);
  std::optional<Date> due;
  r.GetDate("due", due);
  if (due) v.due = *due;
  r.Get("reason", v.reason);
  r.Get("units", v.units);
  return r.Done(std::move(v));
}

template <>
Result<ExtensionRequested> FromJson<ExtensionRequested>(const json& j) {
  JsonReader r(j, "result");
  ExtensionRequested v;
  r.Get("unit", v.unit);
  r.Get("request", v.request);
  r.GetDate("due", v.due);
  std::optional<Date> new_due;
  r.GetDate("new_due", new_due);
  if (new_due) v.new_due = *new_due;
  return r.Done(std::move(v));
}

template <>
Result<NoticeRetried> FromJson<NoticeRetried>(const json& j) {
  JsonReader r(j, "result");
  NoticeRetried v;
  r.Get("notice", v.notice);
  r.Get("retried", v.retried);
  return r.Done(std::move(v));
}

}  // namespace duban::wire
