// Points in hundredths, their text and JSON forms, and the weighted total.

#include <cmath>
#include <cstdlib>

#include "assessment/assessment.h"

namespace duban::assessment {

std::string FormatPoints(Points p) {
  const bool negative = p < 0;
  const Points a = negative ? -p : p;
  std::string frac = std::to_string(a % model::kPointsScale);
  if (frac.size() < 2) frac.insert(0, 2 - frac.size(), '0');
  return (negative ? "-" : "") + std::to_string(a / model::kPointsScale) + "." + frac;
}

std::optional<Points> ParsePoints(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  Points whole = 0;
  Points frac = 0;
  int frac_digits = -1;  // -1: no point seen
  bool digits = false;
  for (char c : text) {
    if (c == '.') {
      if (frac_digits >= 0 || !digits) return std::nullopt;
      frac_digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (frac_digits >= 0) {
        if (++frac_digits > 2) return std::nullopt;
        frac = frac * 10 + (c - '0');
      } else {
        whole = whole * 10 + (c - '0');
        digits = true;
      }
    } else {
      return std::nullopt;
    }
  }
  if (frac_digits == 0) return std::nullopt;  // "87."
  if (frac_digits == 1) frac *= 10;
  return whole * model::kPointsScale + frac;
}

nlohmann::json PointsJson(Points p) {
  if (p % model::kPointsScale == 0) return p / model::kPointsScale;
  return static_cast<double>(p) / static_cast<double>(model::kPointsScale);
}

std::optional<Points> PointsFromJson(const nlohmann::json& j) {
  if (j.is_number_integer()) return j.get<std::int64_t>() * model::kPointsScale;
  if (!j.is_number()) return std::nullopt;
  const double hundredths = j.get<double>() * static_cast<double>(model::kPointsScale);
  const double rounded = std::round(hundredths);
  if (!std::isfinite(hundredths) || std::fabs(hundredths - rounded) > 1e-6) return std::nullopt;
  return static_cast<Points>(rounded);
}

Points Total(const model::AssessmentWeights& w, Points prior, Points submission, Points evaluation) {
  const Points weighted = prior * w.prior + submission * w.submission + evaluation * w.evaluation;
  return (weighted + 50) / 100;  // weights are percent; every part is >= 0
}

}  // namespace duban::assessment
