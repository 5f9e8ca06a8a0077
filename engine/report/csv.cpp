#include "report/report.h"

namespace duban::report {

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Csv(const View& view) {
  std::string out = "\xEF\xBB\xBF";
  auto line = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i == 0 ? "" : ",") + CsvField(fields[i]);
    out += "\r\n";
  };
  std::vector<std::string> fields;
  for (const Column& c : view.columns) fields.push_back(c.title);
  line(fields);
  for (const auto& row : view.rows) {
    fields.clear();
    for (const Cell& c : row) fields.push_back(c.text);
    line(fields);
  }
  return out;
}

}  // namespace duban::report
