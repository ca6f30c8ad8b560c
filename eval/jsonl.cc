#include "eval/jsonl.h"

#include <fstream>

#include <nlohmann/json.hpp>

namespace leitplanke::eval {

Status ForEachJsonLine(const std::string& path,
                       const std::function<Status(const nlohmann::json&, size_t)>& fn) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open '" + path + "'");
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(n);
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::InvalidArgument(where + ": invalid JSON");
    if (!j.is_object()) return Status::InvalidArgument(where + ": not a JSON object");
    LP_RETURN_IF_ERROR(fn(j, n).WithContext(where));
  }
  return Status::Ok();
}

}  // namespace leitplanke::eval
