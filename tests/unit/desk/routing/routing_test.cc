#include "leitplanke/desk/routing.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace leitplanke::desk {
namespace {

constexpr Millis kNow = 1'800'000'000'000;

AgentState Agent(int64_t id, bool available = true) {
  AgentState a;
  a.user_id = id;
  a.available = available;
  return a;
}

WorkItem Item(int64_t id, Millis waiting_since, int32_t priority = 0) {
  WorkItem w;
  w.conversation_id = id;
  w.waiting_since = waiting_since;
  w.priority = priority;
  return w;
}

std::vector<WorkItem> Items(int n) {
  std::vector<WorkItem> items;
  for (int i = 1; i <= n; ++i) items.push_back(Item(i, 1000 + i));
  return items;
}

RoutingPolicy Policy(RoutingMode mode) {
  RoutingPolicy p;
  p.mode = mode;
  return p;
}

std::map<int64_t, int> CountPerAgent(const std::vector<Assignment>& as) {
  std::map<int64_t, int> n;
  for (const Assignment& a : as) ++n[a.user_id];
  return n;
}

// --- names ------------------------------------------------------------------

TEST(RoutingModeTest, NamesRoundTrip) {
  for (RoutingMode m :
       {RoutingMode::kManual, RoutingMode::kRoundRobin, RoutingMode::kLeastLoaded}) {
    auto parsed = ParseRoutingMode(RoutingModeName(m));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, m);
  }
  EXPECT_EQ(RoutingModeName(RoutingMode::kRoundRobin), "round_robin");
  EXPECT_EQ(RoutingModeName(RoutingMode::kLeastLoaded), "least_loaded");
}

TEST(RoutingModeTest, UnknownNameIsAClearError) {
  for (std::string_view bad : {"", "Round_Robin", "roundrobin", "least-loaded", "random"}) {
    auto parsed = ParseRoutingMode(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message().find("\"" + std::string(bad) + "\""), std::string::npos);
    EXPECT_NE(parsed.error().message().find("least_loaded"), std::string::npos);
  }
}

TEST(RoutingPolicyTest, NegativeCapacityIsRejected) {
  RoutingPolicy p = Policy(RoutingMode::kLeastLoaded);
  EXPECT_TRUE(ValidateRoutingPolicy(p).ok());
  p.default_capacity = -1;
  Status s = ValidateRoutingPolicy(p);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("default_capacity"), std::string::npos);
}

// --- modes ------------------------------------------------------------------

TEST(RoutingTest, ManualAssignsNothing) {
  RoutingOutcome out = Route(Policy(RoutingMode::kManual), {Agent(1), Agent(2)}, Items(3), kNow);
  EXPECT_TRUE(out.assignments.empty());
  ASSERT_EQ(out.unplaced.size(), 3u);
  for (const Unplaced& u : out.unplaced) EXPECT_EQ(u.reason, UnplacedReason::kManualMode);
  EXPECT_TRUE(out.agent_updates.empty());
}

TEST(RoutingTest, RoundRobinSharesFairlyAndSkipsUnavailable) {
  std::vector<AgentState> agents = {Agent(1), Agent(2), Agent(3, false), Agent(4), Agent(5, false)};
  RoutingOutcome out = Route(Policy(RoutingMode::kRoundRobin), agents, Items(300), kNow);
  ASSERT_EQ(out.assignments.size(), 300u);
  auto n = CountPerAgent(out.assignments);
  EXPECT_EQ(n[1], 100);
  EXPECT_EQ(n[2], 100);
  EXPECT_EQ(n[4], 100);
  EXPECT_EQ(n.count(3), 0u);
  EXPECT_EQ(n.count(5), 0u);
  // Strict rotation: 1, 2, 4, 1, 2, 4, ...
  for (size_t i = 0; i < 9; ++i) {
    EXPECT_EQ(out.assignments[i].user_id, (std::vector<int64_t>{1, 2, 4})[i % 3]) << i;
  }
}

