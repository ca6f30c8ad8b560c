#include "server/verdict_json.h"

#include <nlohmann/json.hpp>

namespace leitplanke::server {

std::string VerdictToJson(const guard::Verdict& v, const std::string& id, bool pretty) {
  using nlohmann::json;
  json j;
  if (!id.empty()) j["id"] = id;
  j["action"] = std::string(guard::ActionName(v.action));
  json findings = json::array();
  for (const guard::Finding& f : v.findings) {
    json jf;
    jf["rule"] = f.rule;
    jf["detector"] = f.detector;
    jf["detector_version"] = f.detector_version;
    jf["category"] = f.category;
    jf["type"] = f.type;
    jf["severity"] = std::string(guard::SeverityName(f.severity));
    jf["action"] = std::string(guard::ActionName(f.action));
    jf["start"] = f.start;
    jf["end"] = f.end;
    jf["cp_start"] = f.cp_start;
    jf["cp_end"] = f.cp_end;
    jf["excerpt"] = f.excerpt;
    jf["message"] = f.message;
    jf["clause"] = f.clause;
    jf["fix"] = f.fix;
    jf["score"] = f.score;
    if (!f.evidence.empty()) jf["evidence"] = f.evidence;
    findings.push_back(std::move(jf));
  }
  j["findings"] = std::move(findings);
  j["redacted"] = v.redacted;
  j["policy"] = {{"id", v.policy_id}, {"version", v.policy_version}};
  j["warnings"] = v.warnings;
  j["elapsed_us"] = v.elapsed_us;
  return j.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

}  // namespace leitplanke::server
