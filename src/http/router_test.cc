#include "http/router.h"

#include <gtest/gtest.h>

namespace accumulator::http {
namespace {

Request Make(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("/metrics/{group}", {"GET"}, [](const Request&, const PathMatch& m) {
      return Response::Text(200, "scrape " + m.params[0]);
    });
    router_.Add("/metrics/job/*", {"PUT", "DELETE"}, [](const Request&, const PathMatch& m) {
      return Response::Text(200, "push " + std::string(m.RawFrom(1)));
    });
    router_.Add("/update/{group}", {"POST"}, [](const Request&, const PathMatch& m) {
      return Response::Text(201, "update " + m.params[0]);
    });
  }
  Router router_;
};

TEST_F(RouterTest, FirstRouteWhosePathAndMethodFitWins) {
  EXPECT_EQ(router_.Route(Make("GET", "/metrics/job")).body, "scrape job\n");
  EXPECT_EQ(router_.Route(Make("HEAD", "/metrics/a")).body, "scrape a\n");  // GET takes HEAD
  // The same path with another method finds the next route; "*" takes zero segments.
  EXPECT_EQ(router_.Route(Make("PUT", "/metrics/job")).body, "push job\n");
  // The rest stays raw (the grouping key parses its own escapes and base64).
  EXPECT_EQ(router_.Route(Make("PUT", "/metrics//job/a%2Fb/x/y")).body, "push job/a%2Fb/x/y\n");
  EXPECT_EQ(router_.Route(Make("POST", "/update/g%20h")).body, "update g h\n");  // decoded
}

TEST_F(RouterTest, WrongMethodListsEveryMethodThePathTakes) {
  const Response r = router_.Route(Make("PATCH", "/metrics/job"));
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "GET, HEAD, PUT, DELETE");
  EXPECT_EQ(router_.Route(Make("GET", "/metrics/job/x")).headers[0].second, "PUT, DELETE");
}

TEST_F(RouterTest, UnknownPathsAndBadEscapes) {
  EXPECT_EQ(router_.Route(Make("GET", "/nothing")).status, 404);
  EXPECT_EQ(router_.Route(Make("GET", "/metrics")).status, 404);
  EXPECT_EQ(router_.Route(Make("GET", "/metrics/a/b")).status, 404);
  EXPECT_EQ(router_.Route(Make("GET", "/metrics/%zz")).status, 400);
}

}  // namespace
}  // namespace accumulator::http
