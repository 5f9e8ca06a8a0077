#include "http/pages.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "http/routes.h"

namespace duban::http {

namespace fs = std::filesystem;

namespace {

// The path's segments, each percent-decoded; nullopt when one is malformed,
// empty (a doubled or trailing slash) or holds a slash once decoded.
std::optional<std::vector<std::string>> Segments(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path.front() != '/') return std::nullopt;
  path.remove_prefix(1);
  if (path.empty()) return out;
  while (true) {
    const std::size_t slash = path.find('/');
    auto seg = PercentDecode(path.substr(0, slash));
    if (!seg || seg->empty() || seg->find('/') != std::string::npos) return std::nullopt;
    out.push_back(std::move(*seg));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// A file name of assets/: letters, digits, '-', '_' and '.', not starting with '.'.
bool PlainName(const std::string& s) {
  if (s.empty() || s.front() == '.') return false;
  for (const char c : s) {
    const auto ch = static_cast<unsigned char>(c);
    if (!(std::isalnum(ch) != 0 || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

Response Plain(int status, std::string text) {
  Response r;
  r.status = status;
  r.Set("Content-Type", "text/html; charset=utf-8");
  r.body = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>" + text + "</title><h1>" + text +
           "</h1><p><a href=\"/\">返回首页</a></p></html>\n";
  return r;
}

}  // namespace

Pages::Pages(fs::path dir) : dir_(std::move(dir)) {}

bool Pages::Serves(std::string_view path) { return !(path == "/api" || path.rfind("/api/", 0) == 0); }

std::string Pages::ContentType(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".json") return "application/json; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "";
}

std::optional<fs::path> Pages::Resolve(std::string_view path) const {
  auto seg = Segments(path);
  if (!seg) return std::nullopt;
  const auto& s = *seg;
  fs::path rel;
  if (s.empty()) {
    rel = "index.html";
  } else if (s[0] == "c" && s.size() == 2) {
    rel = "ledger.html";
  } else if (s[0] == "c" && s.size() == 3 && s[2] == "queue") {
    rel = "queue.html";
  } else if (s[0] == "c" && s.size() == 3 && s[2] == "overview") {
    rel = "overview.html";
  } else if (s[0] == "c" && s.size() == 4 && s[2] == "units") {
    rel = "unit.html";
  } else if (s[0] == "assets" && s.size() >= 2) {
    rel = "assets";
    for (std::size_t i = 1; i < s.size(); ++i) {
      if (!PlainName(s[i])) return std::nullopt;
      rel /= s[i];
    }
  } else {
    return std::nullopt;
  }
  if (ContentType(rel).empty()) return std::nullopt;
  // The names are plain, so this only catches a symlink leading out.
  std::error_code ec;
  const fs::path root = fs::canonical(dir_, ec);
  if (ec) return std::nullopt;
  const fs::path file = fs::canonical(root / rel, ec);
  if (ec || !fs::is_regular_file(file, ec)) return std::nullopt;
  const auto [r, f] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (r != root.end()) return std::nullopt;
  return file;
}

Response Pages::Handle(const Request& req) const {
  Response r;
  try {
    const std::string_view path = std::string_view(req.target).substr(0, req.target.find('?'));
    if (req.method != "GET" && req.method != "HEAD") {
      r = Plain(405, "不支持的请求方法");
      r.Set("Allow", "GET, HEAD");
    } else if (auto file = Resolve(path); !file) {
      r = Plain(404, "页面不存在");
    } else {
      std::ifstream in(*file, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) {
        r = Plain(500, "无法读取页面文件");
      } else {
        const std::string etag = "\"" + Sha256Hex(bytes).substr(0, 32) + "\"";
        const auto inm = req.Header("If-None-Match");
        if (inm && (*inm == etag || *inm == "W/" + etag || *inm == "*")) {
          r.status = 304;
        } else {
          r.status = 200;
          r.Set("Content-Type", ContentType(*file));
          if (req.method == "GET") r.body = std::move(bytes);
        }
        r.Set("ETag", etag);
      }
    }
  } catch (const std::exception&) {
    r = Plain(500, "服务器内部错误");
  }
  r.Set("Cache-Control", "no-cache");
  r.Set("X-Content-Type-Options", "nosniff");
  r.Set("Referrer-Policy", "same-origin");
  r.Set("X-Frame-Options", "DENY");
  r.Set("Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'");
  return r;
}

}  // namespace duban::http
