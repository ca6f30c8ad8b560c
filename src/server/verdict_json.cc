// The verdict document is written directly into one string: it is the
// response of the hottest route, and building a JSON tree first cost more
// than the check itself for short texts. Keys stay in alphabetical order, as
// documented in docs/VERDICT.md.
#include "server/verdict_json.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "leitplanke/base/json_string.h"

namespace leitplanke::server {
namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void Key(std::string_view k) {
    Separator();
    Quoted(k);
    out_ += ':';
    after_key_ = true;
  }
  void String(std::string_view s) {
    Separator();
    Quoted(s);
  }
  template <class T>
  void Number(T v) {
    Separator();
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    out_.append(buf, end);
  }
  void Open(char c) {
    Separator();
    out_ += c;
    first_ = true;
  }
  void Close(char c) {
    out_ += c;
    first_ = false;
  }

 private:
  void Quoted(std::string_view s) { AppendJsonString(out_, s); }
  void Separator() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

void WriteFinding(Writer& w, const guard::Finding& f) {
  w.Open('{');
  w.Key("action");
  w.String(guard::ActionName(f.action));
  w.Key("category");
  w.String(f.category);
  w.Key("clause");
  w.String(f.clause);
  w.Key("cp_end");
  w.Number(f.cp_end);
  w.Key("cp_start");
  w.Number(f.cp_start);
  w.Key("detector");
  w.String(f.detector);
  w.Key("detector_version");
  w.String(f.detector_version);
  w.Key("end");
  w.Number(f.end);
  if (!f.evidence.empty()) {
    w.Key("evidence");
    w.String(f.evidence);
  }
  w.Key("excerpt");
  w.String(f.excerpt);
  w.Key("fix");
  w.String(f.fix);
  w.Key("message");
  w.String(f.message);
  w.Key("rule");
  w.String(f.rule);
  w.Key("score");
  w.Number(f.score);
  w.Key("severity");
  w.String(guard::SeverityName(f.severity));
  w.Key("start");
  w.Number(f.start);
  w.Key("type");
  w.String(f.type);
  w.Close('}');
}

}  // namespace

std::string VerdictToJson(const guard::Verdict& v, const std::string& id, bool pretty) {
  std::string out;
  out.reserve(256 + v.findings.size() * 384 + v.redacted.size());
  Writer w(out);
  w.Open('{');
  w.Key("action");
  w.String(guard::ActionName(v.action));
  w.Key("elapsed_us");
  w.Number(v.elapsed_us);
  w.Key("findings");
  w.Open('[');
  for (const guard::Finding& f : v.findings) WriteFinding(w, f);
  w.Close(']');
  if (!id.empty()) {
    w.Key("id");
    w.String(id);
  }
  w.Key("policy");
  w.Open('{');
  w.Key("id");
  w.String(v.policy_id);
  w.Key("version");
  w.String(v.policy_version);
  w.Close('}');
  w.Key("redacted");
  w.String(v.redacted);
  w.Key("warnings");
  w.Open('[');
  for (const std::string& warning : v.warnings) w.String(warning);
  w.Close(']');
  w.Close('}');
  if (!pretty) return out;
  // People read the pretty form; speed does not matter there.
  return nlohmann::json::parse(out).dump(2);
}

}  // namespace leitplanke::server
