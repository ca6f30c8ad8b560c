// The publish pillar's decisions around the store: what a variant's wire
// text is and what the guard says about it, when a post needs approval,
// when it may leave (schedule, cool-down, a stricter guideline), how a send
// is retried, and what an advocacy share must contain.
#include "leitplanke/publish/publisher.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>
#include <utility>

#include <unicode/basictz.h>
#include <unicode/timezone.h>
#include <unicode/ucal.h>
#include <unicode/unistr.h>

#include "leitplanke/base/json_string.h"
#include "leitplanke/base/random_key.h"
#include "leitplanke/base/utf8.h"

#include "leitplanke/desk/media.h"
#include "leitplanke/guard/policy.h"

namespace leitplanke::publish {

using store::Post;
using store::PostState;
using store::PostVariant;
using store::VariantState;

struct Publisher::Zone {
  std::mutex mu;
  std::unique_ptr<icu::BasicTimeZone> tz;  // guarded by mu
};

struct Publisher::MediaPlan {
  desk::MediaLimits limits;
  std::vector<store::Asset> assets;
  std::vector<bool> native;                // per asset
  std::vector<desk::OutboundMedia> files;  // the native ones, in order
  std::vector<std::string> links;          // URLs to append to the text
  std::vector<std::string> records;        // per asset, MediumRecord
  std::string record;                      // JSON array of `records`
  std::string error;                       // the variant cannot go out with these media
};

namespace {

constexpr Millis kDayMs = 86'400'000;

bool German(const store::User& u) { return u.locale != "en"; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool Contains(const std::vector<std::string>& list, std::string_view x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

guard::Action ActionOf(std::string_view name) {
  return guard::ParseAction(name).value_or(guard::Action::kAllow);
}

guard::CheckOptions PostCheckOptions(const std::string& channel_kind, bool de) {
  guard::CheckOptions o;
  o.audience = guard::Audience::kPublic;
  o.channel = channel_kind;
  o.lang = de ? guard::Lang::kDe : guard::Lang::kEn;
  return o;
}

std::string PostEvent(const Post& p) {
  std::string out = "{\"post_id\":" + std::to_string(p.id) + ",\"state\":";
  AppendJsonString(out, PostStateName(p.state));
  out += ",\"version\":" + std::to_string(p.version) + "}";
  return out;
}

bool Transient(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kResourceExhausted;
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string_view PostStateName(PostState s) {
  switch (s) {
    case PostState::kDraft:
      return "draft";
    case PostState::kSubmitted:
      return "submitted";
    case PostState::kApproved:
      return "approved";
    case PostState::kHeld:
      return "held";
    case PostState::kScheduled:
      return "scheduled";
    case PostState::kSending:
      return "sending";
    case PostState::kSent:
      return "sent";
    case PostState::kFailed:
      return "failed";
    case PostState::kCancelled:
      return "cancelled";
  }
  return "draft";
}

Result<PostState> ParsePostState(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(PostState::kCancelled); ++i) {
    if (PostStateName(static_cast<PostState>(i)) == name) return static_cast<PostState>(i);
  }
  return Status::InvalidArgument("unknown post state '" + std::string(name) +
                                 "' (draft, submitted, approved, held, scheduled, sending, sent, "
                                 "failed, cancelled)");
}

std::string_view VariantStateName(VariantState s) {
  switch (s) {
    case VariantState::kPending:
      return "pending";
    case VariantState::kSending:
      return "sending";
    case VariantState::kSent:
      return "sent";
    case VariantState::kFailed:
      return "failed";
  }
  return "pending";
}

std::string_view SubmitDecisionName(SubmitDecision d) {
  switch (d) {
    case SubmitDecision::kDraft:
      return "draft";
    case SubmitDecision::kSubmitted:
      return "submitted";
    case SubmitDecision::kApproved:
      return "approved";
    case SubmitDecision::kScheduled:
      return "scheduled";
    case SubmitDecision::kBlocked:
      return "blocked";
  }
  return "draft";
}

Publisher::Publisher(store::Store& store, const Clock& clock, GuardCheck check,
                     ChannelPort channels, PublishOptions options)
    : store_(store),
      ps_(store.publish()),
      clock_(clock),
      check_(std::move(check)),
      channels_(std::move(channels)),
      options_(std::move(options)),
      zone_(std::make_unique<Zone>()) {}

Publisher::~Publisher() = default;

Status Publisher::Start() {
  std::unique_ptr<icu::TimeZone> tz(
      icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(options_.time_zone)));
  if (tz == nullptr || *tz == icu::TimeZone::getUnknown()) {
    return Status::InvalidArgument("[publish] time_zone: unknown IANA time zone '" +
                                   options_.time_zone + "'");
  }
  auto* basic = dynamic_cast<icu::BasicTimeZone*>(tz.get());
  if (basic == nullptr) {
    return Status::InvalidArgument("[publish] time_zone: '" + options_.time_zone +
                                   "' has no transition rules");
  }
  tz.release();
  std::lock_guard<std::mutex> lock(zone_->mu);
  zone_->tz.reset(basic);
  return Status::Ok();
}

void Publisher::SetEventSink(EventSink sink) {
  std::lock_guard<std::mutex> lock(mu_);
  events_ = std::move(sink);
}
void Publisher::SetAuditSink(AuditSink sink) {
  std::lock_guard<std::mutex> lock(mu_);
  audit_ = std::move(sink);
}
void Publisher::SetArchiveSealer(store::ArchiveSealer seal) {
  std::lock_guard<std::mutex> lock(mu_);
  archive_ = std::move(seal);
}
void Publisher::SetWorkingHours(WorkingHours hours) {
  std::lock_guard<std::mutex> lock(mu_);
  hours_ = std::move(hours);
}

void Publisher::Emit(std::string_view type, const std::string& json) const {
  EventSink sink;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sink = events_;
  }
  if (sink) sink(type, json);
}

void Publisher::Audit(std::string_view actor, std::string_view action, int64_t post_id,
                      const std::string& detail) const {
  AuditSink sink;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sink = audit_;
  }
  if (sink) sink(actor, action, "post:" + std::to_string(post_id), detail);
}

// --- time -----------------------------------------------------------------------------

Result<Millis> Publisher::ParseWhen(std::string_view when) const {
  if (when == "now") return clock_.NowMillis();
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("scheduled_at '" + std::string(when) + "': " + std::string(why) +
                                   " (use 2026-12-01T09:30 in the company's time zone, an RFC "
                                   "3339 time with offset, or \"now\")");
  };
  if (!Digits(when, 0, 4, &y) || when.size() < 16 || when[4] != '-' || !Digits(when, 5, 2, &mo) ||
      when[7] != '-' || !Digits(when, 8, 2, &d) || (when[10] != 'T' && when[10] != ' ') ||
      !Digits(when, 11, 2, &h) || when[13] != ':' || !Digits(when, 14, 2, &mi)) {
    return bad("not a date and time");
  }
  size_t pos = 16;
  if (pos < when.size() && when[pos] == ':') {
    if (!Digits(when, pos + 1, 2, &s)) return bad("bad seconds");
    pos += 3;
    if (pos < when.size() && when[pos] == '.') {
      ++pos;
      while (pos < when.size() && when[pos] >= '0' && when[pos] <= '9') ++pos;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) {
    return bad("out of range");
  }
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int cy = 0, cm = 0, cd = 0;
  CivilFromDays(days, &cy, &cm, &cd);
  if (cy != y || cm != mo || cd != d) return bad("no such date");
  const Millis local = days * kDayMs + (h * 3600LL + mi * 60LL + s) * 1000;
  if (pos == when.size()) {
    std::lock_guard<std::mutex> lock(zone_->mu);
    if (!zone_->tz) return Status::FailedPrecondition("publisher not started");
    int32_t raw = 0, dst = 0;
    UErrorCode ec = U_ZERO_ERROR;
    zone_->tz->getOffsetFromLocal(static_cast<UDate>(local), UCAL_TZ_LOCAL_FORMER,
                                  UCAL_TZ_LOCAL_FORMER, raw, dst, ec);
    if (U_FAILURE(ec)) return bad("the time zone has no offset for it");
    return local - raw - dst;
  }
  if (when[pos] == 'Z' && pos + 1 == when.size()) return local;
  int oh = 0, om = 0;
  if ((when[pos] == '+' || when[pos] == '-') && pos + 6 == when.size() &&
      Digits(when, pos + 1, 2, &oh) && when[pos + 3] == ':' && Digits(when, pos + 4, 2, &om)) {
    const Millis offset = (oh * 60LL + om) * 60'000;
    return when[pos] == '+' ? local - offset : local + offset;
  }
  return bad("bad time zone offset");
}

std::string Publisher::LocalTime(Millis at) const {
  int32_t raw = 0, dst = 0;
  {
    std::lock_guard<std::mutex> lock(zone_->mu);
    if (zone_->tz) {
      UErrorCode ec = U_ZERO_ERROR;
      zone_->tz->getOffset(static_cast<UDate>(at), false, raw, dst, ec);
      if (U_FAILURE(ec)) raw = dst = 0;
    }
  }
  const int64_t offset_ms = int64_t{raw} + dst;
  const Millis local = at + offset_ms;
  const int64_t days = local >= 0 ? local / kDayMs : (local - kDayMs + 1) / kDayMs;
  const int64_t in_day = (local - days * kDayMs) / 1000;
  int y = 0, m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  const int64_t off_min = (offset_ms < 0 ? -offset_ms : offset_ms) / 60'000;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d,
                static_cast<int>(in_day / 3600), static_cast<int>(in_day / 60 % 60),
                static_cast<int>(in_day % 60), offset_ms < 0 ? '-' : '+',
                static_cast<int>(off_min / 60), static_cast<int>(off_min % 60));
  return buf;
}

