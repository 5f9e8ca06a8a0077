// App::Self: who the asker is in a campaign and what the workflow lets them
// do, for pages that show only the buttons a person may press.
#include "app/app.h"
#include "workflow/permissions.h"

namespace duban::app {

Result<SelfView> App::Self(const std::string& campaign, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  const workflow::Principal who{rc.person, rc.channel == Channel::kSystem};
  SelfView v;
  v.campaign = ctx->campaign.id;
  v.workflow = ctx->workflow;
  for (const auto& spec : model::kVerbSpecs) {
    auto a = workflow::Authorize(*ctx->workflow, *ctx->roster, who, spec.verb);
    if (!a.allowed) {
      if (a.rule == workflow::kRuleActor) return Status::Refused(a.rule, a.message);
      continue;
    }
    v.grants.push_back({spec.verb, a.campaign_wide, a.units});
  }
  if (const model::Person* p = ctx->roster->FindPerson(rc.person)) v.person = *p;
  else return Status::Refused(workflow::kRuleActor, rc.person + " 不在本次工作的名册中 / not on the campaign's roster");
  return v;
}

}  // namespace duban::app