TEST(RoutingTest, RoundRobinStartsWithAgentAssignedLongestAgo) {
  std::vector<AgentState> agents = {Agent(1), Agent(2), Agent(3)};
  agents[0].last_assigned_at = 500;
  agents[1].last_assigned_at = 100;
  agents[2].last_assigned_at = 300;
  auto as = AssignBatch(Policy(RoutingMode::kRoundRobin), agents, Items(4), kNow);
  ASSERT_EQ(as.size(), 4u);
  EXPECT_EQ(as[0].user_id, 2);
  EXPECT_EQ(as[1].user_id, 3);
  EXPECT_EQ(as[2].user_id, 1);
  EXPECT_EQ(as[3].user_id, 2);
}

TEST(RoutingTest, RoundRobinTiesGoByUserId) {
  auto as =
      AssignBatch(Policy(RoutingMode::kRoundRobin), {Agent(9), Agent(3), Agent(5)}, Items(3), kNow);
  ASSERT_EQ(as.size(), 3u);
  EXPECT_EQ(as[0].user_id, 3);
  EXPECT_EQ(as[1].user_id, 5);
  EXPECT_EQ(as[2].user_id, 9);
}

// The stamps the store writes back continue the rotation in the next batch,
// as if all items had come in one batch.
TEST(RoutingTest, RoundRobinContinuesAcrossBatchesThroughAgentUpdates) {
  const RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  std::vector<AgentState> agents = {Agent(1), Agent(2), Agent(3)};
  std::vector<int64_t> order;
  Millis now = kNow;
  for (int batch = 0; batch < 4; ++batch) {
    std::vector<WorkItem> items;
    for (int i = 0; i < 2; ++i) items.push_back(Item(batch * 10 + i + 1, 1000 + i));
    RoutingOutcome out = Route(p, agents, items, now);
    for (const Assignment& a : out.assignments) order.push_back(a.user_id);
    for (const AgentUpdate& u : out.agent_updates) {
      for (AgentState& a : agents) {
        if (a.user_id == u.user_id) {
          a.last_assigned_at = u.last_assigned_at;
          a.open_load = u.open_load;
        }
      }
    }
    now += 1000;
  }
  EXPECT_EQ(order, (std::vector<int64_t>{1, 2, 3, 1, 2, 3, 1, 2}));
}

TEST(RoutingTest, AgentUpdatesReportLoadAndOrderedStamps) {
  std::vector<AgentState> agents = {Agent(1), Agent(2)};
  agents[0].open_load = 4;
  agents[1].last_assigned_at = kNow + 50;  // another instance's clock runs ahead
  RoutingOutcome out = Route(Policy(RoutingMode::kRoundRobin), agents, Items(3), kNow);
  // Served: 1 (never assigned), 2, 1.
  ASSERT_EQ(out.agent_updates.size(), 2u);
  EXPECT_EQ(out.agent_updates[0].user_id, 1);
  EXPECT_EQ(out.agent_updates[0].open_load, 6);
  EXPECT_EQ(out.agent_updates[1].user_id, 2);
  EXPECT_EQ(out.agent_updates[1].open_load, 1);
  // Agent 2 was served before agent 1's second item: its stamp is older, and
  // both are newer than anything seen before.
  EXPECT_GT(out.agent_updates[1].last_assigned_at, kNow + 50);
  EXPECT_GT(out.agent_updates[0].last_assigned_at, out.agent_updates[1].last_assigned_at);
}

TEST(RoutingTest, CapacityIsRespectedAndLeftoversStayUnassigned) {
  RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  p.default_capacity = 3;
  std::vector<AgentState> agents = {Agent(1), Agent(2), Agent(3)};
  agents[0].open_load = 2;  // room for 1
  agents[1].capacity = 5;   // own capacity, room for 5
  agents[2].open_load = 3;  // full
  RoutingOutcome out = Route(p, agents, Items(10), kNow);
  auto n = CountPerAgent(out.assignments);
  EXPECT_EQ(n[1], 1);
  EXPECT_EQ(n[2], 5);
  EXPECT_EQ(n.count(3), 0u);
  ASSERT_EQ(out.unplaced.size(), 4u);
  for (const Unplaced& u : out.unplaced) EXPECT_EQ(u.reason, UnplacedReason::kAtCapacity);
  // The oldest items were served; the newest wait.
  EXPECT_EQ(out.unplaced.front().conversation_id, 7);
}

