// Publisher: the business rules of the publish pillar over store::PublishStore.
//
//   edit      Create/Update: one variant per channel account; each variant's
//             text is rendered to the channel's wire text and checked by the
//             guard on exactly that text; findings stored with the variant.
//   submit    Submit: check again; a block refuses; a hold, an author role, a
//             channel or a topic that needs approval creates an approval of
//             kind "post" (the desk's four-eyes queue: steps, no
//             self-approval, expiry) and notifies the approvers; otherwise
//             approved at once. Editing a submitted, approved or scheduled
//             post sends it back through Submit: what is approved is sent.
//   schedule  Schedule: a time in the company's time zone (stored as UTC);
//             emotional or risky posts outside working hours get a
//             cool-down and wait for a "still send?" confirmation.
//   send      RunQueue: claims due variants (lease), checks the wire text
//             again (a stricter verdict holds the post), sends through the
//             channel with the variant's idempotency key, retries transient
//             errors with back-off and marks failures with the reason; sent
//             variants go to the archive.
//   advocacy  Share: an approved, shareable post with the employee's own
//             words, checked with the advocacy rules (R06 disclosure); the
//             checked text is returned for the employee's own account.
//
// Threading: every method may run on any thread; RunQueue is meant for one
// background worker per instance (several instances share the queue
// through the store's claims).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"
#include "leitplanke/guard/types.h"
#include "leitplanke/store/store.h"

namespace leitplanke::guard {
struct CheckOptions;
}

