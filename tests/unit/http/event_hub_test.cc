#include "http/event_hub.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace leitplanke::http {
namespace {

TEST(EventHubTest, DeliversInOrderToTopicSubscribers) {
  EventHub hub;
  std::atomic<int> notified{0};
  auto sub = hub.Subscribe({"inbox"}, [&] { notified++; });
  auto other = hub.Subscribe({"other"}, nullptr);
  EXPECT_EQ(hub.subscriber_count(), 2u);
  hub.Publish("inbox", "message", "one");
  hub.Publish("inbox", "message", "two");
  hub.Publish("nobody", "x", "y");
  std::vector<Event> events = sub->Drain();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "one");
  EXPECT_EQ(events[1].data, "two");
  EXPECT_LT(events[0].id, events[1].id);
  EXPECT_EQ(notified.load(), 1);  // notified when the queue became non-empty
  EXPECT_TRUE(other->Drain().empty());
  sub.reset();
  EXPECT_EQ(hub.subscriber_count(), 1u);
}

TEST(EventHubTest, SlowSubscriberIsDropped) {
  EventHub hub(2);
  auto slow = hub.Subscribe({"t"}, nullptr);
  auto fast = hub.Subscribe({"t"}, nullptr);
  for (int i = 0; i < 3; ++i) {
    hub.Publish("t", "", std::to_string(i));
    if (i < 2) (void)fast->Drain();
  }
  EXPECT_TRUE(slow->dropped());
  EXPECT_TRUE(slow->closed());
  EXPECT_FALSE(fast->dropped());
  EXPECT_EQ(fast->Drain().size(), 1u);
  EXPECT_EQ(hub.subscriber_count(), 1u);
}

TEST(EventHubTest, CloseClosesSubscribers) {
  EventHub hub;
  auto sub = hub.Subscribe({"t"}, nullptr);
  hub.Close();
  EXPECT_TRUE(sub->closed());
  EXPECT_FALSE(sub->dropped());
  auto late = hub.Subscribe({"t"}, nullptr);
  EXPECT_TRUE(late->closed());
  EXPECT_EQ(hub.subscriber_count(), 0u);
}

TEST(EventHubTest, ConcurrentPublishers) {
  EventHub hub(100000);
  auto sub = hub.Subscribe({"t"}, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) hub.Publish("t", "e", "d");
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(sub->Drain().size(), 4000u);
}

TEST(SseFrameTest, FormatsMultilineData) {
  Event e{7, "t", "update", "a\nb\r\nc"};
  EXPECT_EQ(FormatSseFrame(e), "id: 7\nevent: update\ndata: a\ndata: b\ndata: c\n\n");
  Event plain{8, "t", "", ""};
  EXPECT_EQ(FormatSseFrame(plain), "id: 8\ndata: \n\n");
}

}  // namespace
}  // namespace leitplanke::http
