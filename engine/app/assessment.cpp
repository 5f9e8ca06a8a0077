// The December assessment's commands and queries (三、（三）): last year's
// scores, the office's evaluation, scoring every unit, the ranking's approval
// by the government leader and its publication, and the recomputation of
// every score from the log. The scores themselves are engine/assessment's;
// the record is the event log alone (no table of its own), so `assess
// verify` recomputes from exactly what the commands decided from.

#include <algorithm>

#include "app/app.h"
#include "app/authorized.h"
#include "core/hash.h"
#include "deadline/deadline.h"
#include "machine/machine.h"
#include "workflow/loader.h"
#include "workflow/permissions.h"

namespace duban::app {

namespace {

using model::EventType;
using model::Verb;


duban::Status RuleGiven(const Context& ctx) {
  if (ctx.workflow->assessment.given) return Status::Ok();
  return Status::Refused(assessment::kRuleRule, "考核年度 " + ctx.campaign.id +
                                                    " 的工作流程没有 [assessment] 考核规则 / the workflow has no "
                                                    "[assessment] section (workflows/README.md)");
}

// The due day of a stage by the workflow alone, on the campaign's calendar.
assessment::DueOf DueOfFor(const Context& ctx) {
  return [&ctx](model::StageId stage, Instant entered) -> std::optional<Date> {
    auto due = deadline::StageDue(*ctx.workflow, stage, ctx.campaign.year, *ctx.calendar, ctx.tz, entered);
    if (!due.ok() || !due->has_value()) return std::nullopt;
    return ctx.tz.local_date(**due);
  };
}

std::string Revision(int n) { return "第" + std::to_string(n) + "版"; }

// Refusals shared by every command that records a part or the scores.
duban::Status MayChange(const assessment::Record& rec, const std::string& correction) {
  if (const auto* p = rec.pending())
    return Status::Refused(assessment::kRulePending, "考核结果（" + Revision(p->revision) + "，" + p->id +
                                                         "）正在报区政府领导审核，审定前不能更改");
  if (rec.frozen() && correction.empty())
    return Status::Refused(assessment::kRuleFrozen,
                           "考核结果" + Revision(rec.published) +
                               "已通报，分数已冻结；更正须写明理由（--correction），重新评分并报批");
  return Status::Ok();
}

// The first seq of the latest revision's scores; 0 when none.
std::int64_t ScoredSeq(const assessment::Record& rec) {
  std::int64_t first = 0;
  for (const auto& [unit, s] : rec.scored) first = first == 0 ? s.seq : std::min(first, s.seq);
  return first;
}

// A revision whose parts changed after it was scored must be scored again.
duban::Status Current(const assessment::Record& rec, int revision) {
  if (rec.revision == 0) return Status::Refused(assessment::kRuleNotScored, "尚未评分：先运行 assess score");
  if (revision != rec.revision || rec.parts_seq > ScoredSeq(rec))
    return Status::Refused(assessment::kRuleNotScored, Revision(revision) +
                                                           "评分后又录入了分数，已不是最新结果；请重新评分（assess score）");
  return Status::Ok();
}

}  // namespace

duban::Status App::AssessmentFacts(const Context& ctx, const std::string& unit, model::TransitionId tid,
                                   machine::GuardFacts& facts) {
  // Reading the record means reading the whole log: only for a transition
  // the assessment guards, never for every guarded move of the year.
  const auto& wf = *ctx.workflow;
  const auto& guards = wf.transitions.at(tid).guards;
  const bool wanted = std::any_of(guards.begin(), guards.end(), [](model::Guard g) {
    return g == model::Guard::kAssessmentScored || g == model::Guard::kAssessmentSubmitted;
  });
  if (!wanted) return Status::Ok();
  auto events = AllEvents(ctx);
  if (!events.ok()) return events.status();
  const auto rec = assessment::ReadRecord(*events);
  auto& scored = facts.assessment_scored;
  auto& submitted = facts.assessment_submitted;
  if (!rec.scored.count(unit)) {
    scored.detail = "尚未考核评分（assess score）";
  } else if (rec.parts_seq > ScoredSeq(rec)) {
    scored.detail = Revision(rec.revision) + "评分后又录入了分数，须重新评分（assess score）";
  } else {
    scored.holds = true;
  }
  const auto* pending = rec.pending();
  submitted.holds = scored.holds && ((pending != nullptr && pending->revision == rec.revision) ||
                                     rec.published == rec.revision);
  if (!submitted.holds)
    submitted.detail = scored.holds ? Revision(rec.revision) + "考核结果尚未报区政府领导审核（assess submit）" : scored.detail;
  return Status::Ok();
}

Result<std::vector<model::StoredEvent>> App::AllEvents(const Context& ctx) {
  store::EventFilter f;
  f.campaign = ctx.campaign.id;
  return store_.ListEvents(f);
}

Result<store::Changeset> App::TouchingAll(const Context& ctx) {
  auto instances = store_.ListInstances(ctx.campaign.id);
  if (!instances.ok()) return instances.status();
  store::Changeset changes;
  changes.campaign = ctx.campaign.id;
  for (const auto& inst : *instances) {
    model::Instance next = inst;
    next.version = inst.version + 1;
    changes.instances.push_back({next, inst.version});
  }
  return changes;
}

Result<Outcome<wire::Recorded>> App::AssessImportPrior(const std::string& campaign, const std::filesystem::path& csv,
                                                       const std::string& correction, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = detail::Authorized(*ctx, rc, Verb::kAssessImport); !allowed.ok()) return allowed.status();
  if (auto given = RuleGiven(*ctx); !given.ok()) return given;
  auto text = workflow::ReadTextFile(csv);
  if (!text.ok()) return text.status();
  auto rows = assessment::ParsePriorCsv(*text, csv.string(), *ctx->roster);
  if (!rows.ok()) return rows.status();
  // The file's name, not where it was read from: the record is the same on every machine.
  const std::string source = csv.filename().string();
  nlohmann::json fingerprint = {{"verb", "assess.import-prior"}, {"sha256", Sha256Hex(*text)},
                                {"correction", correction}, {"actor", rc.person}};
  return RecordPrior(*ctx, *rows, source, fingerprint, correction, rc);
}

