#include "channels/http/http_client.h"

#include <string>

#include <gtest/gtest.h>

#include "fake/loopback_server.h"

namespace leitplanke::channels {
namespace {

using testing::LoopbackServer;

TEST(HttpClient, PutSendsTheBodyAndAGetAfterItSendsNone) {
  LoopbackServer server;
  server.Route("PUT /upload", {201, "", "{}"});
  server.Route("GET /status", {200, "", "{\"ok\":true}"});
  HttpClient client(HttpOptions{});
  const std::string bytes("\x89PNG\r\n\x1a\n\0\x01", 10);
  HttpRequest put;
  put.method = "PUT";
  put.url = server.base_url() + "/upload";
  put.headers = {"Content-Type: image/png"};
  put.body = bytes;
  put.timeout_ms = 5000;
  Result<HttpResponse> r = client.Do(put);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 201);
  HttpRequest get;
  get.url = server.base_url() + "/status";
  r = client.Do(get);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "PUT");
  EXPECT_EQ(reqs[0].body, bytes);
  EXPECT_EQ(reqs[0].headers["content-type"], "image/png");
  EXPECT_EQ(reqs[1].method, "GET");
  EXPECT_EQ(reqs[1].body, "");
}

TEST(HttpClient, UnknownMethodIsRefused) {
  HttpClient client(HttpOptions{});
  HttpRequest req;
  req.method = "DELETE";
  req.url = "http://127.0.0.1:1/";
  Result<HttpResponse> r = client.Do(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "unsupported HTTP method DELETE");
}

TEST(Multipart, FieldsAndFilesInOrder) {
  const std::string file("GIF89a\0\x01\x02", 9);
  Multipart m = MultipartBody(
      {{"description", "", "", "Ein Team \"Foto\""}, {"file", "team\"1\".gif", "image/gif", file}});
  const std::string b = "leitplanke-part-7f3a9c";
  EXPECT_EQ(m.content_type, "multipart/form-data; boundary=" + b);
  const std::string expected = "--" + b +
                               "\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n"
                               "Ein Team \"Foto\"\r\n--" +
                               b +
                               "\r\nContent-Disposition: form-data; name=\"file\"; "
                               "filename=\"team%221%22.gif\"\r\nContent-Type: image/gif\r\n\r\n" +
                               file + "\r\n--" + b + "--\r\n";
  EXPECT_EQ(m.body, expected);
}

TEST(Multipart, BoundaryNeverOccursInAPart) {
  const std::string hostile = "xx--leitplanke-part-7f3a9c--leitplanke-part-7f3a9ca";
  Multipart m = MultipartBody({{"file", "a.bin", "application/octet-stream", hostile}});
  const std::string boundary = m.content_type.substr(m.content_type.find('=') + 1);
  EXPECT_EQ(hostile.find(boundary), std::string::npos);
  EXPECT_EQ(boundary, "leitplanke-part-7f3a9cab");
  EXPECT_NE(m.body.find("--" + boundary + "--\r\n"), std::string::npos);
}

}  // namespace
}  // namespace leitplanke::channels
