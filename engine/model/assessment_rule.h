// The assessment rule of a workflow ([assessment] in the workflow file,
// workflows/README.md): how the December assessment (三、（三）) weighs its
// three parts and how this year's submission is scored from the record.
// Loaded and checked by engine/workflow; applied by engine/assessment.
//
// Points are kept in hundredths (8750 is 87.50) so that scores, weights and
// totals add up exactly and a recomputation gives the same figure.
//
// Thread-safety: plain data; immutable once loaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace duban::model {

using Points = std::int64_t;  // hundredths of a point
inline constexpr Points kPointsScale = 100;
inline constexpr Points kFullMarks = 100 * kPointsScale;  // every part is scored out of 100

// The plan's weights, in percent; they sum to 100.
struct AssessmentWeights {
  int prior = 30;       // last year's indicator score (上一年度指标得分情况)
  int submission = 50;  // this year's material submission (考核年材料报送情况)
  int evaluation = 20;  // the office's evaluation (领导小组办公室工作评价)
};

// How this year's submission is scored: out of kFullMarks, less each
// deduction the record shows, never below zero. Stage ids index the
// workflow's stages; triggers are the workflow's trigger names.
struct SubmissionRule {
  std::uint16_t stage = 0;             // the stage whose due the submission is measured against
  std::string submit_trigger;          // the trigger that hands the materials in
  std::string return_trigger;          // a return for revision
  std::uint16_t commitment_stage = 0;  // the commitment is due by this stage's due
  std::vector<std::uint16_t> final_stages;  // a unit in one of these has a final record
  int paper_copies = 2;                     // copies the office must receive
  Points late_per_workday = 5 * kPointsScale;  // per working day the first submission was late
  Points late_max = 40 * kPointsScale;
  Points not_submitted = kFullMarks;           // never submitted, and the due has passed
  Points per_return = 5 * kPointsScale;        // each return for revision (review round)
  Points returns_max = 20 * kPointsScale;
  Points per_explained = 2 * kPointsScale;     // each material accepted on an explanation
  Points per_missing_material = 10 * kPointsScale;  // each required material not accepted
  Points per_missing_copy = 5 * kPointsScale;  // each paper copy the office lacks
  Points commitment_late = 10 * kPointsScale;  // the commitment signed after its due (or not at all)
  Points per_finding = 5 * kPointsScale;       // each on-site finding (现场核查问题)
  Points fixup_late = 5 * kPointsScale;        // a fix-up (整改) done after its due, or not done
};

// The on-site verification (现场核查, 二、（三）2), when the upper level
// announces it: the office records each visited unit's findings, which fires
// `verify_trigger` when there are none and `rectify_trigger` when there are;
// the latter's target is the fix-up stage (整改), due on the day the office
// sets, escalating like any other stage, and left when the unit has fixed the
// findings. Both triggers leave the same stages and need no approval.
struct InspectionRule {
  bool given = false;  // [assessment.inspection]
  std::string verify_trigger;
  std::string rectify_trigger;
  std::uint16_t fixup_stage = 0;  // rectify_trigger's target
  SourcePos pos;
};

struct AssessmentRule {
  bool given = false;  // the workflow has an [assessment] section
  AssessmentWeights weights;
  SubmissionRule submission;
  InspectionRule inspection;
  SourcePos pos;
};

}  // namespace duban::model
