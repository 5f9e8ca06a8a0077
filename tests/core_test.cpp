#include <gtest/gtest.h>

#include "core/hash.h"
#include "core/status.h"
#include "core/text.h"
#include "core/time.h"

namespace duban {
namespace {

TEST(Status, ExitCodesFollowTheCliContract) {
  EXPECT_EQ(Status::Ok().exit_code(), 0);
  EXPECT_EQ(Status::InvalidInput("x").exit_code(), 2);
  EXPECT_EQ(Status::NotFound("x").exit_code(), 2);
  EXPECT_EQ(Status::Refused("role", "x").exit_code(), 3);
  EXPECT_EQ(Status::Conflict("x").exit_code(), 1);
  EXPECT_EQ(Status::Internal("x").exit_code(), 1);
}

TEST(Status, StrNamesFileLineColumnAndRule) {
  EXPECT_EQ(Status::InvalidInput("bad", {"a.toml", 3, 7}).str(), "a.toml:3:7: bad");
  EXPECT_EQ(Status::Refused("role", "no").str(), "refused by rule 'role': no");
}

TEST(Hash, Sha256KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Text, ChineseCharactersAreTwoColumnsWide) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("区财政局"), 8u);
  EXPECT_EQ(DisplayWidth("（二）"), 6u);
  EXPECT_EQ(PadRight("财政", 6), "财政  ");
  EXPECT_TRUE(IsValidUtf8("区财政局"));
  EXPECT_FALSE(IsValidUtf8(std::string("\xe5\x8c", 2)));
}

TEST(Time, ParsesLocalAndOffsetTimes) {
  const TimeZone& tz = TimeZone::Default();
  auto a = ParseInstant("2021-10-08T09:30", tz);
  ASSERT_TRUE(a.ok()) << a.status().str();
  EXPECT_EQ(FormatUtc(*a), "2021-10-08T01:30:00Z");
  EXPECT_EQ(FormatLocal(*a, tz), "2021-10-08 09:30");
  auto b = ParseInstant("2021-10-08T01:30:00Z", tz);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  auto c = ParseInstant("2021-10-08 09:30:00+08:00", tz);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*a, *c);
  EXPECT_FALSE(ParseInstant("2021-13-01", tz).ok());
  EXPECT_FALSE(ParseInstant("2021-10-08T25:00", tz).ok());
  EXPECT_FALSE(ParseInstant("yesterday", tz).ok());
}

TEST(Time, EndOfDayIsTheLastLocalSecond) {
  const TimeZone& tz = TimeZone::Default();
  using namespace std::chrono;
  Date d = 2021y / October / 20d;
  EXPECT_EQ(FormatUtc(tz.end_of_day(d)), "2021-10-20T15:59:59Z");
  EXPECT_EQ(tz.local_date(tz.end_of_day(d)), d);
  EXPECT_EQ(FormatDateZh(d), "2021年10月20日");
}

}  // namespace
}  // namespace duban
