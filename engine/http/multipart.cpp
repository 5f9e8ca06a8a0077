#include "http/multipart.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <random>

#include "http/routes.h"

namespace duban::http {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The parameters of a header value "type; a=b; c=\"d\"", names lowercased.
std::map<std::string, std::string> Params(std::string_view value) {
  std::map<std::string, std::string> out;
  std::size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    const std::size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) break;
    const std::string name = Lower(Trim(value.substr(i, eq - i)));
    std::size_t j = eq + 1;
    std::string v;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        v.push_back(value[j++]);
      }
      i = value.find(';', j);
    } else {
      const std::size_t semi = value.find(';', j);
      v = std::string(Trim(value.substr(j, semi == std::string_view::npos ? std::string_view::npos : semi - j)));
      i = semi;
    }
    out.emplace(name, std::move(v));
  }
  return out;
}

std::string UniqueName() {
  static std::atomic<std::uint64_t> counter{0};
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return "upload-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rng() % 1000000007);
}

}  // namespace

Form::~Form() { Discard(); }

void Form::Discard() {
  if (spool.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(spool, ec);
  spool.clear();
}

std::optional<std::string> FormBoundary(std::string_view content_type) {
  const std::string media = Lower(Trim(content_type.substr(0, content_type.find(';'))));
  if (media != "multipart/form-data") return std::nullopt;
  auto p = Params(content_type);
  auto it = p.find("boundary");
  if (it == p.end() || it->second.empty() || it->second.size() > 70) return std::nullopt;
  return it->second;
}

std::optional<std::string> DispositionName(std::string_view disposition) {
  auto p = Params(disposition);
  auto it = p.find("name");
  if (it == p.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> DispositionFilename(std::string_view disposition) {
  auto p = Params(disposition);
  std::optional<std::string> name;
  if (auto star = p.find("filename*"); star != p.end()) {
    // charset'language'percent-encoded
    const std::string& v = star->second;
    const std::size_t a = v.find('\'');
    const std::size_t b = a == std::string::npos ? a : v.find('\'', a + 1);
    if (b != std::string::npos && Lower(v.substr(0, a)) == "utf-8") name = PercentDecode(v.substr(b + 1));
  }
  if (!name)
    if (auto plain = p.find("filename"); plain != p.end()) name = plain->second;
  if (!name) return std::nullopt;
  const std::size_t slash = name->find_last_of("/\\");
  if (slash != std::string::npos) name = name->substr(slash + 1);
  if (name->empty() || *name == "." || *name == ".." || name->size() > 255) return std::nullopt;
  for (char c : *name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
  return name;
}

FormReader::FormReader(std::string boundary, std::filesystem::path spool_root, FormLimits limits)
    : delimiter_("\r\n--" + std::move(boundary)), spool_root_(std::move(spool_root)), limits_(limits) {}

FormReader::~FormReader() {
  if (fd_ >= 0) ::close(fd_);
}

void FormReader::Fail(int status, std::string message) {
  if (form_->error_status == 0) {
    form_->error_status = status;
    form_->error = std::move(message);
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  form_->file.reset();
  form_->Discard();
  part_ = Part::kSkip;
}

void FormReader::Feed(std::string_view bytes) {
  if (state_ == State::kDone) return;  // the epilogue
  buf_.append(bytes);
  Process();
}

void FormReader::Process() {
  for (;;) {
    switch (state_) {
      case State::kPreamble: {
        const std::size_t at = buf_.find(delimiter_);
        if (at == std::string::npos) {
          if (buf_.size() > delimiter_.size()) buf_.erase(0, buf_.size() - delimiter_.size());
          return;
        }
        buf_.erase(0, at + delimiter_.size());
        state_ = State::kAfterBoundary;
        break;
      }
      case State::kAfterBoundary: {
        // "--" ends the body; else optional padding and CRLF begin a part.
        if (buf_.size() < 2) return;
        if (buf_.compare(0, 2, "--") == 0) {
          state_ = State::kDone;
          buf_.clear();
          return;
        }
        const std::size_t crlf = buf_.find("\r\n");
        if (crlf == std::string::npos) {
          if (buf_.size() > 256) return Fail(400, "malformed multipart body: no line end after a boundary");
          return;
        }
        buf_.erase(0, crlf + 2);
        state_ = State::kHeaders;
        break;
      }
      case State::kHeaders: {
        const std::size_t end = buf_.find("\r\n\r\n");
        const std::size_t empty = buf_.rfind("\r\n", 0) == 0 ? 0 : std::string::npos;
        if (empty == 0) {  // a part with no headers at all
          BeginPart("");
          buf_.erase(0, 2);
          state_ = State::kBody;
          break;
        }
        if (end == std::string::npos) {
          if (buf_.size() > 8192) {
            Fail(400, "malformed multipart body: a part's headers are over 8 KiB");
            state_ = State::kDone;
          }
          return;
        }
        BeginPart(buf_.substr(0, end));
        buf_.erase(0, end + 4);
        state_ = State::kBody;
        break;
      }
      case State::kBody: {
        const std::size_t at = buf_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep what could be the start of a delimiter.
          if (buf_.size() >= delimiter_.size()) {
            const std::size_t safe = buf_.size() - (delimiter_.size() - 1);
            PartData(std::string_view(buf_).substr(0, safe));
            buf_.erase(0, safe);
          }
          return;
        }
        PartData(std::string_view(buf_).substr(0, at));
        EndPart();
        buf_.erase(0, at + delimiter_.size());
        state_ = State::kAfterBoundary;
        break;
      }
      case State::kDone: return;
    }
  }
}

void FormReader::BeginPart(const std::string& headers) {
  std::string disposition, type;
  std::size_t i = 0;
  while (i < headers.size()) {
    std::size_t eol = headers.find("\r\n", i);
    if (eol == std::string::npos) eol = headers.size();
    const std::string_view line = std::string_view(headers).substr(i, eol - i);
    i = eol + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string name = Lower(Trim(line.substr(0, colon)));
    if (name == "content-disposition") disposition = std::string(Trim(line.substr(colon + 1)));
    if (name == "content-type") type = std::string(Trim(line.substr(colon + 1)));
  }
  if (part_ == Part::kSkip && form_->error_status != 0) return;  // after a failure, the rest is dropped
  auto name = DispositionName(disposition);
  if (!name) return Fail(400, "a form part without a name (Content-Disposition: form-data; name=...)");
  field_name_ = *name;
  field_value_.clear();
  if (*name != "file") {
    if (form_->fields.size() >= limits_.max_fields) return Fail(413, "too many form fields");
    part_ = Part::kField;
    return;
  }
  if (form_->file) return Fail(400, "one file per upload: a second part named 'file'");
  auto filename = DispositionFilename(disposition);
  if (!filename) return Fail(400, "the file part needs a safe file name (filename=...)");
  std::error_code ec;
  form_->spool = spool_root_ / UniqueName();
  std::filesystem::create_directories(form_->spool, ec);
  if (ec) {
    form_->spool.clear();
    return Fail(500, "cannot create the upload spool: " + ec.message());
  }
  UploadedFile f;
  f.filename = *filename;
  f.content_type = type;
  f.path = form_->spool / *filename;
  fd_ = ::open(f.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) return Fail(500, "cannot create " + f.path.string());
  form_->file = std::move(f);
  hash_ = std::make_unique<Sha256>();
  part_ = Part::kFile;
}

void FormReader::PartData(std::string_view data) {
  switch (part_) {
    case Part::kNone:
    case Part::kSkip: return;
    case Part::kField:
      if (field_value_.size() + data.size() > limits_.max_field)
        return Fail(413, "form field '" + field_name_ + "' is over " + std::to_string(limits_.max_field) + " bytes");
      field_value_.append(data);
      return;
    case Part::kFile: {
      auto& f = *form_->file;
      if (f.size + static_cast<std::int64_t>(data.size()) > limits_.max_file)
        return Fail(413, "文件过大 / the file is over the limit of " + std::to_string(limits_.max_file) + " bytes");
      hash_->Update(data);
      f.size += static_cast<std::int64_t>(data.size());
      while (!data.empty()) {
        const ssize_t n = ::write(fd_, data.data(), data.size());
        if (n < 0) return Fail(500, "cannot write the upload spool");
        data.remove_prefix(static_cast<std::size_t>(n));
      }
      return;
    }
  }
}

void FormReader::EndPart() {
  if (part_ == Part::kField) form_->fields[field_name_] = std::move(field_value_);
  if (part_ == Part::kFile) {
    ::close(fd_);
    fd_ = -1;
    form_->file->sha256 = hash_->Hex();
  }
  if (part_ != Part::kSkip) part_ = Part::kNone;
}

std::shared_ptr<Form> FormReader::Finish() {
  if (state_ != State::kDone && form_->error_status == 0) Fail(400, "malformed multipart body: it ends before its closing boundary");
  return form_;
}

}  // namespace duban::http
