// Detector "links": links that must not leave the company (R03, R17).
//
// Types:
//   internal_host   a host under one of the company's internal domains
//                   ("wiki.intern.beispiel.de", "jira.corp"), with or without
//                   a scheme, also as a bare hostname;
//   private_ip_url  a URL whose host is a private, loopback or link-local IP
//                   address, or "localhost";
//   ip_literal_url  a URL whose host is any other IP literal;
//   shortener       a URL shortener link (the reader cannot see the target).
// Domains and shorteners are case-insensitive literals on the raw view; the
// hit is widened to the whole URL token so the finding shows the full link.
//
// Robustness: Hyperscan literal hits and two anchored regexes; widening walks
// at most one token per hit.
#include <cstring>

#include <arpa/inet.h>

#include "leitplanke/guard/detector.h"

#include "guard/detectors/text_scan.h"

namespace leitplanke::guard::detectors::links {

namespace {

const char* const kDefaultShorteners[] = {
    "bit.ly",    "tinyurl.com", "goo.gl",  "ow.ly",   "is.gd",    "buff.ly",  "rebrand.ly",
    "cutt.ly",   "shorturl.at", "tiny.cc", "t.ly",    "rb.gy",    "s.id",     "bl.ink",
    "shorte.st", "adf.ly",      "v.gd",    "lnkd.in", "tiny.one", "short.io", "qr.ae"};

enum : uint32_t { kIdIpUrl = 0, kIdIp6Url = 1, kIdLocalhost = 2, kIdDomainBase = 16 };

bool IsHostByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool IsUrlByte(char c) {
  return static_cast<unsigned char>(c) > 0x20 && c != '"' && c != '<' && c != '>' && c != '\'' &&
         c != ')' && c != ']' && c != '`';
}

// Widens [from, to) to the whole URL-ish token around it, dropping trailing
// sentence punctuation.
std::pair<size_t, size_t> WidenToToken(std::string_view s, size_t from, size_t to) {
  size_t b = from;
  while (b > 0 && IsUrlByte(s[b - 1])) --b;
  size_t e = to;
  while (e < s.size() && IsUrlByte(s[e])) ++e;
  while (e > to && std::strchr(".,;:!?", s[e - 1]) != nullptr) --e;
  return {b, e};
}

bool IsPrivateV4(const unsigned char* a) {
  return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xF0) == 16) ||
         (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) || a[0] == 0 ||
         (a[0] == 100 && (a[1] & 0xC0) == 64);
}

bool IsPrivateV6(const unsigned char* a) {
  static const unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return (a[0] & 0xFE) == 0xFC || (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) ||
         std::memcmp(a, kLoopback, 16) == 0;
}

class LinksDetector final : public Detector {
 public:
  LinksDetector(std::vector<std::string> domains, size_t shortener_begin, uint32_t types)
      : domains_(std::move(domains)), shortener_begin_(shortener_begin), types_(types) {}

  std::vector<PatternSpec> Patterns() const override {
    std::vector<PatternSpec> p;
    if (types_ & (kPrivateIp | kIpLiteral)) {
      p.push_back({R"((?:https?|ftp)://(?:[^\s/@]+@)?\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})",
                   kPatCaseless | kPatSom, View::kRaw, kIdIpUrl});
      p.push_back({R"((?:https?|ftp)://(?:[^\s/@]+@)?\[[0-9A-Fa-f:.]+\])", kPatCaseless | kPatSom,
                   View::kRaw, kIdIp6Url});
    }
    if (types_ & kPrivateIp) {
      p.push_back(
          {R"((?:https?|ftp)://localhost)", kPatCaseless | kPatSom, View::kRaw, kIdLocalhost});
    }
    for (uint32_t i = 0; i < domains_.size(); ++i) {
      p.push_back({domains_[i], kPatCaseless | kPatLiteral, View::kRaw, kIdDomainBase + i});
    }
    return p;
  }

