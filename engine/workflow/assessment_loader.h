// Reading a workflow's [assessment] section: the weights of the December
// assessment and the rule that scores this year's submission. Internal to
// engine/workflow; the format and its defaults are described in
// workflows/README.md.
#pragma once

#include "model/model.h"
#include "workflow/toml_fields.h"

namespace duban::workflow::detail {

// Reads `root`'s [assessment] into wf.assessment, once stages and
// transitions are read; leaves it not given when the section is absent.
// Fails (LoadError) at the offending node on an unknown key, weights that are
// not whole percentages summing to 100, a point value that is negative, above
// 100 or finer than 0.01, an unknown stage or trigger, and a trigger that
// does not leave (submit) or enter (return) the stages it must.
void ReadAssessment(const Fields& root, model::Workflow& wf);

}  // namespace duban::workflow::detail
