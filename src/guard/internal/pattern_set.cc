#include "guard/internal/pattern_set.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <hs/hs.h>

namespace leitplanke::guard::internal {

namespace {

unsigned HsFlags(uint32_t f, bool literal) {
  unsigned out = 0;
  if (f & kPatCaseless) out |= HS_FLAG_CASELESS;
  if (f & kPatSingleMatch) out |= HS_FLAG_SINGLEMATCH;
  if (literal) return out;  // literal mode accepts only the two above (+SOM, implicit)
  if (f & kPatDotAll) out |= HS_FLAG_DOTALL;
  if (f & kPatMultiline) out |= HS_FLAG_MULTILINE;
  if (f & kPatUtf8) out |= HS_FLAG_UTF8 | HS_FLAG_UCP;
  if (f & kPatSom) out |= HS_FLAG_SOM_LEFTMOST;
  return out;
}

struct ScanState {
  const PatternSet::MatchInfo* match;  // by Hyperscan id, of the database scanned
  std::vector<std::vector<Candidate>>* out;
  View view;
};

int OnMatch(unsigned int id, unsigned long long from, unsigned long long to, unsigned int,
            void* ctx) {
  auto* st = static_cast<ScanState*>(ctx);
  const PatternSet::MatchInfo& m = st->match[id];
  const uint32_t end = static_cast<uint32_t>(to);
  const uint32_t f = m.from_len == PatternSet::kFromSom    ? static_cast<uint32_t>(from)
                     : m.from_len == PatternSet::kFromZero ? 0
                                                           : end - m.from_len;
  (*st->out)[m.owner].push_back(Candidate{m.id, f, end, st->view});
  return 0;
}

// A stable 128-bit key (two FNV-1a 64 hashes) over everything that shapes a
// database: Hyperscan's version, the mode and every pattern with its flags
// and id, in order.
class KeyHasher {
 public:
  void Add(std::string_view s) {
    for (unsigned char c : s) {
      a_ = (a_ ^ c) * 0x100000001b3ULL;
      b_ = (b_ ^ c) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
    }
    // A separator that cannot occur inside the parts' own encoding.
    a_ = (a_ ^ 0xFF) * 0x100000001b3ULL;
    b_ = (b_ ^ 0xFE) * 0x100000001b3ULL;
  }
  void Add(uint64_t v) { Add(std::string_view(reinterpret_cast<const char*>(&v), sizeof v)); }
  std::string Hex() const {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a_),
                  static_cast<unsigned long long>(b_));
    return buf;
  }

 private:
  uint64_t a_ = 0xcbf29ce484222325ULL;
  uint64_t b_ = 0x84222325cbf29ce4ULL;
};

}  // namespace