// --- editing ------------------------------------------------------------------------

Status Publisher::ValidateDraft(const PostDraft& draft, bool de) const {
  if (draft.title.empty() || draft.title.size() > options_.max_title_bytes) {
    return Status::InvalidArgument(
        de ? "/title: 1 bis " + std::to_string(options_.max_title_bytes) + " Bytes"
           : "/title: 1 to " + std::to_string(options_.max_title_bytes) + " bytes");
  }
  auto text_ok = [&](const std::string& t, const std::string& where) -> Status {
    if (t.size() > options_.max_text_bytes) {
      return Status::InvalidArgument(where + ": " + std::to_string(t.size()) +
                                     " bytes exceed the limit of " +
                                     std::to_string(options_.max_text_bytes));
    }
    const size_t bad = utf8::FirstInvalid(t);
    if (bad != std::string_view::npos) {
      return Status::InvalidArgument(where + ": invalid UTF-8 at byte " + std::to_string(bad));
    }
    return Status::Ok();
  };
  LP_RETURN_IF_ERROR(text_ok(draft.title, "/title"));
  LP_RETURN_IF_ERROR(text_ok(draft.body, "/body"));
  LP_RETURN_IF_ERROR(text_ok(draft.link, "/link"));
  if (draft.variants.empty()) {
    return Status::InvalidArgument(de ? "/variants: mindestens ein Kanal"
                                      : "/variants: at least one channel");
  }
  std::set<int64_t> seen;
  for (size_t i = 0; i < draft.variants.size(); ++i) {
    const DraftVariant& v = draft.variants[i];
    const std::string where = "/variants/" + std::to_string(i);
    if (!seen.insert(v.channel_id).second) {
      return Status::InvalidArgument(where + "/channel_id: channel " +
                                     std::to_string(v.channel_id) + " appears twice");
    }
    LP_RETURN_IF_ERROR(text_ok(v.text, where + "/text"));
    if (v.text.empty() && draft.body.empty()) {
      return Status::InvalidArgument(where + "/text: " +
                                     (de ? "kein Text (weder Variante noch Beitrag)"
                                         : "no text (neither the variant nor the post has one)"));
    }
  }
  for (const std::string& f : draft.flags) {
    if (f != "emotional" && f != "risky") {
      return Status::InvalidArgument("/flags: unknown flag '" + f + "' (emotional, risky)");
    }
  }
  return Status::Ok();
}

