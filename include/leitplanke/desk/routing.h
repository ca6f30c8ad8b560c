// Routing: who in a team gets which unassigned conversation.
//
// Pure decision logic, no storage and no clock. The desk calls it inside the
// store's claiming transaction (DeskStore::RouteTeam locks the unassigned
// conversations with FOR UPDATE SKIP LOCKED on PostgreSQL), so two instances
// never route the same conversation; fairness across instances comes from the
// state the store keeps (open_load, last_assigned_at), not from memory here.
//
// Modes:
//   manual        nothing is assigned automatically.
//   round_robin   the eligible agent assigned longest ago goes next
//                 (last_assigned_at ascending, ties by user_id).
//   least_loaded  the eligible agent with the lowest open_load / capacity
//                 goes next (ties by last_assigned_at, then user_id).
// Both automatic modes honour capacity and combine with language and skills
// matching. Items go out urgent first, then oldest waiting first.
//
// Eligibility of an agent for an item, in this order (the first filter that
// leaves nobody names the reason an item stays unassigned):
//   1. available (AgentState::available);                 kNobodyAvailable
//   2. has every required skill (when match_skills);       kNoSkillMatch
//   3. speaks the item's language (when match_language and the item has one).
//      When no agent left after 1-2 speaks it, language_fallback lets any of
//      them take it; otherwise it waits.                    kNoLanguageMatch
//      When speakers exist but are all full, the item waits for a speaker
//      rather than going to someone who cannot read it.
//   4. below capacity.                                      kAtCapacity
//
// Thread-safety: all functions are pure and may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

