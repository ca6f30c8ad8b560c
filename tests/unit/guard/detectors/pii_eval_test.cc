// Quality gate of the pii detector on the real Presidio data (read in place
// from LP_EVAL_DIR): recall >= 0.98 and precision >= 0.95 on every supported
// type of both sets, under our guideline's reading of the labels.
#include "eval/pii_eval.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace leitplanke::eval {
namespace {

std::string EvalDir() {
  const char* d = std::getenv("LP_EVAL_DIR");
  return d != nullptr ? d : "../shared/eval";
}

TEST(PiiEval, MeetsTargetsOnPresidioData) {
  Result<PiiEvalResult> r = ComputePiiEval(EvalDir());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->datasets.size(), 2u);
  for (const PiiDataset& ds : r->datasets) {
    PiiCounts t = ds.OursTotal();
    EXPECT_GT(t.tp, 50) << ds.name;
    EXPECT_GE(t.Recall(), 0.98) << ds.name;
    EXPECT_GE(t.Precision(), 0.95) << ds.name;
    for (const auto& [type, c] : ds.ours) {
      if (c.tp + c.fn >= 10) {
        EXPECT_GE(c.Recall(), 0.95) << ds.name << " " << type;
      }
      if (c.tp + c.fp >= 10) {
        EXPECT_GE(c.Precision(), 0.90) << ds.name << " " << type;
      }
    }
  }
  for (const auto& [type, c] : r->checksum) {
    EXPECT_EQ(c.disagree_ours, 0) << type;
  }
}

TEST(PiiEval, MissingDataIsAnError) {
  Result<PiiEvalResult> r = ComputePiiEval("/nonexistent-eval-dir");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().ToString().find("presidio_testcases"), std::string::npos);
}

}  // namespace
}  // namespace leitplanke::eval
