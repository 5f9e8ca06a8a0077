// Authorisation: every verb of model::kVerbSpecs run through app::App on a
// real SQLite database with the shipped workflow and the Taishan roster, for
// each kind of person; what a unit-scoped person sees; who sees phone numbers
// and e-mail addresses; and the [permissions] loader's errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "app/app.h"
#include "store/store.h"
#include "support/temp_dir.h"
#include "workflow/loader.h"
#include "workflow/permissions.h"

namespace duban {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using model::Verb;

const fs::path kSource = DUBAN_SOURCE_DIR;
constexpr const char* kCampaign = "taishan-2021";

Instant T(const std::string& text) {
  auto t = ParseInstant(text, TimeZone::Default());
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : Instant{};
}

Date D(const std::string& text) { return *ParseDate(text); }

app::RequestContext As(const std::string& person, const std::string& at = "2021-10-09 10:00") {
  return app::RequestContext{person, T(at), std::nullopt, app::Channel::kCli};
}

// The kinds of people asking. Every verb is tried on the finance bureau's unit.
struct Persona {
  const char* name;
  app::RequestContext rc;
};
const std::vector<Persona>& Personas() {
  static const std::vector<Persona> p = {
      {"own unit", As("finance-liaison")},
      {"other unit", As("water-liaison")},
      {"office", As("office-director-sun-yecun")},
      {"leader", As("leader-zhang-peifeng")},
      {"no role", As("gov-office-liaison")},  // replaced as liaison in SetUp: holds no role any more
      {"unknown", As("nobody")},
      {"none", As("")},
      {"system off its channel", As("system")},
      {"system channel", app::SystemRequest(T("2021-10-09 10:00"))},
  };
  return p;
}

class Authz : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore((dir_.path() / "duban.db").string());
    ASSERT_TRUE(s.ok()) << s.status().str();
    store_ = std::move(*s);
    app_ = std::make_unique<app::App>(*store_, Options());
    ASSERT_TRUE(app_->LoadCalendars(kSource / "workflows" / "calendars", As("office-cao-bin", "2021-09-01")).ok());
    app::CampaignSpec spec;
    spec.workflow = kSource / "workflows" / "annual-cycle.toml";
    spec.roster = kSource / "workflows" / "taishan-2021" / "roster.toml";
    auto created = app_->CreateCampaign(spec, As("office-cao-bin", "2021-09-28 10:00"));
    ASSERT_TRUE(created.ok()) << created.status().str();
    for (const char* unit : {"finance", "water"})
      ASSERT_TRUE(app_->Fire(kCampaign, unit, "kickoff", "", As("office-cao-bin", "2021-10-08 09:00")).ok());
    app::ContactChange change{"liaison", "gov-office-liaison-2", "新任联络员", "0538-1111111",
                              "gov-office-liaison-2@example.org", "", std::nullopt};
    auto set = app_->SetContact(kCampaign, "gov-office", change, As("office-cao-bin", "2021-10-08 10:00"));
    ASSERT_TRUE(set.ok()) << set.status().str();
    scan_ = dir_.path() / "scan.txt";
    std::ofstream(scan_) << "承诺书扫描件\n";
  }

  app::AppOptions Options() const {
    app::AppOptions o;
    o.files_dir = dir_.path() / "files";
    return o;
  }

  // A notice of the finance bureau's.
  std::string FinanceNotice() {
    store::NoticeFilter f;
    f.campaign = kCampaign;
    f.unit = "finance";
    auto n = store_->ListNotices(f);
    EXPECT_TRUE(n.ok() && !n->empty());
    return n.ok() && !n->empty() ? n->front().notice.id : "";
  }

  testing::TempDir dir_{"authz"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::App> app_;
  fs::path scan_;
};

using Runner = std::function<duban::Status(const app::RequestContext&)>;

template <typename T>
duban::Status StatusOf(const Result<T>& r) {
  return r.ok() ? duban::Status::Ok() : r.status();
}