Result<std::unique_ptr<PatternSet>> PatternSet::Compile(
    std::vector<OwnedPattern> patterns, size_t owner_count,
    const std::function<std::string(uint32_t owner)>& describe_owner, DatabaseCache* cache) {
  std::unique_ptr<PatternSet> set(new PatternSet());
  set->patterns_ = std::move(patterns);
  set->owner_count_ = owner_count;

  for (int v = 0; v < 2; ++v) {
    for (int lit = 0; lit < 2; ++lit) {
      std::vector<const char*> exprs;
      std::vector<size_t> lens;
      std::vector<unsigned> flags;
      std::vector<unsigned> ids;
      Db& d = set->db(static_cast<View>(v), lit == 1);
      for (uint32_t i = 0; i < set->patterns_.size(); ++i) {
        const OwnedPattern& p = set->patterns_[i];
        if (static_cast<int>(p.spec.view) != v) continue;
        if (((p.spec.flags & kPatLiteral) != 0) != (lit == 1)) continue;
        if (p.owner >= owner_count) {
          return Status::Internal("pattern owner out of range");
        }
        if (p.spec.expression.empty()) {
          return Status::InvalidArgument(describe_owner(p.owner) + ": empty pattern");
        }
        exprs.push_back(p.spec.expression.c_str());
        lens.push_back(p.spec.expression.size());
        flags.push_back(HsFlags(p.spec.flags, lit == 1));
        ids.push_back(static_cast<unsigned>(d.ids.size()));
        d.ids.push_back(i);
        // As before: a literal's start is its end minus its length; a regex
        // has one only with kPatSom.
        const uint32_t from_len = (p.spec.flags & kPatLiteral)
                                      ? static_cast<uint32_t>(p.spec.expression.size())
                                  : (p.spec.flags & kPatSom) ? kFromSom
                                                             : kFromZero;
        d.match.push_back({p.owner, p.spec.id, from_len});
      }
      if (exprs.empty()) continue;
      std::string key;
      if (cache != nullptr) {
        KeyHasher h;
        h.Add(hs_version());
        h.Add(static_cast<uint64_t>(v * 2 + lit));
        for (size_t k = 0; k < exprs.size(); ++k) {
          h.Add(std::string_view(exprs[k], lens[k]));
          h.Add(static_cast<uint64_t>(flags[k]));
        }
        key = h.Hex();
        auto bytes = cache->Load(key);
        if (bytes.ok() &&
            hs_deserialize_database(bytes->data(), bytes->size(), &d.db) == HS_SUCCESS) {
          ++set->cache_hits_;
          continue;
        }
        d.db = nullptr;
      }
      hs_compile_error_t* err = nullptr;
      hs_error_t rc;
      if (lit == 1) {
        rc = hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                                  static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr,
                                  &d.db, &err);
      } else {
        rc = hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                              static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &d.db,
                              &err);
      }
      if (rc != HS_SUCCESS) {
        std::string msg = err ? err->message : "unknown Hyperscan error";
        std::string where;
        if (err && err->expression >= 0 && static_cast<size_t>(err->expression) < d.ids.size()) {
          const OwnedPattern& p = set->patterns_[d.ids[err->expression]];
          where = describe_owner(p.owner) + ": pattern '" + p.spec.expression + "': ";
        }
        if (err) hs_free_compile_error(err);
        return Status::InvalidArgument(where + msg);
      }
      if (cache != nullptr) {
        char* bytes = nullptr;
        size_t length = 0;
        if (hs_serialize_database(d.db, &bytes, &length) == HS_SUCCESS) {
          cache->Store(key, std::string_view(bytes, length));
          std::free(bytes);
        }
      }
    }
  }
  return set;
}

PatternSet::~PatternSet() {
  for (Db& d : dbs_) {
    if (d.db) hs_free_database(d.db);
  }
}

size_t PatternSet::database_bytes() const {
  size_t total = 0;
  for (const Db& d : dbs_) {
    size_t n = 0;
    if (d.db && hs_database_size(d.db, &n) == HS_SUCCESS) total += n;
  }
  return total;
}

Result<std::unique_ptr<PatternScratch>> PatternSet::NewScratch() const {
  std::unique_ptr<PatternScratch> s(new PatternScratch());
  for (const Db& d : dbs_) {
    if (!d.db) continue;
    if (hs_alloc_scratch(d.db, &s->scratch_) != HS_SUCCESS) {
      return Status::ResourceExhausted("cannot allocate Hyperscan scratch");
    }
  }
  return s;
}

Status PatternSet::Scan(View view, std::string_view text, PatternScratch& scratch,
                        std::vector<std::vector<Candidate>>* out) const {
  for (int lit = 1; lit >= 0; --lit) {
    const Db& d = db(view, lit == 1);
    if (!d.db) continue;
    ScanState st{d.match.data(), out, view};
    hs_error_t rc = hs_scan(d.db, text.data(), static_cast<unsigned>(text.size()), 0,
                            scratch.scratch_, OnMatch, &st);
    if (rc != HS_SUCCESS) return Status::Internal("hs_scan failed with code " + std::to_string(rc));
  }
  return Status::Ok();
}

PatternScratch::~PatternScratch() {
  if (scratch_) hs_free_scratch(scratch_);
}

}  // namespace leitplanke::guard::internal
