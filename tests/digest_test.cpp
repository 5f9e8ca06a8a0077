// The daily digest (督办日报): the per-person choice in the roster and the
// config, the pure routing (urgent and immediate notices at once, the rest
// held for digest readers), and the assembly through app::App on a real
// SQLite file with the shipped workflow, roster and calendars: one digest per
// person and working day at 08:30, none on a holiday (the held notices roll
// to the next working day), idempotent across repeated ticks, one catch-up
// digest after a gap, every held notice in exactly one digest, and the
// shipped templates rendering it strictly.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/app.h"
#include "core/time.h"
#include "machine/notices.h"
#include "runtime/config.h"
#include "store/store.h"
#include "support/local_time.h"
#include "support/temp_dir.h"
#include "templates.h"
#include "workflow/loader.h"

namespace duban {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using duban::testing::TempDir;

const fs::path kSource = DUBAN_SOURCE_DIR;
const char* const kCampaign = "taishan-2021";
const char* const kOffice = "office-cao-bin";
const char* const kOffice2 = "office-guo-yushuang";
const char* const kDirector = "office-director-sun-yecun";

Instant T(const std::string& local) {
  auto t = ParseInstant(local, TimeZone::Default());
  EXPECT_TRUE(t.ok()) << local;
  return t.ok() ? *t : Instant{};
}

app::RequestContext As(const std::string& person, const std::string& at) {
  return app::RequestContext{person, T(at), std::nullopt, app::Channel::kCli};
}

std::string Read(const fs::path& p) {
  auto text = workflow::ReadTextFile(p);
  EXPECT_TRUE(text.ok()) << text.status().str();
  return text.ok() ? *text : std::string();
}

model::Workflow ShippedWorkflow() {
  auto wf = workflow::ParseWorkflow(Read(kSource / "workflows/annual-cycle.toml"), "annual-cycle.toml");
  EXPECT_TRUE(wf.ok()) << wf.status().str();
  return wf.ok() ? *wf : model::Workflow{};
}

std::string ShippedRosterText() { return Read(kSource / "workflows/taishan-2021/roster.toml"); }

Result<model::Roster> RosterFrom(const std::string& text) {
  static const model::Workflow wf = ShippedWorkflow();
  return workflow::ParseRoster(text, "roster.toml", wf);
}

// --- the choice ---------------------------------------------------------

TEST(DigestChoice, TheShippedRosterGivesTheOfficeAndTheDirectorTheDigestAndTheUnitsMailAtOnce) {
  auto roster = RosterFrom(ShippedRosterText());
  ASSERT_TRUE(roster.ok()) << roster.status().str();
  const machine::DigestRule rule;
  auto choice = [&](const std::string& id) {
    const model::Person* p = roster->FindPerson(id);
    EXPECT_NE(p, nullptr) << id;
    return p ? machine::DigestChoiceOf(*roster, *p, rule) : model::DigestChoice::kImmediate;
  };
  EXPECT_EQ(choice(kOffice), model::DigestChoice::kDaily);
  EXPECT_EQ(choice(kOffice2), model::DigestChoice::kDaily);
  EXPECT_EQ(choice(kDirector), model::DigestChoice::kDaily);
  EXPECT_EQ(choice("finance-liaison"), model::DigestChoice::kImmediate);
  EXPECT_EQ(choice("finance-coordinator"), model::DigestChoice::kImmediate);
}

TEST(DigestChoice, APersonsOwnChoiceBeatsTheRoleAndTheConfigBeatsBoth) {
  std::string text = ShippedRosterText();
  const std::string anchor = "id = \"office-cao-bin\"\n";
  ASSERT_NE(text.find(anchor), std::string::npos);
  text.replace(text.find(anchor), anchor.size(), anchor + "digest = \"immediate\"\n");
  auto roster = RosterFrom(text);
  ASSERT_TRUE(roster.ok()) << roster.status().str();
  machine::DigestRule rule;
  EXPECT_EQ(machine::DigestChoiceOf(*roster, *roster->FindPerson(kOffice), rule), model::DigestChoice::kImmediate);
  rule.people[kOffice] = model::DigestChoice::kDaily;
  rule.people["finance-liaison"] = model::DigestChoice::kDaily;
  EXPECT_EQ(machine::DigestChoiceOf(*roster, *roster->FindPerson(kOffice), rule), model::DigestChoice::kDaily);
  EXPECT_EQ(machine::DigestChoiceOf(*roster, *roster->FindPerson("finance-liaison"), rule),
            model::DigestChoice::kDaily);
}

struct BadRoster {
  const char* name;
  const char* find;
  const char* replace;
  const char* at;       // the text the error must point at, in the replacement
  const char* message;  // part of the message
};

class DigestRosterErrors : public ::testing::TestWithParam<BadRoster> {};

TEST_P(DigestRosterErrors, NameTheFileLineAndColumn) {
  const BadRoster& c = GetParam();
  std::string text = ShippedRosterText();
  const auto where = text.find(c.find);
  ASSERT_NE(where, std::string::npos) << c.find;
  text.replace(where, std::string(c.find).size(), c.replace);
  const auto at = text.find(c.at, where);
  ASSERT_NE(at, std::string::npos);
  const std::size_t line = static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')) + 1;
  const std::size_t line_start = text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
  auto r = RosterFrom(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidInput);
  ASSERT_FALSE(r.status().pos().file.empty()) << r.status().str();
  EXPECT_EQ(r.status().pos().file, "roster.toml");
  EXPECT_EQ(r.status().pos().line, line) << r.status().str();
  EXPECT_EQ(r.status().pos().column, at - line_start + 1) << r.status().str();
  EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status().str();
}

INSTANTIATE_TEST_SUITE_P(
    Roster, DigestRosterErrors,
    ::testing::Values(
        BadRoster{"UnknownChoice", "id = \"office-cao-bin\"\n", "id = \"office-cao-bin\"\ndigest = \"weekly\"\n",
                  "\"weekly\"", "'digest' must be \"daily\""},
        BadRoster{"UnknownRole", "digest_roles = [\"office_staff\", \"office_director\"]",
                  "digest_roles = [\"office_staff\", \"office_boss\"]", "\"office_boss\"", "unknown role 'office_boss'"},
        BadRoster{"RoleTwice", "digest_roles = [\"office_staff\", \"office_director\"]",
                  "digest_roles = [\"office_staff\", \"office_staff\"]", "\"office_staff\"]", "twice"},
        BadRoster{"NotAList", "digest_roles = [\"office_staff\", \"office_director\"]", "digest_roles = \"office_staff\"",
                  "\"office_staff\"", "list of role ids"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(DigestConfig, ReadsTheTableAndRefusesBadValuesWithTheirPlace) {
  auto ok = runtime::ParseConfig(
      "[digest]\ntime = \"07:45\"\nimmediate = [\"transition.requested\", \"material.returned\"]\n"
      "people = { \"office-cao-bin\" = \"immediate\", \"finance-liaison\" = \"daily\" }\n",
      "duban.toml", "/tmp");
  ASSERT_TRUE(ok.ok()) << ok.status().str();
  EXPECT_EQ(ok->digest.time, std::chrono::minutes(7 * 60 + 45));
  EXPECT_EQ(ok->digest.immediate,
            (std::vector<model::EventType>{model::EventType::kTransitionRequested, model::EventType::kMaterialReturned}));
  EXPECT_EQ(ok->digest.people.at(kOffice), model::DigestChoice::kImmediate);
  EXPECT_EQ(ok->digest.people.at("finance-liaison"), model::DigestChoice::kDaily);
  const auto defaults = runtime::ParseConfig("", "duban.toml", "/tmp");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->digest.time, std::chrono::minutes(8 * 60 + 30));

  struct Case {
    const char* text;
    std::uint32_t line, column;
    const char* message;
  };
  for (const Case& c : {Case{"[digest]\ntime = \"8h30\"\n", 2, 8, "digest.time"},
                        Case{"[digest]\nimmediate = [\"material.sent\"]\n", 2, 14, "unknown event type \"material.sent\""},
                        Case{"[digest]\npeople = { \"office-cao-bin\" = \"weekly\" }\n", 2, 31, "digest.people.office-cao-bin"},
                        Case{"[digest]\nhour = 8\n", 2, 1, "unknown key 'digest.hour'"}}) {
    auto r = runtime::ParseConfig(c.text, "duban.toml", "/tmp");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Code::kInvalidInput);
    ASSERT_FALSE(r.status().pos().file.empty()) << r.status().str();
    EXPECT_EQ(r.status().pos().line, c.line) << r.status().str();
    EXPECT_EQ(r.status().pos().column, c.column) << r.status().str();
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status().str();
  }
}

// --- routing ------------------------------------------------------------

std::vector<std::string> People(const std::vector<model::Recipient>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.person);
  return out;
}

TEST(DigestRouting, HoldsWhatIsNotUrgentForDigestReadersOnlyAndSendsUrgentAtOnce) {
  auto roster = RosterFrom(ShippedRosterText());
  ASSERT_TRUE(roster.ok()) << roster.status().str();
  const machine::DigestRule rule;
  model::Notice n;
  n.event.type = model::EventType::kMaterialSubmitted;
  n.recipients = {{kOffice, "曹彬", "", "office_staff"},
                  {"finance-liaison", "联络员", "", "liaison"},
                  {kDirector, "孙业存", "", "office_director"},
                  {"someone-new", "新联络员", "", "liaison"}};  // not in the roster: a new contact
  using V = std::vector<std::string>;
  machine::Routed r = machine::RouteRecipients(*roster, n, rule);
  EXPECT_EQ(People(r.now), V({"finance-liaison", "someone-new"}));
  EXPECT_EQ(People(r.held), V({kOffice, kDirector}));

  // An escalation is urgent (the config's notify.urgent): at once to all.
  n.event.type = model::EventType::kEscalationRaised;
  n.urgent = true;
  r = machine::RouteRecipients(*roster, n, rule);
  EXPECT_EQ(r.now.size(), 4u);
  EXPECT_TRUE(r.held.empty());

  // An approval request waits for its approvers: at once, by default.
  n.urgent = false;
  n.event.type = model::EventType::kTransitionRequested;
  r = machine::RouteRecipients(*roster, n, rule);
  EXPECT_EQ(r.now.size(), 4u);
  machine::DigestRule held_requests = rule;
  held_requests.immediate.clear();
  r = machine::RouteRecipients(*roster, n, held_requests);
  EXPECT_EQ(People(r.held), V({kOffice, kDirector}));
}

const calendar::Calendar& Cal() {
  static const calendar::Calendar cal = [] {
    auto years = calendar::LoadDirectory(kSource / "workflows" / "calendars");
    EXPECT_TRUE(years.ok()) << years.status().str();
    return calendar::Calendar::FromYears(years.ok() ? std::move(years).value() : std::vector<calendar::YearData>{});
  }();
  return cal;
}

TEST(DigestRouting, SlotsFallOnWorkingDaysAtTheConfiguredTime) {
  const TimeZone& tz = TimeZone::Default();
  const machine::DigestRule rule;
  auto next = [&](const std::string& at, std::optional<Date> after = std::nullopt) {
    auto slot = machine::NextDigestSlot(Cal(), tz, T(at), after, rule);
    return slot ? testing::LocalWithSeconds(*slot, tz) : std::string("none");
  };
  // Held on Thursday 30 September: National Day (1-7 October) has no digest;
  // the next is Friday 8 October, then the make-up Saturday 9 October.
  EXPECT_EQ(next("2021-09-30 10:00"), "2021-10-08 08:30:00");
  EXPECT_EQ(next("2021-09-30 08:00"), "2021-09-30 08:30:00");
  EXPECT_EQ(next("2021-09-30 08:30"), "2021-09-30 08:30:00");
  EXPECT_EQ(next("2021-10-08 08:00", *ParseDate("2021-10-08")), "2021-10-09 08:30:00");
  EXPECT_EQ(next("2021-10-09 12:00"), "2021-10-11 08:30:00");
  auto day = [&](const std::string& at) {
    auto d = machine::DigestDayAt(Cal(), tz, T(at), rule);
    return d ? FormatDate(*d) : std::string("none");
  };
  EXPECT_EQ(day("2021-10-05 12:00"), "2021-09-30");  // a holiday: the last working day's
  EXPECT_EQ(day("2021-10-08 08:29"), "2021-09-30");
  EXPECT_EQ(day("2021-10-08 08:30"), "2021-10-08");
  machine::DigestRule late = rule;
  late.time = std::chrono::minutes(17 * 60);
  EXPECT_EQ(testing::LocalWithSeconds(machine::DigestSlot(tz, *ParseDate("2021-10-08"), late), tz),
            "2021-10-08 17:00:00");
}

// --- assembly -----------------------------------------------------------

class DigestApp : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore((dir_.path() / "duban.db").string());
    ASSERT_TRUE(s.ok()) << s.status().str();
    store_ = std::move(*s);
    app::AppOptions options;
    options.public_url = "http://duban.example.org";
    app_ = std::make_unique<app::App>(*store_, options);
    auto loaded = app_->LoadCalendars(kSource / "workflows" / "calendars", As(kOffice, "2021-09-01 09:00"));
    ASSERT_TRUE(loaded.ok()) << loaded.status().str();
    app::CampaignSpec spec;
    spec.workflow = kSource / "workflows" / "annual-cycle.toml";
    spec.roster = kSource / "workflows" / "taishan-2021" / "roster.toml";
    auto r = app_->CreateCampaign(spec, As(kOffice, "2021-09-28 10:00"));
    ASSERT_TRUE(r.ok()) << r.status().str();
  }

  // The office records a new liaison for `unit`: a contact.changed notice
  // for the office's staff (held for their digest) and the unit's liaison.
  void NewLiaison(const std::string& unit, const std::string& at) {
    app::ContactChange c;
    c.role = "liaison";
    c.person = unit + "-liaison-" + std::to_string(++contacts_);
    c.name = "新联络员" + std::to_string(contacts_);
    c.phone = "0538-0000000";
    c.email = c.person + "@example.org";
    auto r = app_->SetContact(kCampaign, unit, c, As(kOffice, at));
    ASSERT_TRUE(r.ok()) << r.status().str();
  }

  // A tick at `at`: the digests it made, as "person day".
  std::vector<std::string> TickAt(const std::string& at) {
    auto r = app_->Tick(app::SystemRequest(T(at)));
    EXPECT_TRUE(r.ok()) << r.status().str();
    std::vector<std::string> made;
    if (!r.ok()) return made;
    for (const auto& e : r->value.raised)
      if (e.event.type == model::EventType::kDigestAssembled)
        made.push_back(e.event.payload["person"].get<std::string>() + " " + e.event.payload["day"].get<std::string>());
    return made;
  }

  std::vector<model::StoredEvent> Digests() {
    store::EventFilter f;
    f.campaign = kCampaign;
    f.type = "digest.assembled";
    auto events = store_->ListEvents(f);
    EXPECT_TRUE(events.ok());
    return events.ok() ? *events : std::vector<model::StoredEvent>{};
  }

  // Every held notice appears in exactly one digest of its person, and
  // every digest lists only notices held for its person.
  void ExpectEachHeldInExactlyOneDigest(bool all_consumed) {
    auto held = store_->ListHeld(kCampaign, true);
    ASSERT_TRUE(held.ok());
    std::map<std::pair<std::string, std::int64_t>, int> listed;
    for (const auto& d : Digests())
      for (const auto& seq : d.event.payload["items"]) ++listed[{d.event.payload["person"], seq.get<std::int64_t>()}];
    std::set<std::pair<std::string, std::int64_t>> held_keys;
    for (const auto& h : *held) {
      held_keys.insert({h.person, h.notice.seq});
      if (!all_consumed && !h.digest_seq) continue;
      ASSERT_TRUE(h.digest_seq.has_value()) << h.person << " " << h.notice.seq << " never reached a digest";
      EXPECT_EQ((listed[{h.person, h.notice.seq}]), 1) << h.person << " " << h.notice.seq;
    }
    for (const auto& [key, count] : listed) {
      EXPECT_TRUE(held_keys.count(key)) << key.first << " " << key.second << " listed but never held";
      EXPECT_EQ(count, 1) << key.first << " " << key.second;
    }
  }

  TempDir dir_{"digest"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::App> app_;
  int contacts_ = 0;
};

