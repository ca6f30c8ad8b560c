#include "guard/detectors/lexicon/lexicon_matcher.h"

#include <algorithm>
#include <unordered_set>

#include "guard/detectors/text_scan.h"

namespace leitplanke::guard::detectors {

Result<LexiconMatcher> LexiconMatcher::Build(const std::vector<std::string>& entries,
                                             const Normalizer* normalizer, const Options& options) {
  if (normalizer == nullptr) return Status::FailedPrecondition("word lists need a normalizer");
  LexiconMatcher m;
  m.options_ = options;
  m.entries_ = entries;
  std::unordered_set<std::string> seen;
  auto add = [&](std::string folded, uint32_t entry, bool open_left, bool open_right) {
    // Trim the blanks folding may leave at the edges.
    while (!folded.empty() && folded.back() == ' ') folded.pop_back();
    size_t lead = folded.find_first_not_of(' ');
    if (lead == std::string::npos) return;
    folded.erase(0, lead);
    std::string key = folded + (open_left ? "\x01" : "") + (open_right ? "\x02" : "");
    if (!seen.insert(key).second) return;
    m.variants_.push_back({std::move(folded), entry, open_left, open_right});
  };
  for (uint32_t i = 0; i < entries.size(); ++i) {
    std::string_view raw = entries[i];
    bool open_left = false, open_right = false;
    if (options.wildcards) {
      if (!raw.empty() && raw.front() == '*') open_left = true, raw.remove_prefix(1);
      if (!raw.empty() && raw.back() == '*') open_right = true, raw.remove_suffix(1);
    }
    std::string f = normalizer->Fold(raw);
    if (options.joined_variants && f.find_first_of(" -") != std::string::npos) {
      std::string joined, hyphened = f;
      for (char c : f) {
        if (c != ' ' && c != '-') joined.push_back(c);
      }
      std::replace(hyphened.begin(), hyphened.end(), ' ', '-');
      add(std::move(joined), i, open_left, open_right);
      add(std::move(hyphened), i, open_left, open_right);
    }
    add(std::move(f), i, open_left, open_right);
  }
  return m;
}

std::vector<PatternSpec> LexiconMatcher::Patterns(uint32_t id_base) const {
  std::vector<PatternSpec> out;
  out.reserve(variants_.size());
  for (uint32_t i = 0; i < variants_.size(); ++i) {
    out.push_back({variants_[i].folded, kPatLiteral, View::kFolded, id_base + i});
  }
  return out;
}

bool LexiconMatcher::Accept(const Candidate& c, std::string_view folded, uint32_t id_base,
                            Hit* hit) const {
  if (c.view != View::kFolded || c.id < id_base || c.id - id_base >= variants_.size()) {
    return false;
  }
  const Variant& v = variants_[c.id - id_base];
  const bool left = v.open_left || StartsWord(folded, c.from);
  const bool right = v.open_right || EndsWord(folded, c.to);
  bool ok = left && right;
  if (!ok && options_.compounds) {
    // German compounds put the head last ("Tariffalke", "#ProjektFalke"), so
    // an entry that ends a word counts from min_compound_length on. An entry
    // that only starts a word ("Falkenhof") is more often a different word,
    // so it must be clearly longer.
    const size_t len = c.to - c.from;
    ok = (right && len >= options_.min_compound_length) ||
         (left && len >= options_.min_compound_length + kPrefixCompoundExtra);
  }
  if (!ok) return false;
  hit->entry = v.entry;
  hit->from = c.from;
  hit->to = c.to;
  if (v.open_left) {
    while (hit->from > 0 && IsWordByte(static_cast<unsigned char>(folded[hit->from - 1])))
      --hit->from;
  }
  if (v.open_right) {
    while (hit->to < folded.size() && IsWordByte(static_cast<unsigned char>(folded[hit->to])))
      ++hit->to;
  }
  return true;
}

}  // namespace leitplanke::guard::detectors