TEST(RoutingTest, ZeroCapacityEverywhereIsUnlimited) {
  auto as = AssignBatch(Policy(RoutingMode::kLeastLoaded), {Agent(1)}, Items(50), kNow);
  EXPECT_EQ(as.size(), 50u);
}

TEST(RoutingTest, LeastLoadedPicksTheEmptiest) {
  RoutingPolicy p = Policy(RoutingMode::kLeastLoaded);
  p.default_capacity = 10;
  std::vector<AgentState> agents = {Agent(1), Agent(2), Agent(3)};
  agents[0].open_load = 5;
  agents[1].open_load = 2;
  agents[2].open_load = 4;
  RoutingOutcome out = Route(p, agents, Items(3), kNow);
  ASSERT_EQ(out.assignments.size(), 3u);
  EXPECT_EQ(out.assignments[0].user_id, 2);  // 2 -> 3
  EXPECT_EQ(out.assignments[1].user_id, 2);  // 3 < 4
  // 2 has 4 now, ties with 3 (4): 3 was assigned longest ago.
  EXPECT_EQ(out.assignments[2].user_id, 3);
}

TEST(RoutingTest, LeastLoadedComparesLoadAgainstCapacity) {
  RoutingPolicy p = Policy(RoutingMode::kLeastLoaded);
  std::vector<AgentState> agents = {Agent(1), Agent(2)};
  agents[0].open_load = 3;
  agents[0].capacity = 4;  // 75 %
  agents[1].open_load = 6;
  agents[1].capacity = 12;  // 50 %: more conversations, but more room
  auto as = AssignBatch(p, agents, Items(1), kNow);
  ASSERT_EQ(as.size(), 1u);
  EXPECT_EQ(as[0].user_id, 2);
}

TEST(RoutingTest, LeastLoadedEvensOutLoad) {
  RoutingPolicy p = Policy(RoutingMode::kLeastLoaded);
  std::vector<AgentState> agents = {Agent(1), Agent(2), Agent(3)};
  agents[0].open_load = 7;
  agents[1].open_load = 1;
  agents[2].open_load = 0;
  RoutingOutcome out = Route(p, agents, Items(13), kNow);
  for (const AgentUpdate& u : out.agent_updates) EXPECT_EQ(u.open_load, 7) << u.user_id;
  EXPECT_EQ(CountPerAgent(out.assignments).count(1), 0u);
}

TEST(RoutingTest, LeastLoadedTiesGoToTheAgentAssignedLongestAgo) {
  std::vector<AgentState> agents = {Agent(1), Agent(2)};
  agents[0].last_assigned_at = 900;
  agents[1].last_assigned_at = 100;
  auto as = AssignBatch(Policy(RoutingMode::kLeastLoaded), agents, Items(1), kNow);
  ASSERT_EQ(as.size(), 1u);
  EXPECT_EQ(as[0].user_id, 2);
}

// --- language and skills ----------------------------------------------------

TEST(RoutingTest, LanguageGoesToSpeakers) {
  RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  std::vector<AgentState> agents = {Agent(1), Agent(2), Agent(3)};
  agents[0].languages = {"en"};
  agents[1].languages = {"de", "en"};
  agents[2].languages = {"DE-at"};
  std::vector<WorkItem> items = Items(6);
  for (WorkItem& w : items) w.language = "de-DE";
  auto n = CountPerAgent(AssignBatch(p, agents, items, kNow));
  EXPECT_EQ(n.count(1), 0u);
  EXPECT_EQ(n[2], 3);
  EXPECT_EQ(n[3], 3);
}