TEST_F(DigestApp, AHeldNoticeIsNotInTheOutboxForItsDigestReaderButIsForTheUnit) {
  NewLiaison("finance", "2021-09-29 10:00");
  store::NoticeFilter f;
  f.campaign = kCampaign;
  auto notices = store_->ListNotices(f);
  ASSERT_TRUE(notices.ok());
  bool found = false;
  for (const auto& n : *notices) {
    if (n.notice.event.type != model::EventType::kContactChanged) continue;
    found = true;
    for (const auto& r : n.notice.recipients) EXPECT_EQ(r.role, "liaison") << r.person << " heard of it at once";
  }
  EXPECT_TRUE(found);
  auto held = store_->ListHeld(kCampaign, false);
  ASSERT_TRUE(held.ok());
  std::set<std::string> people;
  for (const auto& h : *held) people.insert(h.person);
  EXPECT_EQ(people, (std::set<std::string>{kOffice, kOffice2}));
  // The record is the same as without digests: one contact.changed event.
  store::EventFilter ef;
  ef.campaign = kCampaign;
  ef.type = "contact.changed";
  EXPECT_EQ(store_->ListEvents(ef)->size(), 1u);
}

TEST_F(DigestApp, NoDigestOnAHolidayTheHeldNoticesRollToTheNextWorkingDay) {
  NewLiaison("finance", "2021-09-30 10:00");  // Thursday; 1-7 October is National Day
  using V = std::vector<std::string>;
  EXPECT_EQ(TickAt("2021-09-30 12:00"), V());  // after the day's 08:30: waits for the next working day
  EXPECT_EQ(TickAt("2021-10-01 08:30"), V());
  EXPECT_EQ(TickAt("2021-10-04 08:30"), V());
  EXPECT_EQ(TickAt("2021-10-07 09:00"), V());
  auto next = app_->NextDeadline();
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_LE(**next, T("2021-10-08 08:30"));
  EXPECT_EQ(TickAt("2021-10-08 08:30"), V({"office-cao-bin 2021-10-08", "office-guo-yushuang 2021-10-08"}));
  ExpectEachHeldInExactlyOneDigest(true);
}

