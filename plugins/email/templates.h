// The e-mail's wording: mustache templates per event type, kept as files so
// that the office can edit them (workflows/templates/README.md):
//
//   <event type>.subject.mustache   the subject line
//   <event type>.txt.mustache       the text/plain body
//   <event type>.html.mustache      the text/html body (optional)
//   default.subject.mustache, default.txt.mustache, default.html.mustache
//                                   for types without their own; default.html
//                                   also wraps a type's text when that type has
//                                   no HTML of its own
//   <name>.partial.mustache         included from any template as {{> name}}
//
// The data a template sees is described by NoticeData below.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace duban_email {

struct Rendered {
  std::string subject;
  std::string text;
  std::string html;  // empty when there is no HTML template or html is off
};

class Templates {
 public:
  // Reads every *.mustache file in `dir` and checks that each parses.
  // Throws std::runtime_error naming the file when one does not, when `dir`
  // is missing, or when default.subject/default.txt are missing.
  static Templates Load(const std::filesystem::path& dir);

  // Renders the notice (the notice JSON of plugins/README.md). Subject and
  // text are not HTML-escaped; HTML is. Throws std::runtime_error when a
  // template fails to render, and, when `strict`, when it prints a variable
  // ({{x}}) that has no value for this notice instead of printing nothing.
  Rendered Render(const nlohmann::json& notice, bool html, bool strict = false) const;

 private:
  const std::string* Find(const std::string& type, const std::string& part) const;
  std::map<std::string, std::string> sources_;   // "deadline.missed.subject" -> text
  std::map<std::string, std::string> partials_;  // "footer" -> text
};

// The data templates see, built from the notice:
//   notice_id, event_type, urgent (section), attempt
//   campaign_id, campaign_name, unit, unit_name, actor, actor_name
//   at_date (2021年10月21日), at_time (2021年10月21日 09:30) in the campaign's zone
//   payload.*       the event's payload as is (ids)
//   display.*       names the engine resolved for payload ids (display.stage: 材料收集)
//   names.*         display.* where the engine gave a name, else the payload's own value
//   dates.*         every payload value that is a date or UTC instant, as a Chinese date
//   times.*         every payload value that is a UTC instant, as a Chinese date and time
//   recipients      list of {name, email, role, role_name}; recipient_names: 王芳、李强
// Empty strings are left out, so {{#key}}…{{/key}} shows only for a value.
nlohmann::json NoticeData(const nlohmann::json& notice);

}  // namespace duban_email