Result<std::vector<VariantCheck>> Publisher::CheckVariants(const store::User& author,
                                                           const PostDraft& draft,
                                                           std::vector<PostVariant>* variants) {
  const bool de = German(author);
  LP_RETURN_IF_ERROR(ValidateDraft(draft, de));
  std::vector<VariantCheck> out;
  for (size_t i = 0; i < draft.variants.size(); ++i) {
    const DraftVariant& dv = draft.variants[i];
    Result<store::ChannelRow> channel = store_.desk().GetChannel(dv.channel_id);
    if (!channel.ok()) {
      return Status::InvalidArgument("/variants/" + std::to_string(i) + "/channel_id: no channel " +
                                     std::to_string(dv.channel_id));
    }
    VariantCheck c;
    c.channel_id = dv.channel_id;
    c.channel_name = channel->name;
    c.channel_kind = channel->kind;
    desk::OutboundMessage msg;
    msg.is_public = true;
    msg.text = dv.text.empty() ? draft.body : dv.text;
    if (!draft.link.empty() && msg.text.find(draft.link) == std::string::npos) {
      msg.text += (msg.text.empty() ? "" : "\n") + draft.link;
    }
    LP_ASSIGN_OR_RETURN(MediaPlan plan,
                        PlanMedia(dv.channel_id, channel->kind, dv.asset_ids, i, de));
    // URL media leave as links: the guard, the approval and the archive see them.
    for (const std::string& url : plan.links) {
      if (msg.text.find(url) == std::string::npos) {
        msg.text += (msg.text.empty() ? "" : "\n") + url;
      }
    }
    msg.media = plan.files;
    c.assets = plan.assets;
    c.native = plan.native;
    c.media_limits = plan.limits;
    msg.subject = draft.title;
    if (!plan.error.empty()) {
      c.error = plan.error;
      c.verdict.action = guard::Action::kBlock;
    } else {
      Result<Rendered> rendered = channels_.render(dv.channel_id, msg);
      if (!rendered.ok()) {
        if (rendered.error().code() != StatusCode::kInvalidArgument) return rendered.error();
        c.error = rendered.error().message();
        c.verdict.action = guard::Action::kBlock;
      } else {
        c.wire_text = std::move(rendered->wire_text);
        c.estimate = std::move(rendered->estimate);
        LP_ASSIGN_OR_RETURN(c.verdict, check_(c.wire_text, PostCheckOptions(channel->kind, de)));
        LP_RETURN_IF_ERROR(CheckAltTexts(plan, channel->kind, de, &c.verdict));
      }
    }
    // R09: media own or licensed, people shown consented.
    for (const store::Asset& a : c.assets) {
      const bool no_licence = a.licence.empty();
      const bool no_consent = a.consent == "missing";
      if (!no_licence && !no_consent) continue;
      guard::Finding f;
      f.rule = no_licence ? "R09.licence" : "R09.consent";
      f.detector = "publish";
      f.category = "channel";
      f.type = "media";
      f.severity = guard::Severity::kMedium;
      f.action = guard::Action::kHold;
      f.clause = "R09";
      f.excerpt = a.name;
      const size_t at = a.url.empty() ? std::string::npos : c.wire_text.find(a.url);
      if (at != std::string::npos) {
        f.start = at;
        f.end = at + a.url.size();
      }
      f.message = no_licence ? (de ? "Für das Medium \"" + a.name + "\" fehlt die Lizenzangabe."
                                   : "The medium \"" + a.name + "\" has no licence note.")
                             : (de ? "Für das Medium \"" + a.name +
                                         "\" fehlt die Einwilligung der gezeigten Personen."
                                   : "The people shown in \"" + a.name + "\" have not consented.");
      f.fix = de ? "Lizenz bzw. Einwilligung in der Mediathek nachtragen oder ein anderes Medium "
                   "wählen."
                 : "Add the licence or consent in the media library or choose another medium.";
      c.verdict.action = std::max(c.verdict.action, guard::Action::kHold);
      c.verdict.findings.push_back(std::move(f));
    }
    if (variants != nullptr) {
      PostVariant v;
      v.channel_id = dv.channel_id;
      v.channel_name = channel->name;
      v.channel_kind = channel->kind;
      v.text = dv.text;
      v.wire_text = c.wire_text;
      v.verdict = c.error.empty() ? guard::VerdictRecordJson(c.verdict)
                                  : "{\"action\":\"block\",\"error\":" + JsonString(c.error) + "}";
      v.action = std::string(guard::ActionName(c.verdict.action));
      v.idempotency_key = "post-" + RandomKey();
      v.asset_ids = dv.asset_ids;
      v.media = plan.record;
      variants->push_back(std::move(v));
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<VariantCheck>> Publisher::Check(const store::User& author,
                                                   const PostDraft& draft) {
  // The editor checks while typing: a title may still be missing.
  if (draft.title.empty()) {
    PostDraft titled = draft;
    titled.title = "-";
    return CheckVariants(author, titled, nullptr);
  }
  return CheckVariants(author, draft, nullptr);
}

Result<Post> Publisher::Create(const store::User& author, const PostDraft& draft) {
  Post p;
  LP_RETURN_IF_ERROR(CheckVariants(author, draft, &p.variants).status());
  p.title = draft.title;
  p.body = draft.body;
  p.link = draft.link;
  p.team_id = draft.team_id;
  p.flags = draft.flags;
  p.author_id = author.id;
  p.state = PostState::kDraft;
  p.created_at = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(Post stored, ps_.CreatePost(std::move(p)));
  Audit("user:" + author.username, "publish.post_created", stored.id, "{}");
  Emit("publish.post", PostEvent(stored));
  return stored;
}

Result<Post> Publisher::Get(int64_t post_id) { return ps_.GetPost(post_id); }

Result<Post> Publisher::Load(int64_t post_id, int64_t expected_version) {
  LP_ASSIGN_OR_RETURN(Post p, ps_.GetPost(post_id));
  if (expected_version >= 0 && expected_version != p.version) {
    return Status::FailedPrecondition("post " + std::to_string(post_id) +
                                      " changed meanwhile (version " + std::to_string(p.version) +
                                      "); reload it");
  }
  return p;
}

Result<SubmitOutcome> Publisher::Update(int64_t post_id, const store::User& editor,
                                        const PostDraft& draft, int64_t expected_version) {
  const bool de = German(editor);
  LP_ASSIGN_OR_RETURN(Post p, Load(post_id, expected_version));
  if (p.state == PostState::kSending || p.state == PostState::kSent ||
      p.state == PostState::kCancelled) {
    return Status::FailedPrecondition(
        std::string(de ? "Dieser Beitrag kann nicht mehr bearbeitet werden ("
                       : "This post can no longer be edited (") +
        std::string(PostStateName(p.state)) + ")");
  }
  for (const PostVariant& v : p.variants) {
    if (v.state == VariantState::kSent) {
      // The archive holds what went out; a changed text is a new post.
      return Status::FailedPrecondition(
          de ? "Eine Variante wurde schon gesendet; bitte einen neuen Beitrag anlegen."
             : "A variant was already sent; create a new post instead.");
    }
  }
  const PostState before = p.state;
  std::vector<PostVariant> variants;
  LP_RETURN_IF_ERROR(CheckVariants(editor, draft, &variants).status());
  // A pending approval of the old text must not approve the new one.
  if (before == PostState::kSubmitted && p.approval_id != 0) {
    LP_RETURN_IF_ERROR(store_.desk().SetApprovalState(
        p.approval_id, store::ApprovalState::kSuperseded, clock_.NowMillis()));
  }
  p.title = draft.title;
  p.body = draft.body;
  p.link = draft.link;
  p.team_id = draft.team_id;
  p.flags = draft.flags;
  p.variants = std::move(variants);
  p.state = PostState::kDraft;
  p.cooldown_until = 0;
  p.cooldown_confirmed = false;
  p.shareable = false;
  p.reason = before == PostState::kDraft || before == PostState::kFailed
                 ? p.reason
                 : (de ? "bearbeitet" : "edited");
  p.updated_at = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(p, ps_.UpdatePost(p));
  Audit("user:" + editor.username, "publish.post_edited", p.id,
        "{\"was\":" + JsonString(PostStateName(before)) + "}");
  if (before == PostState::kSubmitted || before == PostState::kApproved ||
      before == PostState::kScheduled || before == PostState::kHeld) {
    // Live views hear of the outcome only, not of the passing draft state.
    return Submit(p.id, editor, p.version);
  }
  Emit("publish.post", PostEvent(p));
  SubmitOutcome out;
  out.post = std::move(p);
  out.decision = SubmitDecision::kDraft;
  return out;
}

// --- workflow -------------------------------------------------------------------------

Status Publisher::NotifyApprovers(const Post& post, const store::Approval& approval) {
  LP_ASSIGN_OR_RETURN(std::vector<store::User> users, store_.ListUsers());
  std::vector<store::Notification> list;
  std::string detail = "{\"post_id\":" + std::to_string(post.id) +
                       ",\"approval_id\":" + std::to_string(approval.id) + ",\"title\":";
  AppendJsonString(detail, post.title);
  detail += "}";
  for (const store::User& u : users) {
    if (u.disabled || u.id == approval.requested_by) continue;
    bool approver = false;
    for (const std::string& r : u.roles) approver |= Contains(options_.approver_roles, r);
    if (!approver) continue;
    store::Notification n;
    n.user_id = u.id;
    n.kind = "approval_requested";
    n.subject = "approval:" + std::to_string(approval.id);
    n.detail = detail;
    n.created_at = clock_.NowMillis();
    list.push_back(std::move(n));
  }
  LP_RETURN_IF_ERROR(ps_.AddNotifications(list));
  for (const store::Notification& n : list) {
    Emit("publish.notification",
         "{\"user_id\":" + std::to_string(n.user_id) +
             ",\"kind\":\"approval_requested\",\"approval_id\":" + std::to_string(approval.id) +
             ",\"post_id\":" + std::to_string(post.id) + "}");
  }
  return Status::Ok();
}

Result<SubmitOutcome> Publisher::Submit(int64_t post_id, const store::User& user,
                                        int64_t expected_version) {
  const bool de = German(user);
  LP_ASSIGN_OR_RETURN(Post p, Load(post_id, expected_version));
  if (p.state != PostState::kDraft && p.state != PostState::kFailed) {
    return Status::FailedPrecondition((de ? "Nur Entwürfe können eingereicht werden (Zustand: "
                                          : "Only drafts can be submitted (state: ") +
                                      std::string(PostStateName(p.state)) + ")");
  }
  PostDraft draft;
  draft.title = p.title;
  draft.body = p.body;
  draft.link = p.link;
  draft.team_id = p.team_id;
  draft.flags = p.flags;
  for (const PostVariant& v : p.variants) {
    draft.variants.push_back({v.channel_id, v.text, v.asset_ids});
  }
  LP_ASSIGN_OR_RETURN(store::User author, store_.GetUser(p.author_id));
  SubmitOutcome out;
  std::vector<PostVariant> variants;
  LP_ASSIGN_OR_RETURN(out.checks, CheckVariants(author, draft, &variants));
  // Findings stored with the variants as they are now.
  for (size_t i = 0; i < variants.size() && i < p.variants.size(); ++i) {
    variants[i].idempotency_key = p.variants[i].idempotency_key;
  }
  p.variants = std::move(variants);

  guard::Action worst = guard::Action::kAllow;
  bool risky = false;
  for (const VariantCheck& c : out.checks) {
    worst = std::max(worst, c.verdict.action);
    if (c.verdict.action == guard::Action::kHold) {
      out.approval_reasons.push_back("verdict hold on " + c.channel_name);
    }
    if (Contains(options_.approval_channels, c.channel_name) ||
        Contains(options_.approval_channels, c.channel_kind)) {
      out.approval_reasons.push_back("channel " + c.channel_name);
    }
    for (const guard::Finding& f : c.verdict.findings) {
      risky |= Contains(options_.cooldown_categories, f.category);
      for (const std::string& t : options_.approval_topics) {
        if (t == f.rule || t == f.category || t == f.clause ||
            (f.rule.size() > t.size() && f.rule.compare(0, t.size(), t) == 0 &&
             f.rule[t.size()] == '.')) {
          out.approval_reasons.push_back("topic " + t + " (" + f.rule + ")");
          break;
        }
      }
    }
  }
  for (const std::string& r : author.roles) {
    if (Contains(options_.approval_roles, r)) out.approval_reasons.push_back("author role " + r);
  }
  if (risky && !Contains(p.flags, "risky")) p.flags.push_back("risky");
  const std::string actor = "user:" + user.username;
  p.updated_at = clock_.NowMillis();
  if (worst == guard::Action::kBlock) {
    out.decision = SubmitDecision::kBlocked;
    out.message = de ? "Der Beitrag verstößt gegen die Richtlinie oder passt nicht in einen Kanal "
                       "und wird nicht eingereicht."
                     : "The post breaks the guideline or does not fit a channel and is not "
                       "submitted.";
    p.state = PostState::kDraft;
    p.reason = de ? "blockiert" : "blocked";
    LP_ASSIGN_OR_RETURN(out.post, ps_.UpdatePost(p));
    Audit(actor, "publish.post_refused", p.id, "{\"action\":\"block\"}");
    return out;
  }
  p.reason.clear();
  if (!out.approval_reasons.empty()) {
    const Millis now = clock_.NowMillis();
    store::Approval a;
    a.kind = "post";
    a.post_id = p.id;
    a.channel_id = p.variants.empty() ? 0 : p.variants.front().channel_id;
    // Who submits (the author, or whoever edited it last) may not approve it.
    a.requested_by = user.id;
    a.text = p.body;
    LP_ASSIGN_OR_RETURN(a.wire_text, ApprovalText(p));
    a.payload = "post_version=" + std::to_string(p.version + 1);
    std::string verdicts = "{\"action\":";
    AppendJsonString(verdicts, guard::ActionName(worst));
    verdicts += ",\"reasons\":[";
    for (size_t i = 0; i < out.approval_reasons.size(); ++i) {
      if (i) verdicts += ",";
      AppendJsonString(verdicts, out.approval_reasons[i]);
    }
    verdicts += "],\"variants\":[";
    for (size_t i = 0; i < p.variants.size(); ++i) {
      if (i) verdicts += ",";
      verdicts += "{\"channel_id\":" + std::to_string(p.variants[i].channel_id) +
                  ",\"verdict\":" + p.variants[i].verdict + "}";
    }
    verdicts += "]}";
    a.verdict = std::move(verdicts);
    a.language = German(author) ? "de" : "en";
    a.idempotency_key = "post-approval-" + RandomKey();
    a.steps = std::max(1, options_.approval_steps);
    a.created_at = now;
    a.expires_at = options_.approval_expire_ms > 0 ? now + options_.approval_expire_ms : 0;
    LP_ASSIGN_OR_RETURN(out.approval, store_.desk().CreateApproval(std::move(a)));
    p.state = PostState::kSubmitted;
    p.approval_id = out.approval.id;
    LP_ASSIGN_OR_RETURN(out.post, ps_.UpdatePost(p));
    out.decision = SubmitDecision::kSubmitted;
    out.message = de ? "Der Beitrag wartet auf Freigabe; gesendet wird genau dieser Text."
                     : "The post waits for approval; exactly this text is sent.";
    Status n = NotifyApprovers(out.post, out.approval);
    (void)n;  // notifications are a convenience; the approval queue is the record
    Audit(actor, "publish.approval_requested", p.id,
          guard::VerdictSummaryJson(out.checks.empty() ? guard::Verdict{} : out.checks[0].verdict));
    Emit("publish.approval", "{\"post_id\":" + std::to_string(p.id) +
                                 ",\"approval_id\":" + std::to_string(out.approval.id) + "}");
    Emit("desk.approval", "{\"approval_id\":" + std::to_string(out.approval.id) +
                              ",\"post_id\":" + std::to_string(p.id) + "}");
    Emit("publish.post", PostEvent(out.post));
    return out;
  }
  p.approval_id = 0;
  if (p.scheduled_at != 0) {
    p.state = PostState::kScheduled;
    LP_RETURN_IF_ERROR(ApplyCooldown(&p));
    out.decision = SubmitDecision::kScheduled;
  } else {
    p.state = PostState::kApproved;
    out.decision = SubmitDecision::kApproved;
  }
  LP_ASSIGN_OR_RETURN(out.post, ps_.UpdatePost(p));
  out.message = de ? "Der Beitrag ist freigegeben." : "The post is approved.";
  Audit(actor, "publish.post_approved", p.id, "{\"approval\":\"not needed\"}");
  Emit("publish.post", PostEvent(out.post));
  return out;
}

Status Publisher::ApplyCooldown(Post* p) {
  p->cooldown_until = 0;
  p->cooldown_confirmed = false;
  if (options_.cooldown_ms <= 0 || p->scheduled_at == 0) return Status::Ok();
  if (!Contains(p->flags, "emotional") && !Contains(p->flags, "risky")) return Status::Ok();
  WorkingHours hours;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hours = hours_;
  }
  if (!hours) return Status::Ok();
  const Millis at = std::max(p->scheduled_at, clock_.NowMillis());
  LP_ASSIGN_OR_RETURN(bool open, hours(p->team_id, at));
  if (open) return Status::Ok();
  p->cooldown_until = at + options_.cooldown_ms;
  return Status::Ok();
}

Result<Post> Publisher::Schedule(int64_t post_id, const store::User& user, std::string_view when,
                                 int64_t expected_version) {
  const bool de = German(user);
  LP_ASSIGN_OR_RETURN(Millis at, ParseWhen(when));
  LP_ASSIGN_OR_RETURN(Post p, Load(post_id, expected_version));
  const Millis now = clock_.NowMillis();
  if (at < now - 60'000) {
    return Status::InvalidArgument(de ? "/scheduled_at liegt in der Vergangenheit."
                                      : "/scheduled_at lies in the past.");
  }
  p.scheduled_at = std::max(at, now);
  switch (p.state) {
    case PostState::kDraft:
    case PostState::kSubmitted:
    case PostState::kFailed:
      break;  // planned; scheduled once approved
    case PostState::kApproved:
    case PostState::kScheduled:
      p.state = PostState::kScheduled;
      LP_RETURN_IF_ERROR(ApplyCooldown(&p));
      break;
    case PostState::kHeld: {
      // Only when every variant passes again as it was approved.
      for (const PostVariant& v : p.variants) {
        LP_ASSIGN_OR_RETURN(guard::Verdict verdict,
                            check_(v.wire_text, PostCheckOptions(v.channel_kind, de)));
        if (verdict.action > ActionOf(v.action)) {
          return Status::FailedPrecondition(
              de ? "Die Richtlinie ist strenger geworden; bitte den Beitrag bearbeiten."
                 : "The guideline became stricter; edit the post.");
        }
      }
      p.state = PostState::kScheduled;
      p.reason.clear();
      LP_RETURN_IF_ERROR(ApplyCooldown(&p));
      break;
    }
    default:
      return Status::FailedPrecondition(
          (de ? "Nicht planbar im Zustand " : "Cannot schedule in state ") +
          std::string(PostStateName(p.state)));
  }
  p.updated_at = now;
  LP_ASSIGN_OR_RETURN(p, ps_.UpdatePost(p));
  std::string detail = "{\"scheduled_at\":" + std::to_string(p.scheduled_at) +
                       ",\"cooldown_until\":" + std::to_string(p.cooldown_until) + "}";
  Audit("user:" + user.username, "publish.post_scheduled", p.id, detail);
  Emit("publish.post", PostEvent(p));
  if (p.cooldown_until != 0) {
    Emit("publish.cooldown", "{\"post_id\":" + std::to_string(p.id) +
                                 ",\"cooldown_until\":" + std::to_string(p.cooldown_until) + "}");
  }
  return p;
}

Result<Post> Publisher::Unschedule(int64_t post_id, const store::User& user,
                                   int64_t expected_version) {
  LP_ASSIGN_OR_RETURN(Post p, Load(post_id, expected_version));
  if (p.state == PostState::kSending || p.state == PostState::kSent ||
      p.state == PostState::kCancelled) {
    return Status::FailedPrecondition("cannot unschedule a post in state " +
                                      std::string(PostStateName(p.state)));
  }
  p.scheduled_at = 0;
  p.cooldown_until = 0;
  p.cooldown_confirmed = false;
  if (p.state == PostState::kScheduled) p.state = PostState::kApproved;
  p.updated_at = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(p, ps_.UpdatePost(p));
  Audit("user:" + user.username, "publish.post_unscheduled", p.id, "{}");
  Emit("publish.post", PostEvent(p));
  return p;
}

Result<Post> Publisher::Cancel(int64_t post_id, const store::User& user, int64_t expected_version) {
  LP_ASSIGN_OR_RETURN(Post p, Load(post_id, expected_version));
  if (p.state == PostState::kSending || p.state == PostState::kSent ||
      p.state == PostState::kCancelled) {
    return Status::FailedPrecondition("cannot cancel a post in state " +
                                      std::string(PostStateName(p.state)));
  }
  if (p.state == PostState::kSubmitted && p.approval_id != 0) {
    LP_RETURN_IF_ERROR(store_.desk().SetApprovalState(
        p.approval_id, store::ApprovalState::kSuperseded, clock_.NowMillis()));
  }
  p.state = PostState::kCancelled;
  p.updated_at = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(p, ps_.UpdatePost(p));
  Audit("user:" + user.username, "publish.post_cancelled", p.id, "{}");
  Emit("publish.post", PostEvent(p));
  return p;
}

Result<Post> Publisher::ConfirmCooldown(int64_t post_id, const store::User& user) {
  LP_ASSIGN_OR_RETURN(Post p, ps_.GetPost(post_id));
  if (p.cooldown_until == 0 || p.state != PostState::kScheduled) {
    return Status::FailedPrecondition(German(user) ? "Für diesen Beitrag läuft keine Abkühlzeit."
                                                   : "This post has no cool-down.");
  }
  if (p.cooldown_confirmed) return p;
  p.cooldown_confirmed = true;
  p.updated_at = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(p, ps_.UpdatePost(p));
  Audit("user:" + user.username, "publish.cooldown_confirmed", p.id, "{}");
  Emit("publish.post", PostEvent(p));
  return p;
}

Result<Post> Publisher::SetShareable(int64_t post_id, const store::User& user, bool shareable) {
  LP_ASSIGN_OR_RETURN(Post p, ps_.GetPost(post_id));
  if (shareable && p.state != PostState::kApproved && p.state != PostState::kScheduled &&
      p.state != PostState::kSending && p.state != PostState::kSent) {
    return Status::FailedPrecondition(German(user)
                                          ? "Nur freigegebene Beiträge können geteilt werden."
                                          : "Only approved posts can be shared.");
  }
  if (p.shareable == shareable) return p;
  p.shareable = shareable;
  p.updated_at = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(p, ps_.UpdatePost(p));
  Audit("user:" + user.username, shareable ? "publish.shareable" : "publish.not_shareable", p.id,
        "{}");
  Emit("publish.post", PostEvent(p));
  return p;
}

// --- media library -----------------------------------------------------------------------

namespace {

constexpr size_t kMaxAltTextBytes = 5000;
constexpr size_t kFileCacheEntries = 8;
constexpr size_t kFileCacheBytes = 256u << 20;

Status ValidateAssetNotes(store::Asset& asset) {
  if (asset.name.empty() || asset.name.size() > 200 ||
      utf8::FirstInvalid(asset.name) != std::string_view::npos) {
    return Status::InvalidArgument("/name: 1 to 200 bytes of UTF-8");
  }
  if (asset.consent.empty()) asset.consent = "missing";
  if (asset.consent != "not_needed" && asset.consent != "given" && asset.consent != "missing") {
    return Status::InvalidArgument("/consent: not_needed, given or missing");
  }
  if (asset.licence.size() > 2000 || utf8::FirstInvalid(asset.licence) != std::string_view::npos) {
    return Status::InvalidArgument("/licence: at most 2000 bytes of UTF-8");
  }
  if (asset.alt_text.size() > kMaxAltTextBytes ||
      utf8::FirstInvalid(asset.alt_text) != std::string_view::npos) {
    return Status::InvalidArgument("/alt_text: at most " + std::to_string(kMaxAltTextBytes) +
                                   " bytes of UTF-8");
  }
  return Status::Ok();
}

// One medium as a variant checked it (PostVariant::media, the archive).
std::string MediumRecord(const store::Asset& a, bool native) {
  std::string out = "{\"asset_id\":" + std::to_string(a.id) + ",\"name\":";
  AppendJsonString(out, a.name);
  out += ",\"mime_type\":";
  AppendJsonString(out, a.mime_type);
  out += ",\"size\":" + std::to_string(a.size) + ",\"sha256\":";
  AppendJsonString(out, a.sha256);
  out += ",\"url\":";
  AppendJsonString(out, a.url);
  out += ",\"alt_text\":";
  AppendJsonString(out, a.alt_text);
  out += ",\"licence\":";
  AppendJsonString(out, a.licence);
  out += ",\"consent\":";
  AppendJsonString(out, a.consent);
  out += std::string(",\"native\":") + (native ? "true" : "false") + "}";
  return out;
}

}  // namespace

Result<std::shared_ptr<const std::string>> Publisher::FileBytes(const std::string& sha256) {
  {
    std::lock_guard<std::mutex> lock(files_mu_);
    for (auto it = files_.begin(); it != files_.end(); ++it) {
      if (it->first == sha256) {
        auto bytes = it->second;
        std::rotate(it, it + 1, files_.end());  // most recently used last
        return bytes;
      }
    }
  }
  LP_ASSIGN_OR_RETURN(store::MediaFile f, ps_.GetMediaFile(sha256));
  std::lock_guard<std::mutex> lock(files_mu_);
  files_.emplace_back(sha256, f.bytes);
  size_t total = 0;
  for (const auto& e : files_) total += e.second->size();
  while (!files_.empty() && (files_.size() > kFileCacheEntries || total > kFileCacheBytes)) {
    total -= files_.front().second->size();
    files_.erase(files_.begin());
  }
  return f.bytes;
}

Result<Publisher::MediaPlan> Publisher::PlanMedia(int64_t channel_id,
                                                  const std::string& channel_kind,
                                                  const std::vector<int64_t>& asset_ids,
                                                  size_t variant_index, bool de) {
  MediaPlan plan;
  if (asset_ids.empty()) {
    // The limits also without media: the editor shows what may be attached.
    plan.limits = ChannelMediaLimits(channel_id);
    return plan;
  }
  if (channels_.media_limits) {
    LP_ASSIGN_OR_RETURN(plan.limits, channels_.media_limits(channel_id));
  }
  const bool takes_files = plan.limits.max_images > 0 || plan.limits.max_videos > 0;
  plan.record = "[";
  for (size_t j = 0; j < asset_ids.size(); ++j) {
    Result<store::Asset> asset = ps_.GetAsset(asset_ids[j]);
    if (!asset.ok()) {
      if (asset.error().code() != StatusCode::kNotFound) return asset.error();
      return Status::InvalidArgument("/variants/" + std::to_string(variant_index) + "/asset_ids/" +
                                     std::to_string(j) + ": no asset " +
                                     std::to_string(asset_ids[j]));
    }
    const bool stored = !asset->sha256.empty();
    const bool native = stored && takes_files;
    if (native) {
      desk::OutboundMedia m;
      m.name = asset->name;
      m.mime_type = asset->mime_type;
      m.alt_text = asset->alt_text;
      m.sha256 = asset->sha256;
      m.width = asset->width;
      m.height = asset->height;
      LP_ASSIGN_OR_RETURN(m.bytes, FileBytes(asset->sha256));
      plan.files.push_back(std::move(m));
    } else if (stored) {
      if (plan.error.empty()) {
        plan.error =
            de ? channel_kind + " kann keine Dateien anhängen, und \"" + asset->name +
                     "\" ist eine hier gespeicherte Datei ohne öffentlichen Link; einen Kanal "
                     "mit Dateien oder ein Medium mit URL wählen."
               : channel_kind + " cannot attach files, and \"" + asset->name +
                     "\" is a file stored here without a public link; choose a channel that "
                     "takes files or a medium with a URL.";
      }
    } else {
      plan.links.push_back(asset->url);
    }
    plan.records.push_back(MediumRecord(*asset, native));
    plan.record += (j ? "," : "") + plan.records.back();
    plan.native.push_back(native);
    plan.assets.push_back(std::move(*asset));
  }
  plan.record += "]";
  if (plan.error.empty() && !plan.files.empty()) {
    Status s = desk::CheckMedia(plan.limits, channel_kind, plan.files);
    if (!s.ok()) plan.error = s.message();
  }
  return plan;
}

Status Publisher::CheckAltTexts(const MediaPlan& plan, const std::string& channel_kind, bool de,
                                guard::Verdict* verdict) {
  for (const desk::OutboundMedia& m : plan.files) {
    if (m.alt_text.empty()) continue;
    LP_ASSIGN_OR_RETURN(guard::Verdict v, check_(m.alt_text, PostCheckOptions(channel_kind, de)));
    // Alt-text findings carry no span (their offsets would point into the
    // alt text, not the wire text); the message names the medium, the
    // excerpt is the alt text's matched words.
    const std::string prefix =
        de ? "Alternativtext von \"" + m.name + "\": " : "Alt text of \"" + m.name + "\": ";
    for (guard::Finding& f : v.findings) {
      f.message = prefix + f.message;
      f.start = f.end = f.cp_start = f.cp_end = 0;
      f.evidence = "alt_text:" + m.name + (f.evidence.empty() ? "" : "; " + f.evidence);
      verdict->findings.push_back(std::move(f));
    }
    verdict->action = std::max(verdict->action, v.action);
    for (std::string& w : v.warnings) verdict->warnings.push_back(std::move(w));
  }
  return Status::Ok();
}

void Publisher::AuditAsset(const store::User& user, std::string_view action, int64_t id,
                           const std::string& detail) const {
  AuditSink sink;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sink = audit_;
  }
  if (sink) sink("user:" + user.username, action, "asset:" + std::to_string(id), detail);
}

Result<store::Asset> Publisher::AddAsset(const store::User& user, store::Asset asset) {
  LP_RETURN_IF_ERROR(ValidateAssetNotes(asset));
  if (asset.url.rfind("https://", 0) != 0 && asset.url.rfind("http://", 0) != 0) {
    return Status::InvalidArgument("/url: an http or https URL where the file lives");
  }
  if (asset.url.find_first_of(" \t\r\n") != std::string::npos || asset.url.size() > 2000) {
    return Status::InvalidArgument("/url: no spaces, at most 2000 bytes");
  }
  asset.sha256.clear();
  asset.created_by = user.id;
  asset.created_at = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(store::Asset stored, ps_.CreateAsset(std::move(asset)));
  AuditAsset(user, "publish.asset_added", stored.id,
             "{\"licence\":" + JsonString(stored.licence) +
                 ",\"consent\":" + JsonString(stored.consent) + "}");
  return stored;
}

Result<store::Asset> Publisher::AddFileAsset(const store::User& user, store::Asset notes,
                                             std::shared_ptr<const std::string> bytes,
                                             std::string sha256) {
  LP_RETURN_IF_ERROR(ValidateAssetNotes(notes));
  if (bytes == nullptr) return Status::InvalidArgument("no file");
  LP_ASSIGN_OR_RETURN(desk::MediaInfo info, desk::SniffMedia(*bytes));
  store::MediaFile file;
  file.sha256 = std::move(sha256);
  file.mime_type = info.mime_type;
  file.size = static_cast<int64_t>(bytes->size());
  file.width = info.width;
  file.height = info.height;
  file.created_at = clock_.NowMillis();
  file.bytes = std::move(bytes);
  notes.url.clear();
  notes.created_by = user.id;
  notes.created_at = file.created_at;
  LP_ASSIGN_OR_RETURN(store::Asset stored, ps_.CreateFileAsset(std::move(notes), std::move(file)));
  AuditAsset(user, "publish.asset_added", stored.id,
             "{\"licence\":" + JsonString(stored.licence) + ",\"consent\":" +
                 JsonString(stored.consent) + ",\"sha256\":" + JsonString(stored.sha256) +
                 ",\"size\":" + std::to_string(stored.size) + "}");
  return stored;
}

Result<store::Asset> Publisher::GetAsset(int64_t id) const { return ps_.GetAsset(id); }

desk::MediaLimits Publisher::ChannelMediaLimits(int64_t channel_id) const {
  if (!channels_.media_limits) return {};
  Result<desk::MediaLimits> l = channels_.media_limits(channel_id);
  return l.ok() ? *l : desk::MediaLimits{};
}

Result<store::MediaFile> Publisher::AssetFile(int64_t id) {
  LP_ASSIGN_OR_RETURN(store::Asset a, ps_.GetAsset(id));
  if (a.sha256.empty()) {
    return Status::NotFound("asset " + std::to_string(id) + " is a link, not a stored file");
  }
  LP_ASSIGN_OR_RETURN(store::MediaFile f, ps_.GetMediaFile(a.sha256));
  return f;
}

Result<store::Asset> Publisher::UpdateAsset(const store::User& user, int64_t id,
                                            const AssetPatch& patch) {
  LP_ASSIGN_OR_RETURN(store::Asset a, ps_.GetAsset(id));
  std::string changed;
  auto apply = [&](const std::optional<std::string>& v, std::string& field, const char* name) {
    if (!v || *v == field) return;
    field = *v;
    changed += std::string(changed.empty() ? "" : ",") + "\"" + name + "\"";
  };
  apply(patch.name, a.name, "name");
  apply(patch.alt_text, a.alt_text, "alt_text");
  apply(patch.licence, a.licence, "licence");
  apply(patch.consent, a.consent, "consent");
  LP_RETURN_IF_ERROR(ValidateAssetNotes(a));
  if (changed.empty()) return a;
  LP_ASSIGN_OR_RETURN(store::Asset stored, ps_.UpdateAsset(a));
  AuditAsset(user, "publish.asset_updated", id,
             "{\"changed\":[" + changed + "],\"licence\":" + JsonString(stored.licence) +
                 ",\"consent\":" + JsonString(stored.consent) + "}");
  return stored;
}

Status Publisher::DeleteAsset(const store::User& user, int64_t id) {
  LP_ASSIGN_OR_RETURN(store::Asset a, ps_.GetAsset(id));
  LP_RETURN_IF_ERROR(ps_.DeleteAsset(id));
  AuditAsset(user, "publish.asset_deleted", id,
             "{\"sha256\":" + JsonString(a.sha256) + ",\"url\":" + JsonString(a.url) + "}");
  return Status::Ok();
}

Result<std::vector<store::Asset>> Publisher::Assets() { return ps_.ListAssets(500); }

// --- calendar ------------------------------------------------------------------------

Result<std::vector<Post>> Publisher::Calendar(Millis from, Millis to, int64_t channel_id) {
  if (to <= from) return Status::InvalidArgument("calendar: 'to' must lie after 'from'");
  if (to - from > 62 * kDayMs) {
    return Status::OutOfRange("calendar: at most 62 days at once");
  }
  store::PostQuery q;
  q.from = from;
  q.to = to;
  q.channel_id = channel_id;
  q.limit = 1000;
  return ps_.ListPosts(q);
}

Result<std::vector<Post>> Publisher::Queue(int64_t channel_id) {
  store::PostQuery q;
  q.channel_id = channel_id;
  q.states = {PostState::kScheduled, PostState::kSending, PostState::kHeld};
  q.limit = 1000;
  LP_ASSIGN_OR_RETURN(std::vector<Post> posts, ps_.ListPosts(q));
  std::sort(posts.begin(), posts.end(), [](const Post& a, const Post& b) {
    return a.scheduled_at != b.scheduled_at ? a.scheduled_at < b.scheduled_at : a.id < b.id;
  });
  return posts;
}

// --- advocacy --------------------------------------------------------------------------

Result<std::vector<Post>> Publisher::Shareable() {
  store::PostQuery q;
  q.shareable_only = true;
  q.states = {PostState::kApproved, PostState::kScheduled, PostState::kSending, PostState::kSent};
  q.limit = 200;
  return ps_.ListPosts(q);
}

Result<ShareOutcome> Publisher::Share(int64_t post_id, const store::User& advocate,
                                      const ShareRequest& req) {
  const bool de = German(advocate);
  LP_ASSIGN_OR_RETURN(Post p, ps_.GetPost(post_id));
  if (!p.shareable || (p.state != PostState::kApproved && p.state != PostState::kScheduled &&
                       p.state != PostState::kSending && p.state != PostState::kSent)) {
    return Status::FailedPrecondition(de ? "Dieser Beitrag ist nicht zum Teilen freigegeben."
                                         : "This post is not released for sharing.");
  }
  if (req.own_words.size() > options_.max_text_bytes ||
      utf8::FirstInvalid(req.own_words) != std::string_view::npos) {
    return Status::InvalidArgument("/own_words: too long or not UTF-8");
  }
  if (req.network.empty() || req.network.size() > 40) {
    return Status::InvalidArgument("/network: the network where it is shared (linkedin, x, ...)");
  }
  ShareOutcome out;
  std::string text = req.own_words;
  auto has_marker = [&](const std::string& t) {
    const std::string lower = Lower(t);
    for (const std::string& m : options_.disclosure_markers) {
      if (lower.find(Lower(m)) != std::string::npos) return true;
    }
    return false;
  };
  const std::string& disclosure = de ? options_.disclosure_de : options_.disclosure_en;
  if (req.add_disclosure && !has_marker(text)) {
    text = disclosure + (text.empty() ? "" : " " + text);
  }
  if (!text.empty()) text += "\n\n";
  text += p.body;
  if (!p.link.empty() && text.find(p.link) == std::string::npos) text += "\n" + p.link;
  out.text = text;
  LP_ASSIGN_OR_RETURN(out.verdict, check_(out.text, PostCheckOptions(req.network, de)));
  // R06: in advocacy a missing disclosure of the affiliation blocks.
  out.disclosed = has_marker(out.text);
  if (!out.disclosed) {
    guard::Finding f;
    f.rule = "R06.disclosure";
    f.detector = "publish";
    f.category = "promise";
    f.type = "affiliation";
    f.severity = guard::Severity::kHigh;
    f.action = guard::Action::kBlock;
    f.clause = "R06";
    f.message = de ? "Beim Teilen als Mitarbeiterin oder Mitarbeiter muss die Verbindung zum "
                     "Unternehmen im Beitrag selbst stehen."
                   : "When sharing as an employee, the affiliation with the company must be "
                     "stated in the post itself.";
    f.fix = (de ? "Ergänzen Sie zum Beispiel: " : "Add for example: ") + disclosure;
    out.verdict.findings.insert(out.verdict.findings.begin(), std::move(f));
    out.verdict.action = guard::Action::kBlock;
  }
  out.allowed = out.verdict.action < guard::Action::kHold;
  out.message = out.allowed ? (de ? "Geprüft: Diesen Text können Sie auf Ihrem eigenen Konto "
                                    "veröffentlichen."
                                  : "Checked: you may post this text on your own account.")
                            : (de ? "So darf der Text nicht geteilt werden; siehe Hinweise."
                                  : "This text may not be shared as it is; see the findings.");
  if (!out.allowed || req.preview) return out;
  store::PostShare share;
  share.post_id = p.id;
  share.user_id = advocate.id;
  share.network = req.network;
  share.text = out.text;
  share.verdict = guard::VerdictRecordJson(out.verdict);
  share.created_at = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(out.share, ps_.AddShare(std::move(share)));
  Audit("user:" + advocate.username, "publish.shared", p.id,
        "{\"network\":" + JsonString(req.network) + "}");
  Emit("publish.share", "{\"post_id\":" + std::to_string(p.id) +
                            ",\"share_id\":" + std::to_string(out.share.id) + "}");
  return out;
}

// --- send queue --------------------------------------------------------------------------

Result<size_t> Publisher::RunQueue(int32_t limit) {
  const Millis now = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(std::vector<PostVariant> due,
                      ps_.ClaimDueVariants(options_.instance_id, now, options_.lease_ms, limit));
  size_t sent = 0;
  std::set<int64_t> held;
  for (const PostVariant& v : due) {
    if (held.count(v.post_id)) continue;
    Status s = SendVariant(v);
    if (s.ok()) {
      ++sent;
    } else if (s.code() == StatusCode::kFailedPrecondition) {
      held.insert(v.post_id);  // the post was held: its other variants wait too
    }
  }
  return sent;
}

Status Publisher::SendVariant(const PostVariant& v) {
  const Millis now = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(Post p, ps_.GetPost(v.post_id));
  if (p.state == PostState::kHeld || p.state == PostState::kCancelled) {
    // Changed after the claim: give the claim back without sending.
    return ps_.FailVariant(v.id, "post is " + std::string(PostStateName(p.state)), now, now);
  }
  // The guideline may have changed since the variant was approved: check
  // exactly the wire text again; a stricter verdict stops the post.
  LP_ASSIGN_OR_RETURN(store::User author, store_.GetUser(p.author_id));
  const bool de = German(author);
  // What is approved is what is sent: the media as they are now (files,
  // alt texts, notes) must be the ones checked and approved with the
  // variant. Variants stored before media were recorded (media "") carry
  // their links in the wire text and attach nothing.
  MediaPlan plan;
  if (!v.media.empty()) {
    // (A claimed variant comes without its media links; the post has them.)
    std::vector<int64_t> asset_ids;
    for (const PostVariant& pv : p.variants) {
      if (pv.id == v.id) asset_ids = pv.asset_ids;
    }
    Result<MediaPlan> now_plan = PlanMedia(v.channel_id, v.channel_kind, asset_ids, 0, de);
    std::string changed;
    if (!now_plan.ok()) {
      if (now_plan.error().code() != StatusCode::kInvalidArgument) {
        return ps_.FailVariant(v.id, now_plan.error().message(), now + options_.retry_base_ms, now);
      }
      changed = now_plan.error().message();
    } else if (now_plan->record != v.media || !now_plan->error.empty()) {
      for (size_t i = 0; i < now_plan->records.size(); ++i) {
        if (v.media.find(now_plan->records[i]) == std::string::npos) {
          changed = "\"" + now_plan->assets[i].name + "\"";
          break;
        }
      }
      if (changed.empty()) changed = now_plan->error.empty() ? "?" : now_plan->error;
    }
    if (!changed.empty()) {
      const std::string reason =
          (de ? "Ein Medium hat sich nach der Freigabe geändert (Datei, Alternativtext oder "
                "Hinweise): "
              : "A medium changed after approval (file, alt text or notes): ") +
          changed +
          (de ? "; bitte den Beitrag bearbeiten und neu einreichen."
              : "; edit the post and submit it again.");
      LP_ASSIGN_OR_RETURN(Post held, ps_.HoldPost(p.id, reason, now));
      Audit("system", "publish.post_held", p.id,
            "{\"reason\":" + JsonString("media changed after approval") + "}");
      Emit("publish.post", PostEvent(held));
      return Status::FailedPrecondition(reason);
    }
    plan = std::move(*now_plan);
  }
  Result<guard::Verdict> verdict = check_(v.wire_text, PostCheckOptions(v.channel_kind, de));
  if (verdict.ok()) {
    // The alt texts are public words too.
    Status alt = CheckAltTexts(plan, v.channel_kind, de, &*verdict);
    if (!alt.ok()) verdict = alt;
  }
  if (!verdict.ok()) {
    // The guard could not run: not sent unchecked; try again later.
    return ps_.FailVariant(v.id, verdict.error().message(), now + options_.retry_base_ms, now);
  }
  if (verdict->action > ActionOf(v.action)) {
    const std::string reason =
        (de ? "Die Richtlinie ist strenger geworden (" : "The guideline became stricter (") +
        std::string(guard::ActionName(verdict->action)) + (de ? " statt " : " instead of ") +
        v.action + ") on " + v.channel_name;
    LP_ASSIGN_OR_RETURN(Post held, ps_.HoldPost(p.id, reason, now));
    Audit("system", "publish.post_held", p.id, guard::VerdictSummaryJson(*verdict, reason));
    Emit("publish.post", PostEvent(held));
    return Status::FailedPrecondition(reason);
  }
  desk::OutboundMessage wire;
  wire.idempotency_key = v.idempotency_key;
  wire.text = v.wire_text;
  wire.subject = p.title;
  wire.is_public = true;
  wire.media = std::move(plan.files);
  Millis retry_after = 0;
  Result<desk::SendReceipt> receipt = channels_.send(v.channel_id, wire, &retry_after);
  if (!receipt.ok()) {
    const Status& why = receipt.error();
    const Millis since = now - std::max(p.scheduled_at, v.created_at);
    Millis retry_at = 0;
    if (Transient(why) && since < options_.give_up_after_ms) {
      Millis backoff = options_.retry_base_ms;
      for (int i = 1; i < v.attempts && backoff < options_.retry_max_ms; ++i) backoff *= 2;
      backoff = std::min(backoff, options_.retry_max_ms);
      retry_at = now + std::max(backoff, retry_after);
    }
    LP_RETURN_IF_ERROR(ps_.FailVariant(v.id, why.message(), retry_at, now));
    if (retry_at == 0) {
      Audit("system", "publish.send_failed", p.id,
            "{\"channel_id\":" + std::to_string(v.channel_id) +
                ",\"error\":" + JsonString(why.message()) + "}");
      Emit("publish.send_failed", "{\"post_id\":" + std::to_string(p.id) +
                                      ",\"variant_id\":" + std::to_string(v.id) + "}");
    }
    // Open editors and calendars follow the post (sending, failed).
    if (Result<Post> now_post = ps_.GetPost(p.id); now_post.ok()) {
      Emit("publish.post", PostEvent(*now_post));
    }
    return why;
  }
  store::ArchiveSealer seal;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seal = archive_;
  }
  LP_RETURN_IF_ERROR(ps_.CompleteVariant(v.id, receipt->external_id, now, seal));
  Audit("system", "publish.sent", p.id,
        "{\"channel_id\":" + std::to_string(v.channel_id) +
            ",\"external_id\":" + JsonString(receipt->external_id) + "}");
  Emit("publish.sent",
       "{\"post_id\":" + std::to_string(p.id) + ",\"variant_id\":" + std::to_string(v.id) + "}");
  if (Result<Post> now_post = ps_.GetPost(p.id); now_post.ok()) {
    Emit("publish.post", PostEvent(*now_post));
  }
  return Status::Ok();
}