// One row of the matrix: how to run the verb, and per persona (in Personas()
// order) 'A' authorised (it may still fail for another reason: the stage, a
// guard, a missing request), 'P' refused by the verb's permission rule, 'X'
// refused by the actor rule (no person, an unknown one, "system" off its
// channel, the system channel on a verb not its own).
struct Row {
  Runner run;
  std::string expect;
};

TEST_F(Authz, EveryVerbForEveryKindOfPerson) {
  const std::string c = kCampaign;
  const std::string notice = FinanceNotice();
  app::CampaignSpec spec;
  spec.workflow = kSource / "workflows" / "annual-cycle.toml";
  spec.roster = kSource / "workflows" / "taishan-2021" / "roster.toml";
  auto unit_filter = [](const std::string& unit) {
    store::EventFilter f;
    f.campaign = kCampaign;
    f.unit = unit;
    return f;
  };
  auto notice_filter = [] {
    store::NoticeFilter f;
    f.campaign = kCampaign;
    f.unit = "finance";
    return f;
  };
  auto material = [&](machine::MaterialAction a, const char* note) {
    return [&, a, note](const app::RequestContext& rc) {
      return StatusOf(app_->Material(c, "finance", "budget-report", a, note, {}, rc));
    };
  };
  //                                                      own other office leader norole unknown none sys-off sys
  const std::map<Verb, Row> rows = {
      {Verb::kCalendarLoad, {[&](auto& rc) { return StatusOf(app_->LoadCalendars(kSource / "workflows" / "calendars", rc)); },
                             "PPAPPXXXX"}},
      {Verb::kCampaignCreate, {[&](auto& rc) { return StatusOf(app_->CreateCampaign(spec, rc)); }, "PPAPPXXXX"}},
      {Verb::kFire, {[&](auto& rc) { return StatusOf(app_->Fire(c, "finance", "acknowledge", "", rc)); }, "APAPPXXXX"}},
      {Verb::kApprove, {[&](auto& rc) { return StatusOf(app_->Decide(c, "finance", true, "", rc)); }, "PPAPPXXXX"}},
      {Verb::kReject, {[&](auto& rc) { return StatusOf(app_->Decide(c, "finance", false, "不同意", rc)); }, "PPAPPXXXX"}},
      {Verb::kMaterialSubmit, {material(machine::MaterialAction::kSubmit, ""), "APPPPXXXX"}},
      {Verb::kMaterialExplain, {material(machine::MaterialAction::kExplain, "无法获取"), "APPPPXXXX"}},
      {Verb::kMaterialReturn, {material(machine::MaterialAction::kReturn, "缺签章"), "PPAPPXXXX"}},
      {Verb::kMaterialAccept, {material(machine::MaterialAction::kAccept, ""), "PPAPPXXXX"}},
      {Verb::kMaterialAdd,
       {[&](auto& rc) { return StatusOf(app_->AddMaterial(c, "finance", "extra", "补充材料", false, "上级要求", rc)); },
        "PPAPPXXXX"}},
      {Verb::kMaterialDrop,
       {[&](auto& rc) { return StatusOf(app_->DropMaterial(c, "finance", "no-such", "不适用", rc)); }, "PPAPPXXXX"}},
      {Verb::kCopies, {[&](auto& rc) { return StatusOf(app_->PaperCopies(c, "finance", 1, "", rc)); }, "PPAPPXXXX"}},
      {Verb::kContactSet,
       {[&](auto& rc) {
          app::ContactChange same{"liaison", "finance-liaison", "", "", "", "", std::nullopt};
          return StatusOf(app_->SetContact(c, "finance", same, rc));
        },
        "APAPPXXXX"}},
      {Verb::kSign,
       {[&](auto& rc) {
          return StatusOf(app_->Sign(c, "finance", "finance-principal-leader", D("2021-10-09"), true, scan_, rc));
        },
        "APAPPXXXX"}},
      {Verb::kTick, {[&](auto& rc) { return StatusOf(app_->Tick(rc)); }, "PPAPPXXXA"}},
      {Verb::kDeadlineSet,
       {[&](auto& rc) { return StatusOf(app_->SetDue(c, "collecting", D("2021-10-22"), "上级通知", rc)); },
        "PPAPPXXXX"}},
      {Verb::kExtend,
       {[&](auto& rc) { return StatusOf(app_->RequestExtension(c, "finance", D("2021-10-25"), "待审议", rc)); },
        "APPPPXXXX"}},
      {Verb::kUrge, {[&](auto& rc) { return StatusOf(app_->Urge(c, "finance", "", rc)); }, "PPAPPXXXX"}},
      {Verb::kNoticesRetry, {[&](auto& rc) { return StatusOf(app_->RetryNotice(notice, "", rc)); }, "PPAPPXXXX"}},
      {Verb::kCampaignList, {[&](auto& rc) { return StatusOf(app_->Campaigns(rc)); }, "AAAAPXXXX"}},
      {Verb::kRoster, {[&](auto& rc) { return StatusOf(app_->Roster(c, "finance", rc)); }, "APAAPXXXX"}},
      {Verb::kStatus, {[&](auto& rc) { return StatusOf(app_->Status(c, "finance", rc)); }, "APAAPXXXX"}},
      {Verb::kRequests, {[&](auto& rc) { return StatusOf(app_->Requests(store::RequestFilter{c, std::nullopt, "", 0}, rc)); }, "AAAAPXXXX"}},
      {Verb::kEvents, {[&](auto& rc) { return StatusOf(app_->Events(unit_filter("finance"), rc)); }, "APAAPXXXX"}},
      {Verb::kMaterialList, {[&](auto& rc) { return StatusOf(app_->Materials(c, "finance", rc)); }, "APAAPXXXX"}},
      {Verb::kMaterialFiles, {[&](auto& rc) { return StatusOf(app_->Attachments(c, "finance", rc)); }, "APAAPXXXX"}},
      {Verb::kContactHistory, {[&](auto& rc) { return StatusOf(app_->Contacts(c, "finance", rc)); }, "APAAPXXXX"}},
      {Verb::kCommitments, {[&](auto& rc) { return StatusOf(app_->Commitments(c, "finance", rc)); }, "APAAPXXXX"}},
      {Verb::kNotices, {[&](auto& rc) { return StatusOf(app_->Notices(notice_filter(), rc)); }, "APAAPXXXX"}},
      {Verb::kVerify, {[&](auto& rc) { return StatusOf(app_->Verify(c, rc)); }, "PPAAPXXXX"}},
      {Verb::kAssessImport, {[&](auto& rc) { return StatusOf(app_->AssessImportPrior(c, scan_, "", rc)); }, "PPAPPXXXX"}},
      {Verb::kAssessEvaluate,
       {[&](auto& rc) { return StatusOf(app_->AssessEvaluate(c, "finance", 9000, "按时报送", "", rc)); }, "PPAPPXXXX"}},
      {Verb::kAssessScore, {[&](auto& rc) { return StatusOf(app_->AssessScore(c, "", rc)); }, "PPAPPXXXX"}},
      {Verb::kAssessSubmit, {[&](auto& rc) { return StatusOf(app_->AssessSubmit(c, "", rc)); }, "PPAPPXXXX"}},
      {Verb::kAssessShow, {[&](auto& rc) { return StatusOf(app_->AssessShow(c, "finance", rc)); }, "APAAPXXXX"}},
      {Verb::kInspectAnnounce,
       {[&](auto& rc) { return StatusOf(app_->AnnounceInspection(c, D("2021-11-10"), {"finance"}, "", rc)); },
        "PPAPPXXXX"}},
      {Verb::kInspectRecord,
       {[&](auto& rc) { return StatusOf(app_->RecordInspection(c, "finance", {}, std::nullopt, "", rc)); },
        "PPAPPXXXX"}},
      {Verb::kAssessVerify, {[&](auto& rc) { return StatusOf(app_->AssessVerify(c, rc)); }, "PPAAPXXXX"}},
  };
  // A verb added to the list needs its row here.
  for (const auto& spec_row : model::kVerbSpecs)
    EXPECT_TRUE(rows.count(spec_row.verb)) << "no row for verb '" << spec_row.name << "' in the matrix";
  for (const auto& [verb, row] : rows) {
    ASSERT_EQ(row.expect.size(), Personas().size()) << model::VerbName(verb);
    const std::string rule = workflow::PermissionRule(verb);
    for (std::size_t i = 0; i < Personas().size(); ++i) {
      const auto& who = Personas()[i];
      const duban::Status st = row.run(who.rc);
      char got = 'A';
      if (st.code() == Code::kRefused && st.rule() == workflow::kRuleActor) got = 'X';
      else if (st.code() == Code::kRefused && st.rule() == rule) got = 'P';
      else if (st.code() == Code::kRefused && st.rule().starts_with("permission:")) got = '?';
      EXPECT_EQ(got, row.expect[i]) << model::VerbName(verb) << " by " << who.name << " (" << who.rc.person
                                    << "): " << st.str();
      if (got == 'P') {
        EXPECT_THAT(st.str(), HasSubstr("refused by rule '" + rule + "'"));
      }
    }
  }
}

