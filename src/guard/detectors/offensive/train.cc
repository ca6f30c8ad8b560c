// Training, cross-validation and calibration for the offensive model.
//
// Logistic regression with AdaGrad: sparse hashed features make per-weight
// step sizes matter (rare n-grams get larger steps than "the"). Shuffling
// and fold assignment use an own SplitMix64 generator rather than <random>
// distributions, whose output differs between standard libraries, so a seed
// gives the same model everywhere.
#include "guard/detectors/offensive/train.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace leitplanke::guard::detectors::offensive {

namespace {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) (modulo bias is negligible for data-set sizes).
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  uint64_t s_;
};

template <typename T>
void Shuffle(std::vector<T>* v, SplitMix64* rng) {
  for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[rng->Below(i)]);
}

struct Encoded {
  std::vector<uint32_t> offsets;  // weighted-feature range per example
  std::vector<uint32_t> buckets;
  std::vector<uint32_t> length;  // all features incl. neutral ones (length_norm)
};

Encoded Encode(const std::vector<Example>& ex, const FeatureConfig& cfg) {
  Encoded e;
  e.offsets.reserve(ex.size() + 1);
  e.offsets.push_back(0);
  TokenBuffer tb;
  std::vector<Feature> fs;
  for (const Example& x : ex) {
    Tokenize(x.text, &tb);
    ExtractFeatures(tb, x.lang, cfg, &fs);
    for (const Feature& f : fs) {
      if (f.kind != kNeutral) e.buckets.push_back(f.bucket);
    }
    e.offsets.push_back(static_cast<uint32_t>(e.buckets.size()));
    e.length.push_back(static_cast<uint32_t>(fs.size()));
  }
  return e;
}

// NB log-count ratios (Wang & Manning 2012, "NBSVM"): per bucket, the log of
// its smoothed share among the offensive examples over its share among the
// others (presence per example, class-weighted like the loss). Features are
// scaled by them in training; the stored weight is w * r, so scoring costs
// nothing extra.
std::vector<float> NbRatios(const std::vector<Example>& ex, const Encoded& enc,
                            const std::vector<uint32_t>& idx, const TrainOptions& o,
                            const double (&cw)[kNumLangs][2]) {
  const size_t nw = size_t{1} << o.features.hash_bits;
  std::vector<double> p(nw, 0.0), q(nw, 0.0);
  std::vector<uint32_t> seen(nw, 0);
  uint32_t stamp = 0;
  double sp = 0, sq = 0;
  for (uint32_t i : idx) {
    ++stamp;
    const double wgt = cw[static_cast<int>(ex[i].lang)][ex[i].label];
    std::vector<double>& t = ex[i].label == 1 ? p : q;
    for (uint32_t k = enc.offsets[i]; k < enc.offsets[i + 1]; ++k) {
      const uint32_t b = enc.buckets[k];
      if (seen[b] == stamp) continue;
      seen[b] = stamp;
      t[b] += wgt;
      (ex[i].label == 1 ? sp : sq) += wgt;
    }
  }
  const double a = o.nb_alpha;
  const double np = sp + a * static_cast<double>(nw), nq = sq + a * static_cast<double>(nw);
  std::vector<float> r(nw);
  for (size_t b = 0; b < nw; ++b) {
    const double v = std::log(((p[b] + a) / np) / ((q[b] + a) / nq));
    // The magnitude only (the sign is for the regression to learn), mixed
    // with 1 so that frequent features that tell the classes apart poorly
    // keep part of their say.
    r[b] = static_cast<float>(o.nb_mix * std::fabs(v) + (1.0 - o.nb_mix));
  }
  return r;
}

