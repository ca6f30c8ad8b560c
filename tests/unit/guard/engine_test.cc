// The check pipeline on the default pack: verdict structure, offsets into the
// original text, audiences and channels, redaction, bad input, and the
// generated obfuscation test for confidential terms.
#include <gtest/gtest.h>

#include "leitplanke/base/utf8.h"

#include "leitplanke/guard/policy.h"

#include "eval/obfuscate.h"

namespace leitplanke::guard {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto spec = LoadEmbeddedPolicy("default");
    ASSERT_TRUE(spec.ok()) << spec.status();
    auto policy = Policy::Compile(*spec);
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_ = new std::shared_ptr<const Policy>(*policy);
  }
  static void TearDownTestSuite() { delete policy_; }

  Verdict Check(std::string_view text, Audience audience = Audience::kPublic,
                std::string channel = "") {
    Checker checker(*policy_);
    CheckOptions o;
    o.audience = audience;
    o.channel = std::move(channel);
    auto v = checker.Check(text, o);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : Verdict{};
  }

  static const Finding* Find(const Verdict& v, std::string_view rule) {
    for (const Finding& f : v.findings) {
      if (f.rule == rule) return &f;
    }
    return nullptr;
  }

  static std::shared_ptr<const Policy>* policy_;
};
std::shared_ptr<const Policy>* EngineTest::policy_ = nullptr;

TEST_F(EngineTest, CleanTextIsAllowed) {
  Verdict v = Check("Danke für Ihre Geduld, wir melden uns morgen. ^ab");
  EXPECT_EQ(v.action, Action::kAllow);
  EXPECT_TRUE(v.findings.empty());
  EXPECT_EQ(v.policy_id, "default");
  EXPECT_FALSE(v.policy_version.empty());
  EXPECT_EQ(v.redacted, "Danke für Ihre Geduld, wir melden uns morgen. ^ab");
}

TEST_F(EngineTest, FindingsPointIntoTheOriginalTextInBytesAndCodePoints) {
  const std::string text = "Grüße aus Köln: Pr0jekt F4lke startet";  // umlauts before the hit
  Verdict v = Check(text);
  const Finding* f = Find(v, "R03.terms");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(text.substr(f->start, f->end - f->start), "Pr0jekt F4lke");
  EXPECT_EQ(f->excerpt, "Pr0jekt F4lke");
  EXPECT_EQ(f->cp_start, utf8::CodePointCount(text, f->start));
  EXPECT_EQ(f->cp_end - f->cp_start, 13u);
  EXPECT_EQ(f->category, "confidential");
  EXPECT_EQ(f->detector, "terms");
  EXPECT_EQ(f->clause, "R03");
  EXPECT_EQ(v.action, Action::kHold);
  EXPECT_FALSE(f->message.empty());
  EXPECT_FALSE(f->fix.empty());
}

TEST_F(EngineTest, StrictestFindingDecides) {
  Verdict v = Check("Projekt Falke: Login für das Testsystem: admin / Sommer2024");
  EXPECT_EQ(v.action, Action::kBlock);
  EXPECT_NE(Find(v, "R03.terms"), nullptr);
  EXPECT_NE(Find(v, "R17.secrets"), nullptr);
}

TEST_F(EngineTest, AudienceChangesTheAction) {
  const char* text = "Ihre IBAN DE89 3704 0044 0532 0130 00 ist hinterlegt.";
  EXPECT_EQ(Check(text, Audience::kPublic).action, Action::kBlock);
  EXPECT_EQ(Check(text, Audience::kPrivate).action, Action::kAllow);
  // Asking for a PIN is blocked everywhere.
  EXPECT_EQ(Check("Bitte senden Sie uns Ihre PIN.", Audience::kPrivate).action, Action::kBlock);
}

TEST_F(EngineTest, ChannelRulesNeedAChannel) {
  std::string text(300, 'a');
  for (size_t i = 7; i < text.size(); i += 8) text[i] = ' ';
  EXPECT_EQ(Find(Check(text), "CH.length"), nullptr);
  EXPECT_NE(Find(Check(text, Audience::kPublic, "x"), "CH.length"), nullptr);
  EXPECT_EQ(Find(Check(text, Audience::kPublic, "mastodon"), "CH.length"), nullptr);
}

TEST_F(EngineTest, RedactsPersonalDataAndMasksSecrets) {
  Verdict v = Check("IBAN DE89 3704 0044 0532 0130 00, Passwort: Tr0ub4dor&3xYz!");
  EXPECT_EQ(v.redacted.find("DE89"), std::string::npos) << v.redacted;
  EXPECT_NE(v.redacted.find("[iban]"), std::string::npos) << v.redacted;
  EXPECT_EQ(v.redacted.find("Tr0ub4dor"), std::string::npos) << v.redacted;
  const Finding* secret = Find(v, "R17.secrets");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->excerpt.find("Tr0ub4dor"), std::string::npos) << secret->excerpt;
}

