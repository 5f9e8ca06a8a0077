// The web pages of `duban serve` (engine/http/web, installed as
// share/duban/web): every path outside /api/ is answered here, by a page's
// HTML shell or a file under /assets/. The pages are static; their scripts
// read and change everything through the JSON API (api.h), which stays the
// judge of who may do what.
//
//   /                          sign-in and the caller's campaigns   index.html
//   /c/{campaign}              the office's ledger (工作台账)        ledger.html
//   /c/{campaign}/queue        the approval queue                   queue.html
//   /c/{campaign}/units/{unit} a unit's page                        unit.html
//   /c/{campaign}/overview     the leaders' overview                overview.html
//   /assets/{file}             scripts, styles, images              assets/{file}
//
// Every answer carries a strong ETag of its bytes (If-None-Match gives 304)
// and Cache-Control: no-cache, so a browser revalidates and an upgrade is
// seen at once. Only GET and HEAD; only known file types; no dot-files, no
// "..", nothing outside the directory (a symlink out of it is refused too).
//
// Thread-safety: Handle is const and reads the directory on each call: any
// thread may call it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace duban::http {

class Pages {
 public:
  // `dir` holds the shells and assets/ (engine/http/web).
  explicit Pages(std::filesystem::path dir);

  // Whether `path` (no query) is for the pages rather than the API: all but /api and /api/...
  static bool Serves(std::string_view path);

  // Answers one request for a page or an asset. Never throws.
  Response Handle(const Request& req) const;

  // The file under the directory that answers `path` (no query, percent-encoded
  // as sent), or nullopt when none may: an unknown page, a traversal, a
  // dot-file, an unknown type. Pure but for the final check against the
  // directory's real path.
  std::optional<std::filesystem::path> Resolve(std::string_view path) const;

  // The Content-Type of a file by its extension; empty for a type not served.
  static std::string ContentType(const std::filesystem::path& file);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace duban::http
