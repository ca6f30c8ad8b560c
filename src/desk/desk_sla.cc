// The desk's SLA glue: a team's settings become an SlaPolicy and a business
// calendar; each sweep evaluates the open conversations' event timelines
// (desk/sla, pure) and records every warning and breach once, as a
// conversation event and a "desk.sla" announcement that names who to notify
// (the assignee and, for a breach, the team leads: the escalation).
#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>

#include "leitplanke/base/json_string.h"

#include "leitplanke/desk/desk.h"
#include "leitplanke/desk/sla.h"

namespace leitplanke::desk {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// 0 = Monday ... 6 = Sunday; -1 when unknown.
int DayIndex(std::string_view name) {
  static constexpr std::string_view kEn[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  static constexpr std::string_view kDe[] = {"mo", "di", "mi", "do", "fr", "sa", "so"};
  const std::string n = Lower(name);
  for (int i = 0; i < 7; ++i) {
    if (n == kEn[i] || n == kDe[i]) return i;
  }
  return -1;
}

Status FieldError(size_t field, size_t offset, std::string_view text, std::string_view why) {
  return Status::InvalidArgument("calendar field " + std::to_string(field) + " (byte " +
                                 std::to_string(offset) + ") '" + std::string(text) +
                                 "': " + std::string(why));
}

// "mon-fri", "sat", "mon,wed,fri" → the days.
Result<std::vector<int>> ParseDays(std::string_view text) {
  std::vector<int> days;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view part = text.substr(pos, comma - pos);
    size_t dash = part.find('-');
    if (dash == std::string_view::npos) {
      int d = DayIndex(part);
      if (d < 0) return Status::InvalidArgument("unknown day '" + std::string(part) + "'");
      days.push_back(d);
    } else {
      int from = DayIndex(part.substr(0, dash));
      int to = DayIndex(part.substr(dash + 1));
      if (from < 0 || to < 0) {
        return Status::InvalidArgument("unknown day range '" + std::string(part) + "'");
      }
      for (int d = from;; d = (d + 1) % 7) {  // "sat-mon" wraps over Sunday
        days.push_back(d);
        if (d == to) break;
      }
    }
    pos = comma + 1;
  }
  return days;
}

SlaEventKind ToSlaKind(store::ConversationEventKind k, bool* relevant) {
  *relevant = true;
  switch (k) {
    case store::ConversationEventKind::kInbound:
      return SlaEventKind::kInbound;
    case store::ConversationEventKind::kOutbound:
      return SlaEventKind::kOutbound;
    case store::ConversationEventKind::kPendingCustomer:
      return SlaEventKind::kPendingCustomer;
    case store::ConversationEventKind::kOpen:
      return SlaEventKind::kOpen;
    case store::ConversationEventKind::kResolved:
      return SlaEventKind::kResolved;
    case store::ConversationEventKind::kReopened:
      return SlaEventKind::kReopened;
    default:
      break;
  }
  *relevant = false;
  return SlaEventKind::kInbound;
}

std::vector<SlaEvent> SlaEventsOf(const std::vector<store::ConversationEvent>& events) {
  std::vector<SlaEvent> out;
  out.reserve(events.size());
  for (const store::ConversationEvent& e : events) {
    bool relevant = false;
    SlaEventKind kind = ToSlaKind(e.kind, &relevant);
    if (relevant) out.push_back({kind, e.at});
  }
  return out;
}

SlaPolicy PolicyOf(const store::TeamDeskSettings& s) {
  SlaPolicy p;
  p.name = "team " + std::to_string(s.team_id);
  p.first_response = s.sla_first_response_ms;
  p.next_response = s.sla_next_response_ms;
  p.resolution = s.sla_resolution_ms;
  p.business_hours = !Trim(s.calendar).empty();
  return p;
}

bool HasTargets(const store::TeamDeskSettings& s) {
  return s.sla_first_response_ms > 0 || s.sla_next_response_ms > 0 || s.sla_resolution_ms > 0;
}

void AppendTarget(std::string& out, std::string_view name, const SlaTargetStatus& t, bool used) {
  out += '"';
  out += name;
  out += "\":";
  if (!used) {
    out += "null";
    return;
  }
  out += "{\"state\":";
  AppendJsonString(out, SlaStateName(t.state));
  out += ",\"active\":" + std::string(t.active ? "true" : "false");
  out += ",\"paused\":" + std::string(t.paused ? "true" : "false");
  out += ",\"started_at\":" + std::to_string(t.started_at);
  out += ",\"due_at\":" + (t.due_at == kNever ? std::string("null") : std::to_string(t.due_at));
  out += ",\"elapsed_ms\":" + std::to_string(t.elapsed);
  out += ",\"remaining_ms\":" + std::to_string(t.remaining);
  out += ",\"warning\":" + std::string(t.warning ? "true" : "false");
  out += ",\"breached\":" + std::string(t.breached ? "true" : "false") + "}";
}

DurationStats StatsOf(std::vector<Millis> v) {
  DurationStats d;
  d.buckets.assign(std::size(kReportBuckets) + 1, 0);
  d.count = static_cast<int64_t>(v.size());
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  // Nearest-rank percentiles.
  auto rank = [&v](int p) {
    size_t i = (static_cast<size_t>(p) * v.size() + 99) / 100;
    return v[std::max<size_t>(i, 1) - 1];
  };
  d.p50 = rank(50);
  d.p75 = rank(75);
  d.p90 = rank(90);
  d.p95 = rank(95);
  d.max = v.back();
  for (Millis x : v) {
    size_t b = 0;
    while (b < std::size(kReportBuckets) && x > kReportBuckets[b]) ++b;
    ++d.buckets[b];
  }
  return d;
}

}  // namespace

