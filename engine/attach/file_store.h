// The content-addressed file store: attached files are copied under the data
// directory, named by the SHA-256 of their bytes, so the same content is kept
// once and later reads never trust the path a file was attached from.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/env.h"
#include "core/status.h"

namespace duban::attach {

struct FileStoreOptions {
  // Files larger than this are refused. 50 MiB fits a scanned commitment or a
  // report with photographs.
  std::int64_t max_bytes = 50LL * 1024 * 1024;
  // Names the temporary file a copy is written to before its rename; not
  // owned, must outlive the store. nullptr: the process id and a counter
  // (unique too, but predictable). The runtime always passes its Env.
  Env* env = nullptr;
};

struct StoredFile {
  std::string sha256;
  std::string name;        // the original file name, without its directory
  std::int64_t size = 0;
  std::string media_type;  // from the file name's extension
  bool added = false;      // this Put stored the content (it was not there before)
};

// Thread-safety: Put and Read may run on any threads at once, in any number of
// processes sharing the directory (a copy is renamed into place whole).
class FileStore {
 public:
  FileStore(std::filesystem::path dir, FileStoreOptions options = {})
      : dir_(std::move(dir)), options_(options) {}

  // Copies the file at `source` into the store (if its content is not there
  // yet) and returns what it holds. A missing, unreadable, empty-named or
  // oversized file is InvalidInput naming the path; the store is unchanged.
  // The copy is written to a temporary name, synced, then renamed into place;
  // the file is read and hashed in chunks, never held whole in memory.
  Result<StoredFile> Put(const std::filesystem::path& source) const;

  // Removes stored content (a Put whose command was then refused: `added`
  // says the content was new). Missing content is not an error.
  void Remove(const std::string& sha256) const;

  // Where the content with this hash is kept.
  std::filesystem::path PathOf(const std::string& sha256) const;

  // Reads stored content back, checking it still has its hash.
  Result<std::string> Read(const std::string& sha256) const;

 private:
  std::filesystem::path dir_;
  FileStoreOptions options_;
};

// The media type of a file name: application/pdf, image/jpeg, ...;
// application/octet-stream when the extension is unknown.
std::string MediaTypeOf(const std::filesystem::path& name);

}  // namespace duban::attach
