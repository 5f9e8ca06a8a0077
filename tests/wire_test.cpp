// The wire forms of command results: each one written, read back and
// compared (a retried command id is answered from the JSON record), the
// exact member names clients rely on, and clear errors for broken records.
#include <gtest/gtest.h>

#include "core/json_reader.h"
#include "wire/results.h"

namespace duban::wire {
namespace {

using nlohmann::json;

Date D(int y, unsigned m, unsigned d) { return std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}; }
Instant At(const char* text) { return *ParseInstant(text, TimeZone::Default()); }

template <typename T>
void RoundTrips(const T& value) {
  const json j = ToJson(value);
  auto back = FromJson<T>(json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.status().str() << "\n" << j.dump();
  EXPECT_EQ(*back, value) << j.dump();
  EXPECT_EQ(ToJson(*back), j);
}

TEST(Wire, EveryCommandResultRoundTrips) {
  RoundTrips(CalendarLoaded{{{2021, "2021年节假日安排", "ab"}}, {{"t", "finance", "collecting", "更正", D(2021, 10, 20), D(2021, 10, 22)}, {"t", "water", "planned", "x", std::nullopt, D(2021, 10, 8)}}});
  RoundTrips(CampaignCreated{"taishan-2021", "泰山区", 2021, "Asia/Shanghai", {"annual-cycle", 1, "aa", "w.toml"},
                             {"taishan-2021", std::nullopt, "bb", "r.toml"}, 15, {2027}, std::nullopt});
  RoundTrips(CampaignCreated{"taishan-2022", "泰山区", 2022, "Asia/Shanghai", {"annual-cycle", 1, "aa", "w.toml"},
                             {"taishan-2022", std::nullopt, "bb", "r.toml"}, 15, {}, CampaignCreated::From{"taishan-2021", true, 30, 15}});
  RoundTrips(CampaignCreated{"c", "n", 2021, "Asia/Shanghai", {"w", 2, "a", "s"}, {"r", std::nullopt, "b", "t"}, 1, {}, std::nullopt});
  RoundTrips(Fired{"finance", "submit", Fired::Outcome::kApplied, {"collecting", "材料收集"}, {"submitted", "已报送"},
                   std::nullopt, At("2021-10-20T15:59:59Z")});
  RoundTrips(Fired{"finance", "accept", Fired::Outcome::kRequested, {"under_review", "审核中"}, {"accepted", "审核通过"},
                   std::string("finance#1"), std::nullopt});
  RoundTrips(Decided{"finance", "finance#2", model::RequestKind::kExtension, "extend", Decided::Outcome::kApproved,
                     {"collecting", "材料收集"}, {"collecting", "材料收集"}, D(2021, 10, 29)});
  RoundTrips(Decided{"water", "water#1", model::RequestKind::kTransition, "accept", Decided::Outcome::kRejected,
                     {"under_review", "审核中"}, {"under_review", "审核中"}, std::nullopt});
  RoundTrips(Recorded{"finance", {{"material", "budget-report"}, {"from", "pending"}, {"to", "submitted"}}});
  model::Event e;
  e.type = model::EventType::kEscalationRaised;
  e.unit = "emergency";
  e.actor = "system";
  e.at = At("2021-10-22T01:00:00Z");
  e.payload = {{"level", 2}};
  RoundTrips(Ticked{At("2021-10-22T01:00:00Z"), {{"taishan-2021", e}}});
  RoundTrips(DueSet{"collecting", D(2021, 10, 25), "上级通知", {"finance", "water"}});
  RoundTrips(ExtensionRequested{"finance", "finance#2", D(2021, 10, 20), D(2021, 10, 29)});
  RoundTrips(ExtensionRequested{"finance", "finance#2", std::nullopt, D(2021, 10, 29)});
  RoundTrips(NoticeRetried{"taishan-2021/42", 1});
}

TEST(Wire, MemberNamesAreTheOnesClientsReadToday) {
  const json fired = ToJson(Fired{"finance", "accept", Fired::Outcome::kRequested, {"under_review", "审核中"},
                                  {"accepted", "审核通过"}, std::string("finance#1"), std::nullopt});
  EXPECT_EQ(fired, json::parse(R"({"unit":"finance","trigger":"accept","outcome":"requested",
    "from":{"id":"under_review","label":"审核中"},"to":{"id":"accepted","label":"审核通过"},"request":"finance#1"})"));
  const json ext = ToJson(ExtensionRequested{"finance", "finance#2", std::nullopt, D(2021, 10, 29)});
  EXPECT_EQ(ext, json::parse(R"({"unit":"finance","request":"finance#2","kind":"extension","due":null,"new_due":"2021-10-29"})"));
  const json rec = ToJson(Recorded{"finance", {{"received", 2}}});
  EXPECT_EQ(rec, json::parse(R"({"unit":"finance","received":2})"));
}

TEST(Wire, ABrokenRecordNamesTheMember) {
  auto missing = FromJson<Fired>(json::parse(R"({"unit":"finance","trigger":"submit","outcome":"applied","from":{"id":"a"}})"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("result.from.label must be present"), std::string::npos)
      << missing.status().message();
  auto wrong = FromJson<DueSet>(json::parse(R"({"stage":"collecting","due":"2021-13-40","reason":"r","units":[]})"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("result.due"), std::string::npos) << wrong.status().message();
  auto type = FromJson<Decided>(json::parse(R"({"unit":"u","request":"u#1","kind":"bribe","trigger":"t",
    "outcome":"approved","from":{"id":"a","label":"b"},"to":{"id":"a","label":"b"}})"));
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.status().message().find("result.kind holds an unknown request kind"), std::string::npos)
      << type.status().message();
  auto units = FromJson<DueSet>(json::parse(R"({"stage":"s","due":"2021-10-01","reason":"r","units":[1]})"));
  ASSERT_FALSE(units.ok());
  EXPECT_NE(units.status().message().find("result.units must be a string"), std::string::npos);
}

TEST(JsonReaderTest, ReadsNestedArraysAndStopsAtTheFirstError) {
  const json j = json::parse(R"({"a":[{"x":1},{"x":"two"},{"x":3}],"b":true})");
  JsonReader r(j, "doc");
  std::vector<int> xs;
  r.EachOf("a", [&](JsonReader& e) {
    int x = 0;
    e.Get("x", x);
    if (e.ok()) xs.push_back(x);
  });
  bool b = false;
  r.Get("b", b);
  EXPECT_EQ(xs, std::vector<int>{1});
  EXPECT_EQ(r.error(), "doc.a[1].x must be an integer");
  EXPECT_FALSE(b);  // skipped after the first error
}

}  // namespace
}  // namespace duban::wire