Result<Outcome<wire::Recorded>> App::AssessCarryOverPrior(const std::string& campaign, const std::string& from,
                                                          const std::string& correction, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = detail::Authorized(*ctx, rc, Verb::kAssessImport); !allowed.ok()) return allowed.status();
  if (auto given = RuleGiven(*ctx); !given.ok()) return given;
  if (from == ctx->campaign.id) return Status::InvalidInput("a campaign cannot carry over its own scores");
  // The previous campaign's circulated result (通报) is public within the office's records.
  auto previous = Load(from);
  if (!previous.ok()) return previous.status();
  auto events = AllEvents(*previous);
  if (!events.ok()) return events.status();
  const auto rec = assessment::ReadRecord(*events);
  if (rec.published == 0)
    return Status::InvalidInput("campaign '" + from + "' recorded no published assessment to carry over");
  auto rows = assessment::PriorFromRanking(rec.published_payload.value("ranking", nlohmann::json::array()), from,
                                           *ctx->roster);
  if (!rows.ok()) return rows.status();
  nlohmann::json fingerprint = {{"verb", "assess.carry-over"}, {"from", from}, {"revision", rec.published},
                                {"correction", correction}, {"actor", rc.person}};
  return RecordPrior(*ctx, *rows, "campaign:" + from, fingerprint, correction, rc);
}

Result<Outcome<wire::Recorded>> App::RecordPrior(const Context& ctx, const std::vector<assessment::PriorRow>& rows,
                                                 const std::string& source, const nlohmann::json& fingerprint,
                                                 const std::string& correction, const RequestContext& rc) {
  return Run<wire::Recorded>(ctx.campaign.id, rc, fingerprint, &ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto events = AllEvents(ctx);
    if (!events.ok()) return events.status();
    const auto rec = assessment::ReadRecord(*events);
    if (auto may = MayChange(rec, correction); !may.ok()) return may;
    auto touched = TouchingAll(ctx);
    if (!touched.ok()) return touched.status();
    Plan<wire::Recorded> plan{std::move(*touched), {}};
    for (const auto& row : rows) {
      nlohmann::json payload = {{"score", assessment::PointsJson(row.score)}, {"source", source}};
      if (row.line != 0) payload["line"] = row.line;
      if (!correction.empty()) payload["correction"] = correction;
      plan.changes.events.push_back(
          model::Event{EventType::kAssessmentPriorRecorded, row.unit, rc.person, rc.at, std::move(payload)});
    }
    plan.result = wire::Recorded{"", {{"source", source}, {"units", rows.size()}}};
    return plan;
  });
}

