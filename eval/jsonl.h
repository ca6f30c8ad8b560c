// Reading the evaluation sets: one JSON object per line.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "leitplanke/base/status.h"

namespace leitplanke::eval {

// Calls `fn(object, line_number)` for every non-empty line of `path`. Stops
// at the first error: bad JSON, a line that is not an object, or an error
// `fn` returns; each comes back as "path:line: message". A missing file is
// NotFound naming the path. Earlier calls stand.
Status ForEachJsonLine(const std::string& path,
                       const std::function<Status(const nlohmann::json&, size_t)>& fn);

}  // namespace leitplanke::eval
