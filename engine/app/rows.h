// The JSON of each query's rows: one form for the CLI's --format json and the
// HTTP API (a command's answer is wire/results.h's). Pure functions of the
// rows given; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "app/app.h"
#include "model/model.h"
#include "store/store.h"

namespace duban::app {

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

}  // namespace duban::app
