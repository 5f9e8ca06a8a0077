#include "machine/paperwork.h"

#include <algorithm>

namespace duban::machine {

namespace {

using model::MaterialState;

// Does `person` hold one of the workflow's commitment signers' roles for `unit`?
bool IsSigner(const model::Workflow& wf, const model::Roster& roster, const std::string& person,
              const std::string& unit) {
  const auto& roles = wf.permissions.commitment_signers;
  return std::any_of(roles.begin(), roles.end(), [&](model::RoleId r) { return roster.Holds(person, r, unit, wf); });
}

const char* ActionName(MaterialAction a) {
  switch (a) {
    case MaterialAction::kSubmit: return "submit";
    case MaterialAction::kExplain: return "explain";
    case MaterialAction::kReturn: return "return";
    case MaterialAction::kAccept: return "accept";
  }
  return "?";
}

const char* ActionZh(MaterialAction a) {
  switch (a) {
    case MaterialAction::kSubmit: return "报送";
    case MaterialAction::kExplain: return "说明";
    case MaterialAction::kReturn: return "退回";
    case MaterialAction::kAccept: return "通过";
  }
  return "?";
}

const char* StateZh(MaterialState s) {
  switch (s) {
    case MaterialState::kPending: return "待报送";
    case MaterialState::kSubmitted: return "已报送";
    case MaterialState::kReturned: return "已退回";
    case MaterialState::kExplained: return "已说明";
    case MaterialState::kAccepted: return "已通过";
  }
  return "?";
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "、") + n;
  return out;
}

}  // namespace

MaterialDecision DecideMaterial(const model::Workflow& /*wf*/, const model::Roster& /*roster*/,
                                const model::MaterialRecord& current, const MaterialCommand& cmd) {
  MaterialDecision d;
  auto refuse = [&](std::string rule, std::string message) {
    d.refused = true;
    d.rule = std::move(rule);
    d.message = std::move(message);
    return d;
  };
  const MaterialState s = current.state;
  bool from_ok = false;
  switch (cmd.action) {
    case MaterialAction::kSubmit:
    case MaterialAction::kExplain:
      from_ok = s == MaterialState::kPending || s == MaterialState::kReturned;
      break;
    case MaterialAction::kReturn:
    case MaterialAction::kAccept:
      from_ok = s == MaterialState::kSubmitted || s == MaterialState::kExplained;
      break;
  }
  if (!from_ok)
    return refuse("material_state", "材料「" + current.name + "」" + StateZh(s) + "，不能" +
                                        ActionZh(cmd.action));
  if ((cmd.action == MaterialAction::kExplain || cmd.action == MaterialAction::kReturn) && cmd.note.empty())
    return refuse(kRuleNote, std::string(cmd.action == MaterialAction::kExplain ? "无法获取的材料须做出合理说明"
                                                                                : "退回材料须写明意见") +
                                 " (--note)");

  d.record = current;
  d.record.updated_at = cmd.at;
  d.record.updated_by = cmd.actor;
  d.record.note = cmd.note;
  model::EventType type{};
  switch (cmd.action) {
    case MaterialAction::kSubmit:
      d.record.state = MaterialState::kSubmitted;
      d.record.explained = false;
      ++d.record.submissions;
      type = model::EventType::kMaterialSubmitted;
      break;
    case MaterialAction::kExplain:
      d.record.state = MaterialState::kExplained;
      d.record.explained = true;
      type = model::EventType::kMaterialExplained;
      break;
    case MaterialAction::kReturn:
      d.record.state = MaterialState::kReturned;
      type = model::EventType::kMaterialReturned;
      break;
    case MaterialAction::kAccept:
      d.record.state = MaterialState::kAccepted;
      d.record.note = cmd.note.empty() ? current.note : cmd.note;
      type = model::EventType::kMaterialAccepted;
      break;
  }
  nlohmann::json payload = {{"material", current.material},
                            {"name", current.name},
                            {"action", ActionName(cmd.action)},
                            {"from", model::MaterialStateName(s)},
                            {"to", model::MaterialStateName(d.record.state)}};
  if (!cmd.note.empty()) payload["note"] = cmd.note;
  if (d.record.explained) payload["explained"] = true;
  d.event = model::Event{type, current.unit, cmd.actor, cmd.at, std::move(payload)};
  return d;
}