TEST_F(DigestApp, IsMadeOncePerPersonAndDayAndOnceAfterAGap) {
  using V = std::vector<std::string>;
  NewLiaison("finance", "2021-10-08 07:00");
  EXPECT_EQ(TickAt("2021-10-08 08:30"), V({"office-cao-bin 2021-10-08", "office-guo-yushuang 2021-10-08"}));
  EXPECT_EQ(TickAt("2021-10-08 08:30"), V());
  EXPECT_EQ(TickAt("2021-10-08 12:00"), V());
  NewLiaison("agriculture", "2021-10-08 10:00");  // after the day's digest: waits
  EXPECT_EQ(TickAt("2021-10-08 17:00"), V());
  ExpectEachHeldInExactlyOneDigest(false);
  // The machine is off from the 9th (a make-up working day) to Wednesday the
  // 13th: one catch-up digest, for the 13th, with everything since the 8th.
  NewLiaison("finance", "2021-10-12 16:00");
  EXPECT_EQ(TickAt("2021-10-13 15:00"), V({"office-cao-bin 2021-10-13", "office-guo-yushuang 2021-10-13"}));
  EXPECT_EQ(TickAt("2021-10-13 15:00"), V());
  EXPECT_EQ(TickAt("2021-10-14 08:00"), V());
  const auto digests = Digests();
  ASSERT_EQ(digests.size(), 4u);
  EXPECT_EQ(digests[2].event.payload["since"], "2021-10-08");
  // The catch-up lists both contact changes held since the 8th's digest.
  store::EventFilter ef;
  ef.campaign = kCampaign;
  ef.type = "contact.changed";
  auto changes = store_->ListEvents(ef);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 3u);
  const json& items = digests[2].event.payload["items"];
  for (std::size_t i : {1u, 2u})
    EXPECT_NE(std::find(items.begin(), items.end(), (*changes)[i].seq), items.end()) << (*changes)[i].seq;
  EXPECT_EQ(std::find(items.begin(), items.end(), (*changes)[0].seq), items.end());
  ExpectEachHeldInExactlyOneDigest(true);
  // Nothing is held any more: no digest is due.
  auto held = store_->ListHeld(kCampaign, false);
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(held->empty());
}

