// A [permissions] section for small test workflows: every verb granted to one
// campaign role, and a unit role (appended as its own [[roles]] table) for the
// engine's unit-scoped roles. Appended at the end of a workflow text, so the
// line numbers above it stay as they are.
#pragma once

#include <string>

#include "model/permissions.h"

namespace duban::testing {

inline std::string PermissionsFor(const std::string& campaign_role, const std::string& unit_role = "member") {
  std::string out = "[permissions]\n";
  for (const auto& s : model::kVerbSpecs)
    out += std::string(s.name) + " = { campaign = [\"" + campaign_role + "\"] }\n";
  out += "commitment_signers = [\"" + unit_role + "\"]\n";
  out += "unit_contacts = [\"" + unit_role + "\"]\n";
  out += "extension_approvers = [\"" + campaign_role + "\"]\n";
  out += "contact_details = { campaign = [\"" + campaign_role + "\"] }\n";
  out += "[[roles]]\nid = \"" + unit_role + "\"\nlabel = { zh = \"成员\", en = \"Member\" }\nscope = \"unit\"\n";
  return out;
}

}  // namespace duban::testing
