// The website widget channel: a chat box the company puts on its site with
// one script tag. Visitors' messages arrive as HTTP posts (the server's
// public webchat routes); replies are read back by the widget from the
// conversation, so Send() only confirms.
//
// This file holds the parts that are the channel's own rules: parsing and
// checking a widget post (size, spam signs), which origins may post, and the
// connector object the desk uses to render and "send".
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"

namespace leitplanke::channels::webchat {

// A message typed into the widget.
struct WidgetPost {
  std::string session;    // the widget session id the server issued
  std::string client_id;  // the widget's id for this message (retries reuse it)
  std::string name;       // optional display name
  std::string email;      // optional, for a reply by e-mail later
  std::string text;
  std::string honeypot;   // a hidden field people never fill in
  int64_t opened_ms = 0;  // ms the widget was open before sending (from the widget)
};

inline constexpr size_t kMaxTextBytes = 4000;

// Parses the JSON body of a widget post. Errors name the JSON pointer or the
// byte offset of a syntax error.
Result<WidgetPost> ParseWidgetPost(std::string_view body);

// Why a post looks like spam ("" when it does not): the honeypot is filled,
// it was sent faster than a person types, or it is mostly links.
std::string SpamReason(const WidgetPost& post);

// The desk message for a post. external_id is stable for the same
// (session, client_id), so a retried post is stored once.
desk::InboundMessage ToInbound(const WidgetPost& post, int64_t now_ms);

// True when `origin` (the Origin header, e.g. "https://www.example.de") is in
// the comma-separated `allowed` list. "*" allows every origin; an empty list
// allows none.
bool OriginAllowed(std::string_view origin, std::string_view allowed);

// A fresh, unguessable session id (128 bits, hex).
std::string NewSessionId();

// The connector: Render enforces the widget's length limit; Send confirms
// (the widget reads replies from the conversation); Poll returns nothing.
// Settings: allowed_origins (comma-separated), title (shown in the widget).
Result<std::unique_ptr<desk::Channel>> MakeWebchatChannel(const desk::ChannelConfig& config);

}  // namespace leitplanke::channels::webchat
