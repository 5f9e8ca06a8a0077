#include "report/labels.h"

namespace duban::report::labels {

std::string_view Light(std::optional<deadline::Light> light) {
  if (!light) return "";
  switch (*light) {
    case deadline::Light::kGreen: return "绿 green";
    case deadline::Light::kYellow: return "黄 yellow";
    case deadline::Light::kRed: return "红 red";
  }
  return "";
}

std::string Commitment(model::CommitmentState state, int number) {
  std::string out = state == model::CommitmentState::kSigned       ? "已签章"
                    : state == model::CommitmentState::kIncomplete ? "不完整"
                                                                   : "未签";
  if (number > 1) out += "(第" + std::to_string(number) + "版)";
  return out;
}

std::string MaterialState(model::MaterialState state, bool explained) {
  switch (state) {
    case model::MaterialState::kPending: return "待报送";
    case model::MaterialState::kSubmitted: return "已报送";
    case model::MaterialState::kReturned: return "已退回";
    case model::MaterialState::kExplained: return "已说明";
    case model::MaterialState::kAccepted: return explained ? "已通过(说明)" : "已通过";
  }
  return "?";
}

std::string_view MaterialDropped() { return "已删减"; }

std::string_view NotAcknowledged() { return "未签收"; }

std::string EscalationLevel(int level) { return level > 0 ? std::to_string(level) + "级" : ""; }

std::string_view StampedShort(bool stamped) { return stamped ? "是" : "否"; }

std::string_view Stamped(bool stamped) { return stamped ? "已盖章" : "未盖章"; }

std::string_view CommitmentCurrency(bool current) { return current ? "现行" : "已被取代"; }

std::string_view DeadlineEvent(std::string_view type_name) {
  const auto type = model::EventTypeFromName(type_name);
  if (!type) return "";
  switch (*type) {
    case model::EventType::kDeadlineApproaching: return "催办提醒";
    case model::EventType::kDeadlineMissed: return "已超期";
    case model::EventType::kEscalationRaised: return "督办升级";
    case model::EventType::kDeadlineExtended: return "截止日期调整";
    default: return "";
  }
}

std::string_view NoticeNotPlanned() { return "待分派 not yet planned"; }

}  // namespace duban::report::labels
