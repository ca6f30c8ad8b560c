#include <gtest/gtest.h>

#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::obfuscation {
const DetectorFactory& Factory();
}

namespace leitplanke::guard {
namespace {

TEST(ObfuscationDetectorTest, RejectsUnknownKinds) {
  DetectorParams p;
  p.Set("kinds", std::vector<std::string>{"zero_width", "sparkles"});
  auto h = testing::DetectorHarness::Make(detectors::obfuscation::Factory(), p);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("sparkles"), std::string::npos);
}

TEST(ObfuscationDetectorTest, CleanTextHasNoFindings) {
  auto h = testing::DetectorHarness::Make(detectors::obfuscation::Factory());
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_TRUE((*h)->Run("Danke für Ihre Nachricht!").empty());
}

}  // namespace
}  // namespace leitplanke::guard
