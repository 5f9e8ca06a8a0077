#include "transport.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include <curl/curl.h>

namespace duban_email {

namespace {

namespace fs = std::filesystem;
using duban_plugin::Outcome;

struct Upload {
  std::string_view rest;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, up->rest.size());
  std::memcpy(buffer, up->rest.data(), n);
  up->rest.remove_prefix(n);
  return n;
}

std::string ErrnoText(const std::string& what, const fs::path& p) {
  return what + " " + p.string() + ": " + std::strerror(errno);
}

// Writes all of `data` to `fd`.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void SyncDirectory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Outcome SendSmtp(const SmtpServer& server, const std::string& from, const std::vector<std::string>& recipients,
                 const std::string& message) {
  if (recipients.empty()) return Outcome::Ok();  // nobody with an address: nothing to send
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Outcome::Retry("curl_easy_init failed");
  curl_slist* rcpt = nullptr;
  for (const std::string& r : recipients) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
  const std::string mail_from = "<" + from + ">";
  Upload upload{message};
  char error[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, server.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, server.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, std::min(server.timeout_seconds, 30L));
  const long tls = server.starttls == "required" ? static_cast<long>(CURLUSESSL_ALL)
                   : server.starttls == "off"    ? static_cast<long>(CURLUSESSL_NONE)
                                                 : static_cast<long>(CURLUSESSL_TRY);
  curl_easy_setopt(curl, CURLOPT_USE_SSL, tls);
  if (!server.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, server.ca_file.c_str());
  if (!server.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, server.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, server.password.c_str());
  }

  const CURLcode rc = curl_easy_perform(curl);
  long reply = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc == CURLE_OK) return Outcome::Ok();

  std::string why = "SMTP " + server.url + ": " + (error[0] != '\0' ? error : curl_easy_strerror(rc));
  if (reply != 0) why += " (server replied " + std::to_string(reply) + ")";
  // 550-554: mailbox unavailable, not local, name not allowed, transaction failed.
  if (reply >= 550 && reply <= 554) return Outcome::Permanent(why);
  return Outcome::Retry(why);
}

Outcome WriteMaildir(const fs::path& dir, const std::string& name, const std::string& message) {
  std::error_code ec;
  for (const char* sub : {"tmp", "new", "cur"}) {
    fs::create_directories(dir / sub, ec);
    if (ec) return Outcome::Retry("cannot create maildir " + (dir / sub).string() + ": " + ec.message());
  }
  if (fs::exists(dir / "new" / name, ec)) return Outcome::Ok();
  for (const auto& entry : fs::directory_iterator(dir / "cur", ec)) {
    const std::string seen = entry.path().filename().string();
    if (seen == name || seen.rfind(name + ":", 0) == 0) return Outcome::Ok();
  }

  std::string lf;
  lf.reserve(message.size());
  for (size_t i = 0; i < message.size(); ++i)
    if (!(message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n')) lf += message[i];

  const fs::path tmp = dir / "tmp" / (name + "." + std::to_string(::getpid()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Outcome::Retry(ErrnoText("cannot create", tmp));
  const bool written = WriteAll(fd, lf) && ::fsync(fd) == 0;
  const std::string write_error = written ? "" : ErrnoText("cannot write", tmp);
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return Outcome::Retry(write_error);
  }
  const fs::path target = dir / "new" / name;
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = ErrnoText("cannot move the message to", target);
    ::unlink(tmp.c_str());
    return Outcome::Retry(why);
  }
  SyncDirectory(dir / "new");
  return Outcome::Ok();
}

}  // namespace duban_email