// --- what a unit sees -------------------------------------------------------------

TEST_F(Authz, AUnitSeesOnlyItsOwnRowsAndCampaignWideEvents) {
  const auto finance = As("finance-liaison");
  auto ledger = app_->Status(kCampaign, "", finance);
  ASSERT_TRUE(ledger.ok()) << ledger.status().str();
  ASSERT_EQ(ledger->rows.size(), 1u);
  EXPECT_EQ(ledger->rows[0].unit->id, "finance");
  auto office = app_->Status(kCampaign, "", As("office-cao-bin"));
  ASSERT_TRUE(office.ok());
  EXPECT_EQ(office->rows.size(), 15u);

  store::EventFilter all;
  auto events = app_->Events(all, finance);
  ASSERT_TRUE(events.ok());
  bool saw_finance = false;
  for (const auto& e : *events) {
    EXPECT_TRUE(e.event.unit == "finance" || e.event.unit.empty()) << model::EventTypeName(e.event.type) << " " << e.event.unit;
    saw_finance = saw_finance || e.event.unit == "finance";
  }
  EXPECT_TRUE(saw_finance);
  all.limit = 1;
  auto one = app_->Events(all, finance);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);

  store::EventFilter water;
  water.unit = "water";
  auto refused = app_->Events(water, finance);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kRefused);
  EXPECT_EQ(refused.status().rule(), "permission:events");

  auto materials = app_->Materials(kCampaign, "", finance);
  ASSERT_TRUE(materials.ok());
  for (const auto& m : *materials) EXPECT_EQ(m.unit, "finance");
  auto view = app_->Roster(kCampaign, "", finance);
  ASSERT_TRUE(view.ok());
  ASSERT_EQ(view->units.size(), 1u);
  EXPECT_EQ(view->units[0].id, "finance");
  for (const auto& p : view->people)
    EXPECT_TRUE(std::any_of(p.roles.begin(), p.roles.end(), [](const auto& a) { return a.unit == "finance"; }))
        << p.id;
  store::NoticeFilter notices;
  auto mine = app_->Notices(notices, finance);
  ASSERT_TRUE(mine.ok());
  EXPECT_FALSE(mine->empty());
  for (const auto& n : *mine) EXPECT_EQ(n.notice.event.unit, "finance");
}