  // Reports only what its candidates confirm.
  bool NeedsCandidates() const override { return true; }

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    const std::string_view s = ctx.raw;
    size_t last_end = 0;
    for (const Candidate& c : ctx.candidates) {
      if (c.view != View::kRaw || c.from < last_end) continue;
      Detection d;
      d.view = View::kRaw;
      if (c.id >= kIdDomainBase) {
        const size_t i = c.id - kIdDomainBase;
        const bool shortener = i >= shortener_begin_;
        // Host boundary: the domain must be a whole label sequence.
        if (c.from > 0 && IsHostByte(s[c.from - 1])) continue;
        if (c.to < s.size() && IsHostByte(s[c.to])) continue;
        if (c.to + 1 < s.size() && s[c.to] == '.' && IsHostByte(s[c.to + 1])) continue;
        if (shortener && (c.to >= s.size() || s[c.to] != '/')) continue;
        // "@intern.beispiel.de" in an e-mail address is the pii detector's business.
        if (c.from > 0 && s[c.from - 1] == '@') continue;
        d.type = shortener ? "shortener" : "internal_host";
        d.evidence = domains_[i];
      } else {
        // Hyperscan has no look-ahead: the address must end here.
        if (c.to < s.size() && (IsHostByte(s[c.to]) || s[c.to] == '.') &&
            !(s[c.to] == '.' && (c.to + 1 >= s.size() || !IsHostByte(s[c.to + 1])))) {
          continue;
        }
        // Extract the host and classify the address.
        std::string_view url = s.substr(c.from, c.to - c.from);
        size_t host = url.find("://") + 3;
        if (size_t at = url.find('@', host); at != std::string_view::npos) host = at + 1;
        std::string h(url.substr(host));
        unsigned char addr[16];
        bool priv;
        if (c.id == kIdLocalhost) {
          priv = true;
        } else if (c.id == kIdIp6Url) {
          h = h.substr(1, h.size() - 2);
          if (inet_pton(AF_INET6, h.c_str(), addr) != 1) continue;
          priv = IsPrivateV6(addr);
        } else {
          if (inet_pton(AF_INET, h.c_str(), addr) != 1) continue;
          priv = IsPrivateV4(addr);
        }
        d.type = priv ? "private_ip_url" : "ip_literal_url";
        if (!(types_ & (priv ? kPrivateIp : kIpLiteral))) continue;
        d.evidence = h;
      }
      if ((d.type == "internal_host" && !(types_ & kInternal)) ||
          (d.type == "shortener" && !(types_ & kShortener))) {
        continue;
      }
      std::tie(d.start, d.end) = WidenToToken(s, c.from, c.to);
      last_end = d.end;
      sink.Add(std::move(d));
    }
    return ScanControl::kContinue;
  }

  enum : uint32_t { kInternal = 1, kPrivateIp = 2, kIpLiteral = 4, kShortener = 8 };

 private:
  const std::vector<std::string> domains_;  // internal domains, then shorteners
  const size_t shortener_begin_;
  const uint32_t types_;
};

class Factory final : public DetectorFactory {
 public:
  std::string_view name() const override { return "links"; }
  std::string_view version() const override { return "1"; }
  Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                           const DetectorEnv& env) const override {
    LP_RETURN_IF_ERROR(params.CheckKnown({"types", "internal_domains", "internal_domain_files",
                                          "shorteners", "default_shorteners"}));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> types, params.GetStrings("types"));
    uint32_t mask = types.empty() ? 15 : 0;
    for (const std::string& t : types) {
      if (t == "internal_host") {
        mask |= LinksDetector::kInternal;
      } else if (t == "private_ip_url") {
        mask |= LinksDetector::kPrivateIp;
      } else if (t == "ip_literal_url") {
        mask |= LinksDetector::kIpLiteral;
      } else if (t == "shortener") {
        mask |= LinksDetector::kShortener;
      } else {
        return Status::InvalidArgument(
            "types: unknown type '" + t +
            "' (internal_host, private_ip_url, ip_literal_url, shortener)");
      }
    }
    LP_ASSIGN_OR_RETURN(std::vector<std::string> domains,
                        CollectEntries(params, "internal_domains", "internal_domain_files", env));
    for (std::string& d : domains) {
      while (!d.empty() && d.front() == '.') d.erase(0, 1);
      if (d.empty() || d.find_first_of(" /@\t") != std::string::npos) {
        return Status::InvalidArgument("internal_domains: '" + d + "' is not a domain name");
      }
    }
    const size_t shortener_begin = domains.size();
    LP_ASSIGN_OR_RETURN(bool defaults, params.GetBool("default_shorteners", true));
    if (defaults)
      domains.insert(domains.end(), std::begin(kDefaultShorteners), std::end(kDefaultShorteners));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> shorteners, params.GetStrings("shorteners"));
    domains.insert(domains.end(), shorteners.begin(), shorteners.end());
    return std::unique_ptr<Detector>(new LinksDetector(std::move(domains), shortener_begin, mask));
  }
};

}  // namespace

const DetectorFactory& Factory() {
  static const class Factory kFactory;
  return kFactory;
}

}  // namespace leitplanke::guard::detectors::links