TEST_F(EngineTest, AllowlistAcceptsTheCompanysOwnAddresses) {
  EXPECT_EQ(Find(Check("Schreiben Sie an presse@beispiel.de"), "R01.pii"), nullptr);
  EXPECT_NE(Find(Check("Schreiben Sie an anna.berger@gmail.com"), "R01.pii"), nullptr);
}

TEST_F(EngineTest, InvalidUtf8IsReportedWithItsOffsetAndTheRestIsChecked) {
  std::string text = "Hallo \xFF\xFE Projekt Falke";
  Verdict v = Check(text);
  ASSERT_FALSE(v.warnings.empty());
  EXPECT_NE(v.warnings[0].find("byte 6"), std::string::npos) << v.warnings[0];
  const Finding* f = Find(v, "R03.terms");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(text.substr(f->start, f->end - f->start), "Projekt Falke");
  EXPECT_EQ(utf8::FirstInvalid(v.redacted), std::string_view::npos);
}

TEST_F(EngineTest, EmptyTextAndNulBytes) {
  EXPECT_EQ(Check("").action, Action::kAllow);
  std::string nul("Projekt\0Falke und Projekt Falke", 31);
  Verdict v = Check(nul);
  const Finding* f = Find(v, "R03.terms");
  ASSERT_NE(f, nullptr);
  EXPECT_LE(f->end, nul.size());
}

TEST_F(EngineTest, OversizedTextIsAClearError) {
  Checker checker(*policy_);
  std::string big((1 << 20) + 1, 'a');
  auto v = checker.Check(big);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(v.status().message().find("1048577"), std::string::npos);
  // Exactly at the limit is fine.
  big.pop_back();
  EXPECT_TRUE(checker.Check(big).ok());
}

TEST_F(EngineTest, FindingsAreOrderedByStart) {
  Verdict v = Check("Q3 wird stark, kauft Aktien! Projekt Falke kommt. Mail: a.b@gmail.com");
  ASSERT_GE(v.findings.size(), 3u);
  for (size_t i = 1; i < v.findings.size(); ++i) {
    EXPECT_LE(v.findings[i - 1].start, v.findings[i].start);
  }
}

// Generated: every confidential term of the default pack under every
// obfuscation the normaliser promises to undo (eval/obfuscate.cc).
TEST_F(EngineTest, ConfidentialTermsAreFoundUnderEveryObfuscation) {
  auto terms = ReadEmbeddedFile("default/company/terms.txt");
  ASSERT_TRUE(terms.ok());
  std::vector<std::string> list;
  size_t pos = 0;
  while (pos < terms->size()) {
    size_t nl = terms->find('\n', pos);
    std::string line = terms->substr(pos, nl - pos);
    pos = nl == std::string::npos ? terms->size() : nl + 1;
    if (line.empty() || line[0] == '#') continue;
    list.push_back(line.substr(0, line.find('\t')));
  }
  ASSERT_GE(list.size(), 5u);
  size_t cases = 0;
  for (const eval::Obfuscation& ob : eval::AllObfuscations()) {
    for (const std::string& term : list) {
      const std::string variant = ob.apply(term);
      if (variant.empty()) continue;
      const std::string prefix = "Bald kommt ";
      const std::string text = prefix + variant + " – freut euch!";
      Verdict v = Check(text);
      bool hit = false;
      for (const Finding& f : v.findings) {
        hit |= f.rule == "R03.terms" && f.start < prefix.size() + variant.size() &&
               f.end > prefix.size();
      }
      EXPECT_TRUE(hit) << ob.name << ": " << text;
      ++cases;
    }
  }
  EXPECT_GT(cases, 60u);
}

TEST_F(EngineTest, ReloadSwapsSnapshotsWhileOldCheckersKeepWorking) {
  Checker old_checker(*policy_);
  auto spec = LoadEmbeddedPolicy("default");
  ASSERT_TRUE(spec.ok());
  ASSERT_TRUE(AppendRuleParam(&*spec, "terms", "terms", {"Zaunkönig"}).ok());
  auto next = Policy::Compile(*spec);
  ASSERT_TRUE(next.ok());
  Checker new_checker(*next);
  auto a = old_checker.Check("Zaunkönig startet");
  auto b = new_checker.Check("Zaunkönig startet");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->action, Action::kAllow);
  EXPECT_EQ(b->action, Action::kHold);
}

}  // namespace
}  // namespace leitplanke::guard
