// multipart/form-data (RFC 7578) as the connectors' fake servers read it.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace leitplanke::channels::testing {

// One part of a multipart/form-data body.
struct FormPart {
  std::string name;
  std::string filename;
  std::string content_type;
  std::string data;
};

// Parses `body` strictly against the boundary in `content_type`: false when
// it is not well-formed (missing boundary, a part without headers, no final
// delimiter, bytes after it).
bool ParseMultipart(const std::string& content_type, const std::string& body,
                    std::vector<FormPart>* parts);

// The parts of a request's multipart body by name (the last part of a name
// wins); empty when the body is not well-formed.
std::map<std::string, std::string> FormParts(const std::map<std::string, std::string>& headers,
                                             const std::string& body);

}  // namespace leitplanke::channels::testing
