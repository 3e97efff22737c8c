#include "arena/http/router.hpp"

#include <gtest/gtest.h>

namespace arena::http {

TEST(Router, MatchesLiteralAndParamSegments) {
  Router r;
  r.add(Method::get, "/v1/account", [](Request&) { return Response::json(200, "1"); });
  r.add(Method::get, "/v1/users/{id}", [](Request&) { return Response::json(200, "2"); });
  Request req;
  req.method = Method::get;
  req.path = "/v1/users/abc";
  auto m = r.match(req);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/users/{id}");
  EXPECT_EQ(req.param("id"), "abc");
  req.path = "/v1/users/";
  EXPECT_EQ(r.match(req).route, nullptr);
  req.path = "/v1/users/abc/extra";
  EXPECT_FALSE(r.match(req).path_known);
}

TEST(Router, KnownPathWithOtherMethodListsAllowedMethods) {
  Router r;
  r.add(Method::get, "/v1/account", [](Request&) { return Response::no_content(); });
  r.add(Method::patch, "/v1/account", [](Request&) { return Response::no_content(); });
  Request req;
  req.method = Method::del;
  req.path = "/v1/account";
  auto m = r.match(req);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allow, "GET, PATCH");
  req.method = Method::head;
  EXPECT_NE(r.match(req).route, nullptr);
}

TEST(Request, BearerTokenIsCaseInsensitiveAboutTheScheme) {
  Request req;
  req.headers = {{"authorization", "bearer abc.def"}};
  EXPECT_EQ(req.bearer_token(), "abc.def");
  req.headers = {{"authorization", "Basic xyz"}};
  EXPECT_EQ(req.bearer_token(), "");
}

}  // namespace arena::http