SignDecision DecideSign(const model::Workflow& wf, const model::Roster& roster, const std::string& unit,
                        const std::optional<model::Commitment>& current, const SignCommand& cmd) {
  SignDecision d;
  auto refuse = [&](std::string rule, std::string message) {
    d.refused = true;
    d.rule = std::move(rule);
    d.message = std::move(message);
    return d;
  };
  if (!IsSigner(wf, roster, cmd.signer, unit))
    return refuse("signer", "签字人 " + cmd.signer + " 不是单位 " + unit + " 的主要领导");
  if (cmd.document_hash.empty()) return refuse("document", "承诺书须附扫描件 (--document)");

  d.commitment.unit = unit;
  d.commitment.number = current ? current->number + 1 : 1;
  d.commitment.signer = cmd.signer;
  d.commitment.signed_on = cmd.signed_on;
  d.commitment.stamped = cmd.stamped;
  d.commitment.document_hash = cmd.document_hash;
  d.commitment.document_name = cmd.document_name;
  d.commitment.recorded_at = cmd.at;
  d.commitment.recorded_by = cmd.actor;
  nlohmann::json payload = {{"number", d.commitment.number},
                            {"signer", cmd.signer},
                            {"signed_on", FormatDate(cmd.signed_on)},
                            {"stamped", cmd.stamped},
                            {"document_sha256", cmd.document_hash},
                            {"document_name", cmd.document_name}};
  if (current) payload["supersedes"] = current->number;
  d.event = model::Event{model::EventType::kCommitmentSigned, unit, cmd.actor, cmd.at, std::move(payload)};
  return d;
}

GuardFacts FactsFor(const model::Workflow& wf, const model::Roster& roster, const std::string& unit,
                    const std::vector<model::MaterialRecord>& materials,
                    const std::optional<model::Commitment>& commitment) {
  GuardFacts f;
  std::vector<std::string> missing, unaccepted;
  for (const auto& m : materials) {
    if (m.dropped) continue;
    if (m.state == MaterialState::kReturned) f.returned_items.push_back(m.name);
    const bool handed_in = m.state == MaterialState::kSubmitted || m.state == MaterialState::kExplained ||
                           m.state == MaterialState::kAccepted;
    if (m.required && !handed_in) missing.push_back(m.name);
    if ((m.required || m.state != MaterialState::kPending) && m.state != MaterialState::kAccepted)
      unaccepted.push_back(m.name + "(" + StateZh(m.state) + ")");
  }
  f.materials_complete.holds = missing.empty();
  if (!missing.empty()) f.materials_complete.detail = "未报送或说明：" + JoinNames(missing);
  f.materials_returned.holds = !f.returned_items.empty();
  if (f.returned_items.empty())
    f.materials_returned.detail = "退回须先标明不合格的材料 (material return UNIT ITEM --note ...)";
  f.materials_accepted.holds = unaccepted.empty();
  if (!unaccepted.empty()) f.materials_accepted.detail = "未通过审核：" + JoinNames(unaccepted);

  if (!commitment) {
    f.commitment_signed.detail = "尚无主要领导签字盖章的承诺书";
  } else if (!IsSigner(wf, roster, commitment->signer, unit)) {
    f.commitment_signed.detail = "承诺书签字人不是本单位主要领导";
  } else if (!commitment->stamped) {
    f.commitment_signed.detail = "承诺书未加盖公章";
  } else if (commitment->document_hash.empty()) {
    f.commitment_signed.detail = "承诺书缺少扫描件";
  } else {
    f.commitment_signed.holds = true;
  }
  return f;
}

}  // namespace duban::machine
