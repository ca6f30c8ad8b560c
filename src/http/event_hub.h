// EventHub: in-process, topic-based publish/subscribe for live updates
// (Server-Sent Events).
//
// Publishers call Publish(topic, event, data) from any thread. Each
// subscriber has a bounded queue; a subscriber whose queue is full when an
// event arrives is dropped (marked `dropped()`, unsubscribed and notified), so
// one slow browser never makes the publisher wait or grows memory without
// bound. The notify callback runs on the publisher's thread, without the hub's
// lock held, and must be quick (the server posts to the connection's strand).
//
//   EventHub hub;
//   auto sub = hub.Subscribe({"inbox"}, [] { /* wake the consumer */ });
//   hub.Publish("inbox", "message", R"({"id":7})");
//   std::vector<Event> events = sub->Drain();
//
// Thread-safety: all members are thread-safe. Subscribers are owned by the
// caller via shared_ptr; destroying the last reference unsubscribes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace leitplanke::http {

struct Event {
  std::uint64_t id = 0;  // increasing per hub; sent as the SSE `id:` field
  std::string topic;
  std::string name;  // SSE `event:` ("" = default "message")
  std::string data;  // SSE `data:`; newlines become several data lines
};

class EventHub;

class Subscriber {
 public:
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Takes every queued event, oldest first.
  std::vector<Event> Drain();
  // True once the hub dropped this subscriber (queue overflow) or closed.
  bool dropped() const;
  bool closed() const;
  // Stops delivery; idempotent.
  void Unsubscribe();

 private:
  friend class EventHub;
  struct Private {};

 public:
  Subscriber(Private, std::shared_ptr<void> hub_state, std::vector<std::string> topics,
             std::size_t capacity, std::function<void()> notify);

 private:
  // Returns true if `notify_` should be called (queue became non-empty or
  // the subscriber was dropped).
  bool Offer(const Event& event);
  void MarkClosed();

  std::shared_ptr<void> hub_state_;
  const std::vector<std::string> topics_;
  const std::size_t capacity_;
  const std::function<void()> notify_;
  mutable std::mutex mu_;
  std::vector<Event> queue_;  // guarded by mu_
  bool dropped_ = false;      // guarded by mu_
  bool closed_ = false;       // guarded by mu_
};

class EventHub {
 public:
  // `queue_capacity`: events a subscriber may have pending before it is
  // dropped.
  explicit EventHub(std::size_t queue_capacity = 256);
  ~EventHub();  // closes every subscriber
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  std::shared_ptr<Subscriber> Subscribe(std::vector<std::string> topics,
                                        std::function<void()> notify);
  // Delivers to every subscriber of `topic`. Returns the event id.
  std::uint64_t Publish(std::string_view topic, std::string_view event, std::string_view data);
  // Closes all subscribers (they see closed()); later subscribers are closed
  // at once.
  void Close();

  std::size_t subscriber_count() const;

  struct State;  // implementation detail, shared with Subscriber

 private:
  std::shared_ptr<State> state_;
  std::size_t capacity_;
};

// Formats one event as an SSE frame ("id: 1\nevent: x\ndata: ...\n\n").
std::string FormatSseFrame(const Event& event);

}  // namespace leitplanke::http
