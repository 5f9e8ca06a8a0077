// ReadTextFile: a definition file's bytes, refused unless they are UTF-8.

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/text.h"
#include "workflow/loader.h"

namespace duban::workflow {

namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The 1-based line and column of the first byte that breaks UTF-8 in `text`.
// REQUIRES: !IsValidUtf8(text)
SourcePos FirstBadByte(std::string_view text, std::string file) {
  std::uint32_t line = 1;
  std::size_t line_start = 0;
  while (true) {
    std::size_t end = text.find('\n', line_start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line_text = text.substr(line_start, end - line_start);
    if (!IsValidUtf8(line_text)) {
      // The longest valid prefix ends where a character starts and breaks.
      std::uint32_t column = 1;
      for (std::size_t i = 1; i <= line_text.size(); ++i) {
        if (i < line_text.size() && IsContinuationByte(line_text[i])) continue;
        if (!IsValidUtf8(line_text.substr(0, i))) break;
        ++column;
      }
      return SourcePos{std::move(file), line, column};
    }
    if (end == text.size()) return SourcePos{std::move(file), line, 1};
    line_start = end + 1;
    ++line;
  }
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
