// The parser works on string_views into the raw message, so every error can
// name the byte offset where the problem is (view.data() - raw.data()), and
// nothing is copied before it is decoded.
#include "channels/email/mime.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

#include <openssl/evp.h>

#include "leitplanke/base/utf8.h"

#include "channels/email/codec.h"
#include "channels/email/html_text.h"

namespace leitplanke::channels::email {
namespace {

struct Header {
  std::string name;        // lower-cased
  std::string_view value;  // raw, still folded
};

struct Entity {
  std::vector<Header> headers;
  std::string_view body;
};

const Header* Find(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

class Parser {
 public:
  Parser(std::string_view raw, const MimeLimits& limits) : raw_(raw), limits_(limits) {}

  size_t Offset(std::string_view v) const { return static_cast<size_t>(v.data() - raw_.data()); }

  // Splits `data` into headers and body. `strict` (the top level): a line
  // without a colon and a header section cut off mid-line are errors; in a
  // body part they end the header section instead, as mail readers do.
  Status ParseHeaders(std::string_view data, bool strict, Entity* out) {
    size_t pos = 0;
    bool first = true;
    while (pos < data.size()) {
      size_t nl = data.find('\n', pos);
      if (nl == std::string_view::npos) {
        if (strict) {
          return Status::InvalidArgument(
              "message ends inside the header section (truncated header line at byte " +
              std::to_string(Offset(data) + pos) + ")");
        }
        // A part that is nothing but a header line without line break.
        nl = data.size();
      }
      std::string_view line = data.substr(pos, nl - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      size_t next = nl < data.size() ? nl + 1 : nl;
      if (line.empty()) {
        out->body = data.substr(next);
        return Status::Ok();
      }
      if (line[0] == ' ' || line[0] == '\t') {
        if (out->headers.empty()) {
          if (!strict) break;
          return Status::InvalidArgument("folded header line without a header at byte " +
                                         std::to_string(Offset(data) + pos));
        }
        Header& h = out->headers.back();
        // Extend the raw value view over the continuation line.
        h.value = std::string_view(h.value.data(),
                                   static_cast<size_t>(line.data() + line.size() - h.value.data()));
        pos = next;
        continue;
      }
      size_t colon = line.find(':');
      bool name_ok = colon != std::string_view::npos && colon > 0;
      if (name_ok) {
        std::string_view name = line.substr(0, colon);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
        name_ok = !name.empty();
        for (char c : name) {
          unsigned char u = static_cast<unsigned char>(c);
          if (u <= 0x20 || u >= 0x7F) name_ok = false;
        }
        if (name_ok) {
          if (out->headers.size() >= limits_.max_header_lines) {
            return Status::InvalidArgument("more than " + std::to_string(limits_.max_header_lines) +
                                           " header lines (at byte " +
                                           std::to_string(Offset(data) + pos) + ")");
          }
          out->headers.push_back(Header{AsciiLower(name), line.substr(colon + 1)});
          pos = next;
          first = false;
          continue;
        }
      }
      if (first && strict && line.substr(0, 5) == "From ") {  // mbox separator line
        pos = next;
        first = false;
        continue;
      }
      if (!strict) {
        if (out->headers.empty()) {
          out->body = data;  // no header section at all
        } else {
          out->body = data.substr(pos);
        }
        return Status::Ok();
      }
      return Status::InvalidArgument("malformed header line (no colon) at byte " +
                                     std::to_string(Offset(data) + pos));
    }
    out->body = data.substr(data.size());
    return Status::Ok();
  }

  Status Walk(const Entity& e, int depth, desk::InboundMessage* msg, std::string* text,
              std::string* html) {
    if (++parts_ > limits_.max_parts) {
      return Status::InvalidArgument("more than " + std::to_string(limits_.max_parts) +
                                     " MIME parts (at byte " + std::to_string(Offset(e.body)) +
                                     ")");
    }
    std::string type = "text/plain";
    std::map<std::string, std::string> params;
    if (const Header* ct = Find(e.headers, "content-type")) {
      ParseContentType(ct->value, &type, &params);
    }
    std::string cte;
    if (const Header* h = Find(e.headers, "content-transfer-encoding")) {
      cte = AsciiLower(Trim(h->value));
    }
    std::string disposition;
    std::map<std::string, std::string> dparams;
    if (const Header* h = Find(e.headers, "content-disposition")) {
      ParseContentType(h->value, &disposition, &dparams);
    }
    if (type.rfind("multipart/", 0) == 0) {
      return WalkMultipart(e, type, params, depth, msg, text, html);
    }
    const bool attachment = disposition == "attachment" ||
                            (type != "text/plain" && type != "text/html") ||
                            (!dparams["filename"].empty() && disposition != "inline");
    if (attachment) {
      desk::Attachment a;
      a.name = dparams["filename"];
      if (a.name.empty()) a.name = params["name"];
      a.name = DecodeHeaderText(a.name);  // some mailers put encoded words here
      if (a.name.empty() && type == "message/rfc822") a.name = "message.eml";
      a.mime_type = type;
      if (cte == "base64") {
        size_t sig = 0;
        for (char c : e.body) {
          if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/') {
            ++sig;
          }
        }
        a.size = static_cast<int64_t>(sig * 3 / 4);
      } else if (cte == "quoted-printable") {
        a.size = static_cast<int64_t>(DecodeQuotedPrintable(e.body).size());
      } else {
        a.size = static_cast<int64_t>(e.body.size());
      }
      msg->attachments.push_back(std::move(a));
      return Status::Ok();
    }
    std::string decoded;
    if (cte == "base64") {
      Result<std::string> d = DecodeBase64(e.body);
      if (!d.ok()) {
        return Status::InvalidArgument("broken base64 in the " + type + " part at byte " +
                                       std::to_string(Offset(e.body)) + ": " + d.error().message() +
                                       " of the part");
      }
      decoded = std::move(*d);
    } else if (cte == "quoted-printable") {
      decoded = DecodeQuotedPrintable(e.body);
    } else {
      decoded = std::string(e.body);
    }
    std::string utf8 = ToUtf8(decoded, params["charset"]);
    std::string normalized;
    normalized.reserve(utf8.size());
    for (size_t i = 0; i < utf8.size(); ++i) {
      if (utf8[i] == '\r') {
        normalized.push_back('\n');
        if (i + 1 < utf8.size() && utf8[i + 1] == '\n') ++i;
        continue;
      }
      normalized.push_back(utf8[i]);
    }
    if (type == "text/html") {
      if (html->empty()) *html = std::move(normalized);
    } else {
      if (!text->empty()) text->append("\n\n");
      text->append(normalized);
    }
    return Status::Ok();
  }

  Status WalkMultipart(const Entity& e, const std::string& type,
                       std::map<std::string, std::string>& params, int depth,
                       desk::InboundMessage* msg, std::string* text, std::string* html) {
    if (depth >= limits_.max_depth) {
      return Status::InvalidArgument("MIME parts nested deeper than " +
                                     std::to_string(limits_.max_depth) + " (at byte " +
                                     std::to_string(Offset(e.body)) + ")");
    }
    const std::string& boundary = params["boundary"];
    if (boundary.empty() || boundary.size() > 200) {
      return Status::InvalidArgument(type + " part at byte " + std::to_string(Offset(e.body)) +
                                     " has no valid boundary parameter");
    }
    std::vector<std::string_view> parts = SplitMultipart(e.body, boundary);
    const bool alternative = type == "multipart/alternative";
    for (std::string_view part : parts) {
      Entity child;
      LP_RETURN_IF_ERROR(ParseHeaders(part, /*strict=*/false, &child));
      std::string child_text;
      std::string child_html;
      LP_RETURN_IF_ERROR(Walk(child, depth + 1, msg, &child_text, &child_html));
      if (alternative) {
        // The last alternative of each kind is the preferred one.
        if (!child_text.empty()) *text = std::move(child_text);
        if (!child_html.empty()) *html = std::move(child_html);
      } else {
        if (!child_text.empty()) {
          if (!text->empty()) text->append("\n\n");
          text->append(child_text);
        }
        if (html->empty() && !child_html.empty()) *html = std::move(child_html);
      }
    }
    return Status::Ok();
  }

  // The parts between "--boundary" lines; a missing close delimiter ends the
  // last part at the end of the data (a truncated mail keeps what arrived).
  static std::vector<std::string_view> SplitMultipart(std::string_view body,
                                                      const std::string& boundary) {
    std::vector<std::string_view> parts;
    const std::string delim = "--" + boundary;
    size_t pos = 0;
    size_t part_start = std::string_view::npos;
    while (pos < body.size()) {
      size_t nl = body.find('\n', pos);
      size_t line_end = nl == std::string_view::npos ? body.size() : nl;
      std::string_view line = body.substr(pos, line_end - pos);
      if (line.size() >= delim.size() && line.compare(0, delim.size(), delim) == 0) {
        std::string_view rest = Trim(line.substr(delim.size()));
        bool close = rest.substr(0, 2) == "--";
        if (rest.empty() || close) {
          if (part_start != std::string_view::npos) {
            // The line break before the delimiter belongs to the delimiter.
            size_t end = pos;
            if (end > part_start && body[end - 1] == '\n') --end;
            if (end > part_start && body[end - 1] == '\r') --end;
            parts.push_back(body.substr(part_start, end - part_start));
          }
          if (close) return parts;
          part_start = nl == std::string_view::npos ? body.size() : nl + 1;
        }
      }
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
    if (part_start != std::string_view::npos && part_start < body.size()) {
      parts.push_back(body.substr(part_start));
    }
    return parts;
  }

  // "type/subtype; a=1; b=\"x;y\"; name*0*=utf-8''%C3; name*1*=%A4" ->
  // lower-cased type and parameters (RFC 2231 sections joined and decoded).
  static void ParseContentType(std::string_view value, std::string* type,
                               std::map<std::string, std::string>* params) {
    std::string unfolded;
    for (char c : value) unfolded.push_back(c == '\r' || c == '\n' ? ' ' : c);
    std::string_view v = unfolded;
    size_t semi = v.find(';');
    std::string t = AsciiLower(Trim(v.substr(0, semi)));
    // Drop comments and anything after white space ("text/plain (x)").
    if (size_t sp = t.find_first_of(" \t("); sp != std::string::npos) t.resize(sp);
    if (!t.empty()) *type = t;
    struct Section {
      bool extended = false;
      std::string value;
    };
    std::map<std::string, std::map<int, Section>> sections;
    size_t pos = semi == std::string_view::npos ? v.size() : semi + 1;
    while (pos < v.size()) {
      while (pos < v.size() && (v[pos] == ' ' || v[pos] == '\t' || v[pos] == ';')) ++pos;
      size_t eq = pos;
      while (eq < v.size() && v[eq] != '=' && v[eq] != ';') ++eq;
      if (eq >= v.size() || v[eq] == ';') {
        pos = eq;
        continue;
      }
      std::string key = AsciiLower(Trim(v.substr(pos, eq - pos)));
      size_t p = eq + 1;
      while (p < v.size() && (v[p] == ' ' || v[p] == '\t')) ++p;
      std::string val;
      if (p < v.size() && v[p] == '"') {
        ++p;
        while (p < v.size() && v[p] != '"') {
          if (v[p] == '\\' && p + 1 < v.size()) ++p;
          val.push_back(v[p]);
          ++p;
        }
        if (p < v.size()) ++p;  // closing quote
        while (p < v.size() && v[p] != ';') ++p;
      } else {
        size_t end = v.find(';', p);
        if (end == std::string_view::npos) end = v.size();
        val = std::string(Trim(v.substr(p, end - p)));
        p = end;
      }
      pos = p;
      if (key.empty()) continue;
      bool extended = key.back() == '*';
      if (extended) key.pop_back();
      int index = -1;
      if (size_t star = key.rfind('*'); star != std::string::npos && star + 1 < key.size()) {
        std::string_view num = std::string_view(key).substr(star + 1);
        bool digits = num.size() <= 3;
        for (char c : num) digits = digits && c >= '0' && c <= '9';
        if (digits) {
          index = 0;
          for (char c : num) index = index * 10 + (c - '0');
          key.resize(star);
        }
      }
      if (index < 0) {
        if (extended) {
          (*params)[key] = DecodeRfc2231Value(val);
        } else if (!params->count(key)) {
          (*params)[key] = val;
        }
        continue;
      }
      sections[key][index] = Section{extended, std::move(val)};
    }
    for (auto& [key, parts] : sections) {
      std::string charset;
      std::string bytes;
      bool first = true;
      for (auto& [index, section] : parts) {
        std::string_view data = section.value;
        if (first && section.extended) {
          size_t q1 = data.find('\'');
          size_t q2 = q1 == std::string_view::npos ? q1 : data.find('\'', q1 + 1);
          if (q2 != std::string_view::npos) {
            charset = std::string(data.substr(0, q1));
            data = data.substr(q2 + 1);
          }
        }
        first = false;
        if (!section.extended) {
          bytes.append(data);
          continue;
        }
        for (size_t i = 0; i < data.size(); ++i) {
          auto hex = [](char c) {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
          };
          if (data[i] == '%' && i + 2 < data.size() && hex(data[i + 1]) >= 0 &&
              hex(data[i + 2]) >= 0) {
            bytes.push_back(static_cast<char>(hex(data[i + 1]) * 16 + hex(data[i + 2])));
            i += 2;
          } else {
            bytes.push_back(data[i]);
          }
        }
      }
      (*params)[key] = ToUtf8(bytes, charset);
    }
  }

 private:
  std::string_view raw_;
  const MimeLimits& limits_;
  size_t parts_ = 0;
};

}  // namespace

MailAddress ParseAddress(std::string_view value) {
  MailAddress out;
  std::string v;
  for (char c : value) v.push_back(c == '\r' || c == '\n' || c == '\t' ? ' ' : c);
  // Only the first mailbox: cut at a comma outside quotes, angle brackets
  // and comments.
  bool quoted = false;
  int angle = 0, paren = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') quoted = true;
    if (c == '<') ++angle;
    if (c == '>' && angle > 0) --angle;
    if (c == '(') ++paren;
    if (c == ')' && paren > 0) --paren;
    if (c == ',' && angle == 0 && paren == 0) {
      v.resize(i);
      break;
    }
  }
  std::string name;
  std::string address;
  size_t lt = v.rfind('<');
  size_t gt = lt == std::string::npos ? lt : v.find('>', lt);
  if (lt != std::string::npos && gt != std::string::npos) {
    address = std::string(Trim(std::string_view(v).substr(lt + 1, gt - lt - 1)));
    name = v.substr(0, lt);
  } else {
    // "addr (Name)" or a bare address.
    size_t open = v.find('(');
    size_t close = open == std::string::npos ? open : v.find(')', open);
    if (open != std::string::npos && close != std::string::npos) {
      name = v.substr(open + 1, close - open - 1);
      address = std::string(Trim(std::string_view(v).substr(0, open)));
    } else {
      address = std::string(Trim(v));
    }
  }
  // Unquote the display name ("Roth, Jana" -> Roth, Jana), then decode
  // encoded words.
  std::string unquoted;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '"') continue;
    if (name[i] == '\\' && i + 1 < name.size()) ++i;
    unquoted.push_back(name[i]);
  }
  out.name = DecodeHeaderText(unquoted);
  if (address.find('@') == std::string::npos || address.find(' ') != std::string::npos) {
    address.clear();
  }
  out.address = utf8::Sanitize(AsciiLower(address));
  return out;
}

