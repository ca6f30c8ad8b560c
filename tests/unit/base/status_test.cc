#include "leitplanke/base/status.h"

#include <gtest/gtest.h>

#include "leitplanke/base/result.h"

namespace leitplanke {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return Status::InvalidArgument("not positive: " + std::to_string(v));
  return v;
}

Result<int> Doubled(int v) {
  LP_ASSIGN_OR_RETURN(int n, ParsePositive(v));
  return 2 * n;
}

Status CheckBoth(int a, int b) {
  LP_RETURN_IF_ERROR(ParsePositive(a));
  LP_RETURN_IF_ERROR(ParsePositive(b));
  return Status::Ok();
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = Status::NotFound("rule R99");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NOT_FOUND: rule R99");
  EXPECT_EQ(s.WithContext("policy.toml:3:1").message(), "policy.toml:3:1: rule R99");
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

TEST(ResultTest, PropagatesValuesAndErrors) {
  EXPECT_EQ(*Doubled(21), 42);
  Result<int> bad = Doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "not positive: -1");
  EXPECT_TRUE(CheckBoth(1, 2).ok());
  EXPECT_EQ(CheckBoth(1, 0).code(), StatusCode::kInvalidArgument);
}

TEST(ResultTest, OkStatusIsNotAValue) {
  Result<int> r = Status::Ok();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace leitplanke