std::vector<float> FitScaled(const std::vector<Example>& ex, const Encoded& enc,
                             const std::vector<uint32_t>& idx, const TrainOptions& o,
                             const double (&cw)[kNumLangs][2], const std::vector<float>& scale) {
  const size_t nw = size_t{1} << o.features.hash_bits;
  std::vector<float> w(nw, 0.0f);
  std::vector<float> g2(nw, 0.0f);
  const bool scaled = !scale.empty();
  SplitMix64 rng(o.seed);
  std::vector<uint32_t> order = idx;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    Shuffle(&order, &rng);
    for (uint32_t i : order) {
      const uint32_t* b = enc.buckets.data() + enc.offsets[i];
      const uint32_t* e = enc.buckets.data() + enc.offsets[i + 1];
      const float norm = o.features.length_norm && enc.length[i] > 0
                             ? 1.0f / std::sqrt(static_cast<float>(enc.length[i]))
                             : 1.0f;
      float z = 0;
      if (scaled) {
        for (const uint32_t* p = b; p != e; ++p) z += w[*p] * scale[*p];
      } else {
        for (const uint32_t* p = b; p != e; ++p) z += w[*p];
      }
      float prob = 1.0f / (1.0f + std::exp(-z * norm));
      float g = (prob - static_cast<float>(ex[i].label)) * norm *
                static_cast<float>(cw[static_cast<int>(ex[i].lang)][ex[i].label]);
      for (const uint32_t* p = b; p != e; ++p) {
        float gi = (scaled ? g * scale[*p] : g) + o.l2 * w[*p];
        g2[*p] += gi * gi;
        w[*p] -= o.learning_rate * gi / (std::sqrt(g2[*p]) + 1e-6f);
      }
    }
  }
  if (scaled) {
    for (size_t k = 0; k < nw; ++k) w[k] *= scale[k];
  }
  return w;
}

std::vector<float> Fit(const std::vector<Example>& ex, const Encoded& enc,
                       const std::vector<uint32_t>& idx, const TrainOptions& o) {
  // Class weights: each (language, class) cell gets the same total mass
  // within its language, so the model is not dominated by the majority.
  double count[kNumLangs][2] = {};
  for (uint32_t i : idx) count[static_cast<int>(ex[i].lang)][ex[i].label] += 1;
  double cw[kNumLangs][2];
  for (int l = 0; l < kNumLangs; ++l) {
    for (int c = 0; c < 2; ++c) {
      double tot = count[l][0] + count[l][1];
      cw[l][c] = (!o.balance_classes || count[l][c] == 0) ? 1.0 : tot / (2.0 * count[l][c]);
    }
  }
  std::vector<float> scale;
  if (o.nb_alpha > 0) scale = NbRatios(ex, enc, idx, o, cw);
  return FitScaled(ex, enc, idx, o, cw, scale);
}

float ScoreEncoded(const std::vector<float>& w, const Encoded& enc, uint32_t i, bool length_norm) {
  float z = 0;
  for (uint32_t k = enc.offsets[i]; k < enc.offsets[i + 1]; ++k) z += w[enc.buckets[k]];
  uint32_t n = enc.length[i];
  if (length_norm && n > 0) z /= std::sqrt(static_cast<float>(n));
  return 1.0f / (1.0f + std::exp(-z));
}

Metrics At(const std::vector<std::pair<float, int>>& sl, float t) {  // unweighted
  Metrics m;
  for (const auto& [s, l] : sl) m.Add(s >= t, l == 1);
  return m;
}

// Confusion counts with the negatives re-weighted so both classes have the
// same total mass: thresholds then do not depend on how skewed a training
// set happens to be (Davidson et al. is 83 % offensive, GermEval 34 %).
struct Balanced {
  double tp = 0, fp = 0, tn = 0, fn = 0;
  double Precision() const { return tp + fp == 0 ? 0 : tp / (tp + fp); }
  double Recall() const { return tp + fn == 0 ? 0 : tp / (tp + fn); }
  double MacroF() const {
    double pn = tn + fn == 0 ? 0 : tn / (tn + fn);
    double rn = tn + fp == 0 ? 0 : tn / (tn + fp);
    double p = (Precision() + pn) / 2, r = (Recall() + rn) / 2;
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }
};

Balanced BalancedAt(const std::vector<std::pair<float, int>>& sl, float t) {
  double pos = 0, neg = 0;
  for (const auto& [s, l] : sl) (l == 1 ? pos : neg) += 1;
  const double wn = neg == 0 ? 1 : pos / neg;
  Balanced b;
  for (const auto& [s, l] : sl) {
    bool p = s >= t;
    if (l == 1) (p ? b.tp : b.fn) += 1;
    if (l == 0) (p ? b.fp : b.tn) += wn;
  }
  return b;
}

// The hold threshold is at least 0.5: with balanced classes a text without
// evidence either way scores about 0.5, and "hold" must mean the model finds
// offence more likely than not.
constexpr int kMinHoldPercent = 50;

