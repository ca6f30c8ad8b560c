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

// The web app (web/app/) gets a strict policy of its own instead of the
// server's default `default-src 'none'`: its own scripts, styles, fonts and
// API only, no inline code, no framing. The server adds its defaults only for
// headers a handler has not set, so this one wins.
constexpr std::string_view kAppCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src "
    "'self'; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

bool IsAppFile(std::string_view path) { return path.substr(0, 4) == "app/"; }

http::Response StaticResponse(std::string_view path, std::string_view body) {
  http::Response r;
  r.status = 200;
  r.content_type = std::string(ContentType(path));
  r.body = std::string(body);
  r.headers.Set("Cache-Control", IsAppFile(path) ? "no-cache" : "public, max-age=300");
  r.headers.Set("X-Content-Type-Options", "nosniff");
  if (IsAppFile(path)) r.headers.Set("Content-Security-Policy", std::string(kAppCsp));
  return r;
}

http::Response Redirect(std::string_view to) {
  http::Response r;
  r.status = 302;
  r.headers.Set("Location", std::string(to));
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

}  // namespace

Status AddStaticRoutes(AppContext&, http::Router& router) {
  for (const auto& [path, content] : web::EmbeddedFiles()) {
    const std::string_view body = content;
    const std::string_view file = path;
    std::string route(1, '/');  // append, not operator+: GCC 12 -Wrestrict
    route.append(path);
    std::string summary = "Static file ";
    summary.append(path);
    const http::RouteOptions options = {.kind = http::RouteKind::kInline,
                                        .permission = "",
                                        .summary = std::move(summary),
                                        .tag = "static"};
    LP_RETURN_IF_ERROR(router.Handle(
        "GET", route,
        [file, body](http::Request&) -> http::Response { return StaticResponse(file, body); },
        options));
    if (file == "app/index.html") {
      // The app's entry point is "/app" ("/" leads there). The router has no
      // pattern for a trailing slash ("/app/" has an empty last segment), so
      // the page refers to its files by absolute paths.
      LP_RETURN_IF_ERROR(router.Handle(
          "GET", "/app",
          [file, body](http::Request&) -> http::Response { return StaticResponse(file, body); },
          {.kind = http::RouteKind::kInline,
           .permission = "",
           .summary = "The web app",
           .tag = "static"}));
      LP_RETURN_IF_ERROR(router.Handle(
          "GET", "/", [](http::Request&) -> http::Response { return Redirect("/app"); },
          {.kind = http::RouteKind::kInline,
           .permission = "",
           .summary = "Redirect to the web app",
           .tag = "static"}));
    }
  }
  return Status::Ok();
}

}  // namespace leitplanke::server
