#include "http/json_body.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace leitplanke::http {
namespace {

Request JsonRequest(std::string body, std::string content_type = "application/json") {
  Request r;
  r.headers.Add("Content-Type", content_type);
  r.body = std::move(body);
  return r;
}

TEST(JsonBodyTest, ParsesWithCharset) {
  auto body = ParseJsonBody(JsonRequest(R"({"text":"hi"})", "application/json; charset=UTF-8"));
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ((*body)["text"], "hi");
}

TEST(JsonBodyTest, WrongContentTypeIs415) {
  auto body = ParseJsonBody(JsonRequest(R"({})", "text/plain"));
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().status, 415);
  EXPECT_NE(body.error().body.find("unsupported_media_type"), std::string::npos);
  Request none;
  none.body = "{}";
  EXPECT_EQ(ParseJsonBody(none).error().status, 415);
  EXPECT_EQ(ParseJsonBody(JsonRequest("{}", "application/json; charset=latin1")).error().status,
            415);
}

TEST(JsonBodyTest, MalformedJsonNamesPosition) {
  auto body = ParseJsonBody(JsonRequest("{\n  \"a\": tru }"));
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().status, 400);
  EXPECT_NE(body.error().body.find("line 2"), std::string::npos) << body.error().body;
  EXPECT_NE(body.error().body.find("at byte"), std::string::npos);
  EXPECT_EQ(ParseJsonBody(JsonRequest("")).error().status, 400);
  EXPECT_EQ(ParseJsonText(std::string(1000, '[')).error().status, 400);
  EXPECT_NE(ParseJsonText(std::string(1000, '[')).error().body.find("nesting"), std::string::npos);
  EXPECT_EQ(ParseJsonText("\"\xff\"").error().status, 400);
}

TEST(JsonBodyTest, TypedGetters) {
  auto doc = ParseJsonText(
      R"({"text":"hi","n":5,"big":18446744073709551615,"b":true,"tags":["a","b"],"bad":[1],"o":{"x":null}})");
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(GetString(*doc, "/text").value(), "hi");
  EXPECT_EQ(GetInt(*doc, "/n").value(), 5);
  EXPECT_EQ(GetBool(*doc, "/b").value(), true);
  EXPECT_EQ(GetStringArray(*doc, "/tags").value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(GetOptionalString(*doc, "/missing").value(), std::nullopt);
  EXPECT_EQ(GetOptionalString(*doc, "/o/x").value(), std::nullopt);
  EXPECT_TRUE(GetObject(*doc, "").has_value());
  EXPECT_TRUE(GetObject(*doc, "/o").has_value());

  auto wrong = GetString(*doc, "/n");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().status, 400);
  EXPECT_EQ(
      wrong.error().body,
      R"({"error":{"code":"invalid_argument","message":"/n must be a string","field":"/n"}})");
  EXPECT_NE(GetString(*doc, "/nope").error().body.find("/nope is required"), std::string::npos);
  EXPECT_EQ(GetInt(*doc, "/big").error().status, 400);
  EXPECT_NE(GetStringArray(*doc, "/bad").error().body.find("/bad/0 must be a string"),
            std::string::npos);
  EXPECT_EQ(GetObject(*doc, "/text").error().status, 400);
  EXPECT_EQ(GetString(*doc, "no-slash").error().status, 500);
  auto arr = ParseJsonText("[1]");
  EXPECT_EQ(GetObject(*arr, "").error().status, 400);
  EXPECT_EQ(GetOptionalString(*arr, "/x").value(), std::nullopt);
}

}  // namespace
}  // namespace leitplanke::http
