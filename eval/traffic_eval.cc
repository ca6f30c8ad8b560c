// False alarms on real customer-care traffic: every published agent reply of
// the IBM Twitter customer-care set, and the Deutsche Bahn feedback tweets
// (GermEval 2017), checked with the default pack as public replies. Neither
// set has labels: a flag is a false alarm unless a human reading the listed
// cases (--verbose) decides otherwise.
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "leitplanke/guard/policy.h"

#include "eval/eval.h"
#include "eval/jsonl.h"

namespace leitplanke::eval {

namespace {

struct TrafficStats {
  size_t texts = 0;
  size_t flagged = 0;  // any finding
  size_t by_action[4] = {0, 0, 0, 0};
  std::map<std::string, size_t> by_category;  // texts with >= 1 finding of the category
  std::map<std::string, size_t> by_rule;
};

Status Measure(const std::string& path, const std::function<bool(const nlohmann::json&)>& keep,
               guard::Checker& checker, TrafficStats* st, const EvalArgs& args,
               const std::string& name) {
  std::ostream& out = *args.out;
  return ForEachJsonLine(path, [&](const nlohmann::json& j, size_t line) -> Status {
    if (!keep(j)) return Status::Ok();
    auto text = j.find("text");
    if (text == j.end() || !text->is_string()) {
      return Status::InvalidArgument("/text must be a string");
    }
    auto v = checker.Check(text->get<std::string>());
    if (!v.ok()) return Status::Ok();  // over the size limit: not customer-care traffic
    ++st->texts;
    ++st->by_action[static_cast<int>(v->action)];
    if (v->findings.empty()) return Status::Ok();
    ++st->flagged;
    std::map<std::string, bool> cats, rules;
    for (const guard::Finding& f : v->findings) {
      cats[f.category] = true;
      rules[f.rule] = true;
    }
    for (const auto& [c, _] : cats) ++st->by_category[c];
    for (const auto& [r, _] : rules) ++st->by_rule[r];
    if (args.verbose) {
      out << "- " << name << " line " << line << " (" << guard::ActionName(v->action) << "):";
      for (const guard::Finding& f : v->findings)
        out << " " << f.rule << "=\"" << f.excerpt << "\"";
      out << "\n";
    }
    return Status::Ok();
  });
}

void Print(std::ostream& out, const std::string& name, const TrafficStats& st) {
  auto pct = [&](size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f %%", st.texts ? 100.0 * n / st.texts : 0.0);
    return std::string(buf);
  };
  out << "\n**" << name << "**: " << st.texts << " texts; flagged " << st.flagged << " ("
      << pct(st.flagged) << "); warn " << st.by_action[1] << ", hold " << st.by_action[2]
      << ", block " << st.by_action[3] << " (" << pct(st.by_action[2] + st.by_action[3])
      << " held or blocked).\n\n";
  out << "| category | texts flagged | rate |\n|---|---:|---:|\n";
  for (const auto& [c, n] : st.by_category)
    out << "| " << c << " | " << n << " | " << pct(n) << " |\n";
  out << "\n| rule | texts flagged | rate |\n|---|---:|---:|\n";
  for (const auto& [r, n] : st.by_rule) out << "| " << r << " | " << n << " | " << pct(n) << " |\n";
}

}  // namespace

int RunTrafficEval(const EvalArgs& args) {
  std::ostream& out = *args.out;
  out << "## False alarms on real customer-care traffic\n\n"
      << "Every text checked as a public reply with the default pack, no channel set. The agent\n"
      << "replies were published by real brands and should pass; the Deutsche Bahn tweets are\n"
      << "customer messages (complaints, some rude), the kind of text agents quote and answer.\n";
  guard::Checker checker(args.policy);
  struct Set {
    std::string name, path;
    std::function<bool(const nlohmann::json&)> keep;
  };
  const Set sets[] = {
      {"IBM customer care, agent replies (en)",
       args.eval_dir + "/ibm_twitter_customer_care/cdp_messages.dev.jsonl",
       [](const nlohmann::json& j) { return j.value("role", "") == "agent"; }},
      {"IBM customer care, customer messages (en)",
       args.eval_dir + "/ibm_twitter_customer_care/cdp_messages.dev.jsonl",
       [](const nlohmann::json& j) { return j.value("role", "") == "customer"; }},
      {"Deutsche Bahn feedback, tweets (de)",
       args.eval_dir + "/germeval2017_db_feedback/germeval2017.dev.jsonl",
       [](const nlohmann::json& j) { return j.value("source_type", "") == "twitter"; }},
  };
  for (const Set& set : sets) {
    TrafficStats st;
    Status s = Measure(set.path, set.keep, checker, &st, args, set.name);
    if (!s.ok()) {
      std::cerr << "eval traffic: " << s.message() << "\n";
      return 65;
    }
    Print(out, set.name, st);
  }
  return 0;
}

}  // namespace leitplanke::eval
