// Small helpers shared by the word-list detectors (terms, phrases, requests,
// offensive): word boundaries and sentence bounds on the folded view, and
// reading one-entry-per-line company files.
//
// Header-only on purpose: every detector library stays self-contained.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

#include "leitplanke/guard/detector.h"

namespace leitplanke::guard::detectors {

// A byte that belongs to a word in the folded view: ASCII letters and digits,
// and any byte of a non-ASCII code point (the folded view keeps non-Latin
// scripts as UTF-8).
inline bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

inline bool StartsWord(std::string_view s, size_t pos) {
  return pos == 0 || !IsWordByte(static_cast<unsigned char>(s[pos - 1]));
}
inline bool EndsWord(std::string_view s, size_t pos) {
  return pos >= s.size() || !IsWordByte(static_cast<unsigned char>(s[pos]));
}

// Folded abbreviations whose dot does not end a sentence ('l' folds to 'i').
inline bool IsAbbreviation(std::string_view w) {
  if (w.size() <= 1) return true;
  static constexpr std::string_view kAbbreviations[] = {
      "z.b", "u.a",  "d.h", "o.a", "o.g", "bzw", "ca",  "nr",   "vgi",  "usw",  "etc", "inki",
      "ggf", "evti", "dr",  "hr",  "fr",  "st",  "mio", "mrd",  "tei",  "str",  "e.g", "i.e",
      "vs",  "no",   "mr",  "mrs", "ms",  "abs", "art", "bspw", "zzgi", "ggfs", "max", "min"};
  for (std::string_view a : kAbbreviations) {
    if (w == a) return true;
  }
  return false;
}

// [begin, end) of the sentence around [from, to) in the folded view.
inline std::pair<size_t, size_t> SentenceAround(std::string_view s, size_t from, size_t to) {
  auto is_end = [&](size_t i) {
    char c = s[i];
    if (c == '!' || c == '?' || c == '\n' || c == ';') return true;
    // A dot ends a sentence when followed by a blank or the end, unless it
    // closes a single letter ("u. a.") or a common abbreviation ("z.b.", "nr.").
    if (c != '.') return false;
    if (i + 1 < s.size() && s[i + 1] != ' ') return false;
    size_t w = i;
    while (w > 0 && (IsWordByte(static_cast<unsigned char>(s[w - 1])) || s[w - 1] == '.')) --w;
    return !IsAbbreviation(s.substr(w, i - w));
  };
  size_t b = from;
  while (b > 0 && !is_end(b - 1)) --b;
  size_t e = to;
  while (e < s.size() && !is_end(e)) ++e;
  return {b, e};
}

// True when `word` (folded) occurs in s[begin, end) as a whole word; a
// trailing '*' in `word` allows any continuation ("garantier*").
inline bool ContainsWord(std::string_view s, size_t begin, size_t end, std::string_view word) {
  bool prefix = !word.empty() && word.back() == '*';
  if (prefix) word.remove_suffix(1);
  if (word.empty()) return false;
  std::string_view window = s.substr(begin, end - begin);
  for (size_t pos = window.find(word); pos != std::string_view::npos;
       pos = window.find(word, pos + 1)) {
    size_t abs = begin + pos;
    if (StartsWord(s, abs) && (prefix || EndsWord(s, abs + word.size()))) return true;
  }
  return false;
}

// Splits a company list file: one entry per line, '#' starts a comment, a tab
// ends the entry (later columns are notes), surrounding blanks are trimmed.
inline std::vector<std::string> ParseListFile(std::string_view content) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= content.size()) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(pos, nl - pos);
    pos = nl + 1;
    if (size_t tab = line.find('\t'); tab != std::string_view::npos) line = line.substr(0, tab);
    if (size_t hash = line.find('#'); hash == 0) continue;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!line.empty()) out.emplace_back(line);
    if (nl == content.size()) break;
  }
  return out;
}

// Inline `key` list plus every file named in `files_key`, read through env.
inline Result<std::vector<std::string>> CollectEntries(const DetectorParams& params,
                                                       std::string_view key,
                                                       std::string_view files_key,
                                                       const DetectorEnv& env) {
  LP_ASSIGN_OR_RETURN(std::vector<std::string> entries, params.GetStrings(key));
  LP_ASSIGN_OR_RETURN(std::vector<std::string> files, params.GetStrings(files_key));
  for (const std::string& f : files) {
    if (!env.read_file)
      return Status::FailedPrecondition("cannot read '" + f + "': no file reader");
    auto content = env.read_file(f);
    if (!content.ok()) return content.status().WithContext(std::string(files_key));
    for (std::string& e : ParseListFile(*content)) entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace leitplanke::guard::detectors