TEST(RoutingTest, LanguageFallbackOnlyWhenNobodySpeaksIt) {
  RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  std::vector<AgentState> agents = {Agent(1), Agent(2), Agent(3, false)};
  agents[0].languages = {"en"};
  agents[1].languages = {"en"};
  agents[2].languages = {"fr"};  // speaks it, but away: does not count
  WorkItem fr = Item(1, 100);
  fr.language = "fr";

  p.language_fallback = true;
  auto as = AssignBatch(p, agents, {fr}, kNow);
  ASSERT_EQ(as.size(), 1u);

  p.language_fallback = false;
  RoutingOutcome out = Route(p, agents, {fr}, kNow);
  EXPECT_TRUE(out.assignments.empty());
  ASSERT_EQ(out.unplaced.size(), 1u);
  EXPECT_EQ(out.unplaced[0].reason, UnplacedReason::kNoLanguageMatch);

  p.match_language = false;
  EXPECT_EQ(AssignBatch(p, agents, {fr}, kNow).size(), 1u);
}

TEST(RoutingTest, FullSpeakersMakeTheItemWaitEvenWithFallback) {
  RoutingPolicy p = Policy(RoutingMode::kLeastLoaded);
  p.language_fallback = true;
  std::vector<AgentState> agents = {Agent(1), Agent(2)};
  agents[0].languages = {"de"};
  agents[0].capacity = 1;
  agents[0].open_load = 1;
  agents[1].languages = {"en"};
  WorkItem de = Item(1, 100);
  de.language = "de";
  RoutingOutcome out = Route(p, agents, {de}, kNow);
  EXPECT_TRUE(out.assignments.empty());
  ASSERT_EQ(out.unplaced.size(), 1u);
  EXPECT_EQ(out.unplaced[0].reason, UnplacedReason::kAtCapacity);
}

TEST(RoutingTest, ItemsWithoutLanguageGoToAnyone) {
  std::vector<AgentState> agents = {Agent(1)};
  agents[0].languages = {"de"};
  RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  p.language_fallback = false;
  EXPECT_EQ(AssignBatch(p, agents, Items(2), kNow).size(), 2u);
}

TEST(RoutingTest, SkillsMustAllMatch) {
  RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  std::vector<AgentState> agents = {Agent(1), Agent(2), Agent(3)};
  agents[0].skills = {"billing"};
  agents[1].skills = {"Billing", "refunds"};
  agents[2].skills = {"refunds"};
  std::vector<WorkItem> items = Items(4);
  for (WorkItem& w : items) w.required_skills = {"billing", "REFUNDS"};
  auto n = CountPerAgent(AssignBatch(p, agents, items, kNow));
  EXPECT_EQ(n, (std::map<int64_t, int>{{2, 4}}));

  WorkItem legal = Item(9, 1);
  legal.required_skills = {"legal"};
  RoutingOutcome out = Route(p, agents, {legal}, kNow);
  ASSERT_EQ(out.unplaced.size(), 1u);
  EXPECT_EQ(out.unplaced[0].reason, UnplacedReason::kNoSkillMatch);

  p.match_skills = false;
  EXPECT_EQ(AssignBatch(p, agents, {legal}, kNow).size(), 1u);
}

TEST(RoutingTest, LanguageFallbackKeepsSkills) {
  RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  std::vector<AgentState> agents = {Agent(1), Agent(2)};
  agents[0].languages = {"de"};  // speaks it, lacks the skill
  agents[1].skills = {"billing"};
  WorkItem w = Item(1, 100);
  w.language = "de";
  w.required_skills = {"billing"};
  auto as = AssignBatch(p, agents, {w}, kNow);
  ASSERT_EQ(as.size(), 1u);
  EXPECT_EQ(as[0].user_id, 2);
}

TEST(RoutingTest, NobodyAvailable) {
  RoutingOutcome out =
      Route(Policy(RoutingMode::kLeastLoaded), {Agent(1, false), Agent(2, false)}, Items(2), kNow);
  EXPECT_TRUE(out.assignments.empty());
  ASSERT_EQ(out.unplaced.size(), 2u);
  EXPECT_EQ(out.unplaced[0].reason, UnplacedReason::kNobodyAvailable);
  EXPECT_EQ(UnplacedReasonName(out.unplaced[0].reason), "nobody_available");
  EXPECT_TRUE(Route(Policy(RoutingMode::kRoundRobin), {}, Items(1), kNow).assignments.empty());
}

