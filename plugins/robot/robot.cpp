#include "robot.h"

#include <sstream>
#include <stdexcept>
#include <vector>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace duban_robot {

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]) << 16 |
                                              static_cast<unsigned char>(bytes[i + 1]) << 8 |
                                              static_cast<unsigned char>(bytes[i + 2]));
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(n >> shift) & 0x3F];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]) << 16);
    if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 0x3F];
    out += kAlphabet[(n >> 12) & 0x3F];
    out += rest == 2 ? kAlphabet[(n >> 6) & 0x3F] : '=';
    out += '=';
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(digest), len);
}

std::string DingTalkSign(std::string_view secret, std::int64_t timestamp_ms) {
  const std::string to_sign = std::to_string(timestamp_ms) + "\n" + std::string(secret);
  return UrlEncode(Base64(HmacSha256(secret, to_sign)));
}

std::string Truncate(std::string text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  static constexpr std::string_view kEllipsis = "……";
  std::size_t cut = max_bytes >= kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  // Back up to the first byte of a character (not a 10xxxxxx continuation byte).
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  if (max_bytes >= kEllipsis.size()) text += kEllipsis;
  return text;
}

Message Compose(const duban_email::Templates& templates, const nlohmann::json& notice) {
  const duban_email::Rendered r = templates.Render(notice, false);
  return {r.subject, r.text};
}

std::string Markdown(const Message& m, std::string_view line_break) {
  std::string out = "#### " + m.title + "\n\n";
  std::istringstream in(m.text);
  bool in_paragraph = false;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty()) {
      if (in_paragraph) out += "\n\n";
      in_paragraph = false;
      continue;
    }
    if (in_paragraph) out += line_break;
    out += line;
    in_paragraph = true;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string PlainText(const Message& m) {
  std::string text = m.text;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return m.title + "\n\n" + text;
}

std::string Redacted(const std::string& url) { return url.substr(0, url.find('?')); }

namespace {

constexpr std::size_t kMaxReply = 64 * 1024;

size_t Collect(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t n = size * count;
  if (body->size() < kMaxReply) body->append(data, std::min(n, kMaxReply - body->size()));
  return n;
}

}  // namespace

Reply PostJson(const Request& r) {
  Reply reply;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json; charset=utf-8");
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    curl_slist_free_all(headers);
    reply.transport_error = "curl_easy_init failed";
    return reply;
  }
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, r.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, r.timeout_seconds);
  if (!r.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, r.ca_file.c_str());
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    reply.transport_error = error[0] != '\0' ? error : curl_easy_strerror(rc);
    return reply;
  }
  reply.sent = true;
  return reply;
}

duban_plugin::Outcome Classify(const Reply& reply, const std::string& where, const std::set<long>& retry_codes) {
  using duban_plugin::Outcome;
  if (!reply.sent) return Outcome::Retry(where + ": " + reply.transport_error);
  if (reply.status < 200 || reply.status >= 300) {
    const std::string why = where + ": HTTP " + std::to_string(reply.status);
    if (reply.status == 408 || reply.status == 429 || reply.status >= 500) return Outcome::Retry(why);
    return Outcome::Permanent(why);
  }
  const nlohmann::json j = nlohmann::json::parse(reply.body, nullptr, false);
  if (!j.is_object() || !j.contains("errcode") || !j["errcode"].is_number_integer())
    return Outcome::Retry(where + ": HTTP " + std::to_string(reply.status) + " without the robot's errcode");
  const long code = j["errcode"].get<long>();
  if (code == 0) return Outcome::Ok();
  std::string why = where + ": errcode " + std::to_string(code);
  if (j.contains("errmsg") && j["errmsg"].is_string()) {
    std::string msg = Truncate(j["errmsg"].get<std::string>(), 300);
    for (char& c : msg)
      if (c == '\n' || c == '\r') c = ' ';
    why += " (" + msg + ")";
  }
  if (retry_codes.count(code) > 0) return Outcome::Retry(why);
  return Outcome::Permanent(why);
}

Common::Common(const duban_plugin::Settings& s, const char* name) : events({}) {
  msgtype = s.String("msgtype", "markdown");
  if (msgtype != "markdown" && msgtype != "text") s.Fail("msgtype", "must be \"markdown\" or \"text\"");
  timeout_seconds = s.Integer("request_timeout_seconds", 10, 1, 3600);
  ca_file = s.String("ca_file");
  try {
    templates = duban_email::Templates::Load(s.Path("templates", "workflows/templates"));
  } catch (const std::runtime_error& e) {
    throw duban_plugin::SettingsError(std::string(name) + ": 'templates': " + e.what());
  }
  events = duban_plugin::EventFilter(s.Strings("events", {"*"}));
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    throw duban_plugin::SettingsError(std::string(name) + ": libcurl failed to start");
}

Common::~Common() { curl_global_cleanup(); }

bool IsMobile(std::string_view s) {
  if (s.size() < 5 || s.size() > 20) return false;
  for (const char ch : s)
    if (ch < '0' || ch > '9') return false;
  return true;
}

}  // namespace duban_robot
