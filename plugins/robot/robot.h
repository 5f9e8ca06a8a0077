// What the group-robot plugins (DingTalk, WeCom) share: the message built from
// the office's notice templates (the same wording as the e-mail), the HTTP POST
// of a JSON body, and the reading of the robots' {"errcode", "errmsg"} replies.
// Linked into each robot plugin (and the tests); no duban library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "plugin_support.h"
#include "templates.h"

namespace duban_robot {

// What both robots read the same way from their settings: msgtype
// ("markdown", the default, or "text"), request_timeout_seconds (1-3600,
// default 10), ca_file, templates (default: the shipped ones) and events
// (default: every type). Throws SettingsError naming the key. Starts libcurl
// (stopped by the destructor): hold one per plugin instance.
struct Common {
  explicit Common(const duban_plugin::Settings& s, const char* name);
  ~Common();
  Common(const Common&) = delete;
  Common& operator=(const Common&) = delete;

  std::string msgtype;
  long timeout_seconds = 10;
  std::string ca_file;
  duban_email::Templates templates;
  duban_plugin::EventFilter events;
};

// Whether `s` is a mobile number as the robots' mention lists take it: 5 to
// 20 digits.
bool IsMobile(std::string_view s);

// Standard base64 (RFC 4648, with padding).
std::string Base64(std::string_view bytes);

// Percent-encodes every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~).
std::string UrlEncode(std::string_view s);

// The raw 32 bytes of HMAC-SHA256(key, message).
std::string HmacSha256(std::string_view key, std::string_view message);

// DingTalk's 加签: urlencode(base64(HMAC-SHA256(secret, "<timestamp_ms>\n<secret>"))),
// ready to go into the query string as sign=.
std::string DingTalkSign(std::string_view secret, std::int64_t timestamp_ms);

// `text` cut to at most `max_bytes` bytes between whole UTF-8 characters,
// ending in "……" when it was cut.
std::string Truncate(std::string text, std::size_t max_bytes);

// A notice in words: the subject line and the plain-text body of the office's
// templates for its event type.
struct Message {
  std::string title;
  std::string text;  // lines separated by '\n', ending in one
};
Message Compose(const duban_email::Templates& templates, const nlohmann::json& notice);

// The message as Markdown: a heading with the title, then the text with each
// line break written as `line_break` ("  \n" where a single newline would
// join lines, "\n" where it does not) and paragraphs kept apart.
std::string Markdown(const Message& m, std::string_view line_break);

// The message as plain text: the title, a blank line, the text.
std::string PlainText(const Message& m);

// The URL without its query (which holds the robot's token or key), for messages.
std::string Redacted(const std::string& url);

// One HTTP exchange.
struct Reply {
  bool sent = false;       // false: no HTTP reply at all (see transport_error)
  std::string transport_error;
  long status = 0;         // the HTTP status
  std::string body;        // the reply body, at most 64 KiB of it
};
struct Request {
  std::string url;
  std::string body;        // JSON
  long timeout_seconds = 10;
  std::string ca_file;     // empty: the system's CA bundle
  std::string user_agent;
};
Reply PostJson(const Request& r);

// What a robot's reply comes to. No reply, 408, 429 and 5xx are retried, any
// other non-2xx is permanent; a 2xx reply must be JSON with "errcode": 0 is
// delivered, a code of `retry_codes` (rate limits, "system busy") is retried,
// any other code is permanent. A 2xx reply that is not such JSON is retried.
// `where` ("POST https://oapi.dingtalk.com/robot/send") starts each message.
duban_plugin::Outcome Classify(const Reply& reply, const std::string& where, const std::set<long>& retry_codes);

}  // namespace duban_robot