// --- ordering ---------------------------------------------------------------

TEST(RoutingTest, UrgentFirstThenOldestWaiting) {
  RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  p.default_capacity = 3;
  std::vector<WorkItem> items = {Item(1, 500), Item(2, 100),    Item(3, 900, 2),
                                 Item(4, 0),   Item(5, 300, 1), Item(6, 50)};
  RoutingOutcome out = Route(p, {Agent(1)}, items, kNow);
  std::vector<int64_t> served;
  for (const Assignment& a : out.assignments) served.push_back(a.conversation_id);
  EXPECT_EQ(served, (std::vector<int64_t>{3, 5, 6}));
  std::vector<int64_t> waiting;
  for (const Unplaced& u : out.unplaced) waiting.push_back(u.conversation_id);
  // 4 has nothing waiting: after every waiting item of its priority.
  EXPECT_EQ(waiting, (std::vector<int64_t>{2, 1, 4}));
}

TEST(RoutingTest, PreviousAgentGetsTheConversationBack) {
  RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  std::vector<AgentState> agents = {Agent(1), Agent(2), Agent(3, false)};
  WorkItem back = Item(1, 100);
  back.previous_agent = 2;
  WorkItem away = Item(2, 200);
  away.previous_agent = 3;  // away: normal rotation
  auto as = AssignBatch(p, agents, {back, away}, kNow);
  ASSERT_EQ(as.size(), 2u);
  EXPECT_EQ(as[0].user_id, 2);
  EXPECT_EQ(as[1].user_id, 1);
  p.prefer_previous_agent = false;
  as = AssignBatch(p, agents, {back}, kNow);
  ASSERT_EQ(as.size(), 1u);
  EXPECT_EQ(as[0].user_id, 1);
}

TEST(RoutingTest, DuplicatesAndInvalidInputAreReportedNotRouted) {
  std::vector<AgentState> agents = {Agent(1), Agent(1, false), Agent(0), Agent(-4)};
  std::vector<WorkItem> items = {Item(7, 100), Item(7, 100), Item(0, 50), Item(-1, 60)};
  RoutingOutcome out = Route(Policy(RoutingMode::kRoundRobin), agents, items, kNow);
  ASSERT_EQ(out.assignments.size(), 1u);
  EXPECT_EQ(out.assignments[0], (Assignment{7, 1}));
  std::map<int64_t, UnplacedReason> reasons;
  for (const Unplaced& u : out.unplaced) reasons[u.conversation_id] = u.reason;
  EXPECT_EQ(reasons[7], UnplacedReason::kDuplicate);
  EXPECT_EQ(reasons[0], UnplacedReason::kInvalid);
  EXPECT_EQ(reasons[-1], UnplacedReason::kInvalid);
}

TEST(RoutingTest, DeterministicWhateverTheInputOrder) {
  RoutingPolicy p = Policy(RoutingMode::kLeastLoaded);
  p.default_capacity = 4;
  std::vector<AgentState> agents;
  for (int i = 1; i <= 6; ++i) {
    AgentState a = Agent(i * 7, i != 3);
    a.open_load = i % 3;
    a.languages = {i % 2 ? "de" : "en"};
    agents.push_back(a);
  }
  std::vector<WorkItem> items = Items(30);
  for (size_t i = 0; i < items.size(); ++i) items[i].language = i % 3 ? "de" : "en";
  RoutingOutcome first = Route(p, agents, items, kNow);
  std::mt19937 rng(7);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(agents.begin(), agents.end(), rng);
    std::shuffle(items.begin(), items.end(), rng);
    RoutingOutcome again = Route(p, agents, items, kNow);
    EXPECT_EQ(again.assignments, first.assignments);
    ASSERT_EQ(again.unplaced.size(), first.unplaced.size());
  }
}

// --- release ----------------------------------------------------------------

