// Secrets evaluation: the `secrets` detector on the gitleaks, detect-secrets
// and trufflehog test-case sets (read in place from the eval directory).
//
// Semantics: should_match=true means "the source tool's rule must fire";
// we count a hit when the detector reports anything in the text. For
// should_match=false we count the text as flagged when the detector reports
// anything. The source tools judge one rule at a time; a publication guard
// judges the whole text, so some differences are deliberate. Those are
// recorded below, one line per case or per data-declared rule, with a reason,
// and reported separately; the rest count against the detector.
//
// The trufflehog data is AGPL test code: it is only read here to measure,
// nothing in the detector is derived from it.
#include "eval/secrets_eval.h"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "eval/eval.h"
#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::secrets {
const DetectorFactory& Factory();
}

namespace leitplanke::eval {
namespace secrets {
namespace {

struct Source {
  const char* name;
  const char* path;
};
constexpr Source kSources[] = {
    {"gitleaks", "gitleaks_rule_samples/gitleaks_samples.dev.jsonl"},
    {"detect-secrets", "detect_secrets_testcases/detect_secrets.dev.jsonl"},
    {"trufflehog", "trufflehog_detector_testcases/trufflehog_cases.dev.jsonl"},
};

// Source types the detector claims to support (case-insensitive substrings
// of secret_type). Everything else is counted, but reported as unsupported.
constexpr std::string_view kClaimed[] = {
    "aws-access-token",
    "aws/access_keys",
    "awskey",
    "github",
    "gitlab",
    "slack",
    "stripe",
    "gcp-api-key",
    "googleapikey",
    "azure_storage",
    "azurestoragekey",
    "twilio",
    "sendgrid",
    "npm",
    "pypi",
    "openai",
    "anthropic",
    "discordbot",
    "discord-bot",
    "telegram",
    "mailchimp",
    "shopify",
    "dropbox",
    "heroku",
    "digitalocean",
    "huggingface",
    "jwt",
    "private-key",
    "privatekey",
    "basicauth",
    "uri/uri",
    "generic-api-key",
    "keyworddetector",
    "artifactory",
    "square",
    "grafana",
    "databricks",
    "perplexity",
    "prefect",
    "readme",
    "notion",
    "sourcegraph",
    "linear",
    "docker",
    "vault",
    "sentry",
    "1password-service",
    "age-secret",
    "shippo",
    "duffel",
    "figma",
    "postman",
    "contentful",
    "planetscale",
    "cloudant",
    "softlayer",
    "ibmcloudiam",
    "ibmcoshmac",
};

// Deliberate deviations, per case id. Keep few and honest.
struct Deviation {
  const char* id;
  const char* reason;
};
constexpr Deviation kDeviations[] = {
    // Published "example" keys: a reader cannot tell them from a leak.
    {"gitleaks-0000", "placeholder"},
};

bool IsClaimed(std::string_view type) {
  std::string lower(type);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view c : kClaimed) {
    if (lower.find(c) != std::string::npos) return true;
  }
  return false;
}

const char* FindDeviation(const std::string& id) {
  for (const Deviation& d : kDeviations) {
    if (id == d.id) return d.reason;
  }
  return nullptr;
}

double Ratio(int a, int b) { return b == 0 ? 0.0 : static_cast<double>(a) / b; }

}  // namespace

bool ComputeSecretsEval(const std::string& eval_dir, Metrics* out, std::string* error) {
  auto harness = guard::testing::DetectorHarness::Make(guard::detectors::secrets::Factory());
  if (!harness.ok()) {
    *error = "secrets detector: " + harness.status().ToString();
    return false;
  }
  for (const Source& src : kSources) {
    const std::string path = eval_dir + "/" + src.path;
    std::ifstream in(path);
    if (!in) {
      *error = path + ": cannot open";
      return false;
    }
    DatasetMetrics m;
    m.name = src.name;
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.empty()) continue;
      Case c;
      std::string text;
      std::vector<std::string> other_rules;
      try {
        const nlohmann::json j = nlohmann::json::parse(line);
        c.id = j.at("id").get<std::string>();
        text = j.at("text").get<std::string>();
        c.secret_type = j.at("secret_type").get<std::string>();
        c.should_match = j.at("should_match").get<bool>();
        if (j.contains("is_tp_for_other_rules") && j["is_tp_for_other_rules"].is_array()) {
          for (const auto& r : j["is_tp_for_other_rules"])
            other_rules.push_back(r.get<std::string>());
        }
      } catch (const std::exception& e) {
        *error = path + ":" + std::to_string(line_no) + ": " + e.what();
        return false;
      }
      c.claimed = IsClaimed(c.secret_type);
      const auto hits = (*harness)->Run(text);
      c.flagged = !hits.empty();
      for (const auto& h : hits) {
        if (!c.found_types.empty()) c.found_types += ",";
        c.found_types += h.type;
      }
      if (const char* reason = FindDeviation(c.id)) c.deviation = reason;
      if (!c.should_match && c.flagged && !other_rules.empty() && c.deviation.empty()) {
        c.deviation = "a real secret of another type (source: is_tp_for_other_rules)";
      }
      if (c.should_match) {
        ++m.positives;
        m.positives_hit += c.flagged;
        if (c.claimed) {
          ++m.claimed_positives;
          m.claimed_hit += c.flagged;
          if (!c.flagged && !c.deviation.empty()) ++m.positive_deviations;
        }
      } else {
        ++m.negatives;
        m.negatives_flagged += c.flagged;
        if (c.flagged && !c.deviation.empty()) ++m.negative_deviations;
      }
      m.cases.push_back(std::move(c));
    }
    if (m.cases.empty()) {
      *error = path + ": no records";
      return false;
    }
    m.recall_all = Ratio(m.positives_hit, m.positives);
    m.recall_claimed = Ratio(m.claimed_hit, m.claimed_positives);
    m.recall_claimed_adjusted = Ratio(m.claimed_hit, m.claimed_positives - m.positive_deviations);
    m.flagged_rate = Ratio(m.negatives_flagged, m.negatives);
    m.flagged_rate_adjusted =
        Ratio(m.negatives_flagged - m.negative_deviations, m.negatives - m.negative_deviations);
    out->datasets.push_back(std::move(m));
  }
  return true;
}

}  // namespace secrets

