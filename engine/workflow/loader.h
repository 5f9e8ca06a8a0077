// Loading and validating workflow definitions and rosters (workflows/*.toml;
// the formats are described in workflows/README.md).
//
// Both parsers take the file's text rather than its path, so a campaign can
// keep the exact text it was created from and parse it again later. Every
// name in a file is mapped to a typed id here, once; the rest of the engine
// works on ids. A file with a problem is refused whole: the Status is
// InvalidInput, its message names the problem and its pos names
// source_name:line:column of the offending TOML node.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"
#include "model/model.h"

namespace duban::workflow {

// Parses and validates a workflow definition.
Result<model::Workflow> ParseWorkflow(std::string_view toml_content, std::string_view source_name);

// Parses and validates a roster against the workflow whose roles it assigns:
// every assignment's role is bound to a RoleId; a unit-scoped role must name
// a unit of the roster, a campaign-wide role must name none.
Result<model::Roster> ParseRoster(std::string_view toml_content, std::string_view source_name,
                                  const model::Workflow& wf);

// The largest definition, roster, calendar or scenario file read.
inline constexpr std::size_t kMaxTextFileBytes = 16 * 1024 * 1024;

// The whole file as text. Fails with NotFound when it does not exist, Io when
// it cannot be read, and InvalidInput when it is not a regular file, is over
// kMaxTextFileBytes, or is not UTF-8 (at the first bad byte's line and
// column).
Result<std::string> ReadTextFile(const std::filesystem::path& path);

}  // namespace duban::workflow
