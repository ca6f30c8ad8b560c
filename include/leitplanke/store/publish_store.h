// PublishStore: persistent state of the publish pillar — posts with one
// variant per channel, their send queue, advocacy shares and notifications.
// Reached through Store::publish(); shares the store's connection pool and
// guarantees (every method is one transaction, thread-safe, blocking, same
// contract on SQLite and PostgreSQL).
//
// The store holds no business rules: the publish module decides states,
// verdicts and times and passes them in. Times are ms since the Unix epoch
// (UTC).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

#include "leitplanke/store/desk_model.h"

namespace leitplanke::store {

// draft ─submit─▶ submitted (approval pending) ─▶ approved ─schedule─▶
// scheduled ─due─▶ sending ─▶ sent | failed; held: stopped before sending
// (the guideline got stricter); cancelled by a publisher.
enum class PostState : int {
  kDraft = 0,
  kSubmitted = 1,
  kApproved = 2,
  kHeld = 3,
  kScheduled = 4,
  kSending = 5,
  kSent = 6,
  kFailed = 7,
  kCancelled = 8,
};

enum class VariantState : int { kPending = 0, kSending = 1, kSent = 2, kFailed = 3 };

// The post on one channel account: its own text (or the post's), the wire
// text the channel renders from it, the guard's findings on exactly that
// text, and its delivery (a send-queue item with an idempotency key).
struct PostVariant {
  int64_t id = 0;
  int64_t post_id = 0;
  int64_t channel_id = 0;
  std::string channel_name;  // filled by the store
  std::string channel_kind;  // filled by the store
  std::string text;          // override; "" = the post's body
  std::string wire_text;     // what the channel will send
  std::string verdict;       // the guard's verdict record (JSON, opaque here)
  std::string action;        // its action: "allow", "warn", "hold", "block"
  VariantState state = VariantState::kPending;
  std::string idempotency_key;  // unique; the channel sees it on every attempt
  int32_t attempts = 0;         // claims so far
  Millis next_attempt_at = 0;
  std::string claimed_by;
  Millis claimed_until = 0;
  std::string last_error;
  std::string external_id;  // the channel's id once sent
  Millis sent_at = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
  std::vector<int64_t> asset_ids;  // media from the library, in order
  // The media as checked (a content field, like the verdict): a JSON array
  // written by the publisher, one object per medium with its name, type,
  // size, digest or URL, alt text and notes; opaque here. The archive entry
  // of the sent variant carries it as its verdict's "media" member.
  std::string media;
};

// A picture or video in the media library (R09: own or licensed, consent of
// the people shown). Either a file stored in the database (`sha256` names
// its row in media_files; type, size and pixels copied from it) or a
// reference to a file elsewhere (`url`, sent as a link).
struct Asset {
  int64_t id = 0;
  std::string name;
  std::string mime_type;
  std::string url;      // "" for stored files
  std::string licence;  // "own photo", "stock, licence 4711 until 2027", "" = unknown
  std::string consent;  // "not_needed", "given", "missing"
  int64_t created_by = 0;
  std::string created_by_name;  // filled by the store
  Millis created_at = 0;
  std::string sha256;  // hex digest of the stored file; "" for URL assets
  int64_t size = 0;    // bytes of the stored file
  int32_t width = 0;   // pixels, 0 when unknown (videos)
  int32_t height = 0;
  std::string alt_text;  // description for screen readers; public words
};

// A file of the media library, stored once per content (key: its SHA-256,
// computed by the caller). Several assets may name the same file.
struct MediaFile {
  std::string sha256;  // 64 lower-case hex digits
  std::string mime_type;
  int64_t size = 0;
  int32_t width = 0;
  int32_t height = 0;
  Millis created_at = 0;
  std::shared_ptr<const std::string> bytes;  // the file
};

struct Post {
  int64_t id = 0;
  std::string title;  // internal name
  std::string body;   // base text
  std::string link;   // optional URL shared with the post (advocacy)
  int64_t author_id = 0;
  std::string author_name;  // filled by the store
  int64_t team_id = 0;      // 0 = none
  PostState state = PostState::kDraft;
  Millis scheduled_at = 0;         // 0 = not scheduled
  bool shareable = false;          // advocates may share it
  std::vector<std::string> flags;  // "emotional", "risky" (cool-down)
  Millis cooldown_until = 0;       // 0 = no cool-down
  bool cooldown_confirmed = false;
  std::string reason;       // why held, failed or sent back
  int64_t approval_id = 0;  // the newest approval, 0 = none
  int64_t version = 0;      // +1 on every update; edits name the version they saw
  Millis created_at = 0;
  Millis updated_at = 0;
  Millis sent_at = 0;
  std::vector<PostVariant> variants;  // by channel id
};

// A calendar or queue listing.
struct PostQuery {
  // Posts whose scheduled_at (or, when not scheduled, sent_at) lies in
  // [from, to); both 0 = any time.
  Millis from = 0;
  Millis to = 0;
  std::vector<PostState> states;  // empty = every state
  int64_t channel_id = 0;         // 0 = any; else posts with a variant there
  int64_t author_id = 0;          // 0 = anyone
  bool shareable_only = false;
  int64_t before_id = 0;  // > 0: only smaller ids (paging of unscheduled lists)
  int32_t limit = 200;
};

struct PostShare {
  int64_t id = 0;
  int64_t post_id = 0;
  int64_t user_id = 0;
  std::string username;  // filled by the store
  std::string network;   // where the employee shares it ("linkedin", "x", ...)
  std::string text;      // the checked share text
  std::string verdict;   // the guard's verdict record (JSON)
  Millis created_at = 0;
  std::string post_title;  // filled by ListShares ("" if the post is gone)
};

struct Notification {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string kind;     // "approval_requested", ...
  std::string subject;  // "post:12", "approval:7"
  std::string detail;   // JSON (opaque here)
  Millis created_at = 0;
  Millis read_at = 0;
};

class PublishStore {
 public:
  virtual ~PublishStore() = default;

