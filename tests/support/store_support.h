// The Taishan campaign in a store, for the store tests (store_test.cpp, the
// SQLite backend's own) and the conformance suite every backend passes
// (store_conformance_test.cpp): the campaign created through the app, a
// little history, and the store's contents written out for comparison.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "app/app.h"
#include "core/time.h"
#include "store/store.h"

namespace duban::testing {

inline const std::filesystem::path kSource = DUBAN_SOURCE_DIR;
inline const char* const kCampaign = "taishan-2021";

inline Instant At(const std::string& text) {
  auto t = ParseInstant(text, TimeZone::Default());
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : Instant{};
}

inline app::RequestContext As(const std::string& person, const std::string& at,
                     std::optional<std::string> command_id = std::nullopt) {
  return app::RequestContext{person, At(at), std::move(command_id), app::Channel::kCli};
}

// The Taishan campaign, as `id` when one is given.
inline void CreateTaishan(app::App& app, const std::string& id = "") {
  app::CampaignSpec spec;
  spec.workflow = kSource / "workflows" / "annual-cycle.toml";
  spec.roster = kSource / "workflows" / "taishan-2021" / "roster.toml";
  spec.calendars = kSource / "workflows" / "calendars";
  spec.id = id;
  auto r = app.CreateCampaign(spec, As("office-cao-bin", "2021-09-28"));
  ASSERT_TRUE(r.ok()) << r.status().str();
}

inline void Fire(app::App& app, const std::string& unit, const std::string& trigger, const std::string& person,
                 const std::string& at, const std::string& note = "") {
  auto r = app.Fire(kCampaign, unit, trigger, note, As(person, at));
  ASSERT_TRUE(r.ok()) << unit << " " << trigger << ": " << r.status().str();
}

inline store::Campaign Head(store::Store& s, const std::string& campaign = kCampaign) {
  auto c = s.GetCampaign(campaign);
  EXPECT_TRUE(c.ok() && c->has_value());
  return c.ok() && c->has_value() ? **c : store::Campaign{};
}

inline std::int64_t EventCount(store::Store& s) {
  store::EventFilter f;
  f.campaign = kCampaign;
  auto events = s.ListEvents(f);
  EXPECT_TRUE(events.ok());
  return events.ok() ? static_cast<std::int64_t>(events->size()) : -1;
}

// Finance's principal leader signs the commitment (a scan written to `dir`).
inline void SignFinance(app::App& app, const std::filesystem::path& dir) {
  const std::filesystem::path scan = dir / "commitment.pdf";
  std::ofstream(scan, std::ios::binary) << "%PDF-1.4 signed and stamped";
  auto r = app.Sign(kCampaign, "finance", "finance-principal-leader", std::chrono::year{2021} / 10 / 15, true, scan,
                    As("finance-liaison", "2021-10-15T12:00"));
  ASSERT_TRUE(r.ok()) << r.status().str();
}

// A little history: every unit kicked off, finance through submission and
// review to an open request, and a signed commitment.
inline void Populate(app::App& app, const std::filesystem::path& dir) {
  auto ctx = app.Load(kCampaign);
  ASSERT_TRUE(ctx.ok());
  for (const auto& u : ctx->roster->units) Fire(app, u.id, "kickoff", "office-cao-bin", "2021-10-08T09:00");
  Fire(app, "finance", "acknowledge", "finance-liaison", "2021-10-09T10:00");
  for (const auto& m : ctx->roster->FindUnit("finance")->materials) {
    if (!m.required) continue;
    auto r = app.Material(kCampaign, "finance", m.id, machine::MaterialAction::kSubmit, "", {},
                          As("finance-liaison", "2021-10-12T10:00"));
    ASSERT_TRUE(r.ok()) << r.status().str();
  }
  Fire(app, "finance", "submit", "finance-liaison", "2021-10-13T10:00");
  Fire(app, "finance", "receive", "office-cao-bin", "2021-10-14T10:00");
  for (const auto& m : ctx->roster->FindUnit("finance")->materials) {
    if (!m.required) continue;
    auto r = app.Material(kCampaign, "finance", m.id, machine::MaterialAction::kAccept, "", {},
                          As("office-cao-bin", "2021-10-15T10:00"));
    ASSERT_TRUE(r.ok()) << r.status().str();
  }
  auto req = app.Fire(kCampaign, "finance", "accept", "", As("office-cao-bin", "2021-10-15T11:00"));
  ASSERT_TRUE(req.ok()) << req.status().str();
  ASSERT_EQ(req->value.outcome, wire::Fired::Outcome::kRequested);
  SignFinance(app, dir);
}

// Everything the store holds for the campaign, written out so that two
// snapshots compare as strings.
inline std::string Snapshot(store::Store& s) {
  std::ostringstream out;
  auto c = s.GetCampaign(kCampaign);
  if (!c.ok() || !c->has_value()) return "no campaign";
  const auto& camp = **c;
  out << "campaign " << camp.id << '|' << camp.name << '|' << camp.year << '|' << camp.time_zone << '|'
      << camp.workflow_hash << '|' << camp.roster_hash << '|' << FormatUtc(camp.created_at) << '|'
      << camp.created_by << '|' << camp.head_seq << '|' << camp.head_hash << '\n';
  auto instances = s.ListInstances(kCampaign);
  if (!instances.ok()) return "instances failed";
  for (const auto& i : *instances)
    out << "instance " << i.unit << '|' << i.stage << '|' << i.version << '|' << FormatUtc(i.entered_at) << '|'
        << (i.due_at ? FormatUtc(*i.due_at) : "-") << '|' << i.pending_request.value_or("-") << '\n';
  auto requests = s.ListRequests(kCampaign, std::nullopt);
  if (!requests.ok()) return "requests failed";
  for (const auto& r : *requests)
    out << "request " << r.id << '|' << r.unit << '|' << r.transition << '|' << r.from << '|' << r.to << '|'
        << r.requested_by << '|' << FormatUtc(r.requested_at) << '|' << r.note << '|'
        << model::RequestStatusName(r.status) << '|' << r.decided_by << '|'
        << (r.decided_at ? FormatUtc(*r.decided_at) : "-") << '|' << r.decision_note << '\n';
  auto materials = s.ListMaterials(kCampaign, "");
  if (!materials.ok()) return "materials failed";
  for (const auto& m : *materials)
    out << "material " << m.unit << '|' << m.material << '|' << m.required << '|'
        << model::MaterialStateName(m.state) << '|' << m.explained << '|' << m.submissions << '|' << m.note
        << '|' << FormatUtc(m.updated_at) << '|' << m.updated_by << '\n';
  auto signatures = s.ListCommitments(kCampaign, "");
  if (!signatures.ok()) return "commitments failed";
  for (const auto& x : *signatures)
    out << "commitment " << x.unit << '|' << x.number << '|' << x.signer << '|' << FormatDate(x.signed_on)
        << '|' << x.stamped << '|' << x.document_hash << '|' << x.document_name << '\n';
  store::EventFilter f;
  f.campaign = kCampaign;
  auto events = s.ListEvents(f);
  if (!events.ok()) return "events failed";
  for (const auto& e : *events)
    out << "event " << e.seq << '|' << model::EventTypeName(e.event.type) << '|' << e.event.unit << '|' << e.event.actor << '|'
        << FormatUtc(e.event.at) << '|' << e.event.payload.dump() << '|' << e.event.channel << '|' << e.prev_hash
        << '|' << e.hash << '\n';
  return out.str();
}

}  // namespace duban::testing
