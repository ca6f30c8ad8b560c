// Lexicon parsing and match confirmation.
//
// Hyperscan finds every folded literal anywhere; whether a match counts is a
// question of where it sits in its word. German writes compounds as one word,
// so an insult may be the head ("Vollidiot") or the modifier
// ("Arschlochkind") of a compound, while short terms hide inside harmless
// words ("Analyse", "Spastik", "Scunthorpe"). Each entry therefore says where
// it may sit (word/prefix/suffix/infix), and "allow" entries name the known
// harmless words that would otherwise contain a match.
#include "guard/detectors/offensive/lexicon.h"

#include <algorithm>
#include <map>

namespace leitplanke::guard::detectors::offensive {

namespace {

// Word characters of the folded view: ASCII letters and digits, and any
// non-ASCII byte (letters of other scripts stay as they are).
bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

bool AtWordStart(std::string_view s, size_t i) {
  return i == 0 || !IsWordByte(static_cast<unsigned char>(s[i - 1]));
}
bool AtWordEnd(std::string_view s, size_t i) {
  return i >= s.size() || !IsWordByte(static_cast<unsigned char>(s[i]));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t t = line.find('\t', pos);
    out.push_back(Trim(line.substr(pos, t == std::string_view::npos ? t : t - pos)));
    if (t == std::string_view::npos) break;
    pos = t + 1;
  }
  return out;
}

}  // namespace

std::string_view LexLevelName(LexLevel l) {
  switch (l) {
    case LexLevel::kSlur:
      return "slur";
    case LexLevel::kInsult:
      return "insult";
    case LexLevel::kProfanity:
      return "profanity";
    case LexLevel::kAllow:
      return "allow";
  }
  return "";
}

std::optional<LexLevel> ParseLexLevel(std::string_view s) {
  for (LexLevel l : {LexLevel::kSlur, LexLevel::kInsult, LexLevel::kProfanity, LexLevel::kAllow}) {
    if (s == LexLevelName(l)) return l;
  }
  return std::nullopt;
}

Result<std::vector<LexEntry>> ParseLexicon(std::string_view content, std::string_view file,
                                           const Normalizer& normalizer) {
  std::vector<LexEntry> out;
  size_t pos = 0;
  size_t line_no = 0;
  while (pos <= content.size()) {
    size_t nl = content.find('\n', pos);
    std::string_view line =
        content.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? content.size() + 1 : nl + 1;
    ++line_no;
    std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    const std::string where = std::string(file) + ":" + std::to_string(line_no) + ": ";
    std::vector<std::string_view> cols = SplitTabs(line);
    if (cols.size() < 2) {
      return Status::InvalidArgument(where + "expected 'term<TAB>severity[<TAB>match<TAB>note]'");
    }
    LexEntry e;
    e.term = std::string(cols[0]);
    if (e.term.empty()) return Status::InvalidArgument(where + "empty term");
    std::optional<LexLevel> level = ParseLexLevel(cols[1]);
    if (!level) {
      return Status::InvalidArgument(where + "unknown severity '" + std::string(cols[1]) +
                                     "' (slur, insult, profanity or allow)");
    }
    e.level = *level;
    std::string_view m = cols.size() > 2 ? cols[2] : "";
    if (m.empty() || m == "word") {
      e.match = LexMatch::kWord;
    } else if (m == "prefix") {
      e.match = LexMatch::kPrefix;
    } else if (m == "suffix") {
      e.match = LexMatch::kSuffix;
    } else if (m == "infix") {
      e.match = LexMatch::kInfix;
    } else {
      return Status::InvalidArgument(where + "unknown match mode '" + std::string(m) +
                                     "' (word, prefix, suffix or infix)");
    }
    if (cols.size() > 3) e.note = std::string(cols[3]);
    e.folded = normalizer.Fold(e.term);
    // Fold() may add or keep edge spaces; the literal is the trimmed form.
    e.folded = std::string(Trim(e.folded));
    if (e.folded.size() < 2) {
      return Status::InvalidArgument(where + "term '" + e.term + "' folds to fewer than 2 bytes");
    }
    e.source = std::string(file);
    out.push_back(std::move(e));
  }
  return out;
}

Lexicon::Lexicon(std::vector<LexEntry> entries) {
  std::map<std::string, size_t> by_folded;
  for (LexEntry& e : entries) {
    auto it = by_folded.find(e.folded);
    if (it == by_folded.end()) {
      by_folded.emplace(e.folded, entries_.size());
      entries_.push_back(std::move(e));
      continue;
    }
    LexEntry& kept = entries_[it->second];
    // "allow" wins (it is an explicit decision), then the stricter level.
    if (e.level == LexLevel::kAllow || (kept.level != LexLevel::kAllow && e.level > kept.level)) {
      kept.level = e.level;
      kept.note = e.note;
    }
    if (static_cast<int>(e.match) > static_cast<int>(kept.match)) kept.match = e.match;
  }
}

std::vector<PatternSpec> Lexicon::Patterns() const {
  std::vector<PatternSpec> out;
  out.reserve(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) {
    PatternSpec p;
    p.expression = entries_[i].folded;
    p.flags = kPatLiteral;
    p.view = View::kFolded;
    p.id = static_cast<uint32_t>(i);
    out.push_back(std::move(p));
  }
  return out;
}

void Lexicon::Confirm(std::string_view folded, std::span<const Candidate> candidates,
                      std::vector<LexHit>* out) const {
  out->clear();
  std::vector<LexHit> allows;
  for (const Candidate& c : candidates) {
    if (c.view != View::kFolded || c.id >= entries_.size()) continue;
    const LexEntry& e = entries_[c.id];
    size_t end = c.to;
    if (end > folded.size() || end < e.folded.size()) continue;
    size_t start = end - e.folded.size();
    bool ok = true;
    switch (e.match) {
      case LexMatch::kWord:
        ok = AtWordStart(folded, start) && AtWordEnd(folded, end);
        break;
      case LexMatch::kPrefix:
        ok = AtWordStart(folded, start);
        break;
      case LexMatch::kSuffix:
        ok = AtWordEnd(folded, end);
        break;
      case LexMatch::kInfix:
        break;
    }
    if (!ok) continue;
    // Report the whole word: a compound part ("Riesenarschloch") is shown
    // as the word the reader sees.
    while (start > 0 && IsWordByte(static_cast<unsigned char>(folded[start - 1]))) --start;
    while (end < folded.size() && IsWordByte(static_cast<unsigned char>(folded[end]))) ++end;
    LexHit h{static_cast<uint32_t>(start), static_cast<uint32_t>(end), &e};
    (e.level == LexLevel::kAllow ? allows : *out).push_back(h);
  }
  auto suppressed = [&](const LexHit& h) {
    for (const LexHit& a : allows) {
      if (a.start <= h.start && h.end <= a.end) return true;
    }
    return false;
  };
  out->erase(std::remove_if(out->begin(), out->end(), suppressed), out->end());
  // Longest (then strictest) first at each start, so contained hits
  // ("fresse" in "halt die fresse") give way to the entry that covers more.
  std::sort(out->begin(), out->end(), [](const LexHit& a, const LexHit& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end > b.end;
    return a.entry->level > b.entry->level;
  });
  std::vector<LexHit> kept;
  for (const LexHit& h : *out) {
    bool inside = false;
    for (const LexHit& k : kept) {
      if (k.start <= h.start && h.end <= k.end && k.entry->level >= h.entry->level) inside = true;
    }
    if (!inside) kept.push_back(h);
  }
  *out = std::move(kept);
}

}  // namespace leitplanke::guard::detectors::offensive