  // --- posts -------------------------------------------------------------------
  // Stores a new post with its variants (idempotency keys set by the caller,
  // unique: AlreadyExists). InvalidArgument for an unknown channel or two
  // variants on one channel.
  virtual Result<Post> CreatePost(Post post) = 0;
  virtual Result<Post> GetPost(int64_t id) = 0;  // NotFound
  // Replaces the post's fields (but author and created_at) and its set of
  // variants if `post.version` equals the stored version
  // (FailedPrecondition otherwise: reload). Variants are matched by
  // channel: content fields (text, wire text, verdict, action) are
  // replaced, delivery fields kept; a new channel gets a new variant (with
  // its idempotency key), a channel left out loses its variant. Bumps the
  // version and returns the stored post.
  virtual Result<Post> UpdatePost(const Post& post) = 0;
  // Newest first by scheduled time (unscheduled: by id), with variants.
  virtual Result<std::vector<Post>> ListPosts(const PostQuery& query) = 0;

  // --- media library -----------------------------------------------------------------
  // InvalidArgument without a name, or without a URL or the sha256 of a
  // stored file (whose type, size and pixels the asset takes). Variants name assets by id
  // (CreatePost/UpdatePost: InvalidArgument for an unknown one).
  virtual Result<Asset> CreateAsset(Asset asset) = 0;
  virtual Result<Asset> GetAsset(int64_t id) = 0;  // NotFound
  // Newest first.
  virtual Result<std::vector<Asset>> ListAssets(int32_t limit) = 0;
  // Stores `file` unless a file with its sha256 is stored already (then the
  // stored one is returned, bytes not re-read). InvalidArgument for a
  // malformed digest, missing bytes or a size that is not the bytes'.
  virtual Result<MediaFile> PutMediaFile(MediaFile file) = 0;
  // The file with its bytes; NotFound.
  virtual Result<MediaFile> GetMediaFile(std::string_view sha256) = 0;
  // PutMediaFile and CreateAsset in one transaction: an asset of the file
  // (asset.url must be empty; sha256, mime type, size and pixels are the
  // file's).
  virtual Result<Asset> CreateFileAsset(Asset asset, MediaFile file) = 0;
  // Replaces name, alt_text, licence and consent of the asset; returns it.
  // NotFound; InvalidArgument without a name.
  virtual Result<Asset> UpdateAsset(const Asset& asset) = 0;
  // Deletes the asset, and its file once no asset names it.
  // FailedPrecondition while a post variant uses it; NotFound.
  virtual Status DeleteAsset(int64_t id) = 0;

  // --- send queue --------------------------------------------------------------
  // Claims up to `limit` variants that are due for `claimer` until now +
  // lease_ms: pending with next_attempt_at <= now of a post that is
  // scheduled or sending, whose scheduled_at <= now and whose cool-down is
  // over and confirmed (or absent); or sending with an expired claim (the
  // sender died). Each claim counts as an attempt; the post becomes
  // sending. Concurrent claimers never get the same variant (PostgreSQL:
  // FOR UPDATE SKIP LOCKED).
  virtual Result<std::vector<PostVariant>> ClaimDueVariants(std::string_view claimer, Millis now,
                                                            Millis lease_ms, int32_t limit) = 0;
  // The channel confirmed the send: the variant becomes sent and, with a
  // sealer, is appended to the archive (kind "post", the post's approval
  // chain) in the same transaction. When no variant of the post is left
  // to send, the post becomes sent (or failed when one failed).
  virtual Status CompleteVariant(int64_t variant_id, std::string_view external_id, Millis at,
                                 const ArchiveSealer& seal = nullptr) = 0;
  // A failed attempt: retry at `retry_at`, or give up when it is 0 (the
  // variant becomes failed with `error`; the post as in CompleteVariant).
  virtual Status FailVariant(int64_t variant_id, std::string_view error, Millis retry_at,
                             Millis at) = 0;
  // Stops a scheduled or sending post before it leaves: state held with
  // `reason`; its claimed variants go back to pending. Returns the post.
  virtual Result<Post> HoldPost(int64_t post_id, std::string_view reason, Millis at) = 0;

  // --- advocacy -------------------------------------------------------------------
  virtual Result<PostShare> AddShare(PostShare share) = 0;
  // Newest first; post_id / user_id 0 = any.
  virtual Result<std::vector<PostShare>> ListShares(int64_t post_id, int64_t user_id,
                                                    int32_t limit) = 0;

  // --- notifications ----------------------------------------------------------------
  virtual Status AddNotifications(const std::vector<Notification>& notifications) = 0;
  // Newest first.
  virtual Result<std::vector<Notification>> ListNotifications(int64_t user_id, bool unread_only,
                                                              int32_t limit) = 0;
  // Marks the user's notification read; NotFound when it is not theirs.
  virtual Status MarkNotificationRead(int64_t id, int64_t user_id, Millis at) = 0;

  // --- retention ----------------------------------------------------------------------
  // Deletes posts that are finished (sent, failed, cancelled) and last
  // changed before `before`, with their variants, media links, shares and
  // approvals (the archive keeps what was sent and its approval chain).
  // Returns how many posts were deleted.
  virtual Result<int64_t> PurgePosts(Millis before) = 0;
  // Deletes notifications created before `before`; returns how many.
  virtual Result<int64_t> PurgeNotifications(Millis before) = 0;
};

}  // namespace leitplanke::store
