#include "http/router.h"

#include <gtest/gtest.h>

namespace leitplanke::http {
namespace {

Handler Named(std::string name) {
  return [name](Request&) { return Response::Text(200, name); };
}

TEST(RouterTest, MatchesLiteralsAndParams) {
  Router r;
  ASSERT_TRUE(r.Handle("GET", "/api/v1/users/{id}", Named("get")).ok());
  ASSERT_TRUE(r.Handle("GET", "/api/v1/users/me", Named("me")).ok());
  ASSERT_TRUE(r.Handle("DELETE", "/api/v1/users/{id}", Named("del")).ok());
  ASSERT_TRUE(r.Handle("GET", "/", Named("root")).ok());

  Router::Match m;
  std::vector<std::pair<std::string, std::string>> params;
  ASSERT_TRUE(r.Find("GET", "/api/v1/users/a%20b", &m, &params).ok());
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/users/{id}");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"id", "a b"}));

  ASSERT_TRUE(r.Find("GET", "/api/v1/users/me", &m, &params).ok());
  EXPECT_EQ(m.route->pattern, "/api/v1/users/me");
  EXPECT_TRUE(params.empty());

  ASSERT_TRUE(r.Find("HEAD", "/", &m, &params).ok());
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "GET");

  ASSERT_TRUE(r.Find("POST", "/api/v1/users/7", &m, &params).ok());
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_exists);
  EXPECT_EQ(m.allow, "DELETE, GET, HEAD");

  ASSERT_TRUE(r.Find("GET", "/api/v1/users/7/x", &m, &params).ok());
  EXPECT_EQ(m.route, nullptr);
  EXPECT_FALSE(m.path_exists);
  ASSERT_TRUE(r.Find("GET", "/api/v1/users/", &m, &params).ok());
  EXPECT_EQ(m.route, nullptr);

  EXPECT_EQ(r.Find("GET", "/api/v1/users/%zz", &m, &params).code(), StatusCode::kInvalidArgument);
}

TEST(RouterTest, RejectsBadRoutes) {
  Router r;
  EXPECT_EQ(r.Handle("get", "/x", Named("x")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Handle("GET", "x", Named("x")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Handle("GET", "/a/{}", Named("x")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Handle("GET", "/a/{id}/{id}", Named("x")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Handle("GET", "/a//b", Named("x")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Handle("GET", "/a", nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Handle("HEAD", "/a", Named("x")).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(r.Handle("GET", "/a/{id}", Named("x")).ok());
  EXPECT_EQ(r.Handle("GET", "/a/{other}", Named("x")).code(), StatusCode::kAlreadyExists);
}

TEST(RouterTest, ListsRoutesForDocumentation) {
  Router r;
  ASSERT_TRUE(
      r.Handle(
           "POST", "/api/v1/check", Named("c"),
           {.kind = RouteKind::kInline, .permission = "check", .summary = "Check", .tag = "guard"})
          .ok());
  ASSERT_TRUE(
      r.HandleSse("/api/v1/events", [](Request&) { return SseReply(); }, {.permission = "events"})
          .ok());
  std::vector<RouteInfo> routes = r.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].method, "POST");
  EXPECT_EQ(routes[0].pattern, "/api/v1/check");
  EXPECT_EQ(routes[0].permission, "check");
  EXPECT_EQ(routes[0].summary, "Check");
  EXPECT_EQ(routes[0].tag, "guard");
  EXPECT_EQ(routes[0].kind, RouteKind::kInline);
  EXPECT_EQ(routes[1].method, "GET");
  EXPECT_EQ(routes[1].kind, RouteKind::kSse);
  EXPECT_EQ(RouteKindName(routes[1].kind), "sse");
}

}  // namespace
}  // namespace leitplanke::http