// The digest notice as the e-mail plugin renders it from the shipped
// templates, strictly: every field it prints is there, and the text and the
// HTML say the same; a notice lacking a field fails rather than printing "".
TEST_F(DigestApp, TheShippedTemplatesRenderTheDigestStrictly) {
  NewLiaison("finance", "2021-10-08 07:00");
  NewLiaison("agriculture", "2021-10-08 07:30");
  ASSERT_EQ(TickAt("2021-10-08 08:30").size(), 2u);
  store::NoticeFilter f;
  f.campaign = kCampaign;
  auto notices = store_->ListNotices(f);
  ASSERT_TRUE(notices.ok());
  std::optional<json> digest;
  for (const auto& n : *notices)
    if (n.notice.event.type == model::EventType::kDigestAssembled && n.notice.recipients.front().person == kOffice)
      digest = model::ToJson(n.notice);
  ASSERT_TRUE(digest.has_value());
  (*digest)["audience"] = {{"roles", {"office_staff"}}};
  const auto templates = duban_email::Templates::Load(kSource / "workflows" / "templates");
  const duban_email::Rendered r = templates.Render(*digest, true, true);
  // The two contact changes and the 15 kickoff reminders (deadline.approaching
  // of 30 September, raised by this first tick) the office's staff own.
  EXPECT_EQ(r.subject, "【督办日报】2021年10月8日：新到17项，超期0个单位，待您办理0项");
  for (const char* want : {"曹彬：", "区财政局（2项）：\n", ". 9月30日 09:00 “待部署”距2021年10月10日截止还有3个工作日\n",
                           ". 10月8日 07:00 联络员变更为新联络员1\n", "区农业农村局（2项）：", " 10月8日 07:30 联络员变更为新联络员2", "二、超期未办", "三、待您办理",
                           "审批入口：http://duban.example.org/c/taishan-2021/queue",
                           "办理入口：http://duban.example.org/c/taishan-2021"})
    EXPECT_NE(r.text.find(want), std::string::npos) << want << " not in\n" << r.text;
  EXPECT_NE(r.html.find("区财政局（2项）："), std::string::npos) << r.html;
  // Numbered 1, 2, ... across the units, in the order they happened within each.
  const auto finance = r.text.find("区财政局（2项）：\n");
  ASSERT_NE(finance, std::string::npos);
  const std::string block = r.text.substr(finance, r.text.find("\n", r.text.find("联络员变更为新联络员1", finance)) - finance);
  EXPECT_LT(block.find("“待部署”"), block.find("新联络员1")) << block;
  for (int i = 1; i <= 17; ++i)
    EXPECT_NE(r.text.find("\n" + std::to_string(i) + ". "), std::string::npos) << i;
  EXPECT_EQ(r.text.find("\n18. "), std::string::npos);
  json lacking = *digest;
  lacking["display"]["digest"].erase("day");
  EXPECT_THROW(templates.Render(lacking, true, true), std::runtime_error);
}

}  // namespace
}  // namespace duban
