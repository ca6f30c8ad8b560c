// Model file parsing, scoring and explanation.
//
// Parsing treats the file as untrusted: every size is checked before it is
// used, the checksum must match, and thresholds must be ordered probabilities,
// so a truncated or corrupt file yields an error that says what is wrong
// instead of a model that silently allows everything.
#include "guard/detectors/offensive/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace leitplanke::guard::detectors::offensive {

namespace {

constexpr char kMagic[8] = {'L', 'P', 'O', 'F', 'F', 'N', 'S', '1'};
// Format 2: character n-grams hashed by multiply-shift of the packed bytes
// (features.cc). A format-1 file would load but score with the wrong
// buckets, so it is rejected. Format 3 adds the lexicon-hit terms after the
// metadata (flags bit 2); format-2 files (no lexicon) still load.
constexpr uint32_t kFormat = 3;
constexpr uint32_t kOldestFormat = 2;
constexpr uint32_t kMaxLexTerms = 65535;
constexpr uint32_t kMinBits = 10;
constexpr uint32_t kMaxBits = 24;
constexpr uint32_t kMaxMeta = 1 << 16;

uint32_t Fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

template <typename T>
void Put(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  template <typename T>
  bool Get(T* v) {
    if (s_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool Bytes(size_t n, std::string_view* v) {
    if (s_.size() - pos_ < n) return false;
    *v = s_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

inline float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

Status ValidateThresholds(const Thresholds& t, std::string_view what) {
  for (float v : t) {
    if (!(v > 0.0f && v <= 1.0f)) {
      return Status::InvalidArgument(std::string(what) + ": thresholds must be in (0, 1]");
    }
  }
  if (!(t[kWarn] <= t[kHold] && t[kHold] <= t[kBlock])) {
    return Status::InvalidArgument(std::string(what) +
                                   ": thresholds must satisfy warn <= hold <= block");
  }
  return Status::Ok();
}

Result<Model> Model::Parse(std::string_view bytes, std::string_view name) {
  const std::string n(name);
  auto corrupt = [&](const std::string& why) {
    return Status::DataLoss(n + ": not a valid offensive-language model: " + why);
  };
  if (bytes.size() < sizeof(kMagic) + 4) {
    return corrupt("file is too short (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return corrupt("bad magic (expected an \"LPOFFNS1\" model file)");
  }
  uint32_t stored_sum;
  std::memcpy(&stored_sum, bytes.data() + bytes.size() - 4, 4);
  std::string_view body = bytes.substr(0, bytes.size() - 4);
  Reader r(body.substr(sizeof(kMagic)));
  Model m;
  uint32_t format = 0, bits = 0;
  uint8_t cmin = 0, cmax = 0, bigrams = 0, flags = 0;
  if (!r.Get(&format) || !r.Get(&bits) || !r.Get(&cmin) || !r.Get(&cmax) || !r.Get(&bigrams) ||
      !r.Get(&flags) || !r.Get(&m.scale_)) {
    return corrupt("truncated header");
  }
  if (format < kOldestFormat || format > kFormat) {
    return corrupt("unsupported format version " + std::to_string(format) + " (expected " +
                   std::to_string(kOldestFormat) + " to " + std::to_string(kFormat) + ")");
  }
  if (bits < kMinBits || bits > kMaxBits) {
    return corrupt("hash_bits " + std::to_string(bits) + " outside [10, 24]");
  }
  if (cmax > 8 || (cmax != 0 && (cmin == 0 || cmin > cmax)) || bigrams > 1 || flags > 7 ||
      (format == 2 && flags > 3)) {
    return corrupt("bad feature configuration");
  }
  if (!std::isfinite(m.scale_) || m.scale_ <= 0) return corrupt("bad weight scale");
  for (int l = 0; l < kNumLangs; ++l) {
    for (int k = 0; k < 3; ++k) {
      if (!r.Get(&m.thresholds_[l][k])) return corrupt("truncated thresholds");
    }
    Status s = ValidateThresholds(m.thresholds_[l], "thresholds");
    if (!s.ok()) return corrupt(std::string(s.message()));
  }
  uint32_t meta_len = 0;
  std::string_view meta;
  if (!r.Get(&meta_len) || meta_len > kMaxMeta || !r.Bytes(meta_len, &meta)) {
    return corrupt("truncated or oversized metadata");
  }
  std::vector<LexTerm> lex;
  uint8_t min_word = 0;
  if (format >= 3) {
    if (!r.Get(&min_word)) return corrupt("truncated header");
    if (min_word > 64) return corrupt("bad feature configuration");
    uint32_t count = 0;
    if (!r.Get(&count)) return corrupt("truncated lexicon terms");
    if (count > kMaxLexTerms) return corrupt("too many lexicon terms");
    if (count > 0 && (flags & 4) == 0) return corrupt("lexicon terms without the lexicon flag");
    for (uint32_t i = 0; i < count; ++i) {
      uint8_t level = 0, mode = 0, len = 0;
      std::string_view term;
      if (!r.Get(&level) || !r.Get(&mode) || !r.Get(&len) || !r.Bytes(len, &term)) {
        return corrupt("truncated lexicon terms");
      }
      if (level > 3 || mode > 3 || len < 3 || len > 64) {
        return corrupt("bad lexicon term " + std::to_string(i));
      }
      lex.push_back({std::string(term), level, static_cast<LexMode>(mode)});
    }
  }
  const size_t nw = size_t{1} << bits;
  std::string_view w;
  if (!r.Bytes(nw * 2, &w)) {
    return corrupt("truncated weights (expected " + std::to_string(nw) + " weights, file has " +
                   std::to_string(bytes.size()) + " bytes)");
  }
  if (sizeof(kMagic) + r.pos() != body.size()) return corrupt("trailing bytes after weights");
  if (Fnv1a(body) != stored_sum) return corrupt("checksum mismatch (file damaged)");
  m.config_.hash_bits = bits;
  m.config_.char_min = cmin;
  m.config_.char_max = cmax;
  m.config_.char_min_word = min_word;
  m.config_.word_bigrams = bigrams != 0;
  m.config_.length_norm = (flags & 1) != 0;
  m.config_.neutral_identity = (flags & 2) != 0;
  if ((flags & 4) != 0) {
    m.config_.lexicon = std::make_shared<const LexiconFeatures>(std::move(lex));
  }
  m.meta_ = std::string(meta);
  m.weights_.resize(nw);
  std::memcpy(m.weights_.data(), w.data(), nw * 2);
  return m;
}

std::string Model::Serialize() const {
  std::string out(kMagic, sizeof(kMagic));
  Put(&out, kFormat);
  Put(&out, config_.hash_bits);
  Put(&out, config_.char_min);
  Put(&out, config_.char_max);
  Put(&out, static_cast<uint8_t>(config_.word_bigrams ? 1 : 0));
  Put(&out, static_cast<uint8_t>((config_.length_norm ? 1 : 0) |
                                 (config_.neutral_identity ? 2 : 0) | (config_.lexicon ? 4 : 0)));
  Put(&out, scale_);
  for (const Thresholds& t : thresholds_) {
    for (float v : t) Put(&out, v);
  }
  Put(&out, static_cast<uint32_t>(meta_.size()));
  out.append(meta_);
  Put(&out, config_.char_min_word);
  const std::vector<LexTerm> none;
  const std::vector<LexTerm>& lex = config_.lexicon ? config_.lexicon->terms() : none;
  Put(&out, static_cast<uint32_t>(lex.size()));
  for (const LexTerm& t : lex) {
    Put(&out, t.level);
    Put(&out, static_cast<uint8_t>(t.mode));
    Put(&out, static_cast<uint8_t>(t.term.size()));
    out.append(t.term);
  }
  out.append(reinterpret_cast<const char*>(weights_.data()), weights_.size() * 2);
  Put(&out, Fnv1a(out));
  return out;
}

Model Model::FromWeights(const FeatureConfig& config, const std::vector<float>& weights,
                         const std::array<Thresholds, kNumLangs>& thresholds, std::string meta) {
  Model m;
  m.config_ = config;
  m.thresholds_ = thresholds;
  m.meta_ = std::move(meta);
  if (m.meta_.size() > kMaxMeta) m.meta_.resize(kMaxMeta);
  float max_abs = 0;
  for (float v : weights) max_abs = std::max(max_abs, std::fabs(v));
  m.scale_ = max_abs > 0 ? max_abs / 32767.0f : 1.0f;
  m.weights_.resize(weights.size());
  for (size_t i = 0; i < weights.size(); ++i) {
    m.weights_[i] = static_cast<int16_t>(std::lround(weights[i] / m.scale_));
  }
  return m;
}

ScoreResult Model::Score(std::string_view text, ScoreScratch* scratch) const {
  Tokenize(text, &scratch->tokens);
  ScoreResult r;
  r.lang = GuessLang(scratch->tokens);
  int64_t sum = 0;
  const size_t n = SumFeatureWeights(scratch->tokens, r.lang, config_, weights_.data(), &sum);
  scratch->lang = r.lang;
  scratch->num_features = n;
  r.score = Sigmoid(static_cast<float>(sum) * scale_ * Norm(n));
  return r;
}

float Model::Norm(size_t n) const {
  return config_.length_norm && n > 0 ? 1.0f / std::sqrt(static_cast<float>(n)) : 1.0f;
}

std::vector<Driver> Model::Explain(const ScoreScratch& scratch, size_t max) const {
  const TokenBuffer& tb = scratch.tokens;
  std::vector<Feature> features;
  ExtractFeatures(tb, scratch.lang, config_, &features);
  const float norm = Norm(features.size());
  std::vector<float> per_token(tb.tokens.size(), 0.0f);
  for (const Feature& f : features) {
    if (f.kind == 3 || f.kind == kNeutral) continue;
    float w = Weight(f.bucket) * norm;
    if (f.kind == 1 && static_cast<size_t>(f.token) + 1 < per_token.size()) {
      per_token[f.token] += w / 2;
      per_token[f.token + 1] += w / 2;
    } else if (f.token < per_token.size()) {
      per_token[f.token] += w;
    }
  }
  std::vector<size_t> order;
  for (size_t i = 0; i < per_token.size(); ++i) {
    if (per_token[i] > 0) order.push_back(i);
  }
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return per_token[a] > per_token[b]; });
  if (order.size() > max) order.resize(max);
  std::vector<Driver> out;
  for (size_t i : order) {
    const Token& t = tb.tokens[i];
    out.push_back({t.raw_start, t.raw_end, per_token[i], std::string(tb.Text(t))});
  }
  return out;
}

}  // namespace leitplanke::guard::detectors::offensive
