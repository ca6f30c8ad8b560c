// Request parsing shared by the server and the fuzz target: bytes -> Request
// through Beast's parser with the server's limits, then the target split
// and query decoding the server applies. Not part of the http API.
#pragma once

#include <cstddef>
#include <string_view>

#include "leitplanke/base/status.h"

#include "http/message.h"

namespace leitplanke::http::internal {

// Splits request->target into path and query and decodes the query
// parameters. InvalidArgument for a target that is not an absolute path or
// a malformed percent-escape.
Status SplitTarget(Request* request);

// Parses one complete request from `raw` (extra bytes after it are ignored).
// InvalidArgument for malformed or incomplete input, ResourceExhausted when
// a limit is exceeded (the message says which).
Status ParseRawRequest(std::string_view raw, std::size_t header_limit, std::size_t body_limit,
                       Request* request);

}  // namespace leitplanke::http::internal
