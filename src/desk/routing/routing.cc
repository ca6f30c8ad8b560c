// Routing decisions (routing.h). A greedy pass over the items in service
// order: each item goes to the best eligible agent under the mode's ordering,
// and that agent's load and turn are updated before the next item, so
// later items in the batch see the work handed out before them.
#include "leitplanke/desk/routing.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_set>

namespace leitplanke::desk {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "de-AT" -> "de", "EN_us" -> "en": agents list languages, channels send
// BCP 47 tags, and a customer writing de-AT is served by anyone with "de".
std::string PrimaryLanguage(std::string_view tag) {
  size_t end = tag.find_first_of("-_");
  return Lower(tag.substr(0, end));
}

// An agent during one batch: the caller's state plus what the batch did.
struct Slot {
  int64_t user_id = 0;
  bool available = false;
  int64_t load = 0;
  int64_t capacity = 0;  // 0 = unlimited
  std::set<std::string> languages;
  std::set<std::string> skills;
  Millis last_assigned_at = 0;
  // 0 = not yet assigned in this batch; else the order of the agent's latest
  // assignment in the batch (later assignment = later turn).
  int64_t batch_turn = 0;
};

// Round-robin turn order: assigned longest ago first. Agents served in this
// batch come after everyone who was not, in the order they were served.
bool EarlierTurn(const Slot& a, const Slot& b) {
  if ((a.batch_turn != 0) != (b.batch_turn != 0)) return a.batch_turn == 0;
  if (a.batch_turn != b.batch_turn) return a.batch_turn < b.batch_turn;
  if (a.last_assigned_at != b.last_assigned_at) return a.last_assigned_at < b.last_assigned_at;
  return a.user_id < b.user_id;
}

// Least-loaded order: load / capacity ascending, compared exactly by cross
// multiplication. Unlimited agents are measured against `unlimited_as`.
bool LessLoaded(const Slot& a, const Slot& b, int64_t unlimited_as) {
  const int64_t ca = a.capacity > 0 ? a.capacity : unlimited_as;
  const int64_t cb = b.capacity > 0 ? b.capacity : unlimited_as;
  const int64_t lhs = a.load * cb;
  const int64_t rhs = b.load * ca;
  if (lhs != rhs) return lhs < rhs;
  return EarlierTurn(a, b);
}

bool HasRoom(const Slot& s) { return s.capacity == 0 || s.load < s.capacity; }

bool ServiceOrder(const WorkItem& a, const WorkItem& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  const bool a_waits = a.waiting_since != 0;
  const bool b_waits = b.waiting_since != 0;
  if (a_waits != b_waits) return a_waits;
  if (a.waiting_since != b.waiting_since) return a.waiting_since < b.waiting_since;
  return a.conversation_id < b.conversation_id;
}

}  // namespace

std::string_view RoutingModeName(RoutingMode mode) {
  switch (mode) {
    case RoutingMode::kManual:
      return "manual";
    case RoutingMode::kRoundRobin:
      return "round_robin";
    case RoutingMode::kLeastLoaded:
      return "least_loaded";
  }
  return "manual";
}

Result<RoutingMode> ParseRoutingMode(std::string_view name) {
  for (RoutingMode mode :
       {RoutingMode::kManual, RoutingMode::kRoundRobin, RoutingMode::kLeastLoaded}) {
    if (name == RoutingModeName(mode)) return mode;
  }
  return Status::InvalidArgument("unknown routing mode \"" + std::string(name) +
                                 "\" (expected manual, round_robin or least_loaded)");
}

Status ValidateRoutingPolicy(const RoutingPolicy& policy) {
  if (policy.default_capacity < 0) {
    return Status::InvalidArgument("default_capacity: " + std::to_string(policy.default_capacity) +
                                   " is negative (0 means unlimited)");
  }
  switch (policy.mode) {
    case RoutingMode::kManual:
    case RoutingMode::kRoundRobin:
    case RoutingMode::kLeastLoaded:
      return Status::Ok();
  }
  return Status::InvalidArgument("mode: " + std::to_string(static_cast<int>(policy.mode)) +
                                 " is not a routing mode");
}

std::string_view UnplacedReasonName(UnplacedReason reason) {
  switch (reason) {
    case UnplacedReason::kManualMode:
      return "manual_mode";
    case UnplacedReason::kNobodyAvailable:
      return "nobody_available";
    case UnplacedReason::kNoSkillMatch:
      return "no_skill_match";
    case UnplacedReason::kNoLanguageMatch:
      return "no_language_match";
    case UnplacedReason::kAtCapacity:
      return "at_capacity";
    case UnplacedReason::kDuplicate:
      return "duplicate";
    case UnplacedReason::kInvalid:
      return "invalid";
  }
  return "invalid";
}