// --- retention ---------------------------------------------------------------------------

Result<Publisher::Purged> Publisher::ApplyRetention(const Retention& r) {
  const Millis now = clock_.NowMillis();
  auto before = [&](int days) { return now - static_cast<Millis>(days) * kDayMs; };
  Purged out;
  if (r.posts_days > 0) {
    LP_ASSIGN_OR_RETURN(out.posts, ps_.PurgePosts(before(r.posts_days)));
  }
  if (r.notifications_days > 0) {
    LP_ASSIGN_OR_RETURN(out.notifications, ps_.PurgeNotifications(before(r.notifications_days)));
  }
  if (r.archive_days > 0) {
    LP_ASSIGN_OR_RETURN(out.archive_entries,
                        store_.desk().PurgeArchive(before(r.archive_days), now));
  }
  if (r.messages_days > 0) {
    LP_ASSIGN_OR_RETURN(out.desk, store_.desk().PurgeConversations(before(r.messages_days), now));
  }
  if (r.audit_days > 0) {
    // Before this run's own entry is written: it is never purged at once.
    LP_ASSIGN_OR_RETURN(out.audit_entries, store_.PurgeAudit(before(r.audit_days), now));
  }
  AuditSink sink;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sink = audit_;
  }
  const store::DeskPurged& d = out.desk;
  if (sink && (out.posts || out.notifications || out.archive_entries || d.conversations ||
               d.contacts_anonymised || d.contacts_deleted || d.dead_letters || d.webhook_events ||
               out.audit_entries)) {
    sink("system", "retention.purge", "retention",
         "{\"posts\":" + std::to_string(out.posts) +
             ",\"notifications\":" + std::to_string(out.notifications) +
             ",\"archive_entries\":" + std::to_string(out.archive_entries) + ",\"conversations\":" +
             std::to_string(d.conversations) + ",\"messages\":" + std::to_string(d.messages) +
             ",\"attachments\":" + std::to_string(d.attachments) +
             ",\"decision_comments\":" + std::to_string(d.decision_comments) +
             ",\"event_details\":" + std::to_string(d.event_details) +
             ",\"contacts_anonymised\":" + std::to_string(d.contacts_anonymised) +
             ",\"contacts_deleted\":" + std::to_string(d.contacts_deleted) +
             ",\"dead_letters\":" + std::to_string(d.dead_letters) +
             ",\"webhook_events\":" + std::to_string(d.webhook_events) +
             ",\"audit_entries\":" + std::to_string(out.audit_entries) + "}");
  }
  return out;
}