TEST(ReleaseTest, AfterTheGracePeriodNotBefore) {
  RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  p.away_grace_ms = 60'000;
  std::vector<AgentState> agents = {Agent(1), Agent(2, false), Agent(3, false)};
  agents[1].away_since = kNow - 60'000;  // exactly the grace period
  agents[2].away_since = kNow - 59'999;
  std::vector<std::pair<int64_t, int64_t>> open = {{10, 1}, {20, 2}, {21, 2}, {30, 3}, {20, 2}};
  EXPECT_EQ(ConversationsToRelease(p, agents, open, kNow), (std::vector<int64_t>{20, 21}));
  EXPECT_EQ(ConversationsToRelease(p, agents, open, kNow + 1), (std::vector<int64_t>{20, 21, 30}));
  EXPECT_TRUE(ConversationsToRelease(p, agents, open, kNow - 1).empty());
}

TEST(ReleaseTest, UnknownAwayTimeManualModeAndZeroGraceReleaseNothing) {
  RoutingPolicy p = Policy(RoutingMode::kLeastLoaded);
  p.away_grace_ms = 1000;
  std::vector<AgentState> agents = {Agent(1, false), Agent(2, false)};
  agents[1].away_since = kNow - 10'000;
  std::vector<std::pair<int64_t, int64_t>> open = {{10, 1}, {20, 2}};
  EXPECT_EQ(ConversationsToRelease(p, agents, open, kNow), (std::vector<int64_t>{20}));
  p.away_grace_ms = 0;
  EXPECT_TRUE(ConversationsToRelease(p, agents, open, kNow).empty());
  p.away_grace_ms = 1000;
  p.mode = RoutingMode::kManual;
  EXPECT_TRUE(ConversationsToRelease(p, agents, open, kNow).empty());
}

TEST(ReleaseTest, NonMembersOnlyWhenAskedFor) {
  RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  std::vector<std::pair<int64_t, int64_t>> open = {{10, 99}};
  EXPECT_TRUE(ConversationsToRelease(p, {Agent(1)}, open, kNow).empty());
  p.release_non_members = true;
  EXPECT_EQ(ConversationsToRelease(p, {Agent(1)}, open, kNow), (std::vector<int64_t>{10}));
}

// Released conversations of an away agent are routed to someone else.
TEST(ReleaseTest, ReleasedWorkIsReassignedToAvailableAgents) {
  RoutingPolicy p = Policy(RoutingMode::kRoundRobin);
  std::vector<AgentState> agents = {Agent(1), Agent(2, false)};
  agents[1].away_since = kNow - p.away_grace_ms;
  std::vector<int64_t> released = ConversationsToRelease(p, agents, {{5, 2}, {6, 2}}, kNow);
  ASSERT_EQ(released.size(), 2u);
  std::vector<WorkItem> items;
  for (int64_t id : released) {
    WorkItem w = Item(id, 100);
    w.previous_agent = 2;
    items.push_back(w);
  }
  for (const Assignment& a : AssignBatch(p, agents, items, kNow)) EXPECT_EQ(a.user_id, 1);
}

// --- property test ------------------------------------------------------------