namespace leitplanke::publish {

using Millis = int64_t;

// Checks a text against the active guideline (the server's PolicyService).
using GuardCheck =
    std::function<Result<guard::Verdict>(std::string_view text, const guard::CheckOptions&)>;

// A channel's wire text for a message and what sending it costs.
struct Rendered {
  std::string wire_text;
  desk::SendEstimate estimate;
};

// The channels, as the server's desk provides them (connectors, their locks
// and rate limits): render a message for a channel, send a wire message.
struct ChannelPort {
  // InvalidArgument when the channel cannot send the text (too long).
  std::function<Result<Rendered>(int64_t channel_id, const desk::OutboundMessage& msg)> render;
  // Errors as desk::Channel::Send: Unavailable / ResourceExhausted are
  // transient (ResourceExhausted may set *retry_after_ms), others permanent.
  std::function<Result<desk::SendReceipt>(int64_t channel_id, const desk::OutboundMessage& wire,
                                          Millis* retry_after_ms)>
      send;
  // Which files the channel attaches (desk::Channel::media_limits). Unset,
  // or limits without images and videos: media go as links in the text.
  std::function<Result<desk::MediaLimits>(int64_t channel_id)> media_limits;
};

// Whether `at` lies within the team's working hours (team 0: the company's).
using WorkingHours = std::function<Result<bool>(int64_t team_id, Millis at)>;
using EventSink = std::function<void(std::string_view type, const std::string& json)>;
using AuditSink = std::function<void(std::string_view actor, std::string_view action,
                                     std::string_view target, const std::string& detail_json)>;

struct PublishOptions {
  std::string instance_id = "publish";  // queue claimer name; unique per process
  std::string time_zone = "Europe/Berlin";
  size_t max_text_bytes = 64 * 1024;
  size_t max_title_bytes = 200;
  // Approval rules besides a "hold" verdict: authors with one of these
  // roles, variants on these channels (name or kind), findings of these
  // rule ids (or id prefixes such as "R05"), clauses or categories.
  std::vector<std::string> approval_roles;
  std::vector<std::string> approval_channels;
  std::vector<std::string> approval_topics;
  int32_t approval_steps = 1;
  Millis approval_expire_ms = 72LL * 3600'000;  // 0 = never
  // Who hears of a new approval: users with one of these roles.
  std::vector<std::string> approver_roles = {"approver", "compliance", "admin"};
  // Cool-down for emotional or risky posts outside working hours; 0 = off.
  Millis cooldown_ms = 60 * 60'000;
  std::vector<std::string> cooldown_categories = {"offensive", "crisis"};
  // The send queue, like the desk's outbox.
  Millis lease_ms = 60'000;
  Millis retry_base_ms = 2'000;
  Millis retry_max_ms = 10 * 60'000;
  Millis give_up_after_ms = 24 * 3600'000;  // after the scheduled time
  // Advocacy (R06): a share must disclose the affiliation with one of
  // these markers (case-insensitive); the hint is what is proposed.
  std::vector<std::string> disclosure_markers = {"ich arbeite bei", "ich arbeite für", "#ichbinbei",
                                                 "#mitarbeiter",    "#mitarbeiterin",  "i work at",
                                                 "i work for",      "#employee"};
  std::string disclosure_de = "Ich arbeite bei Beispiel AG.";
  std::string disclosure_en = "I work at Beispiel AG.";
};

struct DraftVariant {
  int64_t channel_id = 0;
  std::string text;                // "" = the post's body
  std::vector<int64_t> asset_ids;  // media from the library, in order
};

// What the editor sends.
struct PostDraft {
  std::string title;
  std::string body;
  std::string link;
  int64_t team_id = 0;
  std::vector<DraftVariant> variants;
  std::vector<std::string> flags;  // "emotional", "risky": the author's own flags
};

// One variant as the guard saw it.
struct VariantCheck {
  int64_t channel_id = 0;
  std::string channel_name;
  std::string channel_kind;
  std::string wire_text;
  desk::SendEstimate estimate;
  guard::Verdict verdict;  // the guard's, plus R09 findings on the media
  std::string error;       // the channel cannot send it at all (then verdict is empty)
  std::vector<store::Asset> assets;
  desk::MediaLimits media_limits;  // of the channel
  // Per asset (same order): attached as a file (true) or a link in the text.
  std::vector<bool> native;
};

// What a PATCH of an asset changes (unset: kept).
struct AssetPatch {
  std::optional<std::string> name;
  std::optional<std::string> alt_text;
  std::optional<std::string> licence;
  std::optional<std::string> consent;
};

enum class SubmitDecision {
  kDraft,      // not submitted (an edit of a draft)
  kSubmitted,  // waits for approval (SubmitOutcome::approval)
  kApproved,   // approved, not scheduled
  kScheduled,  // approved and scheduled
  kBlocked,    // refused: the findings or a channel error say why; still a draft
};
std::string_view SubmitDecisionName(SubmitDecision d);

struct SubmitOutcome {
  SubmitDecision decision = SubmitDecision::kDraft;
  store::Post post;
  store::Approval approval;  // kSubmitted
  std::vector<VariantCheck> checks;
  std::vector<std::string> approval_reasons;  // why an approval is needed
  std::string message;                        // in the user's language
};

struct ShareRequest {
  std::string own_words;
  std::string network;          // where the employee posts it: "linkedin", "x", ...
  bool add_disclosure = false;  // append the disclosure hint when missing
  bool preview = false;         // check only, record nothing
};

struct ShareOutcome {
  bool allowed = false;  // the text may be posted (verdict below block)
  std::string text;      // the checked share text
  guard::Verdict verdict;
  bool disclosed = false;
  store::PostShare share;  // recorded when allowed and not a preview
  std::string message;
};

// "draft", "submitted", ... (the API's names).
std::string_view PostStateName(store::PostState s);
Result<store::PostState> ParsePostState(std::string_view name);
std::string_view VariantStateName(store::VariantState s);

class Publisher {
 public:
  Publisher(store::Store& store, const Clock& clock, GuardCheck check, ChannelPort channels,
            PublishOptions options = {});
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // InvalidArgument for an unknown time zone.
  Status Start();

  void SetEventSink(EventSink sink);
  void SetAuditSink(AuditSink sink);
  void SetArchiveSealer(store::ArchiveSealer seal);
  void SetWorkingHours(WorkingHours hours);
  const PublishOptions& options() const { return options_; }