// --- approvals ---------------------------------------------------------------------------

Result<guard::Verdict> Publisher::RecheckApproval(const store::Approval& a) {
  LP_ASSIGN_OR_RETURN(Post p, ps_.GetPost(a.post_id));
  guard::Verdict worst;
  const bool de = a.language != "en";
  for (const PostVariant& v : p.variants) {
    LP_ASSIGN_OR_RETURN(guard::Verdict verdict,
                        check_(v.wire_text, PostCheckOptions(v.channel_kind, de)));
    if (!v.media.empty()) {
      LP_ASSIGN_OR_RETURN(MediaPlan plan,
                          PlanMedia(v.channel_id, v.channel_kind, v.asset_ids, 0, de));
      LP_RETURN_IF_ERROR(CheckAltTexts(plan, v.channel_kind, de, &verdict));
    }
    if (verdict.action >= worst.action) {
      std::vector<guard::Finding> keep = std::move(worst.findings);
      worst = std::move(verdict);
      worst.findings.insert(worst.findings.begin(), keep.begin(), keep.end());
    }
  }
  return worst;
}

// The wire texts of a post as one text, in channel order: what an approval
// shows and what its approval must still match when it is given. A
// variant's stored files follow its text, one line each with the alt text
// (public words, so the approver reads them too); media sent as links are
// already in the wire text.
Result<std::string> Publisher::ApprovalText(const Post& p) {
  std::string out;
  for (const PostVariant& v : p.variants) {
    if (!out.empty()) out += "\n\n";
    out += "[" + v.channel_name + " (" + v.channel_kind + ")]\n" + v.wire_text;
    for (size_t i = 0; i < v.asset_ids.size(); ++i) {
      LP_ASSIGN_OR_RETURN(store::Asset a, ps_.GetAsset(v.asset_ids[i]));
      if (a.sha256.empty()) continue;
      out += "\n[media " + std::to_string(i + 1) + "] " + a.name + " (" + a.mime_type + ", " +
             desk::FormatBytes(a.size) + ")";
      if (!a.alt_text.empty()) out += "\n  alt: " + a.alt_text;
    }
  }
  return out;
}

