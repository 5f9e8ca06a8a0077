// ReadTextFile: a definition file's bytes, refused unless they are UTF-8.

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/text.h"
#include "workflow/loader.h"

namespace duban::workflow {

namespace {

// The 1-based line and column of the first byte that breaks UTF-8 in `text`.
// REQUIRES: !IsValidUtf8(text)
SourcePos FirstBadByte(std::string_view text, std::string file) {
  const std::size_t bad = FirstInvalidUtf8(text);
  const std::size_t newline = bad == 0 ? std::string_view::npos : text.rfind('\n', bad - 1);
  const std::size_t from = newline == std::string_view::npos ? 0 : newline + 1;  // the bad line's start
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(from), '\n');
  return SourcePos{std::move(file), static_cast<std::uint32_t>(line), ColumnOf(text.substr(from), bad - from)};
}

}  // namespace

Result<std::string> ReadTextFile(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status))
    return Status::NotFound("cannot read '" + name + "': no such file");
  if (std::filesystem::is_directory(status))
    return Status::InvalidInput("cannot read '" + name + "': it is a directory, not a file");
  // A device or a pipe (/dev/zero, /dev/stdin) may never end: only a
  // regular file of a bounded size is read.
  if (!std::filesystem::is_regular_file(status))
    return Status::InvalidInput("cannot read '" + name + "': not a regular file");

  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::Io("cannot open '" + name + "': " + std::strerror(errno));
  std::string text;
  char buf[64 * 1024];
  while (in && text.size() <= kMaxTextFileBytes) {
    in.read(buf, sizeof buf);
    text.append(buf, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return Status::Io("cannot read '" + name + "': " + std::strerror(errno));
  if (text.size() > kMaxTextFileBytes)
    return Status::InvalidInput("cannot read '" + name + "': over the limit of " +
                                std::to_string(kMaxTextFileBytes / (1024 * 1024)) + " MiB for a text file");

  if (!IsValidUtf8(text))
    return Status::InvalidInput("not UTF-8 text: save the file as UTF-8", FirstBadByte(text, name));
  return text;
}

}  // namespace duban::workflow
