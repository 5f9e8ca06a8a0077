// ReadAssessment: [assessment] weights and [assessment.submission], each value
// checked where it is written.

#include "workflow/assessment_loader.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace duban::workflow::detail {

namespace {

// A number of points at `node`: an integer or a decimal with at most two
// places, 0 to 100.
model::Points ReadPoints(const Fields& table, std::string_view key, const toml::node& node) {
  const SourcePos pos = table.doc().PosOf(node);
  double value = 0;
  if (const auto* i = node.as_integer()) {
    value = static_cast<double>(i->get());
  } else if (const auto* f = node.as_floating_point()) {
    value = f->get();
  } else {
    table.WrongType(key, node, "a number of points");
  }
  if (!std::isfinite(value) || value < 0 || value > 100)
    Fail(table.what() + ": " + Quoted(key) + " must be 0 to 100 points", pos);
  const double hundredths = value * static_cast<double>(model::kPointsScale);
  const double rounded = std::round(hundredths);
  if (std::fabs(hundredths - rounded) > 1e-6)
    Fail(table.what() + ": " + Quoted(key) + " has more than two decimal places", pos);
  return static_cast<model::Points>(rounded);
}

int ReadPercent(const Fields& table, std::string_view key) {
  const toml::node& node = table.Require(key);
  const auto* i = node.as_integer();
  if (i == nullptr) table.WrongType(key, node, "a whole percentage");
  if (i->get() < 0 || i->get() > 100)
    Fail(table.what() + ": " + Quoted(key) + " must be 0 to 100 (percent), not " + std::to_string(i->get()),
         table.doc().PosOf(node));
  return static_cast<int>(i->get());
}

std::uint16_t ResolveStage(const Fields& table, const model::Workflow& wf, const Located& name) {
  auto id = wf.FindStage(name.value);
  if (!id) {
    std::vector<std::string> ids;
    for (const auto& s : wf.stages) ids.push_back(s.id);
    Fail(table.what() + " names unknown stage " + Quoted(name.value) + " (stages: " + JoinNames(ids) + ")", name.pos);
  }
  return *id;
}

std::string ResolveTrigger(const Fields& table, const model::Workflow& wf, const Located& name) {
  if (wf.FindTrigger(name.value).empty()) {
    std::vector<std::string> ids;
    for (const auto& t : wf.transitions)
      if (std::find(ids.begin(), ids.end(), t.trigger) == ids.end()) ids.push_back(t.trigger);
    Fail(table.what() + " names unknown trigger " + Quoted(name.value) + " (triggers: " + JoinNames(ids) + ")",
         name.pos);
  }
  return name.value;
}

void ReadWeights(const Fields& section, model::AssessmentRule& rule) {
  const toml::node* node = section.Find("weights");
  if (node == nullptr) return;  // the plan's 30 / 50 / 20
  const auto* t = node->as_table();
  if (t == nullptr) section.WrongType("weights", *node, "a table { prior, submission, evaluation }");
  Fields w(*t, section.doc(), "[assessment] 'weights'", {"prior", "submission", "evaluation"});
  rule.weights.prior = ReadPercent(w, "prior");
  rule.weights.submission = ReadPercent(w, "submission");
  rule.weights.evaluation = ReadPercent(w, "evaluation");
  const int sum = rule.weights.prior + rule.weights.submission + rule.weights.evaluation;
  if (sum != 100)
    Fail("[assessment] 'weights' must sum to 100 (percent), not " + std::to_string(sum), section.doc().PosOf(*node));
}

void ReadSubmission(const Fields& section, const model::Workflow& wf, model::SubmissionRule& r) {
  const toml::node* node = section.Find("submission");
  if (node == nullptr) Fail("[assessment]: missing [assessment.submission] (workflows/README.md)", section.pos());
  const auto* t = node->as_table();
  if (t == nullptr) section.WrongType("submission", *node, "a table");
  Fields s(*t, section.doc(), "[assessment.submission]",
           {"stage", "submit", "return", "commitment_stage", "final_stages", "paper_copies", "late_per_workday",
            "late_max", "not_submitted", "per_return", "returns_max", "per_explained", "per_missing_material",
            "per_missing_copy", "commitment_late", "per_finding", "fixup_late"});
  r.stage = ResolveStage(s, wf, s.LocatedString("stage"));
  const Located submit = s.LocatedString("submit");
  r.submit_trigger = ResolveTrigger(s, wf, submit);
  if (!wf.FindTransition(r.submit_trigger, r.stage))
    Fail("[assessment.submission]: trigger " + Quoted(r.submit_trigger) + " does not leave stage " +
             Quoted(wf.stages[r.stage].id),
         submit.pos);
  const Located ret = s.LocatedString("return");
  r.return_trigger = ResolveTrigger(s, wf, ret);
  r.commitment_stage = ResolveStage(s, wf, s.LocatedString("commitment_stage"));
  for (const Located& name : s.StringList("final_stages")) {
    const auto id = ResolveStage(s, wf, name);
    if (std::find(r.final_stages.begin(), r.final_stages.end(), id) != r.final_stages.end())
      Fail("[assessment.submission]: stage " + Quoted(name.value) + " is listed twice in 'final_stages'", name.pos);
    r.final_stages.push_back(id);
  }
  if (r.final_stages.empty())
    Fail("[assessment.submission]: 'final_stages' must name the stages in which a unit's record is final",
         s.pos());
  if (const toml::node* n = s.Find("paper_copies")) {
    const auto* i = n->as_integer();
    if (i == nullptr) s.WrongType("paper_copies", *n, "a whole number of copies");
    if (i->get() < 0 || i->get() > 100)
      Fail("[assessment.submission]: 'paper_copies' must be 0 to 100", s.doc().PosOf(*n));
    r.paper_copies = static_cast<int>(i->get());
  }
  struct Key {
    std::string_view name;
    model::Points* value;
  };
  for (const Key& k : {Key{"late_per_workday", &r.late_per_workday}, Key{"late_max", &r.late_max},
                       Key{"not_submitted", &r.not_submitted}, Key{"per_return", &r.per_return},
                       Key{"returns_max", &r.returns_max}, Key{"per_explained", &r.per_explained},
                       Key{"per_missing_material", &r.per_missing_material},
                       Key{"per_missing_copy", &r.per_missing_copy}, Key{"commitment_late", &r.commitment_late},
                       Key{"per_finding", &r.per_finding}, Key{"fixup_late", &r.fixup_late}})
    if (const toml::node* n = s.Find(k.name)) *k.value = ReadPoints(s, k.name, *n);
}

// [assessment.inspection]: the two triggers recording an on-site verification.
void ReadInspection(const Fields& section, const model::Workflow& wf, model::InspectionRule& r) {
  const toml::node* node = section.Find("inspection");
  if (node == nullptr) return;
  const auto* t = node->as_table();
  if (t == nullptr) section.WrongType("inspection", *node, "a table");
  Fields s(*t, section.doc(), "[assessment.inspection]", {"verify", "rectify"});
  r.given = true;
  r.pos = s.pos();
  const Located verify = s.LocatedString("verify");
  const Located rectify = s.LocatedString("rectify");
  r.verify_trigger = ResolveTrigger(s, wf, verify);
  r.rectify_trigger = ResolveTrigger(s, wf, rectify);
  // Each trigger is one transition (the same trigger may not lead elsewhere
  // from another stage), needs no approval, and both leave the same stages.
  auto only = [&](const Located& name) -> const model::TransitionDef& {
    const auto ids = wf.FindTrigger(name.value);
    if (ids.size() != 1)
      Fail("[assessment.inspection]: trigger " + Quoted(name.value) + " must be one transition, not " +
               std::to_string(ids.size()),
           name.pos);
    const model::TransitionDef& def = wf.transitions[ids.front()];
    if (def.needs_approval)
      Fail("[assessment.inspection]: trigger " + Quoted(name.value) +
               " needs approval; recording a verification applies it at once",
           name.pos);
    return def;
  };
  const model::TransitionDef& v = only(verify);
  const model::TransitionDef& f = only(rectify);
  auto sorted = [](std::vector<model::StageId> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  if (sorted(v.from) != sorted(f.from))
    Fail("[assessment.inspection]: triggers " + Quoted(r.verify_trigger) + " and " + Quoted(r.rectify_trigger) +
             " must leave the same stages",
         rectify.pos);
  if (f.to == v.to)
    Fail("[assessment.inspection]: trigger " + Quoted(r.rectify_trigger) +
             " must lead to a fix-up stage of its own, not to " + Quoted(wf.stages[v.to].id),
         rectify.pos);
  if (wf.stages[f.to].terminal)
    Fail("[assessment.inspection]: the fix-up stage " + Quoted(wf.stages[f.to].id) + " must not be terminal",
         rectify.pos);
  r.fixup_stage = f.to;
}

}  // namespace

void ReadAssessment(const Fields& root, model::Workflow& wf) {
  const toml::node* node = root.Find("assessment");
  if (node == nullptr) return;
  const auto* table = node->as_table();
  if (table == nullptr) root.WrongType("assessment", *node, "a table");
  Fields section(*table, root.doc(), "[assessment]", {"weights", "submission", "inspection"});
  model::AssessmentRule rule;
  rule.given = true;
  rule.pos = section.pos();
  ReadWeights(section, rule);
  ReadSubmission(section, wf, rule.submission);
  ReadInspection(section, wf, rule.inspection);
  if (wf.permissions.assessment_approvers.empty())
    Fail("[assessment]: [permissions] must name 'assessment_approvers', who approves the ranking "
         "(考核结果报区政府领导审核)",
         section.pos());
  wf.assessment = std::move(rule);
}

}  // namespace duban::workflow::detail
