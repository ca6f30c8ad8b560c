#include "guard/detectors/lexicon/lexicon_matcher.h"

#include <algorithm>
#include <unordered_map>

#include "guard/detectors/text_scan.h"

namespace leitplanke::guard::detectors {

namespace {

bool IsSeparator(char c) { return c == ' ' || c == '-'; }

// s[at, at + word.size()) == word. The first byte is compared inline: with a
// company lexicon hundreds of forms share an anchor word, and most of them
// fail on the first byte of the neighbouring word.
bool WordAt(std::string_view s, size_t at, const std::string& word) {
  if (at > s.size() || s.size() - at < word.size()) return false;
  if (!word.empty() && s[at] != word[0]) return false;
  return s.compare(at, word.size(), word) == 0;
}

// Splits a folded entry into words at blanks and hyphens; `seps` receives
// the separator after each word but the last.
void SplitWords(std::string_view f, std::vector<std::string>* words, std::string* seps) {
  size_t i = 0;
  while (i < f.size()) {
    while (i < f.size() && IsSeparator(f[i])) ++i;
    size_t b = i;
    while (i < f.size() && !IsSeparator(f[i])) ++i;
    if (i > b) {
      if (!words->empty()) seps->push_back(f[b - 1]);
      words->emplace_back(f.substr(b, i - b));
    }
  }
}

}  // namespace

Result<LexiconMatcher> LexiconMatcher::Build(const std::vector<std::string>& entries,
                                             const Normalizer* normalizer, const Options& options) {
  if (normalizer == nullptr) return Status::FailedPrecondition("word lists need a normalizer");
  LexiconMatcher m;
  m.options_ = options;
  m.entries_ = entries;
  std::unordered_map<std::string, uint32_t> literal_ids;
  for (uint32_t i = 0; i < entries.size(); ++i) {
    std::string_view raw = entries[i];
    Form form;
    form.entry = i;
    if (options.wildcards) {
      if (!raw.empty() && raw.front() == '*') form.open_left = true, raw.remove_prefix(1);
      if (!raw.empty() && raw.back() == '*') form.open_right = true, raw.remove_suffix(1);
    }
    SplitWords(normalizer->Fold(raw), &form.words, &form.seps);
    if (form.words.empty()) continue;  // folds to nothing (punctuation only)
    // The longest word anchors the entry: it is the rarest in text, and
    // entries sharing it share one literal.
    size_t anchor = 0;
    for (size_t w = 1; w < form.words.size(); ++w) {
      if (form.words[w].size() >= form.words[anchor].size()) anchor = w;
    }
    form.anchor = static_cast<uint32_t>(anchor);
    auto [it, inserted] =
        literal_ids.emplace(form.words[anchor], static_cast<uint32_t>(m.literals_.size()));
    if (inserted) m.literals_.push_back({form.words[anchor], {}});
    m.literals_[it->second].forms.push_back(static_cast<uint32_t>(m.forms_.size()));
    m.forms_.push_back(std::move(form));
  }
  return m;
}

std::vector<PatternSpec> LexiconMatcher::Patterns(uint32_t id_base) const {
  std::vector<PatternSpec> out;
  out.reserve(literals_.size());
  for (uint32_t i = 0; i < literals_.size(); ++i) {
    out.push_back({literals_[i].text, kPatLiteral, View::kFolded, id_base + i});
  }
  return out;
}

// Matches the words around the anchor hit [from, to). Between two words the
// text may have the entry's own separator, or, with joined variants, a blank,
// a hyphen or nothing ("projekt falke", "projekt-falke", "#projektfalke").
bool LexiconMatcher::MatchForm(const Form& f, std::string_view s, size_t from, size_t to,
                               size_t* begin, size_t* end) const {
  auto sep_ok = [&](char have, char want) {
    return options_.joined_variants ? IsSeparator(have) : have == want;
  };
  size_t pos = from;
  for (size_t w = f.anchor; w-- > 0;) {
    const std::string& word = f.words[w];
    // Prefer a separator; fall back to the joined spelling.
    size_t p = pos;
    if (p > 0 && sep_ok(s[p - 1], f.seps[w])) --p;
    if (p >= word.size() && WordAt(s, p - word.size(), word)) {
      pos = p - word.size();
    } else if (options_.joined_variants && pos >= word.size() &&
               WordAt(s, pos - word.size(), word)) {
      pos -= word.size();
    } else {
      return false;
    }
  }
  *begin = pos;
  pos = to;
  for (size_t w = f.anchor + 1; w < f.words.size(); ++w) {
    const std::string& word = f.words[w];
    size_t p = pos;
    if (p < s.size() && sep_ok(s[p], f.seps[w - 1])) ++p;
    if (WordAt(s, p, word)) {
      pos = p + word.size();
    } else if (options_.joined_variants && WordAt(s, pos, word)) {
      pos += word.size();
    } else {
      return false;
    }
  }
  *end = pos;
  return true;
}

bool LexiconMatcher::Accept(const Candidate& c, std::string_view folded, uint32_t id_base,
                            Hit* hit) const {
  if (c.view != View::kFolded || c.id < id_base || c.id - id_base >= literals_.size()) {
    return false;
  }
  bool found = false;
  for (uint32_t fi : literals_[c.id - id_base].forms) {
    const Form& f = forms_[fi];
    size_t b, e;
    if (!MatchForm(f, folded, c.from, c.to, &b, &e)) continue;
    const bool left = f.open_left || StartsWord(folded, b);
    const bool right = f.open_right || EndsWord(folded, e);
    bool ok = left && right;
    if (!ok && options_.compounds) {
      // German compounds put the head last ("Tariffalke", "#ProjektFalke"),
      // so an entry that ends a word counts from min_compound_length on. An
      // entry that only starts a word ("Falkenhof") is more often a
      // different word, so it must be clearly longer.
      const size_t len = e - b;
      ok = (right && len >= options_.min_compound_length) ||
           (left && len >= options_.min_compound_length + kPrefixCompoundExtra);
    }
    if (!ok || (found && e - b <= hit->to - hit->from)) continue;
    found = true;
    hit->entry = f.entry;
    hit->from = b;
    hit->to = e;
    if (f.open_left) {
      while (hit->from > 0 && IsWordByte(static_cast<unsigned char>(folded[hit->from - 1]))) {
        --hit->from;
      }
    }
    if (f.open_right) {
      while (hit->to < folded.size() && IsWordByte(static_cast<unsigned char>(folded[hit->to]))) {
        ++hit->to;
      }
    }
  }
  return found;
}

}  // namespace leitplanke::guard::detectors
