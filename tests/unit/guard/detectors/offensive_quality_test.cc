// Quality gate of the offensive detector on ../shared/eval (label: slow).
//
// The floors are the figures reached by the shipped model (docs/QUALITY.md)
// minus a small margin, so a regression fails here. Where they lie below the
// issue's targets (GermEval 2018 0.77, OLID 0.75) the model card says so.
#include <cstdlib>

#include <gtest/gtest.h>

#include "eval/offensive_eval.h"

namespace leitplanke::eval {
namespace {

TEST(OffensiveQualityTest, ReachesMeasuredQuality) {
  const char* eval_dir = std::getenv("LP_EVAL_DIR");
  const char* src = std::getenv("LP_SOURCE_DIR");
  if (eval_dir == nullptr) GTEST_SKIP() << "LP_EVAL_DIR not set";
  std::string identity =
      std::string(src != nullptr ? src : ".") + "/tests/data/offensive_identity_neutral.txt";
  Result<OffensiveReport> r = ComputeOffensiveEval(eval_dir, identity);
  ASSERT_TRUE(r.ok()) << r.status();
  auto get = [&](const char* key) {
    const OffensiveRow* row = r->Find(key);
    EXPECT_NE(row, nullptr) << key;
    return row != nullptr ? *row : OffensiveRow{};
  };
  std::cout << OffensiveMarkdown(*r);
  EXPECT_GE(get("germeval2018_cv.macro_f").classifier, 0.755);
  EXPECT_GE(get("davidson_cv.macro_f1").classifier, 0.90);
  EXPECT_GE(get("olid.macro_f1").classifier, 0.60);
  EXPECT_GE(get("olid.macro_f1").detector, 0.62);
  EXPECT_GE(get("germeval2019.macro_f").detector, 0.67);
  EXPECT_GE(get("germeval2021.macro_f1").detector, 0.55);
  EXPECT_LE(get("ibm_agent.false_alarm").detector, 0.01);
  EXPECT_LE(get("db_twitter.false_alarm").detector, 0.09);
  EXPECT_EQ(get("identity.false_alarm").lexicon, 0.0);
  EXPECT_LE(get("identity.false_alarm").detector, 0.07);
}

}  // namespace
}  // namespace leitplanke::eval
