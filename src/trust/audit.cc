#include "leitplanke/trust/audit.h"

#include <deque>
#include <unordered_map>
#include <vector>

#include "leitplanke/trust/tokens.h"

namespace leitplanke::trust {
namespace {

void AppendField(std::string* out, std::string_view field) {
  // 8-byte big-endian length, then the bytes: no two different entries share
  // an encoding, whatever their fields contain.
  uint64_t n = field.size();
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  out->append(field);
}

// How far around an entry Verify looks for where it came from.
constexpr int64_t kSearchRadius = 1000;

}  // namespace

std::string AuditContentHash(const store::AuditEntry& e) {
  std::string buf = "leitplanke-audit-content-v1";
  AppendField(&buf, e.actor);
  AppendField(&buf, e.target);
  AppendField(&buf, e.detail);
  AppendField(&buf, e.address);
  return Sha256Hex(buf);
}

std::string AuditHash(const store::AuditEntry& e) {
  if (!e.content_hash.empty()) {
    std::string buf = "leitplanke-audit-v2";
    AppendField(&buf, std::to_string(e.seq));
    AppendField(&buf, std::to_string(e.at));
    AppendField(&buf, e.action);
    AppendField(&buf, e.content_hash);
    AppendField(&buf, e.prev_hash);
    return Sha256Hex(buf);
  }
  std::string buf = "leitplanke-audit-v1";
  AppendField(&buf, std::to_string(e.seq));
  AppendField(&buf, std::to_string(e.at));
  AppendField(&buf, e.actor);
  AppendField(&buf, e.action);
  AppendField(&buf, e.target);
  AppendField(&buf, e.detail);
  AppendField(&buf, e.address);
  AppendField(&buf, e.prev_hash);
  return Sha256Hex(buf);
}

namespace {

std::string ArchiveContentHash(const store::ArchiveEntry& e) {
  std::string buf = "leitplanke-archive-content-v1";
  for (const std::string& f :
       {e.kind, std::to_string(e.channel_id), e.channel, std::to_string(e.conversation_id),
        std::to_string(e.message_id), e.external_id, e.author, e.subject, e.wire_text, e.verdict,
        e.approvals}) {
    AppendField(&buf, f);
  }
  return Sha256Hex(buf);
}

std::string ArchiveChainHash(const store::ArchiveEntry& e) {
  std::string buf = "leitplanke-archive-v1";
  AppendField(&buf, std::to_string(e.seq));
  AppendField(&buf, std::to_string(e.at));
  AppendField(&buf, e.content_hash);
  AppendField(&buf, e.prev_hash);
  return Sha256Hex(buf);
}

}  // namespace

void ArchiveSeal(store::ArchiveEntry* e) {
  e->content_hash = ArchiveContentHash(*e);
  e->hash = ArchiveChainHash(*e);
}

Result<ArchiveVerifyReport> VerifyArchive(store::DeskStore& desk, int32_t page_size) {
  ArchiveVerifyReport report;
  if (page_size <= 0) page_size = 1000;
  int64_t expect = 1;
  std::string prev;
  for (;;) {
    LP_ASSIGN_OR_RETURN(std::vector<store::ArchiveEntry> page, desk.ListArchive(expect, page_size));
    for (const store::ArchiveEntry& e : page) {
      auto bad = [&](const std::string& what) {
        report.ok = false;
        report.first_bad_seq = e.seq;
        report.message = "archive entry " + std::to_string(e.seq) + ": " + what;
        return report;
      };
      if (e.seq != expect) {
        report.first_bad_seq = expect;
        report.ok = false;
        report.message = "archive entry " + std::to_string(expect) + " is missing (next is " +
                         std::to_string(e.seq) + ")";
        return report;
      }
      if (e.prev_hash != prev) return bad("does not follow the entry before it (prev_hash)");
      if (e.purged_at == 0 && ArchiveContentHash(e) != e.content_hash) {
        return bad("its content was changed");
      }
      if (ArchiveChainHash(e) != e.hash) return bad("its hash does not match (edited)");
      if (e.purged_at != 0) ++report.purged;
      ++report.entries_checked;
      prev = e.hash;
      report.last_seq = e.seq;
      report.last_hash = e.hash;
      ++expect;
    }
    if (static_cast<int32_t>(page.size()) < page_size) break;
  }
  return report;
}

std::string_view AuditTamperKindName(AuditTamperKind kind) {
  switch (kind) {
    case AuditTamperKind::kNone:
      return "none";
    case AuditTamperKind::kEdited:
      return "edited";
    case AuditTamperKind::kDeleted:
      return "deleted";
    case AuditTamperKind::kReordered:
      return "reordered";
    case AuditTamperKind::kInserted:
      return "inserted";
  }
  return "unknown";
}

AuditLog::AuditLog(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Result<store::AuditEntry> AuditLog::Append(std::string_view actor, std::string_view action,
                                           std::string_view target, std::string_view detail_json,
                                           std::string_view address) {
  store::AuditEntry e;
  e.at = clock_.NowMillis();
  e.actor = std::string(actor);
  e.action = std::string(action);
  e.target = std::string(target);
  e.detail = detail_json.empty() ? "{}" : std::string(detail_json);
  e.address = std::string(address);
  e.content_hash = AuditContentHash(e);
  return store_.AppendAudit(std::move(e), AuditHash);
}

namespace {

// The seq an entry was hashed under, if it is not the one it sits at now
// (the entry was moved), searched within kSearchRadius.
std::optional<int64_t> OriginalSeq(const store::AuditEntry& e) {
  store::AuditEntry probe = e;
  for (int64_t d = 1; d <= kSearchRadius; ++d) {
    for (int64_t candidate : {e.seq + d, e.seq - d}) {
      if (candidate < 1) continue;
      probe.seq = candidate;
      if (AuditHash(probe) == e.hash) return candidate;
    }
  }
  return std::nullopt;
}

std::string Seq(int64_t s) { return std::to_string(s); }

// What retention leaves of an entry's content.
bool ContentRemoved(const store::AuditEntry& e) {
  return e.purged_at != 0 && e.actor.empty() && e.target.empty() && e.detail == "{}" &&
         e.address.empty();
}

}  // namespace

Result<AuditVerifyReport> AuditLog::Verify(int64_t page_size) {
  if (page_size < 1) page_size = 1000;
  AuditVerifyReport report;
  // Hashes of the last entries checked, for "links to an earlier entry".
  std::unordered_map<std::string, int64_t> recent_seq_by_hash;
  std::deque<std::string> recent_order;
  std::string prev_hash;  // hash of the last good entry ("" before the first)
  int64_t expected = 1;
  bool seen_two_part = false;  // an entry with a content hash was checked
  int64_t first_two_part = 0;

  auto fail = [&](int64_t seq, AuditTamperKind kind, std::string message) {
    report.ok = false;
    report.first_bad_seq = seq;
    report.kind = kind;
    report.message = std::move(message);
    return report;
  };

  // Entries after `seq` (for classifying a break).
  auto following = [&](int64_t seq) -> Result<std::vector<store::AuditEntry>> {
    return store_.ListAudit(seq + 1, kSearchRadius);
  };

  int64_t from = 1;
  while (true) {
    LP_ASSIGN_OR_RETURN(std::vector<store::AuditEntry> page, store_.ListAudit(from, page_size));
    if (page.empty()) break;
    for (size_t i = 0; i < page.size(); ++i) {
      const store::AuditEntry& e = page[i];
      if (e.seq != expected) {
        // A gap: rows were removed and the rest left where they were.
        std::string range = e.seq - 1 == expected
                                ? "entry " + Seq(expected) + " is"
                                : "entries " + Seq(expected) + " to " + Seq(e.seq - 1) + " are";
        return fail(expected, AuditTamperKind::kDeleted, range + " missing (deleted)");
      }
      const bool legacy = e.content_hash.empty();  // hashed over all fields (before v6)
      const bool removed = ContentRemoved(e);
      if (legacy && seen_two_part) {
        return fail(e.seq, AuditTamperKind::kEdited,
                    "entry " + Seq(e.seq) +
                        " was edited: it lost its content hash, which every entry from entry " +
                        Seq(first_two_part) + " on has");
      }
      if (!legacy && !removed && AuditContentHash(e) != e.content_hash) {
        return fail(e.seq, AuditTamperKind::kEdited,
                    "entry " + Seq(e.seq) + " was edited: its content does not match its hash");
      }
      // A purged entry of the old format can no longer be recomputed: its
      // place in the chain (the next entry links to its hash) is what stays.
      bool own_ok = (legacy && removed) || AuditHash(e) == e.hash;
      bool link_ok = e.prev_hash == prev_hash;
      if (own_ok && link_ok) {
        if (!legacy && !seen_two_part) {
          seen_two_part = true;
          first_two_part = e.seq;
        }
        if (removed) {
          if (report.purged == 0) report.purged_first_seq = e.seq;
          report.purged_last_seq = e.seq;
          ++report.purged;
        }
        ++report.entries_checked;
        prev_hash = e.hash;
        report.last_seq = e.seq;
        report.last_hash = e.hash;
        recent_seq_by_hash[e.hash] = e.seq;
        recent_order.push_back(e.hash);
        if (recent_order.size() > static_cast<size_t>(kSearchRadius)) {
          recent_seq_by_hash.erase(recent_order.front());
          recent_order.pop_front();
        }
        ++expected;
        continue;
      }

      LP_ASSIGN_OR_RETURN(std::vector<store::AuditEntry> after, following(e.seq));
      auto later_has_hash = [&](const std::string& h) {
        for (const auto& a : after) {
          if (a.hash == h) return true;
        }
        return false;
      };

      if (!own_ok) {
        std::optional<int64_t> origin = OriginalSeq(e);
        if (origin && *origin > e.seq) {
          // The entry was hashed further down the log. Either it swapped
          // places with the entries it now precedes, or the entries before it
          // were deleted and the rest renumbered.
          if (later_has_hash(e.prev_hash)) {
            return fail(e.seq, AuditTamperKind::kReordered,
                        "entry " + Seq(e.seq) + " was moved: it is entry " + Seq(*origin) +
                            " of the original log (entries reordered)");
          }
          std::string range = *origin - 1 == e.seq ? "original entry " + Seq(e.seq) + " was"
                                                   : "original entries " + Seq(e.seq) + " to " +
                                                         Seq(*origin - 1) + " were";
          return fail(e.seq, AuditTamperKind::kDeleted,
                      range + " deleted and the later entries renumbered (entry " + Seq(e.seq) +
                          " is the original entry " + Seq(*origin) + ")");
        }
        if (origin && *origin < e.seq) {
          // Hashed further up: entries were slipped in before it.
          int64_t first = *origin;
          std::string range = first == e.seq - 1
                                  ? "entry " + Seq(first) + " was"
                                  : "entries " + Seq(first) + " to " + Seq(e.seq - 1) + " were";
          return fail(first, AuditTamperKind::kInserted,
                      range + " inserted (entry " + Seq(e.seq) + " is the original entry " +
                          Seq(*origin) + ")");
        }
        // Not moved. If the next entry links past it, it was slipped in.
        if (!after.empty() && after.front().seq == e.seq + 1 &&
            after.front().prev_hash == prev_hash && !prev_hash.empty()) {
          return fail(e.seq, AuditTamperKind::kInserted,
                      "entry " + Seq(e.seq) + " was inserted: entry " + Seq(e.seq + 1) +
                          " links to entry " + Seq(e.seq - 1));
        }
        return fail(e.seq, AuditTamperKind::kEdited,
                    "entry " + Seq(e.seq) + " was edited: its content does not match its hash");
      }

      // Own hash intact, but it does not follow the previous entry.
      if (later_has_hash(e.prev_hash)) {
        return fail(e.seq, AuditTamperKind::kReordered,
                    "entry " + Seq(e.seq) + " follows an entry that now comes after it " +
                        "(entries reordered)");
      }
      auto earlier = recent_seq_by_hash.find(e.prev_hash);
      if (earlier != recent_seq_by_hash.end()) {
        int64_t first = earlier->second + 1;
        return fail(first, AuditTamperKind::kInserted,
                    "entries " + Seq(first) + " to " + Seq(e.seq - 1) + " were inserted: entry " +
                        Seq(e.seq) + " links to entry " + Seq(earlier->second));
      }
      return fail(e.seq, AuditTamperKind::kDeleted,
                  "entry " + Seq(e.seq) + " does not link to entry " + Seq(e.seq - 1) +
                      ": the entry it followed is gone (deleted, or replaced and re-hashed)");
    }
    from += page_size;
  }
  return report;
}

}  // namespace leitplanke::trust