std::vector<std::string> ParseMessageIds(std::string_view value) {
  std::vector<std::string> ids;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t lt = value.find('<', pos);
    if (lt == std::string_view::npos) break;
    size_t gt = value.find('>', lt + 1);
    if (gt == std::string_view::npos) break;
    std::string id(Trim(value.substr(lt + 1, gt - lt - 1)));
    bool ok = !id.empty() && id.size() <= 500;
    for (char c : id) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7F || c == '<') ok = false;
    }
    if (ok && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(utf8::Sanitize(id));
    pos = gt + 1;
  }
  return ids;
}

std::string HashExternalId(std::string_view raw) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(raw.data(), raw.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256-";
  for (unsigned int i = 0; i < 16 && i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

Result<desk::InboundMessage> ParseMessage(std::string_view raw, const MimeLimits& limits) {
  if (raw.empty()) return Status::InvalidArgument("empty message");
  if (raw.size() > limits.max_bytes) {
    return Status::InvalidArgument("message of " + std::to_string(raw.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(limits.max_bytes));
  }
  Parser parser(raw, limits);
  Entity top;
  LP_RETURN_IF_ERROR(parser.ParseHeaders(raw, /*strict=*/true, &top));
  if (top.headers.empty()) {
    return Status::InvalidArgument("message has no header fields (byte 0)");
  }
  desk::InboundMessage msg;
  msg.is_public = false;
  if (const Header* h = Find(top.headers, "message-id")) {
    std::vector<std::string> ids = ParseMessageIds(h->value);
    if (!ids.empty()) {
      msg.external_id = ids.front();
    } else {
      // Some mailers omit the angle brackets.
      std::string bare(Trim(h->value));
      if (!bare.empty() && bare.size() <= 500 &&
          bare.find_first_of(" \t\r\n") == std::string::npos) {
        msg.external_id = utf8::Sanitize(bare);
      }
    }
  }
  if (msg.external_id.empty()) msg.external_id = HashExternalId(raw);
  if (const Header* h = Find(top.headers, "in-reply-to")) {
    std::vector<std::string> ids = ParseMessageIds(h->value);
    if (!ids.empty()) msg.in_reply_to = ids.front();
  }
  if (const Header* h = Find(top.headers, "references")) {
    msg.references = ParseMessageIds(h->value);
    constexpr size_t kMaxReferences = 100;
    if (msg.references.size() > kMaxReferences) {
      msg.references.erase(msg.references.begin(),
                           msg.references.end() - static_cast<ptrdiff_t>(kMaxReferences));
    }
  }
  if (const Header* h = Find(top.headers, "from")) {
    MailAddress from = ParseAddress(h->value);
    msg.author_handle = from.address;
    msg.author_name = from.name;
  }
  if (const Header* h = Find(top.headers, "subject")) msg.subject = DecodeHeaderText(h->value);
  if (const Header* h = Find(top.headers, "date")) {
    Result<int64_t> when = ParseMailDate(h->value);
    if (when.ok()) msg.sent_at = *when;
  }
  if (const Header* h = Find(top.headers, "content-language")) {
    std::string lang(Trim(h->value.substr(0, h->value.find(','))));
    bool ok = !lang.empty() && lang.size() <= 35;
    for (char c : lang) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-');
    if (ok) msg.language = lang;
  }
  std::string text;
  std::string html;
  LP_RETURN_IF_ERROR(parser.Walk(top, 0, &msg, &text, &html));
  msg.html = std::move(html);
  msg.text = text.empty() && !msg.html.empty() ? HtmlToText(msg.html) : std::move(text);
  return msg;
}

}  // namespace leitplanke::channels::email
