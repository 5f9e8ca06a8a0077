// What each command answers, as typed values, and their one JSON form: the
// form the CLI prints with --format json, the command record keeps for a
// client command id (so that a retry is answered from it), and the HTTP API
// returns. ToJson and FromJson round-trip every type exactly.
//
// Plain data: safe to copy between threads; nothing here is shared.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/time.h"
#include "model/model.h"

namespace duban::wire {

// A stage as people see it: its id and its zh-CN label.
struct StageRef {
  std::string id;     // "collecting"
  std::string label;  // 材料收集
  friend bool operator==(const StageRef&, const StageRef&) = default;
};

// `calendar load` (and `init`): the years loaded and every due day that moved.
struct CalendarLoaded {
  struct Year {
    int year = 0;
    std::string source;  // the file as it names itself
    std::string sha256;
    friend bool operator==(const Year&, const Year&) = default;
  };
  struct Moved {
    std::string campaign;
    std::string unit;
    std::string stage;
    std::string reason;
    std::optional<Date> from;  // the due day before; none when there was none
    std::optional<Date> to;    // the due day now
    friend bool operator==(const Moved&, const Moved&) = default;
  };
  std::vector<Year> loaded;
  std::vector<Moved> moved;
  friend bool operator==(const CalendarLoaded&, const CalendarLoaded&) = default;
};

// `campaign create`. Its JSON without "id" is the campaign.created payload.
struct CampaignCreated {
  struct Definition {
    std::string id;
    std::optional<int> version;  // the workflow's; a roster has none
    std::string sha256;
    std::string source;
    friend bool operator==(const Definition&, const Definition&) = default;
  };
  std::string id;
  std::string name;
  int year = 0;
  std::string time_zone;
  Definition workflow;
  Definition roster;
  std::int64_t units = 0;
  std::vector<int> calendar_missing_years;  // omitted from the JSON when empty
  // Made from the previous year's campaign (campaign create --from): what it
  // carried over. Omitted from the JSON when not.
  struct From {
    std::string campaign;          // "taishan-2021"
    bool workflow_revised = false; // a new workflow file (方案更新); false: the plan stays in force
    std::int64_t contacts = 0;     // contact changes carried (the latest per unit and role)
    std::int64_t prior_scores = 0; // published totals recorded as last year's score; 0: none published
    friend bool operator==(const From&, const From&) = default;
  };
  std::optional<From> from;
  friend bool operator==(const CampaignCreated&, const CampaignCreated&) = default;
};

// `fire`: the unit moved, or a request for approval was opened.
struct Fired {
  enum class Outcome : std::uint8_t { kApplied, kRequested };
  std::string unit;
  std::string trigger;
  Outcome outcome = Outcome::kApplied;
  StageRef from;
  StageRef to;
  std::optional<std::string> request;  // kRequested: the request's id ("finance#1")
  std::optional<Instant> due;          // the unit's due instant after the command
  friend bool operator==(const Fired&, const Fired&) = default;
};

// `approve` / `reject`.
struct Decided {
  enum class Outcome : std::uint8_t { kApproved, kRejected };
  std::string unit;
  std::string request;
  model::RequestKind kind = model::RequestKind::kTransition;
  std::string trigger;  // the transition's trigger; "extend" for an extension
  Outcome outcome = Outcome::kApproved;
  StageRef from;
  StageRef to;              // `from` again when rejected or for an extension
  std::optional<Date> due;  // an extension: the unit's due day after the decision
  friend bool operator==(const Decided&, const Decided&) = default;
};

// A command whose answer is the one event it recorded about a unit (material
// moves, added and dropped items, paper copies, contact changes, signatures,
// urging): the event's payload, with the unit beside it.
struct Recorded {
  std::string unit;
  nlohmann::json payload = nlohmann::json::object();
  friend bool operator==(const Recorded&, const Recorded&) = default;
};

// `tick`: what fell due, in order.
struct Ticked {
  struct Raised {
    std::string campaign;
    model::Event event;
    friend bool operator==(const Raised& a, const Raised& b) {
      return a.campaign == b.campaign && a.event.type == b.event.type && a.event.unit == b.event.unit &&
             a.event.at == b.event.at && a.event.payload == b.event.payload;
    }
  };
  Instant at{};
  std::vector<Raised> raised;
  friend bool operator==(const Ticked&, const Ticked&) = default;
};

// `deadline set`: a stage's due day moved for the whole campaign.
struct DueSet {
  std::string stage;
  Date due{};
  std::string reason;
  std::vector<std::string> units;  // the units whose due moved
  friend bool operator==(const DueSet&, const DueSet&) = default;
};

// `extend`: a unit's request for a later due day, waiting for approval.
struct ExtensionRequested {
  std::string unit;
  std::string request;
  std::optional<Date> due;  // the current due day, if any
  Date new_due{};
  friend bool operator==(const ExtensionRequested&, const ExtensionRequested&) = default;
};

// `notices retry`.
struct NoticeRetried {
  std::string notice;
  int retried = 0;  // deliveries made pending again
  friend bool operator==(const NoticeRetried&, const NoticeRetried&) = default;
};

nlohmann::json ToJson(const StageRef& v);
nlohmann::json ToJson(const CalendarLoaded& v);
nlohmann::json ToJson(const CampaignCreated& v);
nlohmann::json ToJson(const Fired& v);
nlohmann::json ToJson(const Decided& v);
nlohmann::json ToJson(const Recorded& v);
nlohmann::json ToJson(const Ticked& v);
nlohmann::json ToJson(const DueSet& v);
nlohmann::json ToJson(const ExtensionRequested& v);
nlohmann::json ToJson(const NoticeRetried& v);

// The inverse of ToJson: InvalidInput naming the member that is missing or of
// the wrong type. Used to answer a retried command id from its record.
template <typename T>
Result<T> FromJson(const nlohmann::json& j);

// The one spelling of each enum on the wire.
std::string_view OutcomeName(Fired::Outcome o);     // "applied", "requested"
std::string_view OutcomeName(Decided::Outcome o);   // "approved", "rejected"

}  // namespace duban::wire
