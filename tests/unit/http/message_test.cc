#include "http/message.h"

#include <gtest/gtest.h>

namespace leitplanke::http {
namespace {

TEST(HeadersTest, LookupIsCaseInsensitiveAndSetReplaces) {
  Headers h;
  h.Add("Content-Type", "text/plain");
  h.Add("X-A", "1");
  h.Add("x-a", "2");
  EXPECT_EQ(h.Get("content-type"), "text/plain");
  EXPECT_EQ(h.Get("X-A"), "1");
  h.Set("X-a", "3");
  EXPECT_EQ(h.Get("x-A"), "3");
  EXPECT_EQ(h.fields().size(), 2u);
  h.Remove("CONTENT-TYPE");
  EXPECT_FALSE(h.Has("content-type"));
}

TEST(RequestTest, CookiesQueryAndMediaType) {
  Request r;
  r.headers.Add("Cookie", "a=1; session=\"abc\"; empty=");
  r.headers.Add("Content-Type", "Application/JSON; charset=utf-8");
  r.query_params = {{"q", "x y"}, {"q", "second"}};
  EXPECT_EQ(r.Cookie("session"), "abc");
  EXPECT_EQ(r.Cookie("a"), "1");
  EXPECT_EQ(r.Cookie("empty"), "");
  EXPECT_EQ(r.Cookie("missing"), std::nullopt);
  EXPECT_EQ(r.Query("q"), "x y");
  EXPECT_EQ(r.Query("none"), std::nullopt);
  EXPECT_EQ(r.MediaType(), "application/json");
}

TEST(ResponseTest, ErrorShape) {
  Response r = Response::Error(400, "invalid_argument", "text \"x\" bad\n", "/text");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(
      r.body,
      R"({"error":{"code":"invalid_argument","message":"text \"x\" bad\n","field":"/text"}})");
  EXPECT_EQ(Response::Error(404, "not_found", "no").body,
            R"({"error":{"code":"not_found","message":"no"}})");
}

TEST(ResponseTest, FromStatusMapsCodes) {
  EXPECT_EQ(Response::FromStatus(Status::InvalidArgument("x")).status, 400);
  EXPECT_EQ(Response::FromStatus(Status::NotFound("x")).status, 404);
  EXPECT_EQ(Response::FromStatus(Status::AlreadyExists("x")).status, 409);
  EXPECT_EQ(Response::FromStatus(Status::PermissionDenied("x")).status, 403);
  EXPECT_EQ(Response::FromStatus(Status::FailedPrecondition("x")).status, 409);
  EXPECT_EQ(Response::FromStatus(Status::ResourceExhausted("x")).status, 429);
  Response too_large = Response::FromStatus(Status::ResourceExhausted("big"), "", 413);
  EXPECT_EQ(too_large.status, 413);
  EXPECT_NE(too_large.body.find("payload_too_large"), std::string::npos);
  EXPECT_EQ(Response::FromStatus(Status::Unavailable("x")).status, 503);
  EXPECT_EQ(Response::FromStatus(Status::Internal("x")).status, 500);
  EXPECT_EQ(Response::FromStatus(Status::Unimplemented("x")).status, 501);
  EXPECT_EQ(Response::FromStatus(Status::Ok()).status, 500);
  Response nf = Response::FromStatus(Status::NotFound("user 7"), "/id");
  EXPECT_EQ(nf.body, R"({"error":{"code":"not_found","message":"user 7","field":"/id"}})");
  Response u = Response::Unauthorized();
  EXPECT_EQ(u.status, 401);
  EXPECT_EQ(u.headers.Get("www-authenticate"), "Bearer");
}

TEST(JsonStringTest, EscapesControlAndReplacesInvalidUtf8) {
  std::string out;
  AppendJsonString(out, std::string("a\x01\xff\xc3\xa4", 5));
  EXPECT_EQ(out, "\"a\\u0001\xEF\xBF\xBD\xC3\xA4\"");
}

TEST(PercentDecodeTest, DecodesAndRejectsBadEscapes) {
  EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(PercentDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(PercentDecode("%", true), std::nullopt);
  EXPECT_EQ(PercentDecode("%4", true), std::nullopt);
  EXPECT_EQ(PercentDecode("%zz", true), std::nullopt);
  EXPECT_EQ(PercentDecode("%c3%A4", true), "\xc3\xa4");
}

}  // namespace
}  // namespace leitplanke::http
