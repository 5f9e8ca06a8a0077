// A plain-text table whose columns stay aligned when cells hold Chinese
// (double-width) characters.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace duban::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace duban::cli
