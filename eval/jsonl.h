// Reading the evaluation sets: one JSON object per line.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "leitplanke/base/status.h"

namespace leitplanke::eval {

// Calls `fn(object, line_number)` for every non-empty line of `path`. Errors
// name the file and line (bad JSON, a line that is not an object) or the
// file (missing). Stops at the first error; earlier calls stand.
Status ForEachJsonLine(const std::string& path,
                       const std::function<void(const nlohmann::json&, size_t)>& fn);

}  // namespace leitplanke::eval
