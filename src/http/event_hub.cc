// EventHub: subscribers are held weakly by the hub, so a subscriber whose
// owner (a closed connection) went away disappears without explicit
// bookkeeping. Delivery takes a snapshot of the subscribers under the hub
// lock and offers the event to each outside it, so publishers never wait on a
// subscriber's lock while holding the hub's.
#include "http/event_hub.h"

#include <algorithm>
#include <atomic>
#include <unordered_map>

namespace leitplanke::http {

struct EventHub::State {
  std::mutex mu;
  bool closed = false;        // guarded by mu
  std::uint64_t next_id = 1;  // guarded by mu
  // topic -> subscribers; guarded by mu.
  std::unordered_map<std::string, std::vector<std::weak_ptr<Subscriber>>> topics;
  std::atomic<std::size_t> live{0};
};

Subscriber::Subscriber(Private, std::shared_ptr<void> hub_state, std::vector<std::string> topics,
                       std::size_t capacity, std::function<void()> notify)
    : hub_state_(std::move(hub_state)),
      topics_(std::move(topics)),
      capacity_(capacity),
      notify_(std::move(notify)) {}

Subscriber::~Subscriber() { Unsubscribe(); }

std::vector<Event> Subscriber::Drain() {
  std::lock_guard lock(mu_);
  std::vector<Event> out;
  out.swap(queue_);
  return out;
}

bool Subscriber::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

bool Subscriber::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void Subscriber::Unsubscribe() {
  {
    std::lock_guard lock(mu_);
    if (closed_ && hub_state_ == nullptr) return;
    closed_ = true;
  }
  std::shared_ptr<void> state_void;
  {
    std::lock_guard lock(mu_);
    state_void.swap(hub_state_);
  }
  if (state_void == nullptr) return;
  auto* state = static_cast<EventHub::State*>(state_void.get());
  std::lock_guard lock(state->mu);
  for (const std::string& topic : topics_) {
    auto it = state->topics.find(topic);
    if (it == state->topics.end()) continue;
    std::erase_if(it->second, [this](const std::weak_ptr<Subscriber>& w) {
      auto s = w.lock();
      return s == nullptr || s.get() == this;
    });
    if (it->second.empty()) state->topics.erase(it);
  }
  state->live.fetch_sub(1, std::memory_order_relaxed);
}

bool Subscriber::Offer(const Event& event) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  if (queue_.size() >= capacity_) {
    dropped_ = true;
    closed_ = true;
    queue_.clear();
    return true;
  }
  queue_.push_back(event);
  return queue_.size() == 1;
}

void Subscriber::MarkClosed() {
  std::lock_guard lock(mu_);
  closed_ = true;
}

EventHub::EventHub(std::size_t queue_capacity)
    : state_(std::make_shared<State>()), capacity_(std::max<std::size_t>(queue_capacity, 1)) {}

EventHub::~EventHub() { Close(); }

std::shared_ptr<Subscriber> EventHub::Subscribe(std::vector<std::string> topics,
                                                std::function<void()> notify) {
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  auto sub = std::make_shared<Subscriber>(Subscriber::Private{}, state_, topics, capacity_,
                                          std::move(notify));
  bool closed;
  {
    std::lock_guard lock(state_->mu);
    closed = state_->closed;
    if (!closed) {
      for (const std::string& t : topics) state_->topics[t].push_back(sub);
      state_->live.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (closed) {
    sub->MarkClosed();
    std::shared_ptr<void> none;
    std::lock_guard lock(sub->mu_);
    sub->hub_state_.swap(none);
  }
  return sub;
}

std::uint64_t EventHub::Publish(std::string_view topic, std::string_view event,
                                std::string_view data) {
  std::vector<std::shared_ptr<Subscriber>> targets;
  Event ev;
  {
    std::lock_guard lock(state_->mu);
    ev.id = state_->next_id++;
    if (state_->closed) return ev.id;
    auto it = state_->topics.find(std::string(topic));
    if (it == state_->topics.end()) return ev.id;
    targets.reserve(it->second.size());
    for (const auto& w : it->second) {
      if (auto s = w.lock()) targets.push_back(std::move(s));
    }
  }
  ev.topic = std::string(topic);
  ev.name = std::string(event);
  ev.data = std::string(data);
  for (const auto& s : targets) {
    if (s->Offer(ev)) {
      const bool was_dropped = s->dropped();
      if (s->notify_) s->notify_();
      if (was_dropped) s->Unsubscribe();
    }
  }
  return ev.id;
}

void EventHub::Close() {
  std::vector<std::shared_ptr<Subscriber>> all;
  {
    std::lock_guard lock(state_->mu);
    state_->closed = true;
    for (auto& [topic, subs] : state_->topics) {
      for (const auto& w : subs) {
        if (auto s = w.lock()) all.push_back(std::move(s));
      }
    }
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  for (const auto& s : all) {
    s->MarkClosed();
    if (s->notify_) s->notify_();
    s->Unsubscribe();
  }
}

std::size_t EventHub::subscriber_count() const {
  return state_->live.load(std::memory_order_relaxed);
}

std::string FormatSseFrame(const Event& event) {
  std::string out;
  out.reserve(event.data.size() + event.name.size() + 32);
  out += "id: ";
  out += std::to_string(event.id);
  out += '\n';
  if (!event.name.empty()) {
    out += "event: ";
    // A newline in the name would start a new field; cut it there.
    out.append(event.name.substr(0, event.name.find_first_of("\r\n")));
    out += '\n';
  }
  std::string_view data = event.data;
  while (true) {
    const std::size_t nl = data.find('\n');
    std::string_view line = data.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out += "data: ";
    out.append(line);
    out += '\n';
    if (nl == std::string_view::npos) break;
    data.remove_prefix(nl + 1);
  }
  out += '\n';
  return out;
}

}  // namespace leitplanke::http
