// Building an e-mail message in UTF-8 by hand, because the message must come
// out the same for SMTP and for a maildir file, and libcurl does not encode
// headers: RFC 2047 encoded words for the subject and display names (split
// only between whole characters), base64 bodies, multipart/alternative when
// there is an HTML part, and the Date and Message-ID headers. Also the
// Chinese date forms the templates print.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace duban_email {

// Base64 (RFC 4648) without line breaks.
std::string Base64(std::string_view data);
// Base64 in lines of at most 76 characters, each ending in CRLF.
std::string Base64Lines(std::string_view data);

// Whether header text must be encoded: anything but printable ASCII and space,
// or text that could be mistaken for an encoded word.
bool NeedsEncoding(std::string_view text);

// `text` as RFC 2047 "B" encoded words in UTF-8, each at most 75 characters
// and holding only whole UTF-8 characters, joined by CRLF SP (folding). The
// first word is kept short enough to fit after `first_line_used` characters
// already on its line, unless the whole text fits in one word: then it is one
// word (a display name is never split when it need not be). A text that needs several words is split at the last
// place in each word where a reader showing the fold as a space does no harm
// (after "）", "，", a space, …; before "（"), else after the last whole
// character that fits. Empty text gives "".
std::string EncodeWords(std::string_view text, std::size_t first_line_used);

// A header's text: left alone when it needs no encoding, else EncodeWords.
// CR and LF are replaced by spaces first, so nothing can inject a header.
std::string HeaderText(std::string_view text, std::size_t first_line_used);

// A plausible mailbox address: local@domain, printable ASCII, no spaces,
// brackets, commas or quotes.
bool IsValidAddress(std::string_view address);

// "名字 <addr>" as a header mailbox: the name encoded or quoted as needed;
// just "<addr>" without a name.
std::string FormatMailbox(std::string_view name, std::string_view address);

// "<taishan-2021.42@duban.invalid>" for notice "taishan-2021/42": characters
// not allowed in a message id become '.' or '_'.
std::string MessageIdFor(std::string_view notice_id);
// The maildir file name of a notice: "duban.taishan-2021.42", the same on
// every attempt, so a retried delivery finds its earlier file.
std::string MaildirNameFor(std::string_view notice_id);

// Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (as the engine writes them).
std::optional<std::chrono::year_month_day> ParseDate(std::string_view text);
std::optional<std::chrono::sys_seconds> ParseUtc(std::string_view text);

// 2021年10月20日
std::string ChineseDate(std::chrono::year_month_day d);
// The local date of `t` in the IANA zone `tz`, the Chinese way; and with the
// time: 2021年10月20日 09:30. An unknown zone counts as UTC+8.
std::string ChineseDate(std::chrono::sys_seconds t, const std::string& tz);
std::string ChineseDateTime(std::chrono::sys_seconds t, const std::string& tz);
// RFC 5322: "Thu, 21 Oct 2021 09:00:00 +0800" in `tz`.
std::string RfcDate(std::chrono::sys_seconds t, const std::string& tz);

struct Mailbox {
  std::string name;
  std::string address;
};

struct Message {
  Mailbox from;
  std::vector<Mailbox> to;          // empty: "undisclosed-recipients:;"
  std::string subject;
  std::string text;                 // the text/plain part
  std::string html;                 // the text/html part; empty: text only
  std::string message_id;           // with angle brackets
  std::string date;                 // RFC 5322
  std::string in_reply_to;          // with angle brackets; empty: none
  std::vector<std::string> references;  // with angle brackets, oldest first
  std::vector<std::pair<std::string, std::string>> headers;  // extra, ASCII
};

// The whole message, CRLF line ends, ready for SMTP DATA. The same message
// gives the same bytes.
std::string BuildMessage(const Message& m);

}  // namespace duban_email
