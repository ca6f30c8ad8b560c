// PatternSet: the policy's shared Hyperscan databases.
//
// All patterns of all detectors of a policy compile into at most four block-
// mode databases: {raw, folded} x {literals, regexes}. Literals go through
// hs_compile_lit_multi (fast to compile, exact start offsets); regexes through
// hs_compile_multi. Each text is scanned once per non-empty database and every
// match is routed to the detector ("owner") that registered the pattern.
//
// Thread-safety: a compiled PatternSet is immutable and shared; each thread
// owns a PatternScratch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "leitplanke/base/result.h"

#include "leitplanke/guard/detector.h"
#include "leitplanke/guard/policy.h"

struct hs_database;
struct hs_scratch;

namespace leitplanke::guard::internal {

struct OwnedPattern {
  PatternSpec spec;
  uint32_t owner = 0;  // index of the detector that registered it
};

class PatternScratch;

class PatternSet {
 public:
  // What a match callback needs of one pattern, by Hyperscan id: 12 bytes
  // instead of a walk through OwnedPattern (a string and a spec apiece), so
  // the table of a large lexicon stays in cache during the scan.
  struct MatchInfo {
    uint32_t owner;
    uint32_t id;        // the detector-local id
    uint32_t from_len;  // kFromSom, kFromZero, or the literal's length
  };
  static constexpr uint32_t kFromSom = UINT32_MAX;       // report Hyperscan's `from`
  static constexpr uint32_t kFromZero = UINT32_MAX - 1;  // no start of match: report 0

  // Errors: kInvalidArgument naming the owner index and pattern of the first
  // pattern Hyperscan rejects, via `describe_owner(owner)` in the message.
  // With `cache`, each database is first looked up by a hash of its
  // patterns and stored after compiling.
  static Result<std::unique_ptr<PatternSet>> Compile(
      std::vector<OwnedPattern> patterns, size_t owner_count,
      const std::function<std::string(uint32_t owner)>& describe_owner,
      DatabaseCache* cache = nullptr);

  // Databases that came from the cache in the last Compile().
  int cache_hits() const { return cache_hits_; }

  ~PatternSet();
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  size_t pattern_count() const { return patterns_.size(); }
  size_t owner_count() const { return owner_count_; }
  size_t database_bytes() const;

  // Scans `text` as `view`; appends candidates to (*out)[owner]. `out` must
  // have owner_count() entries. Returns an error only if Hyperscan fails.
  Status Scan(View view, std::string_view text, PatternScratch& scratch,
              std::vector<std::vector<Candidate>>* out) const;

  // Allocates scratch that fits every database of this set.
  Result<std::unique_ptr<PatternScratch>> NewScratch() const;

 private:
  PatternSet() = default;
  struct Db {
    hs_database* db = nullptr;
    std::vector<uint32_t> ids;     // hyperscan id -> index into patterns_
    std::vector<MatchInfo> match;  // hyperscan id -> what OnMatch reports
  };
  Db& db(View v, bool literal) { return dbs_[static_cast<int>(v) * 2 + (literal ? 1 : 0)]; }
  const Db& db(View v, bool literal) const {
    return dbs_[static_cast<int>(v) * 2 + (literal ? 1 : 0)];
  }

  std::vector<OwnedPattern> patterns_;
  size_t owner_count_ = 0;
  int cache_hits_ = 0;
  Db dbs_[4];
};

class PatternScratch {
 public:
  ~PatternScratch();
  PatternScratch(const PatternScratch&) = delete;
  PatternScratch& operator=(const PatternScratch&) = delete;

 private:
  friend class PatternSet;
  PatternScratch() = default;
  hs_scratch* scratch_ = nullptr;
};

}  // namespace leitplanke::guard::internal