// Requests page by their id; a unit-scoped reader's page holds its own
// unit's requests only, however many other units asked before it.
TEST_F(Authz, RequestsPageByACursorWithinTheReadersScope) {
  // One open request per unit: the first of each is rejected before the second.
  for (const char* unit : {"finance", "water"}) {
    const std::string liaison = std::string(unit) + "-liaison";
    for (const char* day : {"2021-10-25", "2021-10-26"}) {
      auto r = app_->RequestExtension(kCampaign, unit, D(day), "待审议", As(liaison, "2021-10-09 11:00"));
      ASSERT_TRUE(r.ok()) << unit << " " << day << ": " << r.status().str();
      if (std::string(day) == "2021-10-25") {
        ASSERT_TRUE(app_->Decide(kCampaign, unit, false, "理由不足", As("office-director-sun-yecun", "2021-10-09 11:00")).ok());
      }
    }
  }
  auto page = [&](const std::string& person, const std::string& after, std::size_t limit) {
    auto r = app_->Requests(store::RequestFilter{kCampaign, std::nullopt, after, limit}, As(person));
    EXPECT_TRUE(r.ok()) << r.status().str();
    std::vector<std::string> ids;
    if (r.ok())
      for (const auto& q : *r) ids.push_back(q.id);
    return ids;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(page("office-cao-bin", "", 0), V({"finance#1", "finance#2", "water#1", "water#2"}));
  EXPECT_EQ(page("office-cao-bin", "", 3), V({"finance#1", "finance#2", "water#1"}));
  EXPECT_EQ(page("office-cao-bin", "finance#2", 1), V({"water#1"}));
  EXPECT_EQ(page("water-liaison", "", 1), V({"water#1"}));
  EXPECT_EQ(page("water-liaison", "water#1", 1), V({"water#2"}));
  EXPECT_EQ(page("water-liaison", "water#2", 1), V());
  EXPECT_EQ(page("finance-liaison", "", 0), V({"finance#1", "finance#2"}));
}

TEST_F(Authz, ContactDetailsAreForTheOfficeAndThePersonThemselves) {
  // The roster view: the liaison sees their own address, not the coordinator's.
  auto view = app_->Roster(kCampaign, "", As("finance-liaison"));
  ASSERT_TRUE(view.ok());
  for (const auto& p : view->people) {
    const bool self = p.id == "finance-liaison";
    EXPECT_EQ(p.email.empty(), !self) << p.id << " " << p.email;
    if (!self) {
      EXPECT_TRUE(p.phone.empty()) << p.id;
    }
  }
  auto office = app_->Roster(kCampaign, "finance", As("office-cao-bin"));
  ASSERT_TRUE(office.ok());
  for (const auto& p : office->people) EXPECT_FALSE(p.email.empty()) << p.id;

  // Contact history and the contact.changed event's payload.
  auto seen_by = [&](const std::string& person) {
    auto history = app_->Contacts(kCampaign, "gov-office", As(person));
    EXPECT_TRUE(history.ok()) << person;
    store::EventFilter f;
    f.unit = "gov-office";
    f.type = "contact.changed";
    auto events = app_->Events(f, As(person));
    EXPECT_TRUE(events.ok() && events->size() == 1u) << person;
    if (!history.ok() || history->size() != 1u || !events.ok() || events->size() != 1u) return std::string("?");
    EXPECT_EQ(history->front().phone, events->front().event.payload["phone"].get<std::string>());
    return history->front().phone;
  };
  EXPECT_EQ(seen_by("office-cao-bin"), "0538-1111111");
  EXPECT_EQ(seen_by("gov-office-liaison-2"), "0538-1111111");  // the new liaison themselves
  EXPECT_EQ(seen_by("gov-office-coordinator"), "");
  EXPECT_EQ(seen_by("leader-zhang-peifeng"), "");

  // Notices: the recipients' addresses.
  store::NoticeFilter f;
  f.unit = "finance";
  auto notices = app_->Notices(f, As("finance-liaison"));
  ASSERT_TRUE(notices.ok());
  ASSERT_FALSE(notices->empty());
  for (const auto& n : *notices)
    for (const auto& r : n.notice.recipients)
      EXPECT_EQ(r.email.empty(), r.person != "finance-liaison") << r.person << " " << r.email;
}

TEST_F(Authz, AUnitRecordsNewHoldersButNeverTakesOverAPersonOrTheirAddress) {
  const auto liaison = As("finance-liaison", "2021-10-09 11:00");
  app::ContactChange takeover{"liaison", "office-director-sun-yecun", "", "", "evil@example.net", "", std::nullopt};
  auto r = app_->SetContact(kCampaign, "finance", takeover, liaison);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kRefused);
  EXPECT_EQ(r.status().rule(), "contact_takeover");
  takeover.email.clear();
  EXPECT_EQ(app_->SetContact(kCampaign, "finance", takeover, liaison).status().rule(), "contact_takeover");

  // One of the unit's own people, with a new address: refused; without: recorded.
  app::ContactChange own{"liaison", "finance-coordinator", "", "", "other@example.net", "", std::nullopt};
  EXPECT_EQ(app_->SetContact(kCampaign, "finance", own, liaison).status().rule(), "contact_details");
  own.email.clear();
  EXPECT_TRUE(app_->SetContact(kCampaign, "finance", own, liaison).ok());

  // A new person: recorded, with their address.
  app::ContactChange fresh{"coordinator", "finance-coordinator-2", "新任协调人", "", "new@example.org", "",
                           std::nullopt};
  auto ok = app_->SetContact(kCampaign, "finance", fresh, As("finance-coordinator", "2021-10-09 11:10"));
  ASSERT_TRUE(ok.ok()) << ok.status().str();

  // The director's address is unchanged, and the office may still change anyone's.
  auto ctx = app_->Load(kCampaign);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->roster->FindPerson("office-director-sun-yecun")->email, "office-director-sun-yecun@example.org");
  app::ContactChange by_office{"liaison", "finance-liaison", "", "", "finance-liaison-new@example.org", "",
                               std::nullopt};
  EXPECT_TRUE(app_->SetContact(kCampaign, "finance", by_office, As("office-cao-bin", "2021-10-09 12:00")).ok());
}

