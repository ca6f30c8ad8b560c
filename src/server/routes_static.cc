// Static files from web/, embedded at build time (no file system access at
// run time, so a single binary serves everything).
#include <span>
#include <string_view>
#include <utility>

#include "server/app.h"

namespace leitplanke::server {
namespace web {
std::span<const std::pair<std::string_view, std::string_view>> EmbeddedFiles();
}  // namespace web

namespace {

std::string_view ContentType(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

}  // namespace

Status AddStaticRoutes(AppContext&, http::Router& router) {
  for (const auto& [path, content] : web::EmbeddedFiles()) {
    const std::string_view body = content;
    const std::string_view type = ContentType(path);
    std::string route(1, '/');  // append, not operator+: GCC 12 -Wrestrict
    route.append(path);
    std::string summary = "Static file ";
    summary.append(path);
    LP_RETURN_IF_ERROR(router.Handle("GET", route,
                                     [body, type](http::Request&) -> http::Response {
                                       http::Response r;
                                       r.status = 200;
                                       r.content_type = std::string(type);
                                       r.body = std::string(body);
                                       r.headers.Set("Cache-Control", "public, max-age=300");
                                       r.headers.Set("X-Content-Type-Options", "nosniff");
                                       return r;
                                     },
                                     {.kind = http::RouteKind::kInline,
                                      .permission = "",
                                      .summary = std::move(summary),
                                      .tag = "static"}));
  }
  return Status::Ok();
}

}  // namespace leitplanke::server
