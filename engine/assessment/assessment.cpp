// Scoring a unit's submission from its record, reading the assessment's own
// record from the events, the ranking, and the recomputation behind
// `assess verify`.

#include "assessment/assessment.h"

#include <algorithm>

namespace duban::assessment {

namespace {

using model::EventType;
using model::StoredEvent;

std::string Str(const nlohmann::json& payload, const char* key) {
  auto it = payload.find(key);
  return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<Date> DateIn(const nlohmann::json& payload, const char* key) {
  auto parsed = ParseDate(Str(payload, key));
  if (!parsed.ok()) return std::nullopt;
  return *parsed;
}

Date NextDay(Date d) { return Date{std::chrono::sys_days(d) + std::chrono::days(1)}; }

// A due day moved by deadline.extended events of `stage` (the unit's own or
// the campaign's) with seq in (after, before).
std::optional<Date> Extended(std::optional<Date> due, std::span<const StoredEvent> events, const std::string& unit,
                             const std::string& stage, std::int64_t after, std::int64_t before,
                             std::vector<std::int64_t>* seqs) {
  for (const StoredEvent& e : events) {
    if (e.seq <= after) continue;
    if (before != 0 && e.seq >= before) break;
    if (e.event.type != EventType::kDeadlineExtended) continue;
    if (!(e.event.unit == unit || e.event.unit.empty())) continue;
    if (Str(e.event.payload, "stage") != stage) continue;
    if (auto to = DateIn(e.event.payload, "to")) {
      due = *to;
      if (seqs != nullptr) seqs->push_back(e.seq);
    }
  }
  return due;
}

// The materials a unit owes, as its events leave them.
struct Owed {
  std::string name;
  bool required = true;
  std::string state;  // the material's state name after its last event ("" before any)
  std::int64_t last_seq = 0;
  std::int64_t explained_seq = 0;
  std::int64_t explained_accepted_seq = 0;
};

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

}  // namespace

void to_json(nlohmann::json& j, const Deduction& d) {
  j = {{"item", d.item}, {"points", PointsJson(d.points)}, {"reason", d.reason}, {"events", d.events}};
}

Result<Deduction> DeductionFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidInput("a deduction is an object");
  Deduction d;
  d.item = Str(j, "item");
  d.reason = Str(j, "reason");
  auto p = j.contains("points") ? PointsFromJson(j["points"]) : std::nullopt;
  if (!p) return Status::InvalidInput("a deduction's points must be a number");
  d.points = *p;
  if (j.contains("events") && j["events"].is_array())
    for (const auto& s : j["events"])
      if (s.is_number_integer()) d.events.push_back(s.get<std::int64_t>());
  return d;
}

SubmissionScore ScoreSubmission(const model::Workflow& wf, const UnitRecord& record, const calendar::Calendar& cal,
                                const TimeZone& tz, const DueOf& due_of, Instant now) {
  const model::SubmissionRule& r = wf.assessment.submission;
  const std::string& unit = record.unit->id;
  const std::string& stage_id = wf.stages[r.stage].id;
  const std::string& commit_stage_id = wf.stages[r.commitment_stage].id;

  std::string current = wf.stages[wf.initial].id;
  std::optional<Instant> entered;  // first entry into the submission stage
  const StoredEvent* submitted = nullptr;
  std::vector<std::int64_t> missed;
  std::vector<std::int64_t> returns;
  std::optional<Instant> commit_entered;
  std::int64_t commit_entered_seq = 0;
  const StoredEvent* signed_ok = nullptr;  // the first stamped commitment after entering the commitment stage
  int copies = 0;
  std::int64_t copies_seq = 0;
  // The on-site verification: every finding recorded, and the fix-up.
  const model::InspectionRule& ins = wf.assessment.inspection;
  const std::string fixup_stage_id = ins.given ? wf.stages[ins.fixup_stage].id : std::string();
  std::vector<std::int64_t> finding_seqs;
  int findings = 0;
  struct Fixup {
    std::int64_t recorded_seq = 0;
    std::optional<Date> due;
    std::int64_t entered_seq = 0;
    const StoredEvent* done = nullptr;  // the move out of the fix-up stage
  };
  std::vector<Fixup> fixups;
  std::vector<std::pair<std::string, Owed>> owed;
  for (const auto& m : record.unit->materials) owed.push_back({m.id, Owed{m.name, m.required, "", 0, 0, 0}});
  auto find_owed = [&](const std::string& id) {
    return std::find_if(owed.begin(), owed.end(), [&](const auto& o) { return o.first == id; });
  };

  for (const StoredEvent& e : record.events) {
    if (e.event.unit != unit) continue;
    const nlohmann::json& p = e.event.payload;
    switch (e.event.type) {
      case EventType::kTransitionApplied: {
        const std::string to = Str(p, "to");
        current = to;
        if (to == stage_id && !entered) entered = e.event.at;
        if (to == commit_stage_id) {
          commit_entered = e.event.at;
          commit_entered_seq = e.seq;
          signed_ok = nullptr;
        }
        const std::string trigger = Str(p, "trigger");
        if (trigger == r.submit_trigger && submitted == nullptr && Str(p, "from") == stage_id) submitted = &e;
        if (trigger == r.return_trigger) returns.push_back(e.seq);
        if (ins.given && !fixups.empty()) {
          Fixup& f = fixups.back();
          if (to == fixup_stage_id && f.entered_seq == 0) f.entered_seq = e.seq;
          else if (Str(p, "from") == fixup_stage_id && f.entered_seq != 0 && f.done == nullptr) f.done = &e;
        }
        break;
      }
      case EventType::kInspectionRecorded: {
        if (!ins.given) break;
        const auto& list = p.contains("findings") && p["findings"].is_array() ? p["findings"] : nlohmann::json::array();
        if (list.empty()) break;
        findings += static_cast<int>(list.size());
        finding_seqs.push_back(e.seq);
        fixups.push_back(Fixup{e.seq, DateIn(p, "fixup_due"), 0, nullptr});
        break;
      }
      case EventType::kDeadlineMissed:
        if (Str(p, "stage") == stage_id && submitted == nullptr) missed.push_back(e.seq);
        break;
      case EventType::kMaterialAdded: {
        const std::string id = Str(p, "material");
        if (find_owed(id) == owed.end())
          owed.push_back({id, Owed{Str(p, "name"), p.value("required", true), "", e.seq, 0, 0}});
        break;
      }
      case EventType::kMaterialDropped:
        if (auto it = find_owed(Str(p, "material")); it != owed.end()) owed.erase(it);
        break;
      case EventType::kMaterialSubmitted:
      case EventType::kMaterialReturned:
      case EventType::kMaterialExplained:
      case EventType::kMaterialAccepted: {
        auto it = find_owed(Str(p, "material"));
        if (it == owed.end()) break;
        it->second.state = Str(p, "to");
        it->second.last_seq = e.seq;
        if (e.event.type == EventType::kMaterialExplained) it->second.explained_seq = e.seq;
        it->second.explained_accepted_seq =
            e.event.type == EventType::kMaterialAccepted && p.value("explained", false) ? e.seq : 0;
        break;
      }
      case EventType::kPaperReceived:
        copies = p.value("received", 0);
        copies_seq = e.seq;
        break;
      case EventType::kCommitmentSigned:
        if (commit_entered && signed_ok == nullptr && p.value("stamped", false)) signed_ok = &e;
        break;
      default:
        break;
    }
  }

  SubmissionScore out;
  auto deduct = [&](std::string_view item, Points points, std::string reason, std::vector<std::int64_t> seqs) {
    if (points <= 0) return;
    out.deductions.push_back({std::string(item), points, std::move(reason), std::move(seqs)});
  };
  const Date today = tz.local_date(now);
  std::optional<Date> due = due_of(r.stage, entered.value_or(now));
  due = Extended(due, record.events, unit, stage_id, 0, submitted != nullptr ? submitted->seq : 0, nullptr);

  bool final_stage = std::any_of(r.final_stages.begin(), r.final_stages.end(),
                                 [&](model::StageId s) { return wf.stages[s].id == current; });
  // Each fix-up's due, moved by the extensions granted while fixing up.
  for (Fixup& f : fixups)
    if (f.entered_seq != 0)
      f.due = Extended(f.due, record.events, unit, fixup_stage_id, f.entered_seq, f.done != nullptr ? f.done->seq : 0,
                       nullptr);
  std::string fixup_pending;
  if (ins.given && current == fixup_stage_id && !fixups.empty()) {
    const Fixup& f = fixups.back();
    if (f.due && today > *f.due) final_stage = true;  // scored as unfinished
    else fixup_pending = "整改中" + (f.due ? "，整改期限" + FormatDateZh(*f.due) : std::string());
  }
  if (submitted == nullptr) {
    if (due && today > *due) {
      out.complete = true;
      deduct(kItemNotSubmitted, r.not_submitted, "截至" + FormatDateZh(today) + "未报送材料（截止" + FormatDateZh(*due) + "）",
             missed);
    } else {
      out.pending = "尚未报送材料" + (due ? "，截止" + FormatDateZh(*due) : std::string());
    }
  } else {
    out.complete = final_stage;
    if (!final_stage) {
      auto sid = wf.FindStage(current);
      out.pending = !fixup_pending.empty() ? fixup_pending
                                           : "尚在" + (sid ? wf.stages[*sid].label.zh : current) + "阶段";
    }
    const Date on = tz.local_date(submitted->event.at);
    if (due && on > *due) {
      const int late = cal.WorkdaysBetween(NextDay(*due), on);
      std::vector<std::int64_t> seqs = missed;
      seqs.push_back(submitted->seq);
      deduct(kItemLate, std::min<Points>(r.late_max, r.late_per_workday * late),
             "首次报送逾期" + std::to_string(late) + "个工作日（截止" + FormatDateZh(*due) + "，" + FormatDateZh(on) +
                 "报送）",
             seqs);
    }
    if (!returns.empty())
      deduct(kItemReturned, std::min<Points>(r.returns_max, r.per_return * static_cast<Points>(returns.size())),
             "材料被退回修改" + std::to_string(returns.size()) + "次", returns);
    for (const auto& [id, m] : owed) {
      if (m.explained_accepted_seq != 0) {
        std::vector<std::int64_t> seqs;
        if (m.explained_seq != 0) seqs.push_back(m.explained_seq);
        seqs.push_back(m.explained_accepted_seq);
        deduct(kItemExplained, r.per_explained, "「" + m.name + "」以合理说明代替材料", seqs);
      } else if (m.required && m.state != "accepted") {
        std::vector<std::int64_t> seqs;
        if (m.last_seq != 0) seqs.push_back(m.last_seq);
        deduct(kItemMissingMaterial, r.per_missing_material, "「" + m.name + "」未通过审核", seqs);
      }
    }
    if (copies < r.paper_copies) {
      const int short_by = r.paper_copies - copies;
      std::vector<std::int64_t> seqs;
      if (copies_seq != 0) seqs.push_back(copies_seq);
      deduct(kItemPaperCopies, r.per_missing_copy * short_by,
             "纸质材料应报送" + std::to_string(r.paper_copies) + "份，收到" + std::to_string(copies) + "份", seqs);
    }
    if (commit_entered) {
      std::optional<Date> cdue = due_of(r.commitment_stage, *commit_entered);
      cdue = Extended(cdue, record.events, unit, commit_stage_id, commit_entered_seq, 0, nullptr);
      if (signed_ok != nullptr) {
        const auto on_day = DateIn(signed_ok->event.payload, "signed_on");
        const Date recorded = tz.local_date(signed_ok->event.at);
        const Date signed_day = on_day && *on_day > recorded ? *on_day : recorded;
        if (cdue && signed_day > *cdue)
          deduct(kItemCommitmentLate, r.commitment_late,
                 "承诺书" + FormatDateZh(signed_day) + "签署报送，晚于" + FormatDateZh(*cdue), {signed_ok->seq});
      } else if (cdue && today > *cdue) {
        deduct(kItemCommitmentLate, r.commitment_late, "截止" + FormatDateZh(*cdue) + "未签署承诺书",
               {commit_entered_seq});
      }
    }
  }
  if (findings > 0)
    deduct(kItemFinding, r.per_finding * findings, "现场核查发现问题" + std::to_string(findings) + "个", finding_seqs);
  for (const Fixup& f : fixups) {
    if (f.entered_seq == 0 || !f.due) continue;
    if (f.done != nullptr) {
      const Date on = tz.local_date(f.done->event.at);
      if (on > *f.due)
        deduct(kItemFixupLate, r.fixup_late,
               "整改" + FormatDateZh(on) + "完成，晚于整改期限" + FormatDateZh(*f.due) + "（逾期" +
                   std::to_string(cal.WorkdaysBetween(NextDay(*f.due), on)) + "个工作日）",
               {f.recorded_seq, f.done->seq});
    } else if (today > *f.due) {
      deduct(kItemFixupLate, r.fixup_late, "截至" + FormatDateZh(today) + "整改未完成（整改期限" + FormatDateZh(*f.due) + "）",
             {f.recorded_seq});
    }
  }
  Points off = 0;
  for (const auto& d : out.deductions) off += d.points;
  out.score = std::max<Points>(0, model::kFullMarks - off);
  return out;
}

const Approval* Record::pending() const {
  for (const auto& a : approvals)
    if (a.status == model::RequestStatus::kPending) return &a;
  return nullptr;
}

Record ReadRecord(std::span<const StoredEvent> events) {
  Record rec;
  for (const StoredEvent& e : events) {
    const nlohmann::json& p = e.event.payload;
    switch (e.event.type) {
      case EventType::kAssessmentPriorRecorded:
      case EventType::kAssessmentEvaluated: {
        auto score = p.contains("score") ? PointsFromJson(p["score"]) : std::nullopt;
        if (!score) break;
        auto& parts = e.event.type == EventType::kAssessmentPriorRecorded ? rec.prior : rec.evaluation;
        parts[e.event.unit] = Part{*score, e.seq, Str(p, "comment")};
        rec.parts_seq = e.seq;
        break;
      }
      case EventType::kAssessmentScored: {
        const int rev = p.value("revision", 0);
        if (rev > rec.revision) {
          rec.revision = rev;
          rec.scored.clear();
        }
        if (rev == rec.revision) rec.scored[e.event.unit] = Scored{e.seq, e.event.at, p};
        break;
      }
      case EventType::kTransitionRequested:
        if (Str(p, "kind") == kApprovalKind)
          rec.approvals.push_back(
              {Str(p, "request"), p.value("revision", 0), e.event.actor, e.seq, model::RequestStatus::kPending});
        break;
      case EventType::kTransitionApproved:
      case EventType::kTransitionRejected:
        if (Str(p, "kind") == kApprovalKind)
          for (auto& a : rec.approvals)
            if (a.id == Str(p, "request"))
              a.status = e.event.type == EventType::kTransitionApproved ? model::RequestStatus::kApproved
                                                                        : model::RequestStatus::kRejected;
        break;
      case EventType::kAssessmentPublished:
        rec.published = p.value("revision", 0);
        rec.published_seq = e.seq;
        rec.published_payload = p;
        break;
      default:
        break;
    }
  }
  return rec;
}

nlohmann::json ScoredPayload(const UnitScore& s, int revision, const model::AssessmentWeights& w) {
  return {{"revision", revision},
          {"prior", PointsJson(s.prior)},
          {"submission", PointsJson(s.submission)},
          {"evaluation", PointsJson(s.evaluation)},
          {"weights", {{"prior", w.prior}, {"submission", w.submission}, {"evaluation", w.evaluation}}},
          {"total", PointsJson(s.total)},
          {"deductions", s.deductions},
          {"prior_event", s.prior_event},
          {"evaluation_event", s.evaluation_event},
          {"comment", s.comment}};
}

Result<std::vector<UnitScore>> ScoreAll(const model::Workflow& wf, const model::Roster& roster,
                                        std::span<const StoredEvent> events, const calendar::Calendar& cal,
                                        const TimeZone& tz, const DueOf& due_of, Instant now) {
  const Record rec = ReadRecord(events);
  std::vector<UnitScore> out;
  std::vector<std::string> problems;
  for (const model::Unit& u : roster.units) {
    UnitScore s;
    s.unit = u.id;
    std::vector<std::string> lacks;
    if (auto it = rec.prior.find(u.id); it != rec.prior.end()) {
      s.prior = it->second.score;
      s.prior_event = it->second.seq;
    } else {
      lacks.push_back("上一年度指标得分");
    }
    if (auto it = rec.evaluation.find(u.id); it != rec.evaluation.end()) {
      s.evaluation = it->second.score;
      s.evaluation_event = it->second.seq;
      s.comment = it->second.comment;
    } else {
      lacks.push_back("办公室工作评价");
    }
    const SubmissionScore sub = ScoreSubmission(wf, {&u, events}, cal, tz, due_of, now);
    if (!sub.complete) lacks.push_back("材料报送未完结（" + sub.pending + "）");
    s.submission = sub.score;
    s.deductions = sub.deductions;
    s.total = Total(wf.assessment.weights, s.prior, s.submission, s.evaluation);
    if (!lacks.empty()) problems.push_back(u.name + "(" + u.id + ")：缺" + Join(lacks, "、"));
    out.push_back(std::move(s));
  }
  if (!problems.empty())
    return Status::Refused(kRuleIncomplete, "考核评分须三部分齐全：" + Join(problems, "；"));
  return out;
}

std::vector<Ranked> Rank(const std::vector<UnitScore>& scores) {
  std::vector<Ranked> out;
  for (const auto& s : scores) out.push_back({0, &s});
  std::stable_sort(out.begin(), out.end(), [](const Ranked& a, const Ranked& b) { return a.score->total > b.score->total; });
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i].rank = i > 0 && out[i].score->total == out[i - 1].score->total ? out[i - 1].rank : static_cast<int>(i + 1);
  return out;
}