  // --- editing ---------------------------------------------------------------------
  // Renders and checks every variant; nothing stored (the editor's live check).
  Result<std::vector<VariantCheck>> Check(const store::User& author, const PostDraft& draft);
  Result<store::Post> Create(const store::User& author, const PostDraft& draft);
  // `expected_version`: the version the editor saw (FailedPrecondition when
  // it changed). A post waiting for approval, approved, scheduled or held
  // goes through Submit again; sending, sent and cancelled posts cannot be
  // edited (FailedPrecondition).
  Result<SubmitOutcome> Update(int64_t post_id, const store::User& editor, const PostDraft& draft,
                               int64_t expected_version);
  Result<store::Post> Get(int64_t post_id);

  // --- workflow ----------------------------------------------------------------------
  Result<SubmitOutcome> Submit(int64_t post_id, const store::User& user, int64_t expected_version);
  // `when`: "2026-12-01T09:30" (local, in the company's time zone),
  // "2026-12-01T08:30:00Z" / "...+01:00" (absolute) or "now". Drafts and
  // submitted posts keep the time for later; approved, scheduled and held
  // posts become scheduled (held ones only when the verdict allows again).
  Result<store::Post> Schedule(int64_t post_id, const store::User& user, std::string_view when,
                               int64_t expected_version);
  Result<store::Post> Unschedule(int64_t post_id, const store::User& user,
                                 int64_t expected_version);
  Result<store::Post> Cancel(int64_t post_id, const store::User& user, int64_t expected_version);
  // "Still want to send?": yes. FailedPrecondition when there is no cool-down.
  Result<store::Post> ConfirmCooldown(int64_t post_id, const store::User& user);
  // Publishers mark approved (or sent) posts as shareable for advocates.
  Result<store::Post> SetShareable(int64_t post_id, const store::User& user, bool shareable);

  // --- media library -----------------------------------------------------------------------
  // Two kinds of media. Stored files (AddFileAsset: the bytes live in the
  // database) are attached to the message on channels whose media_limits()
  // take files (checked with desk::CheckMedia: an error blocks the variant
  // like an over-long text); their alt text is public, so the guard checks
  // it too. References (AddAsset: the file lives at `url`, http or https)
  // go out as links appended to the text, as do all media on channels
  // without file support — except stored files, which have no public link
  // there: that is the variant's error. `consent` is "not_needed", "given"
  // or "missing"; a medium without a licence note or with consent missing
  // holds the post for approval (R09).
  Result<store::Asset> AddAsset(const store::User& user, store::Asset asset);
  // `bytes`: the file; `sha256`: its hex digest (computed by the caller).
  // The type and pixel size are sniffed from the bytes (InvalidArgument for
  // other files). Name, alt text, licence and consent from `notes`.
  Result<store::Asset> AddFileAsset(const store::User& user, store::Asset notes,
                                    std::shared_ptr<const std::string> bytes, std::string sha256);
  Result<std::vector<store::Asset>> Assets();
  Result<store::Asset> GetAsset(int64_t id) const;
  // The stored file of an asset with its bytes (NotFound for URL assets).
  Result<store::MediaFile> AssetFile(int64_t id);
  // Name, alt text, licence, consent. Posts using the asset keep what they
  // checked: one whose media changed after approval is held at send time
  // (and an approval given meanwhile sends it back to draft).
  Result<store::Asset> UpdateAsset(const store::User& user, int64_t id, const AssetPatch& patch);
  // FailedPrecondition while a post uses it.
  Status DeleteAsset(const store::User& user, int64_t id);
  // What the channel attaches ({} when unknown or without file support).
  desk::MediaLimits ChannelMediaLimits(int64_t channel_id) const;

  // --- calendar --------------------------------------------------------------------------
  Result<std::vector<store::Post>> Calendar(Millis from, Millis to, int64_t channel_id);
  // Scheduled, sending and held posts with a variant on the channel, by time.
  Result<std::vector<store::Post>> Queue(int64_t channel_id);