Result<CalendarConfig> ParseCalendarSpec(std::string_view spec) {
  CalendarConfig config;
  if (Trim(spec).empty()) return config;
  for (auto& day : config.hours) day.clear();
  size_t field = 0;
  size_t pos = 0;
  bool any_hours = false;
  while (pos <= spec.size()) {
    size_t end = spec.find(';', pos);
    if (end == std::string_view::npos) end = spec.size();
    const std::string_view raw = spec.substr(pos, end - pos);
    const std::string_view text = Trim(raw);
    const size_t offset = pos;
    ++field;
    pos = end + 1;
    if (field == 1) {
      if (text.empty()) return FieldError(field, offset, text, "time zone missing");
      config.time_zone = std::string(text);
      continue;
    }
    if (field == 2) {
      config.state = std::string(text);
      for (char& c : config.state)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (!config.state.empty() && !IsGermanStateCode(config.state)) {
        return FieldError(field, offset, text, "unknown German state code");
      }
      continue;
    }
    if (text.empty()) continue;
    const size_t space = text.find(' ');
    if (space == std::string_view::npos) {
      return FieldError(field, offset, text, "expected '<days> <from>-<to>' or 'closed <dates>'");
    }
    const std::string_view head = text.substr(0, space);
    std::string_view rest = Trim(text.substr(space + 1));
    if (Lower(head) == "closed") {
      size_t p = 0;
      while (p <= rest.size()) {
        size_t comma = rest.find(',', p);
        if (comma == std::string_view::npos) comma = rest.size();
        Result<CivilDate> d = ParseDate(Trim(rest.substr(p, comma - p)));
        if (!d.ok()) return FieldError(field, offset, text, d.error().message());
        config.closed_dates.push_back(*d);
        p = comma + 1;
      }
      continue;
    }
    Result<std::vector<int>> days = ParseDays(head);
    if (!days.ok()) return FieldError(field, offset, text, days.error().message());
    std::vector<TimeRange> ranges;
    size_t p = 0;
    while (p < rest.size()) {
      size_t sp = rest.find(' ', p);
      if (sp == std::string_view::npos) sp = rest.size();
      std::string_view token = rest.substr(p, sp - p);
      p = sp + 1;
      if (token.empty()) continue;
      Result<TimeRange> r = ParseTimeRange(token);
      if (!r.ok()) return FieldError(field, offset, text, r.error().message());
      if (r->end_minute <= r->start_minute) {
        return FieldError(field, offset, text,
                          "'" + std::string(token) +
                              "' ends before it starts (write overnight hours as two days)");
      }
      ranges.push_back(*r);
    }
    if (ranges.empty()) return FieldError(field, offset, text, "no opening hours");
    for (int d : *days) {
      std::vector<TimeRange>& h = config.hours[static_cast<size_t>(d)];
      h.insert(h.end(), ranges.begin(), ranges.end());
      std::sort(h.begin(), h.end(), [](const TimeRange& a, const TimeRange& b) {
        return a.start_minute < b.start_minute;
      });
    }
    any_hours = true;
  }
  if (!any_hours) {
    return Status::InvalidArgument(
        "calendar: no opening hours (add a field like 'mon-fri 08:00-18:00')");
  }
  return config;
}

Status ValidateCalendarSpec(std::string_view spec) {
  LP_ASSIGN_OR_RETURN(CalendarConfig config, ParseCalendarSpec(spec));
  Result<BusinessCalendar> cal = BusinessCalendar::Create(std::move(config));
  if (!cal.ok()) return cal.error().WithContext("calendar");
  return Status::Ok();
}

