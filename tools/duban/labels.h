// The CLI's display labels are the reports' (engine/report/labels.h): one
// table of zh-CN words for the engine's enums and states.
#pragma once

#include "report/labels.h"

namespace duban::cli {
namespace labels = report::labels;
}
