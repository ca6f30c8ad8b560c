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

constexpr char kGenericClass[] =
    "class: keyword-labelled random value flagged by the generic rules where trufflehog's "
    "provider detector must not fire (other format variant, missing companion id or domain); "
    "a credential for R17 whatever the provider";

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

    "square",
    "grafana",
    "databricks",
    "perplexity",
    "prefect",
    "readme",
    "notion",
    "sourcegraph",
    "linear",

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
    "azure-ad-client-secret",
};

// Deliberate deviations, per case id. Keep few and honest.
struct Deviation {
  const char* id;
  const char* reason;
};
constexpr char kPlaceholder[] =
    "documentation placeholder (xxxx/ZZZZ/QQQQ runs, abc123 sequences, username:password): "
    "not flagged by decision, see README";
constexpr char kKeyedValue[] =
    "random value assigned to a key/token/secret name: a credential for R17 whatever its exact "
    "provider format (the source rule checks one provider's length or prefix)";
constexpr char kFileTypeQuirk[] =
    "the source tool skips this syntax for one file type (C char literals, Ruby =>); a post has "
    "no file type, the value is still a hard-coded secret";
constexpr Deviation kDeviations[] = {
    // Flagged although the source says no.
    {"gitleaks-0026",
     "AWS documentation example key: flagged (score 0.5) by decision, a reader cannot tell it "
     "from a leak"},
    {"gitleaks-0067", kKeyedValue},
    {"gitleaks-0154", "a complete JWT (header with alg) is flagged wherever it appears"},
    {"gitleaks-0255", kKeyedValue},
    {"gitleaks-0404", kKeyedValue},
    {"detectsecrets-0033", kKeyedValue},
    {"detectsecrets-0034", kKeyedValue},
    {"detectsecrets-0120", kKeyedValue},
    {"detectsecrets-0132", kKeyedValue},
    {"detectsecrets-0190", "npm auth token in another .npmrc spelling: still a live token"},
    {"detectsecrets-0191", "npm auth token in another .npmrc spelling: still a live token"},
    {"detectsecrets-0193", "npm auth token in another .npmrc spelling: still a live token"},
    {"detectsecrets-0354", kFileTypeQuirk},
    {"detectsecrets-0355", kFileTypeQuirk},
    {"detectsecrets-0356", kFileTypeQuirk},
    {"detectsecrets-0358", kFileTypeQuirk},
    {"detectsecrets-0359", kFileTypeQuirk},
    {"detectsecrets-0372", kFileTypeQuirk},
    // Not flagged although the source says yes.
    {"gitleaks-0010", kPlaceholder},
    {"gitleaks-0011", kPlaceholder},
    {"gitleaks-0015", kPlaceholder},
    {"gitleaks-0520", kPlaceholder},
    {"gitleaks-0521", kPlaceholder},
    {"detectsecrets-0028", kPlaceholder},
    {"detectsecrets-0029", kPlaceholder},
    {"detectsecrets-0031", kPlaceholder},
    {"detectsecrets-0036", kPlaceholder},
    {"detectsecrets-0051", kPlaceholder},
    {"detectsecrets-0189", kPlaceholder},
    {"detectsecrets-0211", kPlaceholder},
    {"detectsecrets-0284", kPlaceholder},
    {"detectsecrets-0285", kPlaceholder},
    {"detectsecrets-0273", kPlaceholder},
    {"trufflehog-00603", kPlaceholder},
    {"trufflehog-00679", kPlaceholder},
    {"trufflehog-00681", kPlaceholder},
    {"trufflehog-01984", kPlaceholder},
    {"trufflehog-01985", kPlaceholder},
    {"trufflehog-02474", kPlaceholder},
    {"trufflehog-00797", kPlaceholder},
};

// Detection types that confirm a provider format by structure (as opposed
// to the generic keyword rules).
bool AllProviderSpecific(const std::string& found_types) {
  for (std::string_view generic :
       {"high_entropy_secret", "secret_assignment", "password_assignment", "basic_credentials"}) {
    if (found_types.find(generic) != std::string::npos) return false;
  }
  return !found_types.empty();
}

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
      std::string case_name;
      try {
        const nlohmann::json j = nlohmann::json::parse(line);
        c.id = j.at("id").get<std::string>();
        text = j.at("text").get<std::string>();
        c.secret_type = j.at("secret_type").get<std::string>();
        c.should_match = j.at("should_match").get<bool>();
        if (j.contains("case_name") && j["case_name"].is_string()) {
          case_name = j["case_name"].get<std::string>();
        }
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
      if (!c.should_match && c.flagged && c.deviation.empty()) {
        if (!other_rules.empty()) {
          c.deviation = "a real secret of another type (source: is_tp_for_other_rules)";
        } else if (AllProviderSpecific(c.found_types)) {
          c.deviation =
              "well-formed " + c.found_types +
              " (structure confirmed): flagged in a public post even where the source rule "
              "rejects it for its own reasons (allowlisted published key, other variant, test "
              "key, missing companion id)";
        } else if (std::string_view(src.name) == "trufflehog") {
          c.deviation = kGenericClass;
          c.generic_class = true;
        }
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
        if (c.flagged && !c.deviation.empty()) {
          if (c.generic_class) {
            ++m.generic_class_deviations;
          } else {
            ++m.negative_deviations;
          }
        }
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
    const int all_dev = m.negative_deviations + m.generic_class_deviations;
    m.flagged_rate_adjusted_with_class =
        Ratio(m.negatives_flagged - all_dev, m.negatives - all_dev);
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
         "adjusted) | FP cases | flagged | flagged (adjusted) | generic-class cases | flagged "
         "(adjusted, class excluded) |\n"
      << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& m : metrics.datasets) {
    out << "| " << m.name << " | " << m.positives << " | " << m.recall_all << " | "
        << m.claimed_positives << " | " << m.recall_claimed << " | " << m.recall_claimed_adjusted
        << " | " << m.negatives << " | " << m.flagged_rate << " | " << m.flagged_rate_adjusted
        << " | " << m.generic_class_deviations << " | " << m.flagged_rate_adjusted_with_class
        << " |\n";
  }
  out << "\nThe generic class (trufflehog only) is one rule, not a per-case decision: a value\n"
      << "labelled key/token/secret that trufflehog's provider detector rejects for its exact\n"
      << "format is still posted credential material under R17. It is large, so it is reported\n"
      << "separately and not hidden in the adjusted rate.\n";
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
      if (c.deviation.empty() || c.generic_class) continue;
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