TEST_F(Authz, OfficeCommandsAreRecordedWithWhoDidThem) {
  const std::string notice = FinanceNotice();
  auto none = app_->RetryNotice(notice, "", As("office-cao-bin"));  // nothing dead yet
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Code::kNotFound);
  // A hand tick records the person; the engine's clock records "system".
  auto tick = app_->Tick(As("office-cao-bin", "2021-10-12 10:00"));
  ASSERT_TRUE(tick.ok()) << tick.status().str();
  ASSERT_FALSE(wire::ToJson(tick->value)["raised"].empty());
  store::EventFilter f;
  f.type = "deadline.*";
  auto events = app_->Events(f, As("office-cao-bin"));
  ASSERT_TRUE(events.ok());
  ASSERT_FALSE(events->empty());
  for (const auto& e : *events) {
    EXPECT_EQ(e.event.actor, "office-cao-bin");
    // (e.event.channel is "cli" once the store keeps the channel: stream A's column.)
  }
  auto clock = app_->Tick(app::SystemRequest(T("2021-10-20 23:59:59")));
  ASSERT_TRUE(clock.ok()) << clock.status().str();
  auto later = app_->Events(f, As("office-cao-bin"));
  ASSERT_TRUE(later.ok());
  ASSERT_GT(later->size(), events->size());
  EXPECT_EQ(later->back().event.actor, "system");
}