Result<BusinessCalendar> Desk::CalendarFor(const std::string& spec) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = calendars_.find(spec);
    if (it != calendars_.end()) return it->second;
  }
  LP_ASSIGN_OR_RETURN(CalendarConfig config, ParseCalendarSpec(spec));
  LP_ASSIGN_OR_RETURN(BusinessCalendar cal, BusinessCalendar::Create(std::move(config)));
  std::lock_guard<std::mutex> lock(mu_);
  if (calendars_.size() > 64) calendars_.clear();  // specs of deleted teams
  calendars_.emplace(spec, cal);
  return cal;
}

Result<size_t> Desk::SweepSla() {
  constexpr int32_t kBatch = 200;
  LP_ASSIGN_OR_RETURN(std::vector<store::Team> teams, store_.ListTeams());
  const Millis now = clock_.NowMillis();
  size_t raised = 0;
  Status first_error = Status::Ok();
  for (const store::Team& team : teams) {
    Result<store::TeamDeskSettings> settings = desk_.GetTeamDeskSettings(team.id);
    if (!settings.ok() || !HasTargets(*settings)) continue;
    const SlaPolicy policy = PolicyOf(*settings);
    Result<BusinessCalendar> cal = CalendarFor(settings->calendar);
    if (!cal.ok()) {
      if (first_error.ok()) first_error = cal.error().WithContext("team '" + team.name + "'");
      continue;
    }
    std::vector<int64_t> leads;
    if (Result<std::vector<store::TeamMember>> members = store_.ListTeamMembers(team.id);
        members.ok()) {
      for (const store::TeamMember& m : *members) {
        if (m.lead) leads.push_back(m.user_id);
      }
    }
    for (;;) {
      LP_ASSIGN_OR_RETURN(std::vector<store::Conversation> batch,
                          desk_.ListSlaCandidates(team.id, now, kBatch));
      for (const store::Conversation& c : batch) {
        LP_ASSIGN_OR_RETURN(std::vector<store::ConversationEvent> events, desk_.ListEvents(c.id));
        // Crossings before the targets were set are history, not news.
        const Millis since = std::max(c.sla_checked_at, settings->updated_at);
        std::vector<SlaAlert> alerts = AlertsBetween(policy, *cal, SlaEventsOf(events), since, now);
        std::vector<store::ConversationEvent> records;
        for (const SlaAlert& a : alerts) {
          std::vector<int64_t> notify;
          if (c.assignee_id != 0) notify.push_back(c.assignee_id);
          if (a.kind == SlaAlertKind::kBreach) {
            for (int64_t l : leads) {
              if (l != c.assignee_id) notify.push_back(l);
            }
          }
          std::string detail = "{\"target\":";
          AppendJsonString(detail, SlaTargetName(a.target));
          detail += ",\"kind\":";
          AppendJsonString(detail, SlaAlertKindName(a.kind));
          detail += ",\"cycle\":" + std::to_string(a.cycle) + ",\"notify\":[";
          for (size_t i = 0; i < notify.size(); ++i) {
            if (i) detail += ',';
            detail += std::to_string(notify[i]);
          }
          detail += "]}";
          store::ConversationEvent e;
          e.conversation_id = c.id;
          e.kind = a.kind == SlaAlertKind::kBreach ? store::ConversationEventKind::kSlaBreach
                                                   : store::ConversationEventKind::kSlaWarning;
          e.at = a.at;
          e.actor = "system";
          e.detail = detail;
          records.push_back(std::move(e));
        }
        LP_RETURN_IF_ERROR(desk_.RecordSlaCheck(c.id, now, records));
        for (const store::ConversationEvent& e : records) {
          std::string json = "{\"conversation_id\":" + std::to_string(c.id) +
                             ",\"team_id\":" + std::to_string(team.id) +
                             ",\"at\":" + std::to_string(e.at) + ",\"alert\":" + e.detail + "}";
          Emit("desk.sla", json);
        }
        raised += records.size();
      }
      if (batch.size() < static_cast<size_t>(kBatch)) break;
    }
  }
  if (!first_error.ok() && raised == 0) return first_error;
  return raised;
}

