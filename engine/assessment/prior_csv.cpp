// ParsePriorCsv: last year's indicator scores, one line per unit.

#include <algorithm>
#include <map>

#include "assessment/assessment.h"

namespace duban::assessment {

namespace {

struct Field {
  std::string text;
  std::uint32_t column = 0;  // 1-based, in characters
};

// Characters (not bytes) before byte `i` of `line`, plus one.
std::uint32_t ColumnOf(std::string_view line, std::size_t i) {
  std::uint32_t col = 1;
  for (std::size_t k = 0; k < i && k < line.size(); ++k)
    if ((static_cast<unsigned char>(line[k]) & 0xC0) != 0x80) ++col;
  return col;
}

// Splits one CSV line; quoted fields may hold commas and doubled quotes.
Result<std::vector<Field>> SplitLine(std::string_view line, const SourcePos& at) {
  std::vector<Field> out;
  std::size_t i = 0;
  while (true) {
    Field f;
    f.column = ColumnOf(line, i);
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            f.text += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        f.text += line[i++];
      }
      if (!closed) {
        SourcePos p = at;
        p.column = f.column;
        return Status::InvalidInput("unclosed quote in this field", p);
      }
      if (i < line.size() && line[i] != ',') {
        SourcePos p = at;
        p.column = ColumnOf(line, i);
        return Status::InvalidInput("a quoted field must end at a comma", p);
      }
    } else {
      while (i < line.size() && line[i] != ',') f.text += line[i++];
      // Surrounding blanks are not part of a value.
      const auto b = f.text.find_first_not_of(" \t");
      const auto e = f.text.find_last_not_of(" \t");
      if (b == std::string::npos) {
        f.text.clear();
      } else {
        f.column += static_cast<std::uint32_t>(b);
        f.text = f.text.substr(b, e - b + 1);
      }
    }
    out.push_back(std::move(f));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return out;
}

}  // namespace

Result<std::vector<PriorRow>> ParsePriorCsv(std::string_view text, std::string_view source,
                                            const model::Roster& roster) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  auto at = [&](std::uint32_t line, std::uint32_t column) { return SourcePos{std::string(source), line, column}; };
  std::vector<PriorRow> rows;
  std::map<std::string, int> seen;  // unit -> line
  int unit_col = -1;
  int score_col = -1;
  std::size_t columns = 0;
  std::uint32_t line_no = 0;
  std::uint32_t last_line = 1;  // the last line with content
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      if (pos > text.size()) break;
      continue;  // blank lines are skipped
    }
    last_line = line_no;
    auto fields = SplitLine(line, at(line_no, 0));
    if (!fields.ok()) return fields.status();
    if (unit_col < 0) {
      for (std::size_t c = 0; c < fields->size(); ++c) {
        if ((*fields)[c].text == "unit") unit_col = static_cast<int>(c);
        if ((*fields)[c].text == "score") score_col = static_cast<int>(c);
      }
      if (unit_col < 0 || score_col < 0)
        return Status::InvalidInput(
            "the header must name a 'unit' column and a 'score' column (e.g. \"unit,name,score\")", at(line_no, 1));
      columns = fields->size();
      continue;
    }
    if (fields->size() != columns)
      return Status::InvalidInput("expected " + std::to_string(columns) + " fields as in the header, found " +
                                      std::to_string(fields->size()),
                                  at(line_no, 1));
    const Field& unit = (*fields)[static_cast<std::size_t>(unit_col)];
    const Field& score = (*fields)[static_cast<std::size_t>(score_col)];
    if (roster.FindUnit(unit.text) == nullptr)
      return Status::InvalidInput("unknown unit '" + unit.text + "' (not in roster '" + roster.id + "')",
                                  at(line_no, unit.column));
    if (auto first = seen.find(unit.text); first != seen.end())
      return Status::InvalidInput("unit '" + unit.text + "' is listed twice (first on line " +
                                      std::to_string(first->second) + ")",
                                  at(line_no, unit.column));
    auto points = ParsePoints(score.text);
    if (!points || *points > model::kFullMarks)
      return Status::InvalidInput("score '" + score.text + "' of unit '" + unit.text +
                                      "' must be a number from 0 to 100 with at most two decimals",
                                  at(line_no, score.column));
    seen.emplace(unit.text, static_cast<int>(line_no));
    rows.push_back({unit.text, *points, static_cast<int>(line_no)});
    if (pos > text.size()) break;
  }
  if (unit_col < 0) return Status::InvalidInput("the file is empty: expected a header \"unit,score\"", at(1, 1));
  std::vector<std::string> missing;
  for (const auto& u : roster.units)
    if (!seen.count(u.id)) missing.push_back(u.id);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return Status::InvalidInput("every unit needs a score; missing: " + list, at(last_line, 1));
  }
  return rows;
}

Result<std::vector<PriorRow>> PriorFromRanking(const nlohmann::json& ranking, std::string_view campaign,
                                               const model::Roster& roster) {
  std::vector<PriorRow> rows;
  std::vector<std::string> missing;
  for (const auto& u : roster.units) {
    std::optional<Points> total;
    if (ranking.is_array())
      for (const auto& r : ranking)
        if (r.is_object() && r.value("unit", "") == u.id && r.contains("total")) total = PointsFromJson(r["total"]);
    if (!total || *total < 0 || *total > model::kFullMarks) {
      missing.push_back(u.id);
      continue;
    }
    rows.push_back({u.id, *total, 0});
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return Status::InvalidInput("campaign '" + std::string(campaign) + "' published no score for: " + list);
  }
  return rows;
}

}  // namespace duban::assessment
