#include "fake/multipart.h"

#include <cctype>

namespace leitplanke::channels::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The value of `param="..."` in a header value, "" if absent.
std::string HeaderParam(const std::string& value, const std::string& param) {
  const std::string key = param + "=\"";
  size_t pos = 0;
  while ((pos = value.find(key, pos)) != std::string::npos) {
    if (pos == 0 || value[pos - 1] == ' ' || value[pos - 1] == ';') {
      size_t start = pos + key.size();
      size_t end = value.find('"', start);
      if (end == std::string::npos) return "";
      return value.substr(start, end - start);
    }
    pos += key.size();
  }
  return "";
}

}  // namespace

bool ParseMultipart(const std::string& content_type, const std::string& body,
                    std::vector<FormPart>* parts) {
  const std::string marker = "boundary=";
  size_t b = content_type.find(marker);
  if (Lower(content_type).rfind("multipart/form-data;", 0) != 0 || b == std::string::npos) {
    return false;
  }
  const std::string delim = "--" + content_type.substr(b + marker.size());
  if (body.rfind(delim + "\r\n", 0) != 0) return false;
  size_t pos = delim.size() + 2;
  while (true) {
    size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string::npos) return false;
    FormPart part;
    size_t line = pos;
    while (line < head_end) {
      size_t eol = body.find("\r\n", line);
      if (eol == std::string::npos || eol > head_end) eol = head_end;
      std::string h = body.substr(line, eol - line);
      size_t colon = h.find(':');
      if (colon == std::string::npos) return false;
      std::string name = Lower(h.substr(0, colon));
      std::string value = h.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      if (name == "content-disposition") {
        if (value.rfind("form-data;", 0) != 0) return false;
        part.name = HeaderParam(value, "name");
        part.filename = HeaderParam(value, "filename");
      } else if (name == "content-type") {
        part.content_type = value;
      }
      line = eol + 2;
    }
    size_t data_start = head_end + 4;
    size_t next = body.find("\r\n" + delim, data_start);
    if (next == std::string::npos) return false;
    part.data = body.substr(data_start, next - data_start);
    parts->push_back(std::move(part));
    pos = next + 2 + delim.size();
    if (body.compare(pos, 4, "--\r\n") == 0) return pos + 4 == body.size();
    if (body.compare(pos, 2, "\r\n") != 0) return false;
    pos += 2;
  }
}

std::map<std::string, std::string> FormParts(const std::map<std::string, std::string>& headers,
                                             const std::string& body) {
  std::map<std::string, std::string> out;
  auto ct = headers.find("content-type");
  std::vector<FormPart> parts;
  if (ct == headers.end() || !ParseMultipart(ct->second, body, &parts)) return out;
  for (FormPart& p : parts) out[p.name] = std::move(p.data);
  return out;
}

}  // namespace leitplanke::channels::testing