Result<Outcome<wire::Recorded>> App::AssessEvaluate(const std::string& campaign, const std::string& unit,
                                                    model::Points score, const std::string& comment,
                                                    const std::string& correction, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = detail::Authorized(*ctx, rc, Verb::kAssessEvaluate, unit); !allowed.ok()) return allowed.status();
  if (auto given = RuleGiven(*ctx); !given.ok()) return given;
  if (ctx->roster->FindUnit(unit) == nullptr)
    return Status::NotFound("no unit '" + unit + "' in campaign '" + ctx->campaign.id + "'");
  if (score < 0 || score > model::kFullMarks)
    return Status::InvalidInput("the evaluation is 0 to 100 points, not " + assessment::FormatPoints(score));
  if (comment.empty()) return Status::InvalidInput("the office's evaluation needs a comment (--comment)");
  nlohmann::json fingerprint = {{"verb", "assess.evaluate"}, {"unit", unit}, {"score", score},
                                {"comment", comment}, {"correction", correction}, {"actor", rc.person}};
  return Run<wire::Recorded>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto events = AllEvents(*ctx);
    if (!events.ok()) return events.status();
    if (auto may = MayChange(assessment::ReadRecord(*events), correction); !may.ok()) return may;
    auto inst = GetInstance(*ctx, unit);
    if (!inst.ok()) return inst.status();
    Plan<wire::Recorded> plan{Touching(*ctx, *inst), {}};
    nlohmann::json payload = {{"score", assessment::PointsJson(score)}, {"comment", comment}};
    if (!correction.empty()) payload["correction"] = correction;
    plan.changes.events.push_back(model::Event{EventType::kAssessmentEvaluated, unit, rc.person, rc.at, payload});
    plan.result = wire::Recorded{unit, payload};
    return plan;
  });
}

Result<Outcome<wire::Recorded>> App::AssessScore(const std::string& campaign, const std::string& correction,
                                                 const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = detail::Authorized(*ctx, rc, Verb::kAssessScore); !allowed.ok()) return allowed.status();
  if (auto given = RuleGiven(*ctx); !given.ok()) return given;
  nlohmann::json fingerprint = {{"verb", "assess.score"}, {"correction", correction}, {"actor", rc.person},
                                {"at", FormatUtc(rc.at)}};
  return Run<wire::Recorded>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto events = AllEvents(*ctx);
    if (!events.ok()) return events.status();
    const auto rec = assessment::ReadRecord(*events);
    if (auto may = MayChange(rec, correction); !may.ok()) return may;
    auto scores = assessment::ScoreAll(*ctx->workflow, *ctx->roster, *events, *ctx->calendar, ctx->tz,
                                       DueOfFor(*ctx), rc.at);
    if (!scores.ok()) return scores.status();
    auto touched = TouchingAll(*ctx);
    if (!touched.ok()) return touched.status();
    Plan<wire::Recorded> plan{std::move(*touched), {}};
    const int revision = rec.revision + 1;
    for (const auto& s : *scores) {
      nlohmann::json payload = assessment::ScoredPayload(s, revision, ctx->workflow->assessment.weights);
      if (!correction.empty()) payload["correction"] = correction;
      plan.changes.events.push_back(model::Event{EventType::kAssessmentScored, s.unit, rc.person, rc.at, payload});
    }
    plan.result = wire::Recorded{
        "", {{"revision", revision}, {"ranking", assessment::RankingJson(*scores, *ctx->roster)}}};
    if (!correction.empty()) plan.result.payload["correction"] = correction;
    return plan;
  });
}

