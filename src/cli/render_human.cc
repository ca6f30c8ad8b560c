#include "cli/render_human.h"

#include <cstdlib>
#include <vector>

#include <unistd.h>

#include "leitplanke/base/utf8.h"

namespace leitplanke::cli {

namespace {

const char* ActionColor(guard::Action a) {
  switch (a) {
    case guard::Action::kAllow:
      return "\x1b[32m";
    case guard::Action::kWarn:
      return "\x1b[33m";
    case guard::Action::kHold:
      return "\x1b[35m";
    case guard::Action::kBlock:
      return "\x1b[31m";
  }
  return "";
}
constexpr const char* kReset = "\x1b[0m";

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return out;
}

}  // namespace

bool WantColor(int stream_fd) { return isatty(stream_fd) && std::getenv("NO_COLOR") == nullptr; }

void RenderHuman(std::string_view text, const guard::Verdict& v, const RenderOptions& o,
                 std::ostream& out) {
  const std::string safe = utf8::Sanitize(text);
  // Mark the union of all spans (findings may overlap).
  std::vector<guard::Action> mark(safe.size() + 1, guard::Action::kAllow);
  std::vector<bool> marked(safe.size() + 1, false);
  for (const guard::Finding& f : v.findings) {
    for (size_t i = f.start; i < f.end && i < safe.size(); ++i) {
      marked[i] = true;
      mark[i] = std::max(mark[i], f.action);
    }
  }
  if (o.color) out << ActionColor(v.action);
  out << Upper(guard::ActionName(v.action));
  if (o.color) out << kReset;
  if (!o.label.empty()) out << "  " << o.label;
  out << "\n  ";
  bool in = false;
  for (size_t i = 0; i <= safe.size(); ++i) {
    const bool m = i < safe.size() && marked[i];
    if (m != in) {
      if (o.color) {
        out << (m ? std::string("\x1b[4m") + ActionColor(mark[i]) : std::string(kReset));
      } else {
        out << (m ? "⟦" : "⟧");
      }
      in = m;
    }
    if (i == safe.size()) break;
    out << safe[i];
    if (safe[i] == '\n') out << "  ";
  }
  out << "\n";
  for (const guard::Finding& f : v.findings) {
    out << "  - ";
    if (o.color) out << ActionColor(f.action);
    out << guard::ActionName(f.action);
    if (o.color) out << kReset;
    out << " " << f.rule << " [" << f.category << "/" << f.type << ", "
        << guard::SeverityName(f.severity) << "] bytes " << f.start << "-" << f.end << ": \""
        << utf8::Sanitize(f.excerpt) << "\"\n";
    if (!f.message.empty()) out << "    " << f.message << "\n";
    if (!f.fix.empty()) out << "    → " << f.fix << "\n";
    if (!f.evidence.empty()) out << "    (" << utf8::Sanitize(f.evidence) << ")\n";
  }
  for (const std::string& w : v.warnings) out << "  ! " << w << "\n";
}

}  // namespace leitplanke::cli