nlohmann::json RankingJson(const std::vector<UnitScore>& scores, const model::Roster& roster) {
  nlohmann::json out = nlohmann::json::array();
  for (const Ranked& r : Rank(scores)) {
    const model::Unit* u = roster.FindUnit(r.score->unit);
    out.push_back({{"rank", r.rank},
                   {"unit", r.score->unit},
                   {"name", u != nullptr ? u->name : r.score->unit},
                   {"total", PointsJson(r.score->total)},
                   {"prior", PointsJson(r.score->prior)},
                   {"submission", PointsJson(r.score->submission)},
                   {"evaluation", PointsJson(r.score->evaluation)}});
  }
  return out;
}

namespace {

// A unit's score as an assessment.scored payload records it.
std::optional<UnitScore> FromPayload(const std::string& unit, const nlohmann::json& p) {
  UnitScore s;
  s.unit = unit;
  auto get = [&](const char* key, Points& into) {
    auto v = p.contains(key) ? PointsFromJson(p[key]) : std::nullopt;
    if (v) into = *v;
    return v.has_value();
  };
  if (!get("prior", s.prior) || !get("submission", s.submission) || !get("evaluation", s.evaluation) ||
      !get("total", s.total))
    return std::nullopt;
  return s;
}

}  // namespace

std::vector<UnitScore> RecordedScores(const Record& rec, const model::Roster& roster) {
  std::vector<UnitScore> out;
  for (const auto& u : roster.units)
    if (auto it = rec.scored.find(u.id); it != rec.scored.end())
      if (auto s = FromPayload(u.id, it->second.payload)) out.push_back(*s);
  return out;
}

