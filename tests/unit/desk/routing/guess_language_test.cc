// GuessLanguage on handwritten customer messages, and its accuracy on the
// evaluation data sets (read from LP_EVAL_DIR, skipped when absent).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "leitplanke/desk/routing.h"

namespace leitplanke::desk {
namespace {

TEST(GuessLanguageTest, GermanCustomerMessages) {
  for (const char* text : {
           "Hallo, mein Paket ist immer noch nicht angekommen. Können Sie bitte nachsehen?",
           "Ich habe gestern eine Rechnung bekommen, die doppelt abgebucht wurde.",
           "Warum dauert das so lange?? Seit drei Wochen warte ich auf eine Antwort!",
           "@support Der Zug nach Köln fällt schon wieder aus. Danke für nichts.",
           "Guten Tag, wie kann ich mein Passwort zurücksetzen?",
           "Bestellung 4711 – Lieferung falsch, bitte um Rückruf",
           "GRÜẞE AUS MÜNCHEN, DIE APP STÜRZT AB",
           "Vielen Dank, hat geklappt!",
       }) {
    EXPECT_EQ(GuessLanguage(text), "de") << text;
  }
}

TEST(GuessLanguageTest, EnglishCustomerMessages) {
  for (const char* text : {
           "Hi, my package still hasn't arrived. Can you please check?",
           "I was charged twice for the same order and nobody answers my emails.",
           "Why is this taking so long?? I've been waiting three weeks!",
           "@support the train to London is cancelled again. Thanks for nothing.",
           "How do I reset my password?",
           "Order 4711 – wrong delivery, please call me back",
           "THE APP KEEPS CRASHING ON MY PHONE",
           "It’s fixed now, thank you!",
       }) {
    EXPECT_EQ(GuessLanguage(text), "en") << text;
  }
}

TEST(GuessLanguageTest, NoEvidenceIsUndecided) {
  for (const char* text : {"", "   ", "4711", "@support https://example.com/x?y=z", "ok 👍", "#fail",
                           "alice@example.com", "\xff\xfe broken"}) {
    EXPECT_EQ(GuessLanguage(text), "") << text;
  }
}

TEST(GuessLanguageTest, MentionsAndUrlsCarryNoEvidence) {
  // The handle and the URL are English words; the message is German.
  EXPECT_EQ(GuessLanguage("@the_help_desk https://example.com/the/and/you Wo ist mein Paket?"),
            "de");
  EXPECT_EQ(GuessLanguage("@Kundenservice_für_alle where is my parcel?"), "en");
}

// --- evaluation data ----------------------------------------------------------

std::filesystem::path EvalDir() {
  const char* dir = std::getenv("LP_EVAL_DIR");
  return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::path("../shared/eval");
}

// Up to `limit` "text" fields of a JSONL file (optionally only records whose
// `field` equals `value`).
std::vector<std::string> Texts(const std::filesystem::path& file, size_t limit) {
  std::vector<std::string> out;
  std::ifstream in(file);
  std::string line;
  while (out.size() < limit && std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("text") && j["text"].is_string()) {
      out.push_back(j["text"].get<std::string>());
    }
  }
  return out;
}

struct Score {
  size_t total = 0;
  size_t right = 0;
  size_t undecided = 0;
  double accuracy() const { return total == 0 ? 0 : static_cast<double>(right) / total; }
  // Guessed the other language: worse than undecided, which routes to anyone.
  double wrong_rate() const {
    return total == 0 ? 0 : static_cast<double>(total - right - undecided) / total;
  }
};

Score Measure(const std::vector<std::string>& texts, const std::string& expected) {
  Score s;
  for (const std::string& t : texts) {
    const std::string got = GuessLanguage(t);
    ++s.total;
    if (got == expected) ++s.right;
    if (got.empty()) ++s.undecided;
  }
  return s;
}

void Report(const char* name, const Score& s) {
  std::printf("%-40s n=%zu accuracy=%.4f undecided=%zu wrong=%zu\n", name, s.total, s.accuracy(),
              s.undecided, s.total - s.right - s.undecided);
}

TEST(GuessLanguageEvalTest, GermanTweetsAndFeedback) {
  const auto a = EvalDir() / "germeval2018" / "germeval2018.train.jsonl";
  const auto b = EvalDir() / "germeval2017_db_feedback" / "germeval2017.dev.jsonl";
  if (!std::filesystem::exists(a) || !std::filesystem::exists(b)) {
    GTEST_SKIP() << "evaluation data not found under " << EvalDir();
  }
  Score s18 = Measure(Texts(a, 3000), "de");
  Score s17 = Measure(Texts(b, 3000), "de");
  Report("germeval2018 (first 3000)", s18);
  Report("germeval2017 db feedback (all)", s17);
  ASSERT_GE(s18.total, 3000u);
  ASSERT_GE(s17.total, 2500u);
  EXPECT_GE(s18.accuracy(), 0.90);
  EXPECT_GE(s17.accuracy(), 0.90);
  EXPECT_LE(s18.wrong_rate(), 0.01);
  EXPECT_LE(s17.wrong_rate(), 0.01);
}

TEST(GuessLanguageEvalTest, EnglishCustomerCareTweets) {
  const auto a = EvalDir() / "ibm_twitter_customer_care" / "cdp_messages.dev.jsonl";
  const auto b = EvalDir() / "twcs_kaggle_sample" / "twcs_sample.dev.jsonl";
  if (!std::filesystem::exists(a) || !std::filesystem::exists(b)) {
    GTEST_SKIP() << "evaluation data not found under " << EvalDir();
  }
  std::vector<std::string> texts = Texts(a, 3000);
  for (std::string& t : Texts(b, 3000)) texts.push_back(std::move(t));
  Score s = Measure(texts, "en");
  Report("customer care (ibm + twcs)", s);
  ASSERT_GE(s.total, 1200u);
  EXPECT_GE(s.accuracy(), 0.90);
  EXPECT_LE(s.wrong_rate(), 0.01);
}

// General English tweets, shorter and less formal than customer care.
TEST(GuessLanguageEvalTest, EnglishTweets) {
  const auto a = EvalDir() / "olid_offenseval2019" / "olid.train.jsonl";
  if (!std::filesystem::exists(a)) GTEST_SKIP() << "evaluation data not found under " << EvalDir();
  Score s = Measure(Texts(a, 3000), "en");
  Report("olid (first 3000)", s);
  ASSERT_GE(s.total, 3000u);
  EXPECT_GE(s.accuracy(), 0.90);
  EXPECT_LE(s.wrong_rate(), 0.01);
}

}  // namespace
}  // namespace leitplanke::desk
