// JSON bodies: parse with nlohmann (exceptions caught here, at the edge of
// the library) after a cheap nesting-depth scan, and map every failure to the
// one error shape with a position or a JSON pointer.
#include "http/json_body.h"

#include <limits>

#include <nlohmann/json.hpp>

namespace leitplanke::http {
namespace {

constexpr int kMaxDepth = 64;

using json = nlohmann::json;

Response BadJson(std::string message) { return Response::Error(400, "malformed_json", message); }

void LineColumn(std::string_view text, std::size_t byte, std::size_t* line, std::size_t* column) {
  *line = 1;
  *column = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++*line;
      *column = 1;
    } else {
      ++*column;
    }
  }
}

std::string Where(std::string_view text, std::size_t byte) {
  std::size_t line, column;
  LineColumn(text, byte, &line, &column);
  return "at byte " + std::to_string(byte) + " (line " + std::to_string(line) + ", column " +
         std::to_string(column) + ")";
}

// Returns the byte offset where nesting exceeds kMaxDepth, or npos.
std::size_t TooDeepAt(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::string_view::npos;
}

Response Missing(std::string_view pointer) {
  return Response::Error(400, "invalid_argument", std::string(pointer) + " is required", pointer);
}

Response WrongType(std::string_view pointer, std::string_view type) {
  return Response::Error(400, "invalid_argument",
                         std::string(pointer) + " must be " + std::string(type), pointer);
}

// Looks `pointer` up; null result = absent. Error for a malformed pointer.
JsonResult<const json*> Lookup(const json& doc, std::string_view pointer) {
  try {
    const json::json_pointer ptr{std::string(pointer)};
    if (!doc.contains(ptr)) return static_cast<const json*>(nullptr);
    return &doc.at(ptr);
  } catch (const json::exception& e) {
    // Only a malformed pointer (a bug of the caller) or an array index that
    // is not a number ("/items/x") gets here.
    if (pointer.empty() || pointer.front() != '/') {
      return tl::unexpected(
          Response::Error(500, "internal", "bad JSON pointer '" + std::string(pointer) + "'"));
    }
    return static_cast<const json*>(nullptr);
  }
}

template <class T, class Check, class Get>
JsonResult<std::optional<T>> GetOptional(const json& doc, std::string_view pointer,
                                         std::string_view type, Check check, Get get) {
  auto found = Lookup(doc, pointer);
  if (!found) return tl::unexpected(std::move(found.error()));
  const json* v = *found;
  if (v == nullptr || v->is_null()) return std::optional<T>();
  if (!check(*v)) return tl::unexpected(WrongType(pointer, type));
  return std::optional<T>(get(*v));
}

template <class T>
JsonResult<T> Required(JsonResult<std::optional<T>> r, std::string_view pointer) {
  if (!r) return tl::unexpected(std::move(r.error()));
  if (!r->has_value()) return tl::unexpected(Missing(pointer));
  return std::move(**r);
}

}  // namespace

JsonResult<json> ParseJsonText(std::string_view text) {
  if (const std::size_t at = TooDeepAt(text); at != std::string_view::npos) {
    return tl::unexpected(BadJson("malformed JSON " + Where(text, at) + ": nesting deeper than " +
                                  std::to_string(kMaxDepth) + " levels"));
  }
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    const std::size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    const std::size_t colon = what.find(": ");
    std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
    return tl::unexpected(BadJson("malformed JSON " + Where(text, byte) + ": " + detail));
  } catch (const json::exception& e) {
    return tl::unexpected(BadJson(std::string("malformed JSON: ") + e.what()));
  }
}

JsonResult<json> ParseJsonBody(const Request& request) {
  const std::string media = request.MediaType();
  if (media != "application/json") {
    return tl::unexpected(
        Response::Error(415, "unsupported_media_type",
                        media.empty() ? "Content-Type must be application/json"
                                      : "Content-Type must be application/json, not " + media));
  }
  // Only UTF-8 is accepted (RFC 8259); refuse an explicit other charset.
  std::string_view ct = *request.headers.Get("content-type");
  std::string lower(ct);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::size_t cs = lower.find("charset=");
  if (cs != std::string::npos) {
    std::string charset = lower.substr(cs + 8);
    charset = charset.substr(0, charset.find(';'));
    std::erase(charset, '"');
    std::erase(charset, ' ');
    if (charset != "utf-8" && charset != "utf8") {
      return tl::unexpected(Response::Error(415, "unsupported_media_type",
                                            "JSON bodies must be UTF-8, not " + charset));
    }
  }
  if (request.body.empty()) return tl::unexpected(BadJson("the request body is empty"));
  return ParseJsonText(request.body);
}

JsonResult<std::optional<std::string>> GetOptionalString(const json& doc,
                                                         std::string_view pointer) {
  return GetOptional<std::string>(
      doc, pointer, "a string", [](const json& v) { return v.is_string(); },
      [](const json& v) { return v.get<std::string>(); });
}

JsonResult<std::string> GetString(const json& doc, std::string_view pointer) {
  return Required(GetOptionalString(doc, pointer), pointer);
}

JsonResult<std::optional<std::int64_t>> GetOptionalInt(const json& doc, std::string_view pointer) {
  return GetOptional<std::int64_t>(
      doc, pointer, "an integer",
      [](const json& v) {
        if (v.is_number_integer()) {
          return !v.is_number_unsigned() ||
                 v.get<std::uint64_t>() <=
                     static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        }
        return false;
      },
      [](const json& v) { return v.get<std::int64_t>(); });
}

JsonResult<std::int64_t> GetInt(const json& doc, std::string_view pointer) {
  return Required(GetOptionalInt(doc, pointer), pointer);
}

JsonResult<std::optional<bool>> GetOptionalBool(const json& doc, std::string_view pointer) {
  return GetOptional<bool>(
      doc, pointer, "a boolean", [](const json& v) { return v.is_boolean(); },
      [](const json& v) { return v.get<bool>(); });
}

JsonResult<bool> GetBool(const json& doc, std::string_view pointer) {
  return Required(GetOptionalBool(doc, pointer), pointer);
}

JsonResult<std::vector<std::string>> GetStringArray(const json& doc, std::string_view pointer) {
  auto found = Lookup(doc, pointer);
  if (!found) return tl::unexpected(std::move(found.error()));
  const json* v = *found;
  if (v == nullptr || v->is_null()) return tl::unexpected(Missing(pointer));
  if (!v->is_array()) return tl::unexpected(WrongType(pointer, "an array of strings"));
  std::vector<std::string> out;
  out.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i) {
    const json& item = (*v)[i];
    if (!item.is_string()) {
      return tl::unexpected(WrongType(std::string(pointer) + "/" + std::to_string(i), "a string"));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

JsonResult<const json*> GetObject(const json& doc, std::string_view pointer) {
  const json* v = &doc;
  if (!pointer.empty()) {
    auto found = Lookup(doc, pointer);
    if (!found) return tl::unexpected(std::move(found.error()));
    v = *found;
    if (v == nullptr) return tl::unexpected(Missing(pointer));
  }
  if (!v->is_object()) {
    if (pointer.empty()) {
      return tl::unexpected(
          Response::Error(400, "invalid_argument", "the request body must be a JSON object", ""));
    }
    return tl::unexpected(WrongType(pointer, "an object"));
  }
  return v;
}

}  // namespace leitplanke::http