// --- the loader ---------------------------------------------------------------------

std::string Shipped() { return *workflow::ReadTextFile(kSource / "workflows" / "annual-cycle.toml"); }

// 1-based line and column of the first `needle` at or after `from` in `text`.
std::pair<std::uint32_t, std::uint32_t> Where(const std::string& text, const std::string& needle,
                                              std::size_t from = 0) {
  const std::size_t at = text.find(needle, from);
  EXPECT_NE(at, std::string::npos) << needle;
  const std::size_t line_start = text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
  return {static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n') + 1),
          static_cast<std::uint32_t>(at - line_start + 1)};
}

struct LoaderCase {
  const char* name;
  std::string find;     // in the shipped file's [permissions]
  std::string replace;
  std::string at;       // where the error points, in the changed text: searched from the change (from
                        // the start when `at_from_start`; "[permissions]" is the section's header)
  std::string message;
  bool at_from_start = false;
};

TEST(PermissionsLoader, TheShippedWorkflowHasARuleForEveryVerb) {
  auto wf = workflow::ParseWorkflow(Shipped(), "annual-cycle.toml");
  ASSERT_TRUE(wf.ok()) << wf.status().str();
  const auto& p = wf->permissions;
  EXPECT_EQ(p.commitment_signers, std::vector<model::RoleId>{*wf->FindRole("principal_leader")});
  EXPECT_EQ(p.extension_approvers, std::vector<model::RoleId>{*wf->FindRole("office_director")});
  EXPECT_EQ(p.unit_contacts.size(), 2u);
  EXPECT_EQ(p.Of(Verb::kStatus).unit.size(), 4u);
  EXPECT_EQ(p.Of(Verb::kStatus).campaign.size(), 5u);
}