bool Publisher::MediaUnchanged(const Post& p) {
  for (const PostVariant& v : p.variants) {
    if (v.media.empty()) continue;
    Result<MediaPlan> plan = PlanMedia(v.channel_id, v.channel_kind, v.asset_ids, 0, true);
    if (!plan.ok() || plan->record != v.media) return false;
  }
  return true;
}

Status Publisher::ApprovalChanged(const store::Approval& a) {
  Result<Post> loaded = ps_.GetPost(a.post_id);
  if (!loaded.ok()) {
    // The post is gone (deleted with its approvals): nothing to hand on.
    return loaded.error().code() == StatusCode::kNotFound ? Status::Ok() : loaded.error();
  }
  Post p = std::move(*loaded);
  // Only the post's current approval moves it; an older one was superseded
  // by an edit.
  if (p.approval_id != a.id || p.state != PostState::kSubmitted) return Status::Ok();
  const Millis now = clock_.NowMillis();
  switch (a.state) {
    case store::ApprovalState::kApproved:
      if (!MediaUnchanged(p)) {
        // An asset's file, alt text or notes changed while it waited.
        p.state = PostState::kDraft;
        p.reason = "a medium changed while the post waited for approval";
        break;
      }
      if (Result<std::string> text = ApprovalText(p); !text.ok() || *text != a.wire_text) {
        // Never send what was not approved.
        p.state = PostState::kDraft;
        p.reason = "approved text differs from the post";
        break;
      }
      p.reason.clear();
      if (p.scheduled_at != 0) {
        p.state = PostState::kScheduled;
        if (p.scheduled_at < now) p.scheduled_at = now;
        LP_RETURN_IF_ERROR(ApplyCooldown(&p));
      } else {
        p.state = PostState::kApproved;
      }
      break;
    case store::ApprovalState::kRejected:
      p.state = PostState::kDraft;
      p.reason = "rejected";
      break;
    case store::ApprovalState::kChangesRequested:
      p.state = PostState::kDraft;
      p.reason = "changes requested";
      break;
    case store::ApprovalState::kExpired:
      p.state = PostState::kDraft;
      p.reason = "approval expired";
      break;
    case store::ApprovalState::kBlocked:
      p.state = PostState::kDraft;
      p.reason = "blocked by the guideline when approved";
      break;
    default:
      return Status::Ok();
  }
  p.updated_at = now;
  LP_ASSIGN_OR_RETURN(p, ps_.UpdatePost(p));
  Audit("system", "publish.approval_result", p.id,
        "{\"approval_id\":" + std::to_string(a.id) +
            ",\"state\":" + JsonString(PostStateName(p.state)) + "}");
  Emit("publish.post", PostEvent(p));
  return Status::Ok();
}

}  // namespace leitplanke::publish
