// The app's one authorisation step, shared by the files of the module (not
// part of its interface): every command and query asks it first.
#pragma once

#include <string>

#include "app/app.h"
#include "model/permissions.h"
#include "workflow/permissions.h"

namespace duban::app::detail {

// Authorises `rc` for `verb` on `unit` (empty: no unit in particular) in the
// campaign of `ctx`: the answer of workflow::Authorize, or its refusal.
Result<workflow::Authorization> Authorized(const Context& ctx, const RequestContext& rc, model::Verb verb,
                                           const std::string& unit = "");

}  // namespace duban::app::detail
