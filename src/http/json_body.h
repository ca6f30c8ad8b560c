// JSON request bodies for route handlers. Include this only from route .cc
// files (it needs <nlohmann/json.hpp> there for the full json type; this
// header itself includes only the forward declarations).
//
// Every function returns either its value or a complete error Response
// (415 / 400 with the error shape of message.h), so handlers stay short:
//
//   #include <nlohmann/json.hpp>
//   #include "http/json_body.h"
//   Response Check(Request& req) {
//     LP_HTTP_ASSIGN_OR_RESPOND(nlohmann::json body, ParseJsonBody(req));
//     LP_HTTP_ASSIGN_OR_RESPOND(std::string text, GetString(body, "/text"));
//     LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> channel,
//                               GetOptionalString(body, "/channel"));
//     ...
//   }
//
// Field errors name the JSON pointer both in the message ("/text must be a
// string") and in "field".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <tl/expected.hpp>

#include "http/message.h"

namespace leitplanke::http {

template <class T>
using JsonResult = tl::expected<T, Response>;

// The body as JSON. 415 unless Content-Type is application/json (parameters
// such as charset=utf-8 allowed; another charset is refused); 400
// "malformed JSON at byte N (line L, column C): ..." for syntax errors, for
// nesting deeper than 64 levels and for invalid UTF-8 in strings.
JsonResult<nlohmann::json> ParseJsonBody(const Request& request);
// Same without the Content-Type check (for the fuzz target and for tools).
JsonResult<nlohmann::json> ParseJsonText(std::string_view text);

// Typed getters. `pointer` is a JSON pointer ("/text", "/options/limit").
// Required getters give 400 "<pointer> is required" when absent and
// "<pointer> must be a <type>" for a wrong type; Optional getters give
// nullopt when absent or null. A malformed pointer is a bug of the caller and
// gives 500.
JsonResult<std::string> GetString(const nlohmann::json& doc, std::string_view pointer);
JsonResult<std::optional<std::string>> GetOptionalString(const nlohmann::json& doc,
                                                         std::string_view pointer);
JsonResult<std::int64_t> GetInt(const nlohmann::json& doc, std::string_view pointer);
JsonResult<std::optional<std::int64_t>> GetOptionalInt(const nlohmann::json& doc,
                                                       std::string_view pointer);
JsonResult<bool> GetBool(const nlohmann::json& doc, std::string_view pointer);
JsonResult<std::optional<bool>> GetOptionalBool(const nlohmann::json& doc,
                                                std::string_view pointer);
JsonResult<std::vector<std::string>> GetStringArray(const nlohmann::json& doc,
                                                    std::string_view pointer);
// 400 "<pointer> must be an object" unless the value there is an object ("" =
// the whole document).
JsonResult<const nlohmann::json*> GetObject(const nlohmann::json& doc, std::string_view pointer);

}  // namespace leitplanke::http

// LP_HTTP_ASSIGN_OR_RESPOND(decl, expr): expr is a JsonResult<T>; on error
// returns its Response from the enclosing handler, else declares decl.
#define LP_HTTP_ASSIGN_OR_RESPOND(decl, expr) \
  LP_HTTP_ASSIGN_OR_RESPOND_IMPL_(LP_HTTP_CONCAT_(lp_http_result_, __LINE__), decl, expr)
#define LP_HTTP_CONCAT_INNER_(a, b) a##b
#define LP_HTTP_CONCAT_(a, b) LP_HTTP_CONCAT_INNER_(a, b)
#define LP_HTTP_ASSIGN_OR_RESPOND_IMPL_(tmp, decl, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.has_value()) return std::move(tmp.error());   \
  decl = std::move(*tmp)