Result<TeamReport> Desk::Report(int64_t team_id, Millis from, Millis to, bool per_agent) {
  if (to <= from) return Status::InvalidArgument("report: 'to' must be after 'from'");
  if (to - from > static_cast<Millis>(kReportMaxDays) * 86'400'000) {
    return Status::OutOfRange("report: at most " + std::to_string(kReportMaxDays) +
                              " days at a time");
  }
  LP_ASSIGN_OR_RETURN(store::TeamDeskSettings settings, desk_.GetTeamDeskSettings(team_id));
  LP_ASSIGN_OR_RETURN(BusinessCalendar cal, CalendarFor(settings.calendar));
  LP_ASSIGN_OR_RETURN(std::vector<store::Conversation> convs,
                      desk_.ListConversationsBetween(team_id, from, to));
  if (static_cast<int64_t>(convs.size()) > kReportMaxConversations) {
    return Status::OutOfRange("report: more than " + std::to_string(kReportMaxConversations) +
                              " conversations; choose a shorter period");
  }
  // The clocks are measured with targets no conversation reaches, so that
  // every duration is known; the team's targets decide "within SLA".
  const SlaPolicy team_policy = PolicyOf(settings);
  SlaPolicy measure = team_policy;
  constexpr Millis kUnreachable = 3650LL * 86'400'000;
  measure.first_response = measure.next_response = measure.resolution = kUnreachable;
  measure.warn_at = 0;
  const Millis now = clock_.NowMillis();

  TeamReport r;
  r.team_id = team_id;
  r.from = from;
  r.to = to;
  r.business_hours = team_policy.business_hours;
  r.conversations = static_cast<int64_t>(convs.size());
  std::vector<Millis> first, resolution;
  int64_t fr_counted = 0, fr_within = 0, res_counted = 0, res_within = 0;
  std::map<int64_t, std::vector<Millis>> by_agent;
  std::map<int64_t, int64_t> agent_convs;
  for (const store::Conversation& c : convs) {
    LP_ASSIGN_OR_RETURN(std::vector<store::ConversationEvent> events, desk_.ListEvents(c.id));
    const SlaStatus st = Evaluate(measure, cal, SlaEventsOf(events), now);
    const SlaTargetStatus& fr = st.first_response;
    if (fr.state != SlaState::kNotApplicable) {
      const bool ended = !fr.active;
      if (ended) {
        first.push_back(fr.elapsed);
        ++r.answered;
        if (per_agent && c.assignee_id != 0) by_agent[c.assignee_id].push_back(fr.elapsed);
      }
      if (team_policy.first_response > 0) {
        // Ended: judged; still running: judged once over the target.
        if (ended || fr.elapsed > team_policy.first_response) {
          ++fr_counted;
          fr_within += fr.elapsed <= team_policy.first_response;
        }
      }
    }
    const SlaTargetStatus& res = st.resolution;
    if (res.state != SlaState::kNotApplicable) {
      const bool ended = !res.active;
      if (ended) {
        resolution.push_back(res.elapsed);
        ++r.resolved;
      }
      if (team_policy.resolution > 0 && (ended || res.elapsed > team_policy.resolution)) {
        ++res_counted;
        res_within += res.elapsed <= team_policy.resolution;
      }
    }
    if (per_agent && c.assignee_id != 0) ++agent_convs[c.assignee_id];
  }
  r.first_response = StatsOf(std::move(first));
  r.resolution = StatsOf(std::move(resolution));
  if (team_policy.first_response > 0 && fr_counted > 0) {
    r.first_response_within_sla = static_cast<double>(fr_within) / static_cast<double>(fr_counted);
  }
  if (team_policy.resolution > 0 && res_counted > 0) {
    r.resolution_within_sla = static_cast<double>(res_within) / static_cast<double>(res_counted);
  }
  LP_ASSIGN_OR_RETURN(r.volume, desk_.MessageVolume(team_id, from, to));
  for (const auto& [user, n] : agent_convs) {
    TeamReport::Agent a;
    a.user_id = user;
    a.conversations = n;
    auto it = by_agent.find(user);
    a.first_response = StatsOf(it == by_agent.end() ? std::vector<Millis>{} : it->second);
    r.agents.push_back(std::move(a));
  }
  return r;
}

Result<std::string> Desk::SlaStatusJson(int64_t conversation_id) {
  LP_ASSIGN_OR_RETURN(store::Conversation c, desk_.GetConversation(conversation_id));
  if (c.team_id == 0) return std::string();
  LP_ASSIGN_OR_RETURN(store::TeamDeskSettings settings, desk_.GetTeamDeskSettings(c.team_id));
  if (!HasTargets(settings)) return std::string();
  LP_ASSIGN_OR_RETURN(BusinessCalendar cal, CalendarFor(settings.calendar));
  LP_ASSIGN_OR_RETURN(std::vector<store::ConversationEvent> events, desk_.ListEvents(c.id));
  const SlaPolicy policy = PolicyOf(settings);
  const SlaStatus st = Evaluate(policy, cal, SlaEventsOf(events), clock_.NowMillis());
  std::string out = "{";
  AppendTarget(out, "first_response", st.first_response, policy.first_response > 0);
  out += ',';
  AppendTarget(out, "next_response", st.next_response, policy.next_response > 0);
  out += ',';
  AppendTarget(out, "resolution", st.resolution, policy.resolution > 0);
  out += ",\"business_hours\":" + std::string(policy.business_hours ? "true" : "false");
  out += ",\"pending_customer\":" + std::string(st.pending_customer ? "true" : "false") + "}";
  return out;
}

}  // namespace leitplanke::desk
