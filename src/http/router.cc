// Router: patterns are split into segments once at registration; matching is
// a linear scan over the routes comparing segments, which for the few dozen
// routes of the application is cheaper than any index and allocates nothing
// until a match is found.
#include "http/router.h"

#include <algorithm>

namespace leitplanke::http {
namespace {

struct Segment {
  std::string text;  // literal text or parameter name
  bool param = false;
};

bool IsTokenChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Splits "/a/b" into {"a","b"}; "/" into {}.
void SplitPath(std::string_view path, std::vector<std::string_view>* out) {
  out->clear();
  if (path.empty() || path.front() != '/') return;
  path.remove_prefix(1);
  if (path.empty()) return;
  while (true) {
    const std::size_t slash = path.find('/');
    out->push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

std::string_view RouteKindName(RouteKind kind) {
  switch (kind) {
    case RouteKind::kInline:
      return "inline";
    case RouteKind::kBlocking:
      return "blocking";
    case RouteKind::kSse:
      return "sse";
  }
  return "inline";
}

struct Router::Impl {
  struct Entry {
    Route route;
    std::vector<Segment> segments;
    int literal_count = 0;
  };
  std::vector<std::unique_ptr<Entry>> entries;  // registration order
  PreHandler pre_handler;

  static bool SegmentsMatch(const Entry& e, const std::vector<std::string_view>& parts) {
    if (e.segments.size() != parts.size()) return false;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (e.segments[i].param) {
        if (parts[i].empty()) return false;
      } else if (e.segments[i].text != parts[i]) {
        return false;
      }
    }
    return true;
  }
};

Router::Router() : impl_(std::make_unique<Impl>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Status Router::Handle(std::string_view method, std::string_view pattern, Handler handler,
                      RouteOptions options) {
  if (method.empty() ||
      !std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return Status::InvalidArgument("route method must be upper-case letters: '" +
                                   std::string(method) + "'");
  }
  if (method == "HEAD") {
    return Status::InvalidArgument("HEAD is served by the GET route of a path");
  }
  if (options.kind == RouteKind::kSse) {
    return Status::InvalidArgument("use HandleSse for SSE route " + std::string(pattern));
  }
  if (!handler) return Status::InvalidArgument("empty handler for " + std::string(pattern));
  if (pattern.empty() || pattern.front() != '/') {
    return Status::InvalidArgument("route pattern must start with '/': '" + std::string(pattern) +
                                   "'");
  }
  auto entry = std::make_unique<Impl::Entry>();
  std::vector<std::string_view> parts;
  SplitPath(pattern, &parts);
  for (std::string_view part : parts) {
    Segment seg;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      seg.param = true;
      seg.text = std::string(part.substr(1, part.size() - 2));
      if (seg.text.empty() || !std::all_of(seg.text.begin(), seg.text.end(), IsTokenChar)) {
        return Status::InvalidArgument("bad parameter name in route pattern '" +
                                       std::string(pattern) + "'");
      }
      for (const Segment& other : entry->segments) {
        if (other.param && other.text == seg.text) {
          return Status::InvalidArgument("parameter {" + seg.text + "} appears twice in '" +
                                         std::string(pattern) + "'");
        }
      }
    } else {
      if (part.empty() || part.find_first_of("{}?#%") != std::string_view::npos) {
        return Status::InvalidArgument("bad segment '" + std::string(part) +
                                       "' in route pattern '" + std::string(pattern) + "'");
      }
      seg.text = std::string(part);
      ++entry->literal_count;
    }
    entry->segments.push_back(std::move(seg));
  }
  for (const auto& e : impl_->entries) {
    if (e->route.method != method || e->segments.size() != entry->segments.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < e->segments.size() && same; ++i) {
      const Segment& a = e->segments[i];
      const Segment& b = entry->segments[i];
      same = a.param == b.param && (a.param || a.text == b.text);
    }
    if (same) {
      return Status::AlreadyExists("route " + std::string(method) + " " + std::string(pattern) +
                                   " clashes with " + e->route.pattern);
    }
  }
  entry->route.method = std::string(method);
  entry->route.pattern = std::string(pattern);
  entry->route.options = std::move(options);
  entry->route.handler = std::move(handler);
  impl_->entries.push_back(std::move(entry));
  return Status::Ok();
}

Status Router::HandleSse(std::string_view pattern, SseHandler handler, RouteOptions options) {
  if (!handler) return Status::InvalidArgument("empty SSE handler for " + std::string(pattern));
  options.kind = RouteKind::kInline;  // passes Handle's checks; fixed below
  Status s = Handle(
      "GET", pattern, [](Request&) { return Response(); }, std::move(options));
  if (!s.ok()) return s;
  Route& route = impl_->entries.back()->route;
  route.options.kind = RouteKind::kSse;
  route.handler = nullptr;
  route.sse_handler = std::move(handler);
  return Status::Ok();
}

void Router::SetPreHandler(PreHandler pre_handler) { impl_->pre_handler = std::move(pre_handler); }

const PreHandler& Router::pre_handler() const { return impl_->pre_handler; }

void Router::ForEachRoute(const std::function<void(const Route&)>& fn) const {
  for (const auto& e : impl_->entries) fn(e->route);
}

std::vector<RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  out.reserve(impl_->entries.size());
  for (const auto& e : impl_->entries) {
    const Route& r = e->route;
    out.push_back(RouteInfo{r.method, r.pattern, r.options.permission, r.options.summary,
                            r.options.tag, r.options.kind});
  }
  return out;
}

Status Router::Find(std::string_view method, std::string_view path, Match* match,
                    std::vector<std::pair<std::string, std::string>>* params) const {
  *match = Match();
  params->clear();
  thread_local std::vector<std::string_view> parts;
  SplitPath(path, &parts);
  if (path.empty() || path.front() != '/') return Status::Ok();
  const std::string_view want = method == "HEAD" ? std::string_view("GET") : method;
  const Impl::Entry* best = nullptr;
  const Impl::Entry* best_any = nullptr;  // for "path exists"
  for (const auto& e : impl_->entries) {
    if (!Impl::SegmentsMatch(*e, parts)) continue;
    if (best_any == nullptr) best_any = e.get();
    if (e->route.method != want) continue;
    // Prefer the most specific pattern: the one with more literal segments.
    if (best == nullptr || e->literal_count > best->literal_count) best = e.get();
  }
  if (best == nullptr) {
    if (best_any != nullptr) {
      match->path_exists = true;
      std::vector<std::string> methods;
      for (const auto& e : impl_->entries) {
        if (!Impl::SegmentsMatch(*e, parts)) continue;
        if (std::find(methods.begin(), methods.end(), e->route.method) == methods.end()) {
          methods.push_back(e->route.method);
          if (e->route.method == "GET") methods.push_back("HEAD");
        }
      }
      std::sort(methods.begin(), methods.end());
      for (const std::string& m : methods) {
        if (!match->allow.empty()) match->allow += ", ";
        match->allow += m;
      }
    }
    return Status::Ok();
  }
  for (std::size_t i = 0; i < best->segments.size(); ++i) {
    if (!best->segments[i].param) continue;
    std::optional<std::string> value = PercentDecode(parts[i], /*plus_is_space=*/false);
    if (!value) {
      return Status::InvalidArgument("malformed percent-escape in path segment '" +
                                     std::string(parts[i]) + "'");
    }
    params->emplace_back(best->segments[i].text, std::move(*value));
  }
  match->route = &best->route;
  return Status::Ok();
}

}  // namespace leitplanke::http
