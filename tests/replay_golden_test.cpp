// The 2021 replay's record, compared with the one the engine produced before
// the front-door refactor (tests/golden/replay-2021-events.jsonl, written by
// the pre-refactor binary): every event's type, unit, actor, time and payload,
// in order. A change of behaviour shows as the first differing event.
//
// Normalised: the workflow's and the roster's content hash and source path in
// campaign.created (they name files, which change when a definition gains a
// section, not what happened).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int Duban(const std::string& args, const fs::path& out, const fs::path& err) {
  const std::string cmd = Quote(DUBAN_EXE) + " " + args + " >" + Quote(out.string()) + " 2>" + Quote(err.string());
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

json Normalised(json row) {
  // row: [type, unit, actor, at, payload]
  if (row.at(0) == "campaign.created") {
    for (const char* def : {"workflow", "roster"}) {
      row[4][def].erase("sha256");
      row[4][def].erase("source");
    }
  }
  return row;
}

TEST(ReplayGolden, The2021ReplayRecordsTheSameEventsAsBeforeTheRefactor) {
  duban::testing::TempDir dir("golden");
  const fs::path db = dir.path() / "t.db";
  const fs::path out = dir.path() / "out", err = dir.path() / "err";
  ASSERT_EQ(Duban("--db " + Quote(db.string()) + " init", out, err), 0) << Slurp(err);
  ASSERT_EQ(Duban("--db " + Quote(db.string()) + " replay " +
                    Quote(std::string(DUBAN_SOURCE_DIR) + "/workflows/taishan-2021/replay-2021.txt"),
                out, err),
            0)
      << Slurp(err);
  ASSERT_EQ(Duban("--db " + Quote(db.string()) + " --as office-cao-bin --format json events", out, err), 0)
      << Slurp(err);
  const json events = json::parse(Slurp(out));

  std::ifstream golden(std::string(DUBAN_SOURCE_DIR) + "/tests/golden/replay-2021-events.jsonl");
  ASSERT_TRUE(golden) << "tests/golden/replay-2021-events.jsonl is missing";
  std::size_t i = 0;
  for (std::string line; std::getline(golden, line); ++i) {
    ASSERT_LT(i, events.size()) << "the replay recorded only " << events.size() << " events; the golden record has more";
    const json& e = events[i];
    const json got = Normalised(json::array({e.at("type"), e.at("unit"), e.at("actor"), e.at("at"), e.at("payload")}));
    const json want = Normalised(json::parse(line));
    ASSERT_EQ(got, want) << "event " << (i + 1) << " differs:\n got  " << got.dump() << "\n want " << want.dump();
  }
  EXPECT_EQ(i, events.size()) << "the replay recorded more events than the golden record";
}

}  // namespace
