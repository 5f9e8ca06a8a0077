// The webhook plugin: POSTs each notice's JSON to a URL, signed so that the
// receiver can tell it came from this duban and is fresh:
//
//   X-Duban-Timestamp: <unix seconds when sent>
//   X-Duban-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//   Idempotency-Key:   <notice id>   (also X-Duban-Notice; the same on every retry)
//   X-Duban-Event:     <event type>
//
// A 2xx reply is delivered; 408, 429 and 5xx are retried; any other 4xx is
// permanent (the receiver refuses this notice as it is). Settings: see
// plugins/README.md.
#include <chrono>
#include <string>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "plugin_support.h"

namespace {

using duban_plugin::Outcome;
using duban_plugin::Settings;
using duban_plugin::SettingsError;

std::string Hex(const unsigned char* data, unsigned len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xF];
  }
  return out;
}

// Lowercase hex HMAC-SHA256 of `message` under `key`.
std::string HmacSha256(const std::string& key, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return Hex(digest, len);
}

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

class WebhookPlugin {
 public:
  explicit WebhookPlugin(const nlohmann::json& config) : events_({}) {
    const Settings s(config, "webhook");
    url_ = s.RequiredString("url");
    if (url_.rfind("https://", 0) != 0 && url_.rfind("http://", 0) != 0)
      s.Fail("url", "must be an http:// or https:// URL");
    secret_ = s.Secret("secret", "secret_env");
    if (secret_.empty()) s.Fail("secret_env", "(or 'secret') is required: every request is signed");
    timeout_seconds_ = s.Integer("request_timeout_seconds", 10, 1, 3600);
    ca_file_ = s.String("ca_file");
    events_ = duban_plugin::EventFilter(s.Strings("events", {"*"}));
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw SettingsError("webhook: libcurl failed to start");
  }
  WebhookPlugin(const WebhookPlugin&) = delete;
  WebhookPlugin& operator=(const WebhookPlugin&) = delete;
  ~WebhookPlugin() { curl_global_cleanup(); }

  bool Wants(std::string_view type) const { return events_.Matches(type); }

  Outcome Deliver(const nlohmann::json& notice) {
    const std::string body = notice.dump();
    const std::string id = notice.value("id", "");
    const std::string type = notice.contains("event") ? notice["event"].value("type", "") : "";
    const std::string timestamp = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());

    curl_slist* headers = nullptr;
    for (const std::string& h :
         {std::string("Content-Type: application/json; charset=utf-8"), "X-Duban-Timestamp: " + timestamp,
          "X-Duban-Signature: sha256=" + HmacSha256(secret_, timestamp + "." + body), "Idempotency-Key: " + id,
          "X-Duban-Notice: " + id, "X-Duban-Event: " + type})
      headers = curl_slist_append(headers, h.c_str());

    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      curl_slist_free_all(headers);
      return Outcome::Retry("curl_easy_init failed");
    }
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "duban-webhook/1");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Discard);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds_);
    if (!ca_file_.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file_.c_str());
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);

    if (rc != CURLE_OK)
      return Outcome::Retry("POST " + url_ + ": " + (error[0] != '\0' ? error : curl_easy_strerror(rc)));
    if (status >= 200 && status < 300) return Outcome::Ok();
    const std::string why = "POST " + url_ + ": HTTP " + std::to_string(status);
    if (status == 408 || status == 429 || status >= 500) return Outcome::Retry(why);
    return Outcome::Permanent(why);
  }

 private:
  std::string url_;
  std::string secret_;
  long timeout_seconds_ = 10;
  std::string ca_file_;
  duban_plugin::EventFilter events_;
};

}  // namespace

DUBAN_PLUGIN(WebhookPlugin, "webhook")
