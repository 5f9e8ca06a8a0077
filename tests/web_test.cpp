// The web pages' handler (http/pages.h) without a socket: each page path to
// its shell, the assets with their types, ETag and 304, the headers every
// answer carries, and every way out of the directory refused; the shipped
// shells in Chinese, loading only our own files; where serve finds them
// (runtime::WebDir). The pages at work in a browser: tests/web/browser_test.py.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "http/pages.h"
#include "runtime/layout.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace duban {
namespace {

namespace fs = std::filesystem;
using testing::Slurp;
using testing::TempDir;

const fs::path kWeb = fs::path(DUBAN_SOURCE_DIR) / "engine" / "http" / "web";

http::Request Get(std::string target, std::string method = "GET") {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

TEST(WebPages, EachPagePathIsAnsweredByItsShell) {
  const http::Pages pages(kWeb);
  const struct {
    const char* path;
    const char* file;
  } cases[] = {
      {"/", "index.html"},
      {"/c/taishan-2021", "ledger.html"},
      {"/c/taishan-2021/queue", "queue.html"},
      {"/c/taishan-2021/overview", "overview.html"},
      {"/c/taishan-2021/units/finance", "unit.html"},
      {"/c/%E6%B3%B0%E5%B1%B1/units/a%20b", "unit.html"},  // percent-encoded ids
      {"/assets/style.css", "assets/style.css"},
      {"/assets/common.js", "assets/common.js"},
  };
  for (const auto& c : cases) {
    auto file = pages.Resolve(c.path);
    ASSERT_TRUE(file.has_value()) << c.path;
    EXPECT_EQ(*file, fs::canonical(kWeb / c.file)) << c.path;
  }
}

TEST(WebPages, UnknownPathsAndEveryWayOutAreRefused) {
  const http::Pages pages(kWeb);
  for (const char* path : {"", "x", "/c", "/c/", "/c/x/", "//", "/c//queue", "/c/x/units", "/c/x/units/y/z",
                           "/c/x/ledger", "/index.html", "/assets", "/assets/", "/assets/../index.html",
                           "/assets/%2e%2e/index.html", "/assets/..%2Findex.html", "/assets/.hidden.js",
                           "/assets/a%2Fb.js", "/assets/style.css%00", "/assets/nothing.js", "/assets/%zz.js",
                           "/assets/x.exe", "/assets/../../etc/passwd", "/c/x%2Fy/queue", "/favicon.ico"})
    EXPECT_FALSE(pages.Resolve(path).has_value()) << path;
}

TEST(WebPages, ASymlinkOutOfTheDirectoryIsRefused) {
  TempDir outside("web-outside");
  TempDir dir("web-pages");
  fs::create_directories(dir.path() / "assets");
  std::ofstream(outside.path() / "secret.js") << "secret";
  std::ofstream(dir.path() / "assets" / "inside.js") << "ok";
  fs::create_symlink(outside.path() / "secret.js", dir.path() / "assets" / "link.js");
  fs::create_directory_symlink(outside.path(), dir.path() / "assets" / "out");
  const http::Pages pages(dir.path());
  EXPECT_TRUE(pages.Resolve("/assets/inside.js").has_value());
  EXPECT_FALSE(pages.Resolve("/assets/link.js").has_value());
  EXPECT_FALSE(pages.Resolve("/assets/out/secret.js").has_value());
  EXPECT_EQ(pages.Handle(Get("/assets/link.js")).status, 404);
  EXPECT_FALSE(pages.Resolve("/").has_value()) << "no index.html here";
}

TEST(WebPages, AnAssetHasItsTypeAnETagAndRevalidates) {
  const http::Pages pages(kWeb);
  const struct {
    const char* path;
    const char* type;
  } cases[] = {{"/assets/style.css", "text/css; charset=utf-8"},
               {"/assets/ledger.js", "text/javascript; charset=utf-8"},
               {"/assets/icon.svg", "image/svg+xml"},
               {"/c/taishan-2021", "text/html; charset=utf-8"}};
  for (const auto& c : cases) {
    http::Response r = pages.Handle(Get(c.path));
    ASSERT_EQ(r.status, 200) << c.path;
    EXPECT_EQ(r.Get("Content-Type"), c.type) << c.path;
    EXPECT_EQ(r.Get("Cache-Control"), "no-cache");
    EXPECT_EQ(r.Get("X-Content-Type-Options"), "nosniff");
    EXPECT_NE(r.Get("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
    EXPECT_FALSE(r.body.empty());
    const std::string etag = r.Get("ETag");
    ASSERT_FALSE(etag.empty());
    http::Request again = Get(c.path);
    again.headers["If-None-Match"] = etag;
    http::Response same = pages.Handle(again);
    EXPECT_EQ(same.status, 304) << c.path;
    EXPECT_TRUE(same.body.empty());
    EXPECT_EQ(same.Get("ETag"), etag);
    again.headers["If-None-Match"] = "\"something-else\"";
    EXPECT_EQ(pages.Handle(again).status, 200);
  }
  // The shell of /c/a and /c/b is one file: one ETag.
  EXPECT_EQ(pages.Handle(Get("/c/a")).Get("ETag"), pages.Handle(Get("/c/b?x=1")).Get("ETag"));
}

TEST(WebPages, AnETagChangesWithTheFile) {
  TempDir dir("web-etag");
  fs::create_directories(dir.path() / "assets");
  std::ofstream(dir.path() / "assets" / "a.js") << "one";
  const http::Pages pages(dir.path());
  const std::string first = pages.Handle(Get("/assets/a.js")).Get("ETag");
  std::ofstream(dir.path() / "assets" / "a.js") << "two";
  http::Request req = Get("/assets/a.js");
  req.headers["If-None-Match"] = first;
  http::Response r = pages.Handle(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "two");
  EXPECT_NE(r.Get("ETag"), first);
}

TEST(WebPages, OnlyGetAndHead) {
  const http::Pages pages(kWeb);
  http::Response head = pages.Handle(Get("/assets/style.css", "HEAD"));
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.Get("ETag"), pages.Handle(Get("/assets/style.css")).Get("ETag"));
  for (const char* m : {"POST", "PUT", "DELETE"}) {
    http::Response r = pages.Handle(Get("/", m));
    EXPECT_EQ(r.status, 405) << m;
    EXPECT_EQ(r.Get("Allow"), "GET, HEAD");
  }
  http::Response missing = pages.Handle(Get("/nowhere"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("lang=\"zh-CN\""), std::string::npos);
  EXPECT_NE(missing.body.find("页面不存在"), std::string::npos);
}

TEST(WebPages, ThePagesAreOnlyWhatIsNotTheApi) {
  EXPECT_FALSE(http::Pages::Serves("/api"));
  EXPECT_FALSE(http::Pages::Serves("/api/"));
  EXPECT_FALSE(http::Pages::Serves("/api/v1/ledger"));
  EXPECT_TRUE(http::Pages::Serves("/"));
  EXPECT_TRUE(http::Pages::Serves("/apis"));
  EXPECT_TRUE(http::Pages::Serves("/c/x"));
  EXPECT_TRUE(http::Pages::Serves("/assets/style.css"));
}

// Every shipped shell: Chinese, a viewport for phones, and nothing from
// another server (no CDN: an intranet has none); every file it or a module
// names is served.
TEST(WebPages, TheShellsAreChineseAndLoadOnlyOurOwnFiles) {
  const http::Pages pages(kWeb);
  const std::regex ref(R"re((?:src|href)="([^"]*)")re");
  const std::regex import_(R"re(from '\./([^']+)')re");
  std::set<std::string> shells;
  for (const auto& e : fs::directory_iterator(kWeb))
    if (e.path().extension() == ".html") shells.insert(e.path().filename().string());
  EXPECT_EQ(shells, (std::set<std::string>{"index.html", "ledger.html", "overview.html", "queue.html", "unit.html"}));
  for (const auto& name : shells) {
    const std::string html = Slurp(kWeb / name);
    EXPECT_NE(html.find("<html lang=\"zh-CN\">"), std::string::npos) << name;
    EXPECT_NE(html.find("name=\"viewport\""), std::string::npos) << name;
    EXPECT_NE(html.find("<main id=\"main\""), std::string::npos) << name;
    EXPECT_EQ(html.find("http://"), std::string::npos) << name;
    EXPECT_EQ(html.find("https://"), std::string::npos) << name;
    for (std::sregex_iterator it(html.begin(), html.end(), ref), end; it != end; ++it) {
      const std::string target = (*it)[1];
      if (target.rfind('#', 0) == 0) continue;
      EXPECT_TRUE(pages.Resolve(target).has_value()) << name << " names " << target;
    }
  }
  for (const auto& e : fs::directory_iterator(kWeb / "assets")) {
    if (e.path().extension() != ".js") continue;
    const std::string js = Slurp(e.path());
    EXPECT_EQ(js.find("https://"), std::string::npos) << e.path();
    for (std::sregex_iterator it(js.begin(), js.end(), import_), end; it != end; ++it)
      EXPECT_TRUE(pages.Resolve("/assets/" + std::string((*it)[1])).has_value()) << e.path() << " imports " << (*it)[1];
  }
}

TEST(WebPages, ServeFindsThemInTheSourceTreeOrTheInstalledShare) {
  EXPECT_EQ(runtime::WebDir(DUBAN_SOURCE_DIR), fs::path(DUBAN_SOURCE_DIR) / "engine" / "http" / "web");
  TempDir share("web-share");
  fs::create_directories(share.path() / "web");
  EXPECT_EQ(runtime::WebDir(share.path()), share.path() / "web");
  // The build tree's share directory is the source tree.
  if (!runtime::ThisLayout().installed) {
    EXPECT_TRUE(fs::exists(runtime::WebDir(runtime::ThisLayout().share_dir) / "ledger.html"));
  }
}

}  // namespace
}  // namespace duban