// hold: best balanced macro-F; warn: the highest score at or below hold
// whose recall reaches `warn_recall`; block: lowest score at or above hold with balanced precision
// `block_precision`. Grid of 0.01 on the out-of-fold scores.
Thresholds Calibrate(const std::vector<std::pair<float, int>>& sl, const TrainOptions& o) {
  Thresholds t{0.5f, 0.5f, 0.5f};
  if (sl.empty()) return t;
  double best = -1;
  for (int k = kMinHoldPercent; k <= 95; ++k) {
    float th = k / 100.0f;
    double f = BalancedAt(sl, th).MacroF();
    if (f > best + 1e-9) {
      best = f;
      t[kHold] = th;
    }
  }
  t[kWarn] = t[kHold];
  for (int k = static_cast<int>(std::lround(t[kHold] * 100)); k >= 1; --k) {
    t[kWarn] = k / 100.0f;
    if (BalancedAt(sl, t[kWarn]).Recall() >= o.warn_recall) break;
  }
  t[kBlock] = 0.99f;
  for (int k = static_cast<int>(std::lround(t[kHold] * 100)); k <= 99; ++k) {
    Balanced b = BalancedAt(sl, k / 100.0f);
    if (b.tp + b.fp > 0 && b.Precision() >= o.block_precision) {
      t[kBlock] = k / 100.0f;
      break;
    }
  }
  return t;
}

std::string Pct(double v) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(2);
  s << v * 100;
  return s.str();
}

}  // namespace

Result<std::vector<LexTerm>> ParseLexiconTerms(std::string_view content, std::string_view name) {
  std::vector<LexTerm> out;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    std::string_view cols[3];
    size_t c = 0, start = 0;
    for (; c < 3; ++c) {
      const size_t tab = line.find('\t', start);
      cols[c] = line.substr(start, tab == std::string_view::npos ? line.npos : tab - start);
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument(std::string(name) + ":" + std::to_string(line_no) + ": " +
                                     why);
    };
    if (c < 2) return bad("expected term<TAB>level<TAB>match");
    LexTerm t;
    if (cols[1] == "allow") {
      t.level = 0;
    } else if (cols[1] == "profanity") {
      t.level = 1;
    } else if (cols[1] == "insult") {
      t.level = 2;
    } else if (cols[1] == "slur") {
      t.level = 3;
    } else {
      return bad("unknown level '" + std::string(cols[1]) + "'");
    }
    if (cols[2] == "word") {
      t.mode = LexMode::kWord;
    } else if (cols[2] == "prefix") {
      t.mode = LexMode::kPrefix;
    } else if (cols[2] == "suffix") {
      t.mode = LexMode::kSuffix;
    } else if (cols[2] == "infix") {
      t.mode = LexMode::kInfix;
    } else {
      return bad("unknown match mode '" + std::string(cols[2]) + "'");
    }
    t.term = FoldLexTerm(cols[0]);
    if (t.term.empty()) continue;  // phrases and very short terms: lexicon half only
    out.push_back(std::move(t));
  }
  return out;
}

double Metrics::Precision() const { return tp + fp == 0 ? 0 : double(tp) / double(tp + fp); }
double Metrics::Recall() const { return tp + fn == 0 ? 0 : double(tp) / double(tp + fn); }
double Metrics::MacroPrecision() const {
  double pn = tn + fn == 0 ? 0 : double(tn) / double(tn + fn);
  return (Precision() + pn) / 2;
}
double Metrics::MacroRecall() const {
  double rn = tn + fp == 0 ? 0 : double(tn) / double(tn + fp);
  return (Recall() + rn) / 2;
}
double Metrics::MacroF() const {
  double p = MacroPrecision(), r = MacroRecall();
  return p + r == 0 ? 0 : 2 * p * r / (p + r);
}
double Metrics::MacroF1() const {
  auto f1 = [](double p, double r) { return p + r == 0 ? 0 : 2 * p * r / (p + r); };
  double pn = tn + fn == 0 ? 0 : double(tn) / double(tn + fn);
  double rn = tn + fp == 0 ? 0 : double(tn) / double(tn + fp);
  return (f1(Precision(), Recall()) + f1(pn, rn)) / 2;
}
double Metrics::Accuracy() const { return n == 0 ? 0 : double(tp + tn) / double(n); }
void Metrics::Add(bool predicted, bool gold) {
  ++n;
  if (predicted && gold) ++tp;
  if (predicted && !gold) ++fp;
  if (!predicted && gold) ++fn;
  if (!predicted && !gold) ++tn;
}

std::vector<float> TrainWeights(const std::vector<Example>& examples,
                                const std::vector<uint32_t>& idx, const TrainOptions& options) {
  Encoded enc = Encode(examples, options.features);
  std::vector<uint32_t> all = idx;
  if (all.empty()) {
    for (uint32_t i = 0; i < examples.size(); ++i) all.push_back(i);
  }
  return Fit(examples, enc, all, options);
}