int RunSecretsEval(const EvalArgs& args) {
  std::ostream& out = args.out != nullptr ? *args.out : std::cout;
  secrets::Metrics metrics;
  std::string error;
  if (!secrets::ComputeSecretsEval(args.eval_dir, &metrics, &error)) {
    std::cerr << "eval secrets: " << error << "\n";
    return 65;
  }
  out << std::fixed << std::setprecision(3);
  out << "## Secrets (R17)\n\n"
      << "Detector `secrets` alone, on the dev splits. Recall counts a true-positive case as "
         "found\n"
      << "when the detector reports anything in it; \"flagged\" is the share of the source tool's\n"
      << "false-positive samples on which the detector reports anything. \"Claimed\" restricts to\n"
      << "the provider types the detector supports; \"adjusted\" excludes the recorded deviations\n"
      << "listed below.\n\n"
      << "| data set | TP cases | recall (all) | claimed TP | recall (claimed) | recall (claimed, "
         "adjusted) | FP cases | flagged | flagged (adjusted) |\n"
      << "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& m : metrics.datasets) {
    out << "| " << m.name << " | " << m.positives << " | " << m.recall_all << " | "
        << m.claimed_positives << " | " << m.recall_claimed << " | " << m.recall_claimed_adjusted
        << " | " << m.negatives << " | " << m.flagged_rate << " | " << m.flagged_rate_adjusted
        << " |\n";
  }
  for (const auto& m : metrics.datasets) {
    std::map<std::string, int> misses;
    for (const auto& c : m.cases) {
      if (c.should_match && !c.flagged && c.deviation.empty()) ++misses[c.secret_type];
    }
    std::vector<std::pair<int, std::string>> top;
    for (const auto& [t, n] : misses) top.push_back({-n, t});
    std::sort(top.begin(), top.end());
    out << "\n### " << m.name << ": most missed types\n\n";
    if (top.empty()) out << "none\n";
    for (size_t i = 0; i < top.size() && i < 15; ++i) {
      out << "- " << top[i].second << ": " << -top[i].first
          << (secrets::IsClaimed(top[i].second) ? " (claimed)" : "") << "\n";
    }
  }
  out << "\n### Deliberate deviations from the source tools\n\n"
      << "| data set | id | type | expected | detector | reason |\n|---|---|---|---|---|---|\n";
  for (const auto& m : metrics.datasets) {
    for (const auto& c : m.cases) {
      if (c.deviation.empty()) continue;
      if (c.should_match == c.flagged) continue;
      out << "| " << m.name << " | " << c.id << " | " << c.secret_type << " | "
          << (c.should_match ? "match" : "no match") << " | "
          << (c.flagged ? c.found_types : std::string("nothing")) << " | " << c.deviation << " |\n";
    }
  }
  if (args.verbose) {
    for (const auto& m : metrics.datasets) {
      out << "\n### " << m.name << ": misses and false alarms\n\n";
      for (const auto& c : m.cases) {
        if (c.should_match == c.flagged || !c.deviation.empty()) continue;
        out << "- " << (c.should_match ? "MISS " : "FALSE ALARM ") << c.id << " [" << c.secret_type
            << (c.claimed ? ", claimed" : "") << "]"
            << (c.flagged ? " -> " + c.found_types : std::string()) << "\n";
      }
    }
  }
  return 0;
}

}  // namespace leitplanke::eval
