// The hash-chained audit log.
//
// Each entry's hash covers its seq, time and action, a hash of its content
// (actor, target, detail, address) and the previous entry's hash, so
// editing, deleting, reordering or inserting entries in the database breaks
// the chain and Verify() names the first entry affected. The chain has no
// key: someone with write access who recomputes every later hash can rewrite
// history undetected. Against that, note the head (last_seq, last_hash of a
// report) somewhere else now and then and compare. Retention
// (Store::PurgeAudit) removes the content of old entries and keeps both
// hashes: Verify counts such entries as purged, not as edited. Entries
// written before schema v6 have one hash over all fields; once purged, only
// their link in the chain is checked.
//
// Thread-safety: AuditLog is thread-safe (the store serialises appends).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"

#include "leitplanke/store/model.h"
#include "leitplanke/store/store.h"

namespace leitplanke::trust {

// SHA-256 (lower-case hex) over a length-prefixed encoding of actor, target,
// detail and address: the part of an entry retention may remove.
std::string AuditContentHash(const store::AuditEntry& entry);

// The chain hash (lower-case hex SHA-256, length-prefixed fields, never
// `hash` itself). With a content_hash: over seq, at, action, content_hash and
// prev_hash. Without (entries written before schema v6): over seq, at, actor,
// action, target, detail, address and prev_hash. Callers appending set
// content_hash = AuditContentHash(entry) first.
std::string AuditHash(const store::AuditEntry& entry);

enum class AuditTamperKind { kNone, kEdited, kDeleted, kReordered, kInserted };
std::string_view AuditTamperKindName(AuditTamperKind kind);  // "none", "edited", ...

struct AuditVerifyReport {
  bool ok = true;
  int64_t entries_checked = 0;
  int64_t first_bad_seq = 0;  // 0 when ok
  AuditTamperKind kind = AuditTamperKind::kNone;
  std::string message;   // one sentence naming the entry and what happened
  int64_t last_seq = 0;  // head of the intact chain, to be noted elsewhere
  std::string last_hash;
  // Entries whose content retention removed (seq, time, action and hashes
  // checked; not tampering). Purging goes by age, so they are usually one
  // range from purged_first_seq to purged_last_seq.
  int64_t purged = 0;
  int64_t purged_first_seq = 0;
  int64_t purged_last_seq = 0;
};

class AuditLog {
 public:
  // Borrows store and clock; both must outlive the log.
  AuditLog(store::Store& store, const Clock& clock);

  // Appends one entry stamped with the clock. `detail_json` must be a JSON
  // object as text ("{}" when empty; the caller builds it).
  Result<store::AuditEntry> Append(std::string_view actor, std::string_view action,
                                   std::string_view target, std::string_view detail_json = "{}",
                                   std::string_view address = "");

  // Reads the whole log in pages of `page_size` and checks the chain. Stops at
  // the first broken entry. Store errors are returned as errors; tampering is
  // a report with ok == false. A run of page_size or more consecutive missing
  // entries reads as the end of the log (see last_seq).
  Result<AuditVerifyReport> Verify(int64_t page_size = 1000);

 private:
  store::Store& store_;
  const Clock& clock_;
};

// --- the archive of sent messages --------------------------------------------
// The same construction for store::ArchiveEntry, with the content hashed on
// its own so that retention can remove content and keep the chain:
//   content_hash = SHA-256 of kind, channel ids, conversation, message,
//                  external id, author, subject, wire text, verdict, approvals
//   hash         = SHA-256 of seq, at, content_hash, prev_hash
// Fills both on an entry whose seq and prev_hash are set (a store::ArchiveSealer).
void ArchiveSeal(store::ArchiveEntry* entry);

struct ArchiveVerifyReport {
  bool ok = true;
  int64_t entries_checked = 0;
  int64_t purged = 0;  // entries whose content retention removed (chain checked only)
  int64_t first_bad_seq = 0;
  std::string message;
  int64_t last_seq = 0;
  std::string last_hash;
};

// Checks the whole archive: seqs without gaps, each prev_hash the previous
// hash, content hashes of entries that still have content, chain hashes.
Result<ArchiveVerifyReport> VerifyArchive(store::DeskStore& desk, int32_t page_size = 1000);

}  // namespace leitplanke::trust
