// The JSON of each query's rows: one form for the CLI's --format json and the
// HTTP API (a command's answer is wire/results.h's). Pure functions of the
// rows given; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "app/app.h"
#include "model/model.h"
#include "store/store.h"

namespace duban::app {

// "2021年10月20日": a date in words, for notices.
std::string DateInWords(Date d);
// "未报送", "已报送待审核", ...: where a material stands, for notices.
std::string_view MaterialStateWords(model::MaterialState s);

// {"id", "name", "year", "events", "created_at", "created_by"}.
nlohmann::json CampaignJson(const store::Campaign& c);
// One unit's ledger line, the fields of `duban --format json status`.
nlohmann::json LedgerRowJson(const Context& ctx, const LedgerRow& r);
// A request with its trigger and stages named by the campaign's workflow.
nlohmann::json RequestJson(const model::Workflow& wf, const model::Request& q);
// An event as stored: seq, type, unit, actor, at, payload, hash, and the
// channel it came by (omitted for rows written before channels were kept).
nlohmann::json EventJson(const model::StoredEvent& e);
// A notice with its deliveries.
nlohmann::json NoticeJson(const store::NoticeRecord& k);
nlohmann::json DeliveryJson(const store::Delivery& d);
// A material of a unit, as `material list` prints it.
nlohmann::json MaterialJson(const model::MaterialRecord& m);
// A file attached to a material or commitment, as `material files` prints it
// (the CLI adds where it is stored).
nlohmann::json AttachmentJson(const model::Attachment& a);
// A contact change, as `contact history` prints it.
nlohmann::json ContactJson(const model::Contact& k);
// A signed commitment; `current` when it is the unit's signature in force.
nlohmann::json CommitmentJson(const model::Commitment& k, bool current);
// Commitments (unit by unit, oldest first, as App::Commitments lists them),
// each marked current when the last of its unit.
nlohmann::json CommitmentsJson(const std::vector<model::Commitment>& list);
// The assessment as `assess show` prints it: revision, published, rows,
// pending and ranking.
nlohmann::json AssessmentJson(const AssessmentView& v);
// One year of the working-day calendar: its notice, holidays, make-up days
// and every day with whether it is worked (has_data false: plain weekends).
nlohmann::json CalendarYearJson(const calendar::Calendar& cal, int year);
// What a person is and may do in a campaign (GET /api/v1/me).
nlohmann::json SelfJson(const SelfView& v);

}  // namespace duban::app