Result<Model> Train(const std::vector<Example>& examples, const TrainOptions& o,
                    const std::string& meta, TrainReport* report) {
  if (o.folds < 2) return Status::InvalidArgument("folds must be at least 2");
  if (o.epochs < 1) return Status::InvalidArgument("epochs must be at least 1");
  if (o.features.hash_bits < 10 || o.features.hash_bits > 24) {
    return Status::InvalidArgument("hash bits must be in [10, 24]");
  }
  size_t pos = 0;
  for (const Example& e : examples) pos += static_cast<size_t>(e.label);
  if (pos == 0 || pos == examples.size()) {
    return Status::InvalidArgument("training data needs both offensive and other examples");
  }
  Encoded enc = Encode(examples, o.features);
  // Stratified folds: per (language, label) cell, shuffled, dealt round-robin.
  SplitMix64 rng(o.seed ^ 0x5eedf01dull);
  std::vector<int> fold(examples.size());
  for (int l = 0; l < kNumLangs; ++l) {
    for (int c = 0; c < 2; ++c) {
      std::vector<uint32_t> cell;
      for (uint32_t i = 0; i < examples.size(); ++i) {
        if (static_cast<int>(examples[i].lang) == l && examples[i].label == c) cell.push_back(i);
      }
      Shuffle(&cell, &rng);
      for (size_t k = 0; k < cell.size(); ++k) fold[cell[k]] = static_cast<int>(k % o.folds);
    }
  }
  std::vector<float> oof(examples.size(), 0.0f);
  for (int f = 0; f < o.folds; ++f) {
    std::vector<uint32_t> tr, te;
    for (uint32_t i = 0; i < examples.size(); ++i) (fold[i] == f ? te : tr).push_back(i);
    std::vector<float> w = Fit(examples, enc, tr, o);
    for (uint32_t i : te) oof[i] = ScoreEncoded(w, enc, i, o.features.length_norm);
  }
  std::array<Thresholds, kNumLangs> th{};
  std::array<std::vector<std::pair<float, int>>, kNumLangs> per_lang;
  for (uint32_t i = 0; i < examples.size(); ++i) {
    per_lang[static_cast<int>(examples[i].lang)].push_back({oof[i], examples[i].label});
  }
  TrainReport rep;
  for (TextLang l : {TextLang::kDe, TextLang::kEn}) {
    const auto& sl = per_lang[static_cast<int>(l)];
    th[static_cast<int>(l)] = Calibrate(sl, o);
    if (sl.empty()) continue;
    LangReport lr;
    lr.lang = l;
    lr.examples = sl.size();
    lr.thresholds = th[static_cast<int>(l)];
    lr.cv_at_hold = At(sl, lr.thresholds[kHold]);
    rep.langs.push_back(lr);
  }
  // A language without training data borrows the other's thresholds.
  const int de = static_cast<int>(TextLang::kDe), en = static_cast<int>(TextLang::kEn);
  if (per_lang[de].empty() && !per_lang[en].empty()) th[de] = th[en];
  if (per_lang[en].empty() && !per_lang[de].empty()) th[en] = th[de];
  // Texts of unknown language: the stricter (higher) of the two per level,
  // so an unsure guess never lowers the bar.
  Thresholds& unk = th[static_cast<int>(TextLang::kUnknown)];
  for (int k = 0; k < 3; ++k) {
    unk[k] =
        std::max(th[static_cast<int>(TextLang::kDe)][k], th[static_cast<int>(TextLang::kEn)][k]);
  }
  std::vector<uint32_t> all(examples.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  std::vector<float> w = Fit(examples, enc, all, o);
  rep.oof = std::move(oof);
  rep.thresholds = th;
  std::string full_meta = meta + "\n" + rep.Markdown();
  if (report) *report = rep;
  return Model::FromWeights(o.features, w, th, full_meta);
}

std::string TrainReport::Markdown() const {
  std::ostringstream s;
  s << "| lang | examples | warn | hold | block | CV macro-F (P/R harmonic) | CV macro-F1 | "
       "CV precision | CV recall |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const LangReport& l : langs) {
    s << "| " << TextLangName(l.lang) << " | " << l.examples << " | " << l.thresholds[kWarn]
      << " | " << l.thresholds[kHold] << " | " << l.thresholds[kBlock] << " | "
      << Pct(l.cv_at_hold.MacroF()) << " | " << Pct(l.cv_at_hold.MacroF1()) << " | "
      << Pct(l.cv_at_hold.Precision()) << " | " << Pct(l.cv_at_hold.Recall()) << " |\n";
  }
  return s.str();
}

}  // namespace leitplanke::guard::detectors::offensive
