// Where a built message goes: an SMTP server through libcurl, or a local
// maildir.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "plugin_support.h"

namespace duban_email {

struct SmtpServer {
  std::string url;            // smtp://host:port or smtps://host:port
  std::string starttls;       // "try", "required", "off"
  std::string username;       // empty: no AUTH
  std::string password;
  long timeout_seconds = 30;
  std::string ca_file;
};

// Sends `message` (CRLF line ends) from `from` to `recipients` (bare
// addresses). Retry on connection trouble and 4xx replies; Permanent on a
// 5xx reply that rejects the message or a recipient.
duban_plugin::Outcome SendSmtp(const SmtpServer& server, const std::string& from,
                               const std::vector<std::string>& recipients, const std::string& message);

// Writes `message` into the maildir `dir` (creating dir/{tmp,new,cur}) as
// new/<name>: first into tmp/, flushed to disk, then renamed, so a reader
// never sees half a message. When new/<name> or cur/<name>:… already exists
// (an earlier attempt got there, or a mail client has read it) it writes
// nothing and succeeds. Line ends become LF, as files on this system have.
duban_plugin::Outcome WriteMaildir(const std::filesystem::path& dir, const std::string& name,
                                   const std::string& message);

}  // namespace duban_email