RoutingOutcome Route(const RoutingPolicy& policy, std::vector<AgentState> agents,
                     std::vector<WorkItem> items, Millis now) {
  RoutingOutcome out;
  std::stable_sort(items.begin(), items.end(), ServiceOrder);

  // Agents by user_id, first occurrence wins, so the input order of agents
  // cannot change the outcome (apart from which duplicate is kept).
  std::map<int64_t, Slot> slots;
  Millis newest_stamp = now;
  int64_t largest_capacity = 0;
  const int64_t default_capacity = std::max<int64_t>(policy.default_capacity, 0);
  for (const AgentState& a : agents) {
    if (a.user_id <= 0 || slots.count(a.user_id) != 0) continue;
    Slot s;
    s.user_id = a.user_id;
    s.available = a.available;
    s.load = std::max<int64_t>(a.open_load, 0);
    s.capacity = a.capacity > 0 ? a.capacity : default_capacity;
    for (const std::string& l : a.languages) {
      if (!l.empty()) s.languages.insert(PrimaryLanguage(l));
    }
    for (const std::string& k : a.skills) s.skills.insert(Lower(k));
    s.last_assigned_at = a.last_assigned_at;
    newest_stamp = std::max(newest_stamp, a.last_assigned_at + 1);
    largest_capacity = std::max(largest_capacity, s.capacity);
    slots.emplace(s.user_id, std::move(s));
  }
  // Least-loaded needs a ratio for unlimited agents too: they count as roomy
  // as the roomiest limited colleague (or, with nobody limited, the plain
  // open_load decides).
  const int64_t unlimited_as = largest_capacity > 0 ? largest_capacity : 1;

  std::unordered_set<int64_t> seen;
  int64_t turn = 0;
  std::vector<Slot*> candidates;
  std::vector<Slot*> speakers;
  for (const WorkItem& item : items) {
    auto unplaced = [&](UnplacedReason r) { out.unplaced.push_back({item.conversation_id, r}); };
    if (item.conversation_id <= 0) {
      unplaced(UnplacedReason::kInvalid);
      continue;
    }
    if (!seen.insert(item.conversation_id).second) {
      unplaced(UnplacedReason::kDuplicate);
      continue;
    }
    if (policy.mode == RoutingMode::kManual) {
      unplaced(UnplacedReason::kManualMode);
      continue;
    }

    candidates.clear();
    for (auto& [id, s] : slots) {
      if (s.available) candidates.push_back(&s);
    }
    if (candidates.empty()) {
      unplaced(UnplacedReason::kNobodyAvailable);
      continue;
    }

    if (policy.match_skills && !item.required_skills.empty()) {
      std::vector<std::string> needed;
      for (const std::string& k : item.required_skills) {
        if (!k.empty()) needed.push_back(Lower(k));
      }
      std::erase_if(candidates, [&](const Slot* s) {
        return std::any_of(needed.begin(), needed.end(),
                           [&](const std::string& k) { return s->skills.count(k) == 0; });
      });
      if (candidates.empty()) {
        unplaced(UnplacedReason::kNoSkillMatch);
        continue;
      }
    }

    if (policy.match_language && !item.language.empty()) {
      const std::string lang = PrimaryLanguage(item.language);
      speakers.clear();
      for (Slot* s : candidates) {
        if (s->languages.count(lang) != 0) speakers.push_back(s);
      }
      if (!speakers.empty()) {
        candidates.swap(speakers);
      } else if (!policy.language_fallback) {
        unplaced(UnplacedReason::kNoLanguageMatch);
        continue;
      }
    }

    std::erase_if(candidates, [](const Slot* s) { return !HasRoom(*s); });
    if (candidates.empty()) {
      unplaced(UnplacedReason::kAtCapacity);
      continue;
    }

    Slot* chosen = nullptr;
    if (policy.prefer_previous_agent && item.previous_agent > 0) {
      for (Slot* s : candidates) {
        if (s->user_id == item.previous_agent) chosen = s;
      }
    }
    if (chosen == nullptr) {
      if (policy.mode == RoutingMode::kRoundRobin) {
        chosen =
            *std::min_element(candidates.begin(), candidates.end(),
                              [](const Slot* a, const Slot* b) { return EarlierTurn(*a, *b); });
      } else {
        chosen = *std::min_element(candidates.begin(), candidates.end(),
                                   [unlimited_as](const Slot* a, const Slot* b) {
                                     return LessLoaded(*a, *b, unlimited_as);
                                   });
      }
    }
    chosen->load += 1;
    chosen->batch_turn = ++turn;
    out.assignments.push_back({item.conversation_id, chosen->user_id});
  }

  for (const auto& [id, s] : slots) {
    if (s.batch_turn == 0) continue;
    AgentUpdate u;
    u.user_id = id;
    u.open_load = static_cast<int32_t>(std::min<int64_t>(s.load, INT32_MAX));
    u.last_assigned_at = newest_stamp + s.batch_turn - 1;
    out.agent_updates.push_back(u);
  }
  return out;
}

std::vector<Assignment> AssignBatch(const RoutingPolicy& policy, std::vector<AgentState> agents,
                                    std::vector<WorkItem> items, Millis now) {
  return Route(policy, std::move(agents), std::move(items), now).assignments;
}

std::vector<int64_t> ConversationsToRelease(
    const RoutingPolicy& policy, const std::vector<AgentState>& agents,
    const std::vector<std::pair<int64_t, int64_t>>& open_assignments, Millis now) {
  std::vector<int64_t> out;
  if (policy.mode == RoutingMode::kManual || policy.away_grace_ms <= 0) return out;
  std::map<int64_t, const AgentState*> by_id;
  for (const AgentState& a : agents) by_id.emplace(a.user_id, &a);
  std::unordered_set<int64_t> released;
  for (const auto& [conversation_id, user_id] : open_assignments) {
    if (conversation_id <= 0 || user_id <= 0) continue;
    auto it = by_id.find(user_id);
    bool release = false;
    if (it == by_id.end()) {
      release = policy.release_non_members;
    } else {
      const AgentState& a = *it->second;
      // Subtraction cannot overflow for real timestamps; guard against
      // away_since in the future (clock skew between instances) all the same.
      release = !a.available && a.away_since > 0 && a.away_since <= now &&
                now - a.away_since >= policy.away_grace_ms;
    }
    if (release && released.insert(conversation_id).second) out.push_back(conversation_id);
  }
  return out;
}

}  // namespace leitplanke::desk
