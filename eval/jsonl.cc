#include "eval/jsonl.h"

#include <fstream>

#include <nlohmann/json.hpp>

namespace leitplanke::eval {

Status ForEachJsonLine(const std::string& path,
                       const std::function<void(const nlohmann::json&, size_t)>& fn) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open '" + path + "'");
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
      return Status::InvalidArgument(path + ":" + std::to_string(n) + ": invalid JSON");
    if (!j.is_object()) {
      return Status::InvalidArgument(path + ":" + std::to_string(n) + ": not a JSON object");
    }
    fn(j, n);
  }
  return Status::Ok();
}

}  // namespace leitplanke::eval