TEST(RoutingPropertyTest, InvariantsHoldOnRandomInput) {
  std::mt19937_64 rng(20261128);
  const std::vector<std::string> langs = {"de", "en", "fr"};
  const std::vector<std::string> skills = {"billing", "tech", "legal"};
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  for (int round = 0; round < 500; ++round) {
    RoutingPolicy p;
    p.mode = pick(2) ? RoutingMode::kRoundRobin : RoutingMode::kLeastLoaded;
    p.match_language = pick(4) != 0;
    p.language_fallback = pick(2) != 0;
    p.match_skills = pick(4) != 0;
    p.prefer_previous_agent = pick(2) != 0;
    p.default_capacity = pick(6);
    std::vector<AgentState> agents;
    const int n_agents = pick(8);
    for (int i = 0; i < n_agents; ++i) {
      AgentState a = Agent(1 + pick(10), pick(3) != 0);
      a.open_load = pick(6);
      a.capacity = pick(3) ? 0 : 1 + pick(6);
      a.last_assigned_at = pick(5) * 1000;
      for (const std::string& l : langs) {
        if (pick(2)) a.languages.push_back(l);
      }
      for (const std::string& s : skills) {
        if (pick(3) == 0) a.skills.push_back(s);
      }
      agents.push_back(a);
    }
    std::vector<WorkItem> items;
    const int n_items = pick(40);
    for (int i = 0; i < n_items; ++i) {
      if (!items.empty() && pick(10) == 0) {  // an exact repeat
        items.push_back(items[static_cast<size_t>(pick(static_cast<int>(items.size())))]);
        continue;
      }
      WorkItem w = Item(i + 1, pick(10) * 100, pick(3));
      if (pick(3)) w.language = langs[static_cast<size_t>(pick(3))];
      if (pick(4) == 0) w.required_skills = {skills[static_cast<size_t>(pick(3))]};
      if (pick(4) == 0) w.previous_agent = 1 + pick(10);
      items.push_back(w);
    }

    RoutingOutcome out = Route(p, agents, items, kNow);
    SCOPED_TRACE("round " + std::to_string(round));

    // First occurrence of each agent is the one that counts.
    std::map<int64_t, AgentState> by_id;
    for (const AgentState& a : agents) by_id.emplace(a.user_id, a);
    std::map<int64_t, WorkItem> item_by_id;
    for (const WorkItem& w : items) item_by_id.emplace(w.conversation_id, w);

    // Every item accounted for exactly once per occurrence.
    EXPECT_EQ(out.assignments.size() + out.unplaced.size(), items.size());
    std::set<int64_t> assigned;
    std::map<int64_t, int> gained;
    for (const Assignment& a : out.assignments) {
      EXPECT_TRUE(assigned.insert(a.conversation_id).second) << "twice: " << a.conversation_id;
      ASSERT_EQ(by_id.count(a.user_id), 1u);
      const AgentState& agent = by_id[a.user_id];
      EXPECT_TRUE(agent.available) << a.user_id;
      ++gained[a.user_id];
      const WorkItem& w = item_by_id[a.conversation_id];
      if (p.match_skills) {
        for (const std::string& s : w.required_skills) {
          EXPECT_NE(std::find(agent.skills.begin(), agent.skills.end(), s), agent.skills.end());
        }
      }
      if (p.match_language && !w.language.empty()) {
        const bool speaks = std::find(agent.languages.begin(), agent.languages.end(), w.language) !=
                            agent.languages.end();
        if (!speaks) {
          // Only by fallback, and only if no available, skilled agent speaks it.
          EXPECT_TRUE(p.language_fallback);
          for (const auto& [id, other] : by_id) {
            if (!other.available) continue;
            bool skilled = true;
            if (p.match_skills) {
              for (const std::string& s : w.required_skills) {
                skilled = skilled && std::find(other.skills.begin(), other.skills.end(), s) !=
                                         other.skills.end();
              }
            }
            const bool other_speaks = std::find(other.languages.begin(), other.languages.end(),
                                                w.language) != other.languages.end();
            EXPECT_FALSE(skilled && other_speaks) << "speaker " << id << " was passed over";
          }
        }
      }
    }
    for (const Unplaced& u : out.unplaced) {
      if (u.reason != UnplacedReason::kDuplicate) {
        EXPECT_EQ(assigned.count(u.conversation_id), 0u) << u.conversation_id;
      }
    }
    for (const auto& [id, n] : gained) {
      const AgentState& a = by_id[id];
      const int cap = a.capacity > 0 ? a.capacity : p.default_capacity;
      if (cap > 0) {
        EXPECT_LE(a.open_load + n, std::max(cap, a.open_load)) << "agent " << id;
      }
      if (cap > 0 && a.open_load >= cap) {
        EXPECT_EQ(n, 0) << "agent " << id;
      }
    }
    // Agent updates match the assignments.
    EXPECT_EQ(out.agent_updates.size(), gained.size());
    for (const AgentUpdate& u : out.agent_updates) {
      EXPECT_EQ(u.open_load, by_id[u.user_id].open_load + gained[u.user_id]);
      EXPECT_GE(u.last_assigned_at, kNow);
    }
    // Same input, same output.
    EXPECT_EQ(Route(p, agents, items, kNow).assignments, out.assignments);
  }
}

}  // namespace
}  // namespace leitplanke::desk