namespace leitplanke::desk {

using Millis = int64_t;

enum class RoutingMode : int { kManual = 0, kRoundRobin = 1, kLeastLoaded = 2 };

// "manual", "round_robin", "least_loaded" (the names stored in
// TeamDeskSettings::routing_mode).
std::string_view RoutingModeName(RoutingMode mode);
// Exact, lower-case names only. InvalidArgument naming the unknown value and
// the accepted ones otherwise.
Result<RoutingMode> ParseRoutingMode(std::string_view name);

struct RoutingPolicy {
  RoutingMode mode = RoutingMode::kManual;
  // A conversation with a language goes only to agents who list it.
  bool match_language = true;
  // ...unless no available (and skilled) agent speaks it at all: then anyone.
  bool language_fallback = true;
  // An agent must have every required skill of a conversation.
  bool match_skills = true;
  // A conversation whose previous agent is eligible and has room goes back to
  // them (continuity for a customer who writes again), whatever the mode says.
  bool prefer_previous_agent = true;
  // Max open conversations per agent whose own capacity is 0; 0 = unlimited.
  int32_t default_capacity = 0;
  // How long an agent may be away before their open conversations return to
  // the unassigned pool; <= 0 disables the release.
  Millis away_grace_ms = 15 * 60 * 1000;
  // Also release conversations assigned to someone who is not in the team's
  // agent snapshot (removed from the team). Off by default: a manager outside
  // the team may have taken a conversation on purpose.
  bool release_non_members = false;
};

// InvalidArgument for negative capacities ("default_capacity: -1 ...").
Status ValidateRoutingPolicy(const RoutingPolicy& policy);

// One agent of the team as the store sees them right now.
struct AgentState {
  int64_t user_id = 0;
  bool available = false;
  Millis away_since = 0;  // when the agent went away; 0 = unknown / not away
  int32_t open_load = 0;  // open conversations assigned to the agent
  int32_t capacity = 0;   // 0 = the policy's default_capacity
  // Language tags ("de", "en", "de-AT"); compared by primary subtag,
  // case-insensitively. An empty list speaks no particular language.
  std::vector<std::string> languages;
  std::vector<std::string> skills;  // compared case-insensitively
  Millis last_assigned_at = 0;      // 0 = never
};

// One unassigned conversation.
struct WorkItem {
  int64_t conversation_id = 0;
  // Oldest unanswered inbound message; 0 = nothing waiting (sorted after
  // every waiting item of the same priority).
  Millis waiting_since = 0;
  std::string language;  // empty = unknown, any agent
  std::vector<std::string> required_skills;
  int32_t priority = 0;        // higher goes first (store: 0 normal, 1 high, 2 urgent)
  int64_t previous_agent = 0;  // 0 = none
};

struct Assignment {
  int64_t conversation_id = 0;
  int64_t user_id = 0;
  friend bool operator==(const Assignment&, const Assignment&) = default;
};

enum class UnplacedReason : int {
  kManualMode = 0,       // the team routes by hand
  kNobodyAvailable = 1,  // no agent is available
  kNoSkillMatch = 2,     // no available agent has every required skill
  kNoLanguageMatch = 3,  // nobody eligible speaks the language, no fallback
  kAtCapacity = 4,       // eligible agents exist but all are full
  kDuplicate = 5,        // the conversation appeared earlier in the batch
  kInvalid = 6,          // conversation_id <= 0
};
// "manual_mode", "nobody_available", "no_skill_match", "no_language_match",
// "at_capacity", "duplicate", "invalid".
std::string_view UnplacedReasonName(UnplacedReason reason);

struct Unplaced {
  int64_t conversation_id = 0;
  UnplacedReason reason = UnplacedReason::kManualMode;
};

// What the store should write back for an agent who got work in this batch.
struct AgentUpdate {
  int64_t user_id = 0;
  int32_t open_load = 0;  // after the batch
  // Distinct, increasing stamps in the order of each agent's last assignment
  // in the batch, starting at max(now, newest last_assigned_at + 1): an agent
  // given work later in the batch sorts later in the next round-robin turn
  // (plain `now` for everyone would hand the next turn to the lowest user_id).
  Millis last_assigned_at = 0;
};

struct RoutingOutcome {
  std::vector<Assignment> assignments;     // in the order the items were served
  std::vector<Unplaced> unplaced;          // in the same item order
  std::vector<AgentUpdate> agent_updates;  // by user_id
};

// Routes `items` (any order; sorted here: priority descending, then
// waiting_since ascending with 0 last, then conversation_id) to `agents`.
// Every item ends up either in `assignments` or in `unplaced`, exactly once.
// Agents with user_id <= 0 and repeated user_ids (after the first) are
// ignored; negative loads count as 0. Deterministic: the same input gives the
// same output, whatever the input order of agents.
RoutingOutcome Route(const RoutingPolicy& policy, std::vector<AgentState> agents,
                     std::vector<WorkItem> items, Millis now);

// Route(...).assignments, for callers that need only the decision.
std::vector<Assignment> AssignBatch(const RoutingPolicy& policy, std::vector<AgentState> agents,
                                    std::vector<WorkItem> items, Millis now);

// Open conversations (conversation_id, assignee user_id) whose assignee has
// been away at least away_grace_ms at `now` (not available, away_since != 0,
// now - away_since >= grace), so they go back to the unassigned pool. An
// agent who is not available but has no away_since is never released (we
// cannot tell how long they have been gone; manual assignments to agents who
// do not use availability stay put). Manual mode and grace <= 0 release
// nothing. Assignees not in `agents` are released only with
// release_non_members. Result in input order, without duplicates.
std::vector<int64_t> ConversationsToRelease(
    const RoutingPolicy& policy, const std::vector<AgentState>& agents,
    const std::vector<std::pair<int64_t, int64_t>>& open_assignments, Millis now);

// "de", "en" or "" (undecided) for a customer message, from hand-picked
// German and English function words and umlaut/ß evidence. Mentions, URLs
// and e-mail addresses are ignored. Meant to fill an empty language hint of a
// channel, not as a general language identifier.
std::string GuessLanguage(std::string_view text);

}  // namespace leitplanke::desk