Result<Outcome<wire::Recorded>> App::AssessSubmit(const std::string& campaign, const std::string& note,
                                                  const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = detail::Authorized(*ctx, rc, Verb::kAssessSubmit); !allowed.ok()) return allowed.status();
  if (auto given = RuleGiven(*ctx); !given.ok()) return given;
  nlohmann::json fingerprint = {{"verb", "assess.submit"}, {"note", note}, {"actor", rc.person}};
  return Run<wire::Recorded>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto events = AllEvents(*ctx);
    if (!events.ok()) return events.status();
    const auto rec = assessment::ReadRecord(*events);
    if (const auto* p = rec.pending())
      return Status::Refused(assessment::kRulePending, "考核结果" + Revision(p->revision) + "已报审（" + p->id + "），待审定");
    if (auto current = Current(rec, rec.revision); !current.ok()) return current;
    if (rec.revision == rec.published)
      return Status::Refused(assessment::kRuleNotScored,
                             "考核结果" + Revision(rec.published) + "已通报；更正须写明理由重新评分（assess score --correction）");
    auto touched = TouchingAll(*ctx);
    if (!touched.ok()) return touched.status();
    Plan<wire::Recorded> plan{std::move(*touched), {}};
    const std::string id = std::string(assessment::kApprovalPrefix) + std::to_string(rec.approvals.size() + 1);
    nlohmann::json approvers = nlohmann::json::array();
    for (auto r : ctx->workflow->permissions.assessment_approvers) approvers.push_back(ctx->workflow->roles[r].id);
    nlohmann::json payload = {{"kind", assessment::kApprovalKind}, {"request", id}, {"revision", rec.revision},
                              {"approvers", approvers}};
    if (!note.empty()) payload["note"] = note;
    plan.changes.events.push_back(model::Event{EventType::kTransitionRequested, "", rc.person, rc.at, payload});
    plan.result = wire::Recorded{"", payload};
    return plan;
  });
}

Result<Outcome<wire::Decided>> App::DecideAssessment(const Context& ctx, const std::string& request, bool approve,
                                                     const std::string& note, const RequestContext& rc) {
  if (auto allowed = detail::Authorized(ctx, rc, approve ? Verb::kApprove : Verb::kReject); !allowed.ok())
    return allowed.status();
  if (auto given = RuleGiven(ctx); !given.ok()) return given;
  if (!approve && note.empty()) return Status::Refused(machine::kRuleNote, "驳回须写明理由 (--note)");
  const auto& wf = *ctx.workflow;
  nlohmann::json fingerprint = {{"verb", approve ? "approve" : "reject"}, {"request", request},
                                {"note", note}, {"actor", rc.person}};
  return Run<wire::Decided>(ctx.campaign.id, rc, fingerprint, &ctx, [&]() -> Result<Plan<wire::Decided>> {
    auto events = AllEvents(ctx);
    if (!events.ok()) return events.status();
    const auto rec = assessment::ReadRecord(*events);
    auto a = std::find_if(rec.approvals.begin(), rec.approvals.end(),
                          [&](const assessment::Approval& x) { return x.id == request; });
    if (a == rec.approvals.end()) return Status::NotFound("no request '" + request + "'");
    if (a->status != model::RequestStatus::kPending)
      return Status::Refused(machine::kRuleNotPending, "申请 " + request + " 已" +
                                                           (a->status == model::RequestStatus::kApproved ? "批准" : "驳回"));
    if (a->requested_by == rc.person)
      return Status::Refused(machine::kRuleSelfApproval, "申请人不能审批自己的申请 " + request);
    if (!workflow::HoldsAny(wf, *ctx.roster, rc.person, wf.permissions.assessment_approvers, ""))
      return Status::Refused(machine::kRuleApprover, rc.person + " 无权审批 " + request + "；需要角色：" +
                                                         workflow::RoleList(wf, wf.permissions.assessment_approvers));
    if (approve)
      if (auto current = Current(rec, a->revision); !current.ok()) return current;
    auto touched = TouchingAll(ctx);
    if (!touched.ok()) return touched.status();
    Plan<wire::Decided> plan{std::move(*touched), {}};
    nlohmann::json decided = {{"kind", assessment::kApprovalKind}, {"request", request},
                              {"requested_by", a->requested_by}, {"revision", a->revision}};
    if (!note.empty()) decided["note"] = note;
    plan.changes.events.push_back(model::Event{approve ? EventType::kTransitionApproved : EventType::kTransitionRejected,
                                               "", rc.person, rc.at, decided});
    if (approve) {
      nlohmann::json published = {
          {"revision", a->revision},
          {"request", request},
          {"requested_by", a->requested_by},
          {"ranking", assessment::RankingJson(assessment::RecordedScores(rec, *ctx.roster), *ctx.roster)}};
      if (rec.published != 0) published["supersedes"] = rec.published;
      for (const auto& [unit, s] : rec.scored)
        if (s.payload.contains("correction")) published["correction"] = s.payload["correction"];
      if (!note.empty()) published["note"] = note;
      plan.changes.events.push_back(model::Event{EventType::kAssessmentPublished, "", rc.person, rc.at, published});
    }
    const wire::StageRef waiting{"", "考核结果待审定（" + Revision(a->revision) + "）"};
    const wire::StageRef done{"", "考核结果已通报（" + Revision(a->revision) + "）"};
    plan.result = wire::Decided{"",
                                request,
                                model::RequestKind::kAssessment,
                                "",
                                approve ? wire::Decided::Outcome::kApproved : wire::Decided::Outcome::kRejected,
                                waiting,
                                approve ? done : waiting,
                                std::nullopt};
    return plan;
  });
}

