// `leitplanke check`: checks texts from arguments, files or stdin.
//
// Exit code: 0 allow, 1 warn, 2 hold, 3 block (the strictest verdict of all
// texts); 64 usage, 65 bad input (file:line and JSON pointer on stderr; the
// other texts are still checked), 78 broken policy pack.
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/policy_source.h"
#include "cli/render_human.h"
#include "server/verdict_json.h"

namespace leitplanke::cli {

namespace {

struct CheckArgs {
  std::vector<std::string> texts;
  std::vector<std::string> files;
  bool jsonl_input = false;
  std::string format = "human";
  std::string channel;
  std::string audience = "public";
  std::string lang = "de";
  std::string color = "auto";
  PolicyFlags policy;
};

struct Item {
  std::string id;
  std::string label;
  std::string text;
  guard::CheckOptions options;
};

// Parses one JSONL line into an item; errors name file, line and pointer.
Status ParseJsonLine(const std::string& where, const std::string& line,
                     const guard::CheckOptions& defaults, Item* item) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidArgument(where + ": invalid JSON at byte " + std::to_string(e.byte) +
                                   ": " + e.what());
  }
  if (!j.is_object()) return Status::InvalidArgument(where + ": expected a JSON object");
  auto text = j.find("text");
  if (text == j.end()) return Status::InvalidArgument(where + ": /text is missing");
  if (!text->is_string()) return Status::InvalidArgument(where + ": /text must be a string");
  item->text = text->get<std::string>();
  item->options = defaults;
  if (auto id = j.find("id"); id != j.end()) {
    item->id = id->is_string() ? id->get<std::string>() : id->dump();
  }
  if (auto c = j.find("channel"); c != j.end()) {
    if (!c->is_string()) return Status::InvalidArgument(where + ": /channel must be a string");
    item->options.channel = c->get<std::string>();
  }
  if (auto a = j.find("audience"); a != j.end()) {
    auto aud = a->is_string() ? guard::ParseAudience(a->get<std::string>()) : std::nullopt;
    if (!aud) {
      return Status::InvalidArgument(where +
                                     ": /audience must be \"public\", \"private\" or \"internal\"");
    }
    item->options.audience = *aud;
  }
  item->label = item->id.empty() ? where : item->id;
  return Status::Ok();
}

int RunCheck(const CheckArgs& args) {
  guard::CheckOptions defaults;
  defaults.channel = args.channel;
  auto aud = guard::ParseAudience(args.audience);
  auto lang = guard::ParseLang(args.lang);
  if (!aud || !lang) {
    std::cerr << "check: --audience must be public|private|internal and --lang de|en\n";
    return kExitUsage;
  }
  defaults.audience = *aud;
  defaults.lang = *lang;

  auto policy = LoadPolicy(args.policy, /*strict=*/false);
  if (!policy.ok()) {
    std::cerr << "check: " << policy.status().message() << "\n";
    return kExitConfig;
  }
  for (const std::string& d : (*policy)->degraded()) {
    std::cerr << "warning: rule not active: " << d << "\n";
  }
  guard::Checker checker(*policy);

  const bool color = args.color == "always" || (args.color == "auto" && WantColor(1));
  int worst = 0;
  bool input_error = false;
  bool first_json = true;
  if (args.format == "json") std::cout << "[";

  auto check_one = [&](const Item& item) {
    auto verdict = checker.Check(item.text, item.options);
    if (!verdict.ok()) {
      std::cerr << (item.label.empty() ? "text" : item.label) << ": " << verdict.status().message()
                << "\n";
      input_error = true;
      return;
    }
    worst = std::max(worst, static_cast<int>(verdict->action));
    if (args.format == "human") {
      RenderHuman(item.text, *verdict, RenderOptions{color, item.label}, std::cout);
    } else if (args.format == "jsonl") {
      std::cout << server::VerdictToJson(*verdict, item.id, false) << "\n";
    } else {
      std::cout << (first_json ? "\n" : ",\n") << server::VerdictToJson(*verdict, item.id, true);
      first_json = false;
    }
  };

  for (size_t i = 0; i < args.texts.size(); ++i) {
    Item item{"", args.texts.size() > 1 ? "#" + std::to_string(i + 1) : "", args.texts[i],
              defaults};
    check_one(item);
  }
  std::vector<std::string> files = args.files;
  if (args.texts.empty() && files.empty()) files.push_back("-");
  for (const std::string& f : files) {
    auto content = ReadInputFile(f);
    if (!content.ok()) {
      std::cerr << "check: " << content.status().message() << "\n";
      input_error = true;
      continue;
    }
    const std::string name = f == "-" ? "<stdin>" : f;
    if (!args.jsonl_input) {
      check_one(Item{"", files.size() > 1 ? name : "", *content, defaults});
      continue;
    }
    std::istringstream lines(*content);
    std::string line;
    for (size_t n = 1; std::getline(lines, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      Item item;
      Status s = ParseJsonLine(name + ":" + std::to_string(n), line, defaults, &item);
      if (!s.ok()) {
        std::cerr << "check: " << s.message() << "\n";
        input_error = true;
        continue;
      }
      check_one(item);
    }
  }
  if (args.format == "json") std::cout << (first_json ? "]\n" : "\n]\n");
  std::cout.flush();
  return input_error ? kExitDataErr : worst;
}

}  // namespace

void AddCheckCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Check texts against the guideline (exit: 0 allow, 1 warn, 2 hold, 3 block)");
  cmd->add_option("text", args->texts, "Texts to check (default: read stdin)");
  cmd->add_option("-f,--file", args->files, "Read texts from files ('-' = stdin)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--jsonl", args->jsonl_input,
                "Input files hold one JSON object per line: id, text, optional channel, audience");
  cmd->add_option("--format", args->format, "Output: human, json or jsonl")
      ->check(CLI::IsMember({"human", "json", "jsonl"}));
  cmd->add_option("--channel", args->channel, "Channel: x, linkedin, mastodon, bluesky, ...");
  cmd->add_option("--audience", args->audience, "Audience: public, private or internal")
      ->check(CLI::IsMember({"public", "private", "internal"}));
  cmd->add_option("--lang", args->lang, "Language of messages and fixes: de or en")
      ->check(CLI::IsMember({"de", "en"}));
  cmd->add_option("--color", args->color, "Colour: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  args->policy.AddTo(*cmd);
  cmd->callback([args, &exit_code] { exit_code = RunCheck(*args); });
}

}  // namespace leitplanke::cli