TEST(PermissionsLoader, RefusesWithFileLineAndColumn) {
  const std::string base = Shipped();
  const std::vector<LoaderCase> cases = {
      {"unknown role", R"(verify           = { campaign = ["office_staff")",
       R"(verify           = { campaign = ["office_stuff")", R"("office_stuff")", "names unknown role 'office_stuff'"},
      {"unknown verb", "[permissions]\n", "[permissions]\nfrobnicate = {}\n", "frobnicate",
       "unknown verb 'frobnicate'"},
      {"verb without a rule", "verify           = {", "# verify = {", "[permissions]", "no rule for verb 'verify'"},
      {"missing engine role", "commitment_signers  =", "# commitment_signers  =", "[permissions]",
       "missing 'commitment_signers'"},
      {"campaign role under unit", R"(extend           = { unit = ["liaison", "coordinator"] })",
       R"(extend           = { unit = ["liaison", "office_staff"] })", R"("office_staff"] })",
       "role 'office_staff' is campaign-scoped"},
      {"unit role under campaign", R"(urge             = { campaign = ["office_staff")",
       R"(urge             = { campaign = ["liaison")", R"("liaison")", "role 'liaison' is unit-scoped"},
      {"engine role of the wrong scope", R"(commitment_signers  = ["principal_leader"])",
       R"(commitment_signers  = ["office_director"])", R"("office_director"])", "must be unit-scoped"},
      {"empty engine role", R"(extension_approvers = ["office_director"])", R"(extension_approvers = [])", "[]",
       "names no role"},
      {"transition role without the verb", R"(fire             = { campaign = ["office_staff", "office_director"], unit = ["liaison", "coordinator", "principal_leader"] })",
       R"(fire             = { campaign = ["office_staff", "office_director"], unit = ["liaison", "coordinator"] })",
       R"("commit")", "role 'principal_leader' may fire it, but [permissions] 'fire' does not grant", true},
  };
  for (const auto& c : cases) {
    std::string text = base;
    const auto section = text.find("[permissions]");
    const auto at = text.find(c.find, section);
    ASSERT_NE(at, std::string::npos) << c.name;
    text.replace(at, c.find.size(), c.replace);
    auto wf = workflow::ParseWorkflow(text, "w.toml");
    ASSERT_FALSE(wf.ok()) << c.name << " was accepted";
    const std::size_t from = c.at_from_start ? 0 : c.at == "[permissions]" ? section : at;
    const auto [line, column] = Where(text, c.at, from);
    EXPECT_EQ(wf.status().code(), Code::kInvalidInput) << c.name;
    EXPECT_THAT(wf.status().str(), HasSubstr("w.toml:" + std::to_string(line) + ":" + std::to_string(column) + ": "))
        << c.name;
    EXPECT_THAT(wf.status().message(), HasSubstr(c.message)) << c.name;
  }
}

TEST(PermissionsLoader, AWorkflowWithoutTheSectionIsRefused) {
  std::string text = Shipped();
  text.erase(text.find("[permissions]"));
  auto wf = workflow::ParseWorkflow(text, "w.toml");
  ASSERT_FALSE(wf.ok());
  EXPECT_THAT(wf.status().str(), HasSubstr("missing [permissions]"));
  EXPECT_EQ(wf.status().pos().file, "w.toml");
}

}  // namespace
}  // namespace duban