  // --- advocacy ----------------------------------------------------------------------------
  Result<std::vector<store::Post>> Shareable();
  Result<ShareOutcome> Share(int64_t post_id, const store::User& advocate,
                             const ShareRequest& request);

  // --- send queue ------------------------------------------------------------------------
  // Sends due variants (at most `limit`); returns how many were sent.
  Result<size_t> RunQueue(int32_t limit = 50);

  // --- retention ---------------------------------------------------------------------------
  // Days to keep each kind of data; 0 = keep forever.
  struct Retention {
    int posts_days = 0;          // finished posts (sent, failed, cancelled) with their shares
    int notifications_days = 0;  // notifications, read or not
    int archive_days = 0;        // content of archive entries (hashes stay: the chain verifies)
    int messages_days = 0;  // desk conversations resolved that long ago: content, idle contacts
    int audit_days = 0;     // audit entries' actor, target, detail, address (hashes stay)
  };
  struct Purged {
    int64_t posts = 0;
    int64_t notifications = 0;
    int64_t archive_entries = 0;
    store::DeskPurged desk;
    int64_t audit_entries = 0;
  };
  // Purges what is older than its retention (each purge in the audit log).
  Result<Purged> ApplyRetention(const Retention& retention);

  // --- approvals (registered with the desk as the subject of kind "post") -----------------
  Result<guard::Verdict> RecheckApproval(const store::Approval& approval);
  Status ApprovalChanged(const store::Approval& approval);

  // --- time ------------------------------------------------------------------------------
  Result<Millis> ParseWhen(std::string_view when) const;
  // "2026-12-01T09:30:00+01:00" in the company's time zone.
  std::string LocalTime(Millis at) const;

 private:
  struct Zone;
  Result<std::vector<VariantCheck>> CheckVariants(const store::User& author, const PostDraft& draft,
                                                  std::vector<store::PostVariant>* variants);
  Result<store::Post> Load(int64_t post_id, int64_t expected_version);
  Status ValidateDraft(const PostDraft& draft, bool de) const;
  // Sets cooldown fields for a post about to be scheduled at post->scheduled_at.
  Status ApplyCooldown(store::Post* post);
  Status SendVariant(const store::PostVariant& v);
  struct MediaPlan;
  // How a variant's assets go out on its channel: files, links, the record
  // stored with the variant (PostVariant::media).
  Result<MediaPlan> PlanMedia(int64_t channel_id, const std::string& channel_kind,
                              const std::vector<int64_t>& asset_ids, size_t variant_index, bool de);
  // Whether every variant's media are still the ones it was checked with.
  bool MediaUnchanged(const store::Post& p);
  // The text an approval of `p` shows and must still match when given.
  Result<std::string> ApprovalText(const store::Post& p);
  // The file's bytes, from a small cache by digest (files never change).
  Result<std::shared_ptr<const std::string>> FileBytes(const std::string& sha256);
  // The guard on each attached medium's alt text; findings name the medium.
  Status CheckAltTexts(const MediaPlan& plan, const std::string& channel_kind, bool de,
                       guard::Verdict* verdict);
  void AuditAsset(const store::User& user, std::string_view action, int64_t id,
                  const std::string& detail) const;
  void Emit(std::string_view type, const std::string& json) const;
  void Audit(std::string_view actor, std::string_view action, int64_t post_id,
             const std::string& detail) const;
  Status NotifyApprovers(const store::Post& post, const store::Approval& approval);

  store::Store& store_;
  store::PublishStore& ps_;
  const Clock& clock_;
  GuardCheck check_;
  ChannelPort channels_;
  PublishOptions options_;
  std::unique_ptr<Zone> zone_;

  mutable std::mutex mu_;
  EventSink events_;
  AuditSink audit_;
  store::ArchiveSealer archive_;
  WorkingHours hours_;

  std::mutex files_mu_;
  std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> files_;  // newest last
};

}  // namespace leitplanke::publish
