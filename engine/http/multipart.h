// multipart/form-data (RFC 7578) read as it arrives: small fields kept in
// memory, the one file part streamed into a spool file and hashed on the
// way, so an upload is never held whole in memory. The spool is removed
// when the Form is destroyed (or Discard is called): an upload leaves no
// file behind unless the file store copied it.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/hash.h"

namespace duban::http {

struct UploadedFile {
  std::filesystem::path path;  // spool/<dir>/<filename>: the file name is the one sent
  std::string filename;        // as sent, without any directory
  std::string content_type;    // as sent ("" when none)
  std::int64_t size = 0;
  std::string sha256;          // of the bytes received
};

struct FormLimits {
  std::int64_t max_file = 50LL * 1024 * 1024;  // a larger file part is 413
  std::size_t max_field = 64 * 1024;           // a larger text field is 413
  std::size_t max_fields = 32;
};

// A form received, or what was wrong with it (error_status != 0: 400 for a
// malformed body, 413 for a file or field over its limit; the rest of the
// body was read and dropped).
struct Form {
  std::map<std::string, std::string> fields;
  std::optional<UploadedFile> file;  // the part named "file"
  int error_status = 0;
  std::string error;

  Form() = default;
  Form(const Form&) = delete;
  Form& operator=(const Form&) = delete;
  ~Form();
  // Removes the spool directory now.
  void Discard();

  std::filesystem::path spool;  // this form's own directory ("" until a file part began)
};

// The boundary of a multipart/form-data Content-Type, or nullopt when the
// type is another or has no boundary.
std::optional<std::string> FormBoundary(std::string_view content_type);

// The filename of a Content-Disposition value: filename* (RFC 5987, UTF-8)
// before filename; the last path segment only; nullopt when none or unsafe
// (empty, ".", "..", a control character).
std::optional<std::string> DispositionFilename(std::string_view disposition);
// The name= of a Content-Disposition value.
std::optional<std::string> DispositionName(std::string_view disposition);

class FormReader {
 public:
  // Spools under `spool_root` (created when needed), one directory per form.
  FormReader(std::string boundary, std::filesystem::path spool_root, FormLimits limits);
  ~FormReader();
  FormReader(const FormReader&) = delete;
  FormReader& operator=(const FormReader&) = delete;

  // The next bytes of the body.
  void Feed(std::string_view bytes);
  // The end of the body: the form (with error_status set if it was not whole).
  std::shared_ptr<Form> Finish();
  // The form so far (for a body cut short).
  const std::shared_ptr<Form>& form() const { return form_; }

 private:
  enum class State { kPreamble, kAfterBoundary, kHeaders, kBody, kDone };
  void Fail(int status, std::string message);
  void Process();
  void BeginPart(const std::string& headers);
  void PartData(std::string_view data);
  void EndPart();

  std::string delimiter_;  // "\r\n--" + boundary
  std::filesystem::path spool_root_;
  FormLimits limits_;
  std::shared_ptr<Form> form_ = std::make_shared<Form>();
  State state_ = State::kPreamble;
  std::string buf_ = "\r\n";  // so that the first boundary matches the delimiter
  // The part being read.
  enum class Part { kNone, kField, kFile, kSkip } part_ = Part::kNone;
  std::string field_name_;
  std::string field_value_;
  int fd_ = -1;
  std::unique_ptr<Sha256> hash_;
};

}  // namespace duban::http
