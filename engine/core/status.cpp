#include "core/status.h"

namespace duban {

std::string SourcePos::str() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Status::str() const {
  if (ok()) return "ok";
  std::string out;
  if (!pos_.file.empty()) out = pos_.str() + ": ";
  if (code_ == Code::kRefused && !rule_.empty()) out += "refused by rule '" + rule_ + "': ";
  out += message_;
  return out;
}

int Status::exit_code() const {
  switch (code_) {
    case Code::kOk: return 0;
    case Code::kInvalidInput:
    case Code::kNotFound: return 2;
    case Code::kRefused: return 3;
    case Code::kConflict:
    case Code::kIo:
    case Code::kInternal: return 1;
  }
  return 1;
}

}  // namespace duban
