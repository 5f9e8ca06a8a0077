// The engine's modules are layered: a module may include its own headers and
// those of modules below it, never one above it or beside it. This test reads
// every `#include "module/..."` of engine/ and tools/duban/ and fails on an
// upward or sideways include, an include cycle between modules, and a folder
// of engine/ the order below does not name.
//
// To see the includes yourself: grep -rn '#include "' engine/

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kSource = DUBAN_SOURCE_DIR;

// The one statement of the layering, low to high. Modules of one rank (machine
// and deadline) stand beside each other: neither may include the other.
struct Layer {
  std::string_view module;
  int rank;
};
constexpr std::array<Layer, 16> kLayers{{
    {"core", 0},
    {"calendar", 1},
    {"model", 2},
    {"workflow", 3},
    {"machine", 4},
    {"deadline", 4},
    {"assessment", 4},  // scoring: pure, beside the machine and the deadlines
    {"store", 5},
    {"attach", 6},
    {"notify", 7},
    {"wire", 8},
    {"app", 9},
    {"report", 10},       // the XLSX/CSV ledger, the HTML reports, the iCalendar feed, over the app's queries
    {"runtime", 11},
    {"http", 12},         // the JSON API and its Beast server, wired into `serve` by the CLI
    {"tools/duban", 13},  // the CLI: the top, includes whatever it needs
}};

std::optional<int> RankOf(std::string_view module) {
  for (const Layer& l : kLayers)
    if (l.module == module) return l.rank;
  return std::nullopt;
}

struct Include {
  fs::path file;  // relative to the source root
  int line;
  std::string from;  // the including file's module
  std::string to;    // the included module
};

std::vector<Include> IncludesOf(const fs::path& file, const std::string& module) {
  static const std::regex kInclude(R"(^\s*#\s*include\s*["<]([a-z_]+)/)");
  std::vector<Include> out;
  std::ifstream in(file);
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.find("include") == std::string::npos) continue;
    std::smatch m;
    if (!std::regex_search(text, m, kInclude)) continue;
    const std::string to = m[1];
    if (to == module || !RankOf(to)) continue;  // its own, or not an engine module (toml++, ...)
    out.push_back({fs::relative(file, kSource), line, module, to});
  }
  return out;
}

// Every cross-module include of engine/<module>/ and tools/duban/.
std::vector<Include> AllIncludes() {
  std::vector<Include> out;
  auto scan = [&](const fs::path& dir, const std::string& module) {
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".h" && ext != ".cpp")) continue;
      for (Include& i : IncludesOf(entry.path(), module)) out.push_back(std::move(i));
    }
  };
  for (const auto& entry : fs::directory_iterator(kSource / "engine"))
    if (entry.is_directory()) scan(entry.path(), entry.path().filename().string());
  scan(kSource / "tools" / "duban", "tools/duban");
  return out;
}

TEST(Layering, EveryEngineFolderIsAModuleOfTheOrder) {
  for (const auto& entry : fs::directory_iterator(kSource / "engine")) {
    if (!entry.is_directory()) continue;
    EXPECT_TRUE(RankOf(entry.path().filename().string()))
        << "engine/" << entry.path().filename().string()
        << " is not in kLayers (tests/layering_test.cpp): give it its place in the order";
  }
}

TEST(Layering, NoModuleIncludesOneAboveOrBesideIt) {
  const std::vector<Include> includes = AllIncludes();
  ASSERT_FALSE(includes.empty());
  for (const Include& i : includes) {
    const int from = *RankOf(i.from);
    const int to = *RankOf(i.to);
    EXPECT_LT(to, from) << i.file.string() << ":" << i.line << ": " << i.from << " includes "
                        << i.to << (to == from ? ", beside it" : ", above it")
                        << " (order: core < calendar < model < workflow < machine, deadline, assessment < "
                           "store < attach < notify < wire < app < report < runtime < http < tools/duban)";
  }
}

TEST(Layering, TheModulesIncludeEachOtherWithoutACycle) {
  std::map<std::string, std::set<std::string>> edges;
  for (const Include& i : AllIncludes()) edges[i.from].insert(i.to);
  // Depth-first; a module met again while still on the path closes a cycle.
  std::map<std::string, int> state;  // 0 unseen, 1 on the path, 2 done
  std::vector<std::string> path;
  std::function<void(const std::string&)> visit = [&](const std::string& m) {
    state[m] = 1;
    path.push_back(m);
    for (const std::string& next : edges[m]) {
      if (state[next] == 1) {
        std::string cycle;
        for (auto it = std::find(path.begin(), path.end(), next); it != path.end(); ++it)
          cycle += *it + " -> ";
        ADD_FAILURE() << "include cycle: " << cycle << next;
      } else if (state[next] == 0) {
        visit(next);
      }
    }
    path.pop_back();
    state[m] = 2;
  };
  for (const Layer& l : kLayers)
    if (state[std::string(l.module)] == 0) visit(std::string(l.module));
}

// The test itself sees what it must: an upward include is caught.
TEST(Layering, AnUpwardIncludeIsSeen) {
  const fs::path dir = fs::temp_directory_path() / "duban-layering-test";
  fs::create_directories(dir);
  const fs::path file = dir / "x.h";
  std::ofstream(file) << "#pragma once\n#include <string>\n#include \"app/app.h\"\n";
  const std::vector<Include> found = IncludesOf(file, "store");
  fs::remove_all(dir);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].line, 3);
  EXPECT_EQ(found[0].to, "app");
  EXPECT_LT(*RankOf("store"), *RankOf(found[0].to));
}

}  // namespace
