// JSON form of verdicts (docs/VERDICT.md). nlohmann/json stays inside the .cc.
#pragma once

#include <string>

#include "leitplanke/guard/types.h"

namespace leitplanke::server {

// One verdict as a single-line JSON object; `id` is echoed when non-empty.
// Invalid UTF-8 in excerpts is replaced, never thrown on.
std::string VerdictToJson(const guard::Verdict& v, const std::string& id, bool pretty);

}  // namespace leitplanke::server
