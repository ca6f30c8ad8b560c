// `leitplanke demo`: the main job on the embedded default, until the server
// exists: checks the bundled demo texts and prints the verdicts.
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/policy_source.h"
#include "cli/render_human.h"

namespace leitplanke::cli {

namespace {

int RunDemo(const PolicyFlags& flags, const std::string& lang_name) {
  auto policy = LoadPolicy(flags, /*strict=*/false);
  if (!policy.ok()) {
    std::cerr << "demo: " << policy.status().message() << "\n";
    return kExitConfig;
  }
  auto demo = guard::ReadEmbeddedFile("default/demo.jsonl");
  if (!demo.ok()) {
    std::cerr << "demo: " << demo.status().message() << "\n";
    return kExitSoftware;
  }
  const guard::PolicySpec& spec = (*policy)->spec();
  std::cout << "Leitplanke: policy " << spec.id << " " << spec.version << " ("
            << (*policy)->stats().rules << " rules, compiled in "
            << (*policy)->stats().compile_us / 1000 << " ms)\n\n";
  guard::Checker checker(*policy);
  guard::CheckOptions base;
  base.lang = guard::ParseLang(lang_name).value_or(guard::Lang::kDe);
  const bool color = WantColor(1);
  std::istringstream lines(*demo);
  std::string line;
  size_t counts[4] = {0, 0, 0, 0};
  for (size_t n = 1; std::getline(lines, line); ++n) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) {
      std::cerr << "demo.jsonl:" << n << ": not an object with a string /text\n";
      return kExitSoftware;
    }
    guard::CheckOptions o = base;
    o.channel = j.value("channel", "");
    o.audience = guard::ParseAudience(j.value("audience", "public")).value_or(o.audience);
    const std::string text = j["text"].get<std::string>();
    auto v = checker.Check(text, o);
    if (!v.ok()) {
      std::cerr << "demo.jsonl:" << n << ": " << v.status().message() << "\n";
      continue;
    }
    ++counts[static_cast<int>(v->action)];
    std::string label = j.value("note", "");
    if (!o.channel.empty())
      label += (label.empty() ? "" : ", ") + std::string("channel ") + o.channel;
    if (o.audience != guard::Audience::kPublic) {
      label += (label.empty() ? "" : ", ") + std::string(guard::AudienceName(o.audience));
    }
    RenderHuman(text, *v, RenderOptions{color, label}, std::cout);
    std::cout << "\n";
  }
  std::cout << "allow " << counts[0] << ", warn " << counts[1] << ", hold " << counts[2]
            << ", block " << counts[3] << "\n"
            << "Check your own text:  build/release/src/cli/leitplanke check \"…\"\n";
  return 0;
}

}  // namespace

void AddDemoCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<PolicyFlags>();
  auto lang = std::make_shared<std::string>("de");
  CLI::App* cmd = app.add_subcommand("demo", "Check the bundled demo texts and print verdicts");
  flags->AddTo(*cmd);
  cmd->add_option("--lang", *lang, "Language of messages: de or en")
      ->check(CLI::IsMember({"de", "en"}));
  cmd->callback([flags, lang, &exit_code] { exit_code = RunDemo(*flags, *lang); });
}

}  // namespace leitplanke::cli
