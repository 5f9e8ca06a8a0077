// The engine's verbs: every command and every query the application layer
// offers, in one list. A workflow's [permissions] section grants each of them
// to roles (engine/workflow/permissions.h decides); the loader, the check and
// the tests all read this list, so a verb added here without a rule in the
// workflow file, or without its rows in the authorisation matrix, fails.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace duban::model {

enum class Verb : std::uint8_t {
  // commands
  kCalendarLoad,
  kCampaignCreate,
  kFire,
  kApprove,
  kReject,
  kMaterialSubmit,
  kMaterialExplain,
  kMaterialReturn,
  kMaterialAccept,
  kMaterialAdd,
  kMaterialDrop,
  kCopies,
  kContactSet,
  kSign,
  kTick,
  kDeadlineSet,
  kExtend,
  kUrge,
  kNoticesRetry,
  kAssessImport,    // the December assessment: last year's scores
  kAssessEvaluate,  // the office's evaluation of a unit
  kAssessScore,     // score every unit
  kAssessSubmit,    // send the ranking for approval
  kInspectAnnounce,  // the on-site verification (现场核查) the upper level announced
  kInspectRecord,    // a visited unit's findings, and its fix-up (整改) due
  // queries
  kCampaignList,
  kRoster,
  kStatus,
  kRequests,
  kEvents,
  kMaterialList,
  kMaterialFiles,
  kContactHistory,
  kCommitments,
  kNotices,
  kVerify,
  kAssessShow,
  kAssessVerify,
};

struct VerbSpec {
  Verb verb;
  std::string_view name;  // the key in [permissions]
  bool command;           // false: a query (it changes nothing)
  bool system;            // the engine's own clock (Channel::kSystem) may use it
};

// Every verb, in enum order.
inline constexpr std::array kVerbSpecs = {
    VerbSpec{Verb::kCalendarLoad, "calendar_load", true, false},
    VerbSpec{Verb::kCampaignCreate, "campaign_create", true, false},
    VerbSpec{Verb::kFire, "fire", true, false},
    VerbSpec{Verb::kApprove, "approve", true, false},
    VerbSpec{Verb::kReject, "reject", true, false},
    VerbSpec{Verb::kMaterialSubmit, "material_submit", true, false},
    VerbSpec{Verb::kMaterialExplain, "material_explain", true, false},
    VerbSpec{Verb::kMaterialReturn, "material_return", true, false},
    VerbSpec{Verb::kMaterialAccept, "material_accept", true, false},
    VerbSpec{Verb::kMaterialAdd, "material_add", true, false},
    VerbSpec{Verb::kMaterialDrop, "material_drop", true, false},
    VerbSpec{Verb::kCopies, "copies", true, false},
    VerbSpec{Verb::kContactSet, "contact_set", true, false},
    VerbSpec{Verb::kSign, "sign", true, false},
    VerbSpec{Verb::kTick, "tick", true, true},
    VerbSpec{Verb::kDeadlineSet, "deadline_set", true, false},
    VerbSpec{Verb::kExtend, "extend", true, false},
    VerbSpec{Verb::kUrge, "urge", true, false},
    VerbSpec{Verb::kNoticesRetry, "notices_retry", true, false},
    VerbSpec{Verb::kAssessImport, "assess_import", true, false},
    VerbSpec{Verb::kAssessEvaluate, "assess_evaluate", true, false},
    VerbSpec{Verb::kAssessScore, "assess_score", true, false},
    VerbSpec{Verb::kAssessSubmit, "assess_submit", true, false},
    VerbSpec{Verb::kInspectAnnounce, "inspect_announce", true, false},
    VerbSpec{Verb::kInspectRecord, "inspect_record", true, false},
    VerbSpec{Verb::kCampaignList, "campaign_list", false, false},
    VerbSpec{Verb::kRoster, "roster", false, false},
    VerbSpec{Verb::kStatus, "status", false, false},
    VerbSpec{Verb::kRequests, "requests", false, false},
    VerbSpec{Verb::kEvents, "events", false, false},
    VerbSpec{Verb::kMaterialList, "material_list", false, false},
    VerbSpec{Verb::kMaterialFiles, "material_files", false, false},
    VerbSpec{Verb::kContactHistory, "contact_history", false, false},
    VerbSpec{Verb::kCommitments, "commitments", false, false},
    VerbSpec{Verb::kNotices, "notices", false, false},
    VerbSpec{Verb::kVerify, "verify", false, false},
    VerbSpec{Verb::kAssessShow, "assess_show", false, false},
    VerbSpec{Verb::kAssessVerify, "assess_verify", false, false},
};
inline constexpr std::size_t kVerbCount = kVerbSpecs.size();

constexpr const VerbSpec& SpecOf(Verb v) { return kVerbSpecs[static_cast<std::size_t>(v)]; }
constexpr std::string_view VerbName(Verb v) { return SpecOf(v).name; }
constexpr std::optional<Verb> VerbFromName(std::string_view name) {
  for (const auto& s : kVerbSpecs)
    if (s.name == name) return s.verb;
  return std::nullopt;
}

// The list is in enum order (SpecOf indexes it).
constexpr bool VerbSpecsInOrder() {
  for (std::size_t i = 0; i < kVerbSpecs.size(); ++i)
    if (static_cast<std::size_t>(kVerbSpecs[i].verb) != i) return false;
  return true;
}
static_assert(VerbSpecsInOrder(), "kVerbSpecs must list every Verb in enum order");

}  // namespace duban::model