std::vector<Difference> VerifyLog(const model::Workflow& wf, const model::Roster& roster,
                                  std::span<const StoredEvent> events, const calendar::Calendar& cal,
                                  const TimeZone& tz, const DueOf& due_of, int* checked) {
  std::vector<Difference> out;
  int n = 0;
  std::map<int, std::vector<UnitScore>> by_revision;  // the scores recorded, per revision
  for (std::size_t i = 0; i < events.size(); ++i) {
    const StoredEvent& e = events[i];
    const nlohmann::json& p = e.event.payload;
    const int rev = p.value("revision", 0);
    if (e.event.type == EventType::kAssessmentScored) {
      ++n;
      auto diff = [&](std::string what, std::string recorded, std::string recomputed) {
        if (recorded != recomputed) out.push_back({e.event.unit, rev, e.seq, std::move(what), recorded, recomputed});
      };
      const model::Unit* unit = roster.FindUnit(e.event.unit);
      if (unit == nullptr) {
        diff("unit", e.event.unit, "");
        continue;
      }
      const auto before = events.subspan(0, i);
      const Record rec = ReadRecord(before);
      UnitScore s;
      s.unit = unit->id;
      if (auto it = rec.prior.find(unit->id); it != rec.prior.end()) {
        s.prior = it->second.score;
        s.prior_event = it->second.seq;
      }
      if (auto it = rec.evaluation.find(unit->id); it != rec.evaluation.end()) {
        s.evaluation = it->second.score;
        s.evaluation_event = it->second.seq;
        s.comment = it->second.comment;
      }
      const SubmissionScore sub = ScoreSubmission(wf, {unit, before}, cal, tz, due_of, e.event.at);
      s.submission = sub.score;
      s.deductions = sub.deductions;
      s.total = Total(wf.assessment.weights, s.prior, s.submission, s.evaluation);
      const nlohmann::json want = ScoredPayload(s, rev, wf.assessment.weights);
      for (const char* key : {"prior", "submission", "evaluation", "total", "weights", "deductions", "prior_event",
                              "evaluation_event"}) {
        const std::string recorded = p.contains(key) ? p[key].dump() : "(none)";
        diff(key, recorded, want[key].dump());
      }
      auto recorded = FromPayload(unit->id, p);
      if (recorded) by_revision[rev].push_back(*recorded);
    } else if (e.event.type == EventType::kAssessmentPublished) {
      ++n;
      auto& scores = by_revision[rev];
      // Roster order, as ScoreAll gives them.
      std::vector<UnitScore> ordered;
      for (const auto& u : roster.units)
        for (const auto& s : scores)
          if (s.unit == u.id) ordered.push_back(s);
      const nlohmann::json want = RankingJson(ordered, roster);
      const std::string recorded = p.contains("ranking") ? p["ranking"].dump() : "(none)";
      if (recorded != want.dump()) out.push_back({"", rev, e.seq, "ranking", recorded, want.dump()});
    }
  }
  if (checked != nullptr) *checked = n;
  return out;
}

}  // namespace duban::assessment
