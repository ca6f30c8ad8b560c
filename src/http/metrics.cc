// Metrics registry. Children live in node-based maps behind a per-family
// lock that is taken only to look a child up or to render; updates are
// relaxed atomics on the child itself.
#include "http/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace leitplanke::http {
namespace {

constexpr int kCounter = 0;
constexpr int kGauge = 1;
constexpr int kHistogram = 2;
constexpr int kGaugeCallback = 3;

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (digit && i > 0))) return false;
  }
  return true;
}

void AppendDouble(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out += buf;
  }
}

void AppendLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

// {a="x",b="y"} with an optional extra label (le for histograms).
void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out.push_back('{');
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!first) out.push_back(',');
    first = false;
    out += names[i];
    out += "=\"";
    AppendLabelValue(out, values[i]);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out.push_back(',');
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out.push_back('"');
  }
  out.push_back('}');
}

template <class T>
void Delete(void* p) {
  delete static_cast<T*>(p);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<double> DefaultDurationBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

template <class T>
T& Family<T>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names.size()) {
    std::fprintf(stderr, "metrics: %s expects %zu label values, got %zu\n", name.c_str(),
                 label_names.size(), values.size());
    std::abort();
  }
  std::lock_guard lock(mu);
  auto it = children.find(values);
  if (it == children.end()) {
    T* child;
    if constexpr (std::is_same_v<T, Histogram>) {
      child = new Histogram(bounds);
    } else {
      child = new T();
    }
    it = children.emplace(values, std::unique_ptr<void, void (*)(void*)>(child, &Delete<T>)).first;
  }
  return *static_cast<T*>(it->second.get());
}

template <class T>
T& Family<T>::WithLabels(std::initializer_list<std::string_view> values) {
  std::vector<std::string> v;
  v.reserve(values.size());
  for (std::string_view s : values) v.emplace_back(s);
  return WithLabels(v);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::FamilyBase& MetricsRegistry::Register(std::string_view name, std::string_view help,
                                                       int kind,
                                                       std::vector<std::string> label_names,
                                                       std::vector<double> bounds) {
  if (!ValidName(name) ||
      !std::all_of(label_names.begin(), label_names.end(), [](const std::string& l) {
        return ValidName(l) && l.find(':') == std::string::npos && l != "le";
      })) {
    std::fprintf(stderr, "metrics: invalid metric or label name for '%.*s'\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  std::lock_guard lock(mu_);
  for (const auto& f : families_) {
    if (f->name != name) continue;
    if (f->kind != kind || f->label_names != label_names) {
      std::fprintf(stderr, "metrics: '%.*s' registered twice with different shapes\n",
                   static_cast<int>(name.size()), name.data());
      std::abort();
    }
    return *f;
  }
  std::unique_ptr<FamilyBase> f;
  switch (kind) {
    case kCounter:
      f = std::make_unique<Family<Counter>>();
      break;
    case kGauge:
    case kGaugeCallback:
      f = std::make_unique<Family<Gauge>>();
      break;
    default:
      f = std::make_unique<Family<Histogram>>();
  }
  f->name = std::string(name);
  f->help = std::string(help);
  f->kind = kind;
  f->label_names = std::move(label_names);
  f->bounds = std::move(bounds);
  families_.push_back(std::move(f));
  return *families_.back();
}

Family<Counter>& MetricsRegistry::AddCounter(std::string_view name, std::string_view help,
                                             std::vector<std::string> label_names) {
  return static_cast<Family<Counter>&>(Register(name, help, kCounter, std::move(label_names), {}));
}

Family<Gauge>& MetricsRegistry::AddGauge(std::string_view name, std::string_view help,
                                         std::vector<std::string> label_names) {
  return static_cast<Family<Gauge>&>(Register(name, help, kGauge, std::move(label_names), {}));
}

Family<Histogram>& MetricsRegistry::AddHistogram(std::string_view name, std::string_view help,
                                                 std::vector<std::string> label_names,
                                                 std::vector<double> bounds) {
  if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end()) {
    std::fprintf(stderr, "metrics: histogram '%.*s' needs strictly increasing bounds\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return static_cast<Family<Histogram>&>(
      Register(name, help, kHistogram, std::move(label_names), std::move(bounds)));
}

void MetricsRegistry::AddGaugeCallback(std::string_view name, std::string_view help,
                                       std::function<double()> fn) {
  FamilyBase& f = Register(name, help, kGaugeCallback, {}, {});
  std::lock_guard lock(f.mu);
  f.callback = std::move(fn);
}

std::string MetricsRegistry::Render() const {
  std::vector<FamilyBase*> families;
  {
    std::lock_guard lock(mu_);
    for (const auto& f : families_) families.push_back(f.get());
  }
  std::string out;
  for (FamilyBase* f : families) {
    out += "# HELP ";
    out += f->name;
    out.push_back(' ');
    for (char c : f->help) out += c == '\n' ? std::string("\\n") : std::string(1, c);
    out += "\n# TYPE ";
    out += f->name;
    out += f->kind == kCounter ? " counter\n" : f->kind == kHistogram ? " histogram\n" : " gauge\n";
    std::lock_guard lock(f->mu);
    if (f->kind == kGaugeCallback) {
      const double v = f->callback ? f->callback() : 0.0;
      out += f->name;
      out.push_back(' ');
      AppendDouble(out, v);
      out.push_back('\n');
      continue;
    }
    for (const auto& [values, child] : f->children) {
      if (f->kind == kCounter) {
        out += f->name;
        AppendLabels(out, f->label_names, values);
        out.push_back(' ');
        out += std::to_string(static_cast<const Counter*>(child.get())->value());
        out.push_back('\n');
      } else if (f->kind == kGauge) {
        out += f->name;
        AppendLabels(out, f->label_names, values);
        out.push_back(' ');
        AppendDouble(out, static_cast<const Gauge*>(child.get())->value());
        out.push_back('\n');
      } else {
        const auto* h = static_cast<const Histogram*>(child.get());
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= h->bounds().size(); ++i) {
          cumulative += h->bucket(i);
          std::string le;
          if (i == h->bounds().size()) {
            le = "+Inf";
          } else {
            AppendDouble(le, h->bounds()[i]);
          }
          out += f->name;
          out += "_bucket";
          AppendLabels(out, f->label_names, values, "le", le);
          out.push_back(' ');
          out += std::to_string(cumulative);
          out.push_back('\n');
        }
        out += f->name;
        out += "_sum";
        AppendLabels(out, f->label_names, values);
        out.push_back(' ');
        AppendDouble(out, h->sum());
        out += '\n';
        out += f->name;
        out += "_count";
        AppendLabels(out, f->label_names, values);
        out.push_back(' ');
        out += std::to_string(h->count());
        out.push_back('\n');
      }
    }
  }
  return out;
}

}  // namespace leitplanke::http