Result<AssessmentView> App::AssessShow(const std::string& campaign, const std::string& unit, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  auto allowed = detail::Authorized(*ctx, rc, Verb::kAssessShow, unit);
  if (!allowed.ok()) return allowed.status();
  if (auto given = RuleGiven(*ctx); !given.ok()) return given;
  if (!unit.empty() && ctx->roster->FindUnit(unit) == nullptr) return Status::NotFound("no unit '" + unit + "'");
  auto events = AllEvents(*ctx);
  if (!events.ok()) return events.status();
  AssessmentView view{*ctx, rc.at, assessment::ReadRecord(*events), {}};
  auto shown = [&](const std::string& u) { return unit.empty() ? allowed->Covers(u) : u == unit; };
  const auto due_of = DueOfFor(view.context);
  for (const auto& u : view.context.roster->units) {
    if (!shown(u.id)) continue;
    AssessmentView::Row row;
    row.unit = &u;
    if (auto it = view.record.prior.find(u.id); it != view.record.prior.end()) row.prior = it->second;
    if (auto it = view.record.evaluation.find(u.id); it != view.record.evaluation.end()) row.evaluation = it->second;
    if (auto it = view.record.scored.find(u.id); it != view.record.scored.end()) row.scored = it->second;
    row.preview = assessment::ScoreSubmission(*view.context.workflow, {&u, *events}, *view.context.calendar,
                                              view.context.tz, due_of, rc.at);
    view.rows.push_back(std::move(row));
  }
  // Another unit's parts are not a unit-scoped reader's; the circulated ranking is everyone's.
  for (auto* parts : {&view.record.prior, &view.record.evaluation})
    std::erase_if(*parts, [&](const auto& kv) { return !shown(kv.first); });
  std::erase_if(view.record.scored, [&](const auto& kv) { return !shown(kv.first); });
  return view;
}

Result<AssessmentCheck> App::AssessVerify(const std::string& campaign, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = detail::Authorized(*ctx, rc, Verb::kAssessVerify); !allowed.ok()) return allowed.status();
  if (auto given = RuleGiven(*ctx); !given.ok()) return given;
  auto events = AllEvents(*ctx);
  if (!events.ok()) return events.status();
  AssessmentCheck check;
  check.differences = assessment::VerifyLog(*ctx->workflow, *ctx->roster, *events, *ctx->calendar, ctx->tz,
                                            DueOfFor(*ctx), &check.checked);
  return check;
}

}  // namespace duban::app
