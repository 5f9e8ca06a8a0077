#include "attach/file_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>

#include "core/hash.h"

namespace duban::attach {

namespace {

void SyncDir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

std::string MediaTypeOf(const std::filesystem::path& name) {
  std::string ext = name.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::pair<const char*, const char*> kTypes[] = {
      {".pdf", "application/pdf"},
      {".ofd", "application/ofd"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".png", "image/png"},
      {".tif", "image/tiff"},
      {".tiff", "image/tiff"},
      {".txt", "text/plain; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},
      {".doc", "application/msword"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {".xls", "application/vnd.ms-excel"},
      {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {".wps", "application/vnd.ms-works"},
      {".zip", "application/zip"},
      {".mp4", "video/mp4"},
  };
  for (const auto& [e, type] : kTypes)
    if (ext == e) return type;
  return "application/octet-stream";
}

std::filesystem::path FileStore::PathOf(const std::string& sha256) const {
  return dir_ / sha256.substr(0, 2) / sha256;
}

Result<StoredFile> FileStore::Put(const std::filesystem::path& source) const {
  std::error_code ec;
  if (!std::filesystem::exists(source, ec)) return Status::InvalidInput("no such file: " + source.string());
  // The file itself, not where a link points: a symbolic link may lead
  // anywhere the process can read (another unit's folder, /etc).
  if (std::filesystem::is_symlink(std::filesystem::symlink_status(source, ec)))
    return Status::InvalidInput(source.string() + " is a symbolic link: attach the file itself");
  if (!std::filesystem::is_regular_file(source, ec))
    return Status::InvalidInput("not a regular file: " + source.string());
  const auto size = std::filesystem::file_size(source, ec);
  if (ec) return Status::InvalidInput("cannot read " + source.string() + ": " + ec.message());
  if (static_cast<std::int64_t>(size) > options_.max_bytes)
    return Status::InvalidInput(source.string() + " is " + std::to_string(size) + " bytes, over the limit of " +
                                std::to_string(options_.max_bytes) + " bytes");
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (in < 0) return Status::InvalidInput("cannot read " + source.string() + ": permission denied or unreadable");

  std::filesystem::create_directories(dir_, ec);
  if (ec) {
    ::close(in);
    return Status::Io("cannot create " + dir_.string() + ": " + ec.message());
  }
  static std::atomic<std::uint64_t> copies{0};
  const std::string unique = options_.env != nullptr
                                 ? std::to_string(options_.env->Random())
                                 : std::to_string(::getpid()) + "-" + std::to_string(copies++);
  const auto tmp = dir_ / (".tmp-" + unique);
  const int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    ::close(in);
    return Status::Io("cannot create " + tmp.string());
  }
  // Copied and hashed in chunks.
  Sha256 hash;
  std::int64_t total = 0;
  std::string chunk(64 * 1024, '\0');
  Status copied = Status::Ok();
  for (;;) {
    const ssize_t n = ::read(in, chunk.data(), chunk.size());
    if (n < 0) {
      copied = Status::InvalidInput("cannot read " + source.string());
      break;
    }
    if (n == 0) break;
    total += n;
    if (total > options_.max_bytes) {
      copied = Status::InvalidInput(source.string() + " grew over the limit of " +
                                    std::to_string(options_.max_bytes) + " bytes");
      break;
    }
    hash.Update(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
    for (ssize_t done = 0; done < n && copied.ok();) {
      const ssize_t w = ::write(out, chunk.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0) copied = Status::Io("cannot write " + tmp.string());
      else done += w;
    }
    if (!copied.ok()) break;
  }
  ::close(in);
  if (copied.ok() && ::fsync(out) != 0) copied = Status::Io("cannot sync " + tmp.string());
  ::close(out);
  if (!copied.ok()) {
    std::filesystem::remove(tmp, ec);
    return copied;
  }

  StoredFile stored;
  stored.sha256 = hash.Hex();
  stored.name = source.filename().string();
  stored.size = total;
  stored.media_type = MediaTypeOf(source.filename());
  const auto target = PathOf(stored.sha256);
  if (std::filesystem::exists(target, ec)) {  // the same content is kept once
    std::filesystem::remove(tmp, ec);
    return stored;
  }
  std::filesystem::create_directories(target.parent_path(), ec);
  if (!ec) std::filesystem::rename(tmp, target, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Status::Io("cannot store " + source.string() + ": " + ec.message());
  }
  SyncDir(target.parent_path());
  stored.added = true;
  return stored;
}

void FileStore::Remove(const std::string& sha256) const {
  std::error_code ec;
  std::filesystem::remove(PathOf(sha256), ec);
}

Result<std::string> FileStore::Read(const std::string& sha256) const {
  std::ifstream in(PathOf(sha256), std::ios::binary);
  if (!in) return Status::NotFound("no stored file " + sha256);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (Sha256Hex(data) != sha256) return Status::Io("stored file " + sha256 + " was altered on disk");
  return data;
}

}  // namespace duban::attach
