#include <gtest/gtest.h>

#include "test_env.h"

namespace leitplanke::trust {
namespace {

using ThrottleTest = testing::TrustEnv;

TEST_F(ThrottleTest, LocksAfterFiveAccountFailuresWithDoublingBackOff) {
  LoginThrottle& t = *throttle_;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(t.Check("alice", "10.0.0.1").ok()) << i;
    ASSERT_TRUE(t.RecordFailure("alice", "10.0.0.1").ok());
  }
  ASSERT_TRUE(t.Check("alice", "10.0.0.1").ok());
  ASSERT_TRUE(t.RecordFailure("alice", "10.0.0.1").ok());  // 5th
  Status locked = t.Check("alice", "10.0.0.2");            // the account is locked from any address
  EXPECT_EQ(locked.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(locked.message(), "too many failed sign-in attempts; try again in 30 s");
  EXPECT_EQ(*t.RetryAfterSeconds("ALICE", ""), 30);  // names are case-insensitive
  EXPECT_TRUE(t.Check("bob", "10.0.0.1").ok());      // others are not affected

  const int64_t expected[] = {60, 120, 240, 480, 900, 900};
  for (int64_t seconds : expected) {
    clock_.Advance(*t.RetryAfterSeconds("alice", "") * 1000);
    ASSERT_TRUE(t.Check("alice", "").ok());
    ASSERT_TRUE(t.RecordFailure("alice", "").ok());
    EXPECT_EQ(*t.RetryAfterSeconds("alice", ""), seconds);
  }
  clock_.AdvanceSeconds(899);
  EXPECT_FALSE(t.Check("alice", "").ok());
  EXPECT_EQ(*t.RetryAfterSeconds("alice", ""), 1);
  clock_.AdvanceSeconds(1);
  EXPECT_TRUE(t.Check("alice", "").ok());

  ASSERT_TRUE(t.RecordSuccess("alice").ok());
  ASSERT_TRUE(t.RecordFailure("alice", "").ok());
  EXPECT_TRUE(t.Check("alice", "").ok());  // counting starts again
}

TEST_F(ThrottleTest, AddressLocksAfterTwentyFailuresAcrossAccounts) {
  LoginThrottle& t = *throttle_;
  for (int i = 0; i < 19; ++i) {
    ASSERT_TRUE(t.RecordFailure("user" + std::to_string(i), "192.0.2.7").ok());
  }
  EXPECT_TRUE(t.Check("someone", "192.0.2.7").ok());
  ASSERT_TRUE(t.RecordFailure("user19", "192.0.2.7").ok());
  EXPECT_EQ(t.Check("someone", "192.0.2.7").code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(t.Check("someone", "192.0.2.8").ok());
  // A success clears the account only, not the address.
  ASSERT_TRUE(t.RecordSuccess("someone").ok());
  EXPECT_EQ(t.Check("someone", "192.0.2.7").code(), StatusCode::kResourceExhausted);
}

TEST_F(ThrottleTest, OldFailuresAreForgotten) {
  LoginThrottle& t = *throttle_;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(t.RecordFailure("carol", "").ok());
  clock_.AdvanceSeconds(25 * 3600);
  ASSERT_TRUE(t.RecordFailure("carol", "").ok());
  EXPECT_TRUE(t.Check("carol", "").ok());  // 1 failure, not 5
}

}  // namespace
}  // namespace leitplanke::trust
