// The desk's periodic work: routing unassigned conversations to agents and
// releasing those of agents who went away. The decisions come from
// desk/routing (pure); the store claims the rows so that instances sharing a
// database never assign the same conversation twice.
#include <algorithm>

#include "leitplanke/base/json_string.h"

#include "leitplanke/desk/desk.h"
#include "leitplanke/desk/routing.h"

namespace leitplanke::desk {
namespace {

Result<RoutingPolicy> PolicyFrom(const store::TeamDeskSettings& s) {
  RoutingPolicy p;
  LP_ASSIGN_OR_RETURN(p.mode, ParseRoutingMode(s.routing_mode));
  p.match_language = s.match_language;
  p.language_fallback = s.language_fallback;
  p.default_capacity = s.default_capacity;
  p.away_grace_ms = s.away_grace_ms;
  return p;
}

AgentState AgentFrom(const store::AgentDeskState& a) {
  AgentState s;
  s.user_id = a.user_id;
  s.available = a.available;
  s.away_since = a.away_since;
  s.open_load = a.open_load;
  s.capacity = a.capacity;
  s.languages = a.languages;
  s.skills = a.skills;
  s.last_assigned_at = a.last_assigned_at;
  return s;
}

std::string AssignedJson(int64_t conversation, int64_t user, int64_t team) {
  return "{\"conversation_id\":" + std::to_string(conversation) +
         ",\"user_id\":" + std::to_string(user) + ",\"team_id\":" + std::to_string(team) + "}";
}

}  // namespace

Result<size_t> Desk::RouteAll() {
  LP_ASSIGN_OR_RETURN(std::vector<store::Team> teams, store_.ListTeams());
  size_t assigned = 0;
  Status first_error = Status::Ok();
  for (const store::Team& t : teams) {
    Result<size_t> r = RouteTeam(t.id);
    if (r.ok()) {
      assigned += *r;
    } else if (first_error.ok()) {
      first_error = r.error().WithContext("team " + std::to_string(t.id));
    }
  }
  if (!first_error.ok() && assigned == 0) return first_error;
  return assigned;
}

Result<size_t> Desk::RouteTeam(int64_t team_id) { return Route(team_id, true); }

Result<size_t> Desk::Route(int64_t team_id, bool release) {
  LP_ASSIGN_OR_RETURN(store::TeamDeskSettings settings, desk_.GetTeamDeskSettings(team_id));
  LP_ASSIGN_OR_RETURN(RoutingPolicy policy, PolicyFrom(settings));
  if (policy.mode == RoutingMode::kManual) return size_t{0};
  const Millis now = clock_.NowMillis();
  if (release) LP_RETURN_IF_ERROR(ReleaseAway(team_id, policy, now));
  return AssignWaiting(team_id, policy, now);
}

Status Desk::ReleaseAway(int64_t team_id, const RoutingPolicy& policy, Millis now) {
  // Agents away longer than the grace period give their open work back.
  LP_ASSIGN_OR_RETURN(std::vector<store::AgentDeskState> agents, desk_.ListTeamAgents(team_id));
  std::vector<AgentState> states;
  std::vector<std::pair<int64_t, int64_t>> open;
  for (const store::AgentDeskState& a : agents) {
    states.push_back(AgentFrom(a));
    if (a.available || a.away_since == 0 || a.open_load == 0) continue;
    if (now - a.away_since < policy.away_grace_ms) continue;
    store::InboxQuery q;
    q.team_id = team_id;
    q.assignee_id = a.user_id;
    q.states = {store::ConversationState::kNew, store::ConversationState::kOpen,
                store::ConversationState::kPendingCustomer};
    q.limit = 200;
    LP_ASSIGN_OR_RETURN(std::vector<store::InboxRow> rows, desk_.ListInbox(q));
    for (const store::InboxRow& r : rows) open.emplace_back(r.conversation.id, a.user_id);
  }
  for (int64_t conv : ConversationsToRelease(policy, states, open, now)) {
    Result<store::Conversation> c = desk_.Assign(conv, 0, "system", now);
    if (c.ok()) Emit("desk.released", AssignedJson(conv, 0, team_id));
  }
  return Status::Ok();
}

Result<size_t> Desk::AssignWaiting(int64_t team_id, const RoutingPolicy& policy, Millis now) {
  const store::RoutingDecision decide = [&policy, now](
                                            const store::TeamDeskSettings&,
                                            const std::vector<store::AgentDeskState>& team,
                                            const std::vector<store::Conversation>& claimed) {
    std::vector<AgentState> in_agents;
    in_agents.reserve(team.size());
    for (const store::AgentDeskState& a : team) in_agents.push_back(AgentFrom(a));
    std::vector<WorkItem> items;
    items.reserve(claimed.size());
    for (const store::Conversation& c : claimed) {
      WorkItem w;
      w.conversation_id = c.id;
      w.waiting_since = c.waiting_since;
      w.language = c.language;
      w.priority = c.priority;
      items.push_back(std::move(w));
    }
    std::vector<store::Assignment> out;
    for (const Assignment& a : AssignBatch(policy, std::move(in_agents), std::move(items), now)) {
      out.push_back({a.conversation_id, a.user_id});
    }
    return out;
  };
  LP_ASSIGN_OR_RETURN(std::vector<store::Assignment> made,
                      desk_.RouteTeam(team_id, now, options_.route_batch, decide));
  for (const store::Assignment& a : made) {
    Emit("desk.assigned", AssignedJson(a.conversation_id, a.user_id, team_id));
  }
  return made.size();
}

}  // namespace leitplanke::desk
