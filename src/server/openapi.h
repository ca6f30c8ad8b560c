// The OpenAPI 3.1 document of the server, generated from the routes it
// actually registers (method, path, permission, summary), plus hand-written
// request-body schemas for the operations that take a body.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "http/router.h"

namespace leitplanke::server {

std::string OpenApiDocument(const std::vector<http::RouteInfo>& routes);

// "METHOD /path" → JSON schema (as text) of the request body. A test checks
// that every key names a registered route, so documentation cannot outlive
// its route.
const std::map<std::string, std::string>& DocumentedRequestBodies();

}  // namespace leitplanke::server
