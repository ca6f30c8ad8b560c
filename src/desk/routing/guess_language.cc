// GuessLanguage (routing.h): German or English, for routing by language when
// a channel gives no hint. Customer messages are short and informal, so the
// evidence is the few words nearly every sentence has (articles, pronouns,
// auxiliaries, conjunctions, greetings) plus umlauts and ß, which English
// text almost never contains. Words spelled the same in both languages
// ("was", "will", "war", "in", "so", "an", "man", "also", "hat", "bin") carry
// no evidence and are left out of both lists.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/desk/routing.h"

namespace leitplanke::desk {
namespace {

// UTF-8, lower case. A linear scan is fast enough for a few hundred words
// per message.
constexpr std::string_view kGerman[] = {
    "einfach", "echt",   "ganz",     "gerne",  "gut",    "hatte",  "jemand", "keiner", "nix",
    "seine",   "sollte", "wirklich", "wollen", "wurde",  "aber",   "alle",   "alles",  "als",
    "auch",    "auf",    "aus",      "bei",    "beim",   "bis",    "bitte",  "bisher", "da",
    "dann",    "danke",  "dank",     "guten",  "vielen", "das",    "dass",   "dein",   "dem",
    "den",     "denn",   "der",      "des",    "dich",   "die",    "dies",   "diese",  "dieser",
    "dir",     "doch",   "du",       "durch",  "ein",    "eine",   "einem",  "einen",  "einer",
    "es",      "etwas",  "euch",     "euer",   "gerade", "gibt",   "habe",   "haben",  "hallo",
    "heute",   "hier",   "ich",      "ihm",    "ihn",    "ihnen",  "ihr",    "ihre",   "im",
    "immer",   "ist",    "ja",       "jetzt",  "kann",   "kein",   "keine",  "keinen", "leider",
    "mal",     "mehr",   "mein",     "meine",  "mich",   "mir",    "mit",    "muss",   "nach",
    "nein",    "nicht",  "nichts",   "noch",   "nun",    "nur",    "oder",   "ohne",   "schon",
    "sehr",    "sein",   "seit",     "sich",   "sie",    "sind",   "soll",   "und",    "uns",
    "unser",   "viel",   "vom",      "von",    "vor",    "warum",  "weil",   "weiß",   "wenn",
    "werden",  "wie",    "wieder",   "wir",    "wird",   "wo",     "zu",     "zum",    "zur",
    "über",    "für",    "können",   "wäre",   "würde",  "müssen", "hätte",  "schön",
};

constexpr std::string_view kEnglish[] = {
    "anyone", "everyone", "everything", "gonna",     "good",    "he's",  "him",    "nothing",
    "really", "she",      "she's",      "something", "they're", "wanna", "well",   "a",
    "about",  "after",    "again",      "all",       "and",     "any",   "are",    "at",
    "be",     "been",     "but",        "by",        "can",     "can't", "could",  "did",
    "didn't", "do",       "does",       "doesn't",   "don't",   "for",   "from",   "get",
    "got",    "had",      "has",        "have",      "he",      "hello", "help",   "her",
    "here",   "hi",       "his",        "how",       "i",       "i'll",  "i'm",    "i've",
    "if",     "is",       "isn't",      "it",        "it's",    "just",  "know",   "let",
    "like",   "me",       "more",       "my",        "need",    "no",    "not",    "now",
    "of",     "on",       "one",        "or",        "our",     "out",   "please", "should",
    "some",   "still",    "thank",      "thanks",    "that",    "the",   "their",  "them",
    "then",   "there",    "they",       "this",      "to",      "up",    "us",     "very",
    "want",   "we",       "were",       "what",      "when",    "where", "which",  "while",
    "who",    "why",      "with",       "won't",     "would",   "yes",   "yet",    "you",
    "you're", "your",     "sorry",      "there's",   "we're",   "we'll", "that's", "what's",
    "into",   "only",
};

// The lists sorted once, so a lookup is a binary search (a message's ~25
// words × ~290 entries compared linearly showed up in the inbound profile).
template <size_t N>
bool Contains(const std::string_view (&words)[N], std::string_view w) {
  static const std::vector<std::string_view> sorted = [&words] {
    std::vector<std::string_view> v(words, words + N);
    std::sort(v.begin(), v.end());
    return v;
  }();
  return std::binary_search(sorted.begin(), sorted.end(), w);
}

bool IsSpace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Chunks that are not prose: @mentions, URLs, e-mail addresses, hashtags.
bool IsNoise(std::string_view chunk) {
  if (chunk.empty()) return true;
  if (chunk[0] == '@' || chunk[0] == '#') return true;
  if (chunk.find("://") != std::string_view::npos) return true;
  if (chunk.substr(0, 4) == "www.") return true;
  return chunk.find('@') != std::string_view::npos;
}

// Lower-cases ASCII and the German capitals Ä Ö Ü (U+00C4/D6/DC), folds the
// typographic apostrophe U+2019 to '\'' and splits into words of letters and
// apostrophes. Any other non-ASCII byte counts as a letter, so words in other
// scripts stay whole and simply match nothing.
template <class Fn>
void ForEachWord(std::string_view chunk, Fn&& fn) {
  std::string word;
  auto flush = [&] {
    while (!word.empty() && word.back() == '\'') word.pop_back();
    size_t start = word.find_first_not_of('\'');
    if (start != std::string::npos) fn(std::string_view(word).substr(start));
    word.clear();
  };
  for (size_t i = 0; i < chunk.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(chunk[i]);
    if (c == 0xE2 && i + 2 < chunk.size() && static_cast<unsigned char>(chunk[i + 1]) == 0x80 &&
        static_cast<unsigned char>(chunk[i + 2]) == 0x99) {
      word.push_back('\'');
      i += 2;
    } else if (c == 0xC3 && i + 1 < chunk.size()) {
      unsigned char d = static_cast<unsigned char>(chunk[i + 1]);
      if (d == 0x84 || d == 0x96 || d == 0x9C) d = static_cast<unsigned char>(d + 0x20);
      word.push_back(static_cast<char>(c));
      word.push_back(static_cast<char>(d));
      ++i;
    } else if (c >= 0x80) {
      word.push_back(static_cast<char>(c));
    } else if (c >= 'A' && c <= 'Z') {
      word.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || c == '\'') {
      word.push_back(static_cast<char>(c));
    } else {
      flush();
    }
  }
  flush();
}

bool HasGermanLetter(std::string_view w) {
  for (std::string_view l : {"ä", "ö", "ü", "ß"}) {
    if (w.find(l) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

std::string GuessLanguage(std::string_view text) {
  int german = 0;
  int english = 0;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(static_cast<unsigned char>(text[i]))) ++i;
    size_t j = i;
    while (j < text.size() && !IsSpace(static_cast<unsigned char>(text[j]))) ++j;
    std::string_view chunk = text.substr(i, j - i);
    i = j;
    if (IsNoise(chunk)) continue;
    ForEachWord(chunk, [&](std::string_view w) {
      if (Contains(kGerman, w)) {
        ++german;
      } else if (HasGermanLetter(w)) {
        ++german;
      }
      if (Contains(kEnglish, w)) ++english;
    });
  }
  if (german > english) return "de";
  if (english > german) return "en";
  return "";
}

}  // namespace leitplanke::desk
