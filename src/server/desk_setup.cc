// Wires the desk into the server: the connectors this binary ships, secrets
// from the vault, events onto the live stream, entries into the audit log.
#include "server/desk_setup.h"

#include "leitplanke/desk/kv.h"

#include "channels/demo/demo.h"
#include "channels/webchat/webchat.h"
#include "server/app.h"

#ifdef LP_HAVE_CHANNEL_EMAIL
#include "channels/email/email.h"
#endif
#ifdef LP_HAVE_CHANNEL_MASTODON
#include "channels/mastodon/mastodon.h"
#endif
#ifdef LP_HAVE_CHANNEL_META
#include "channels/meta/meta.h"
#endif
#ifdef LP_HAVE_CHANNEL_BLUESKY
#include "channels/bluesky/bluesky.h"
#endif
#ifdef LP_HAVE_CHANNEL_LINKEDIN
#include "channels/linkedin/linkedin.h"
#endif
#ifdef LP_HAVE_CHANNEL_X
#include "channels/x/x.h"
#endif
#include "http/log.h"

namespace leitplanke::server {

void RegisterChannelKinds(desk::Desk& desk, const Clock& clock) {
  desk.RegisterChannelKind("webchat", channels::webchat::MakeWebchatChannel);
  const Clock* c = &clock;
  desk.RegisterChannelKind("demo", [c](const desk::ChannelConfig& config) {
    return channels::demo::MakeDemoChannel(config, [c] { return c->NowMillis(); });
  });
#ifdef LP_HAVE_CHANNEL_EMAIL
  desk.RegisterChannelKind("email", [](const desk::ChannelConfig& config) {
    return channels::email::MakeEmailChannel(config);
  });
#endif
#ifdef LP_HAVE_CHANNEL_MASTODON
  desk.RegisterChannelKind("mastodon", channels::mastodon::MakeMastodonChannel);
#endif
#ifdef LP_HAVE_CHANNEL_META
  desk.RegisterChannelKind("meta", [](const desk::ChannelConfig& config) {
    return channels::meta::MakeMetaChannel(config);
  });
#endif
#ifdef LP_HAVE_CHANNEL_LINKEDIN
  desk.RegisterChannelKind("linkedin", [](const desk::ChannelConfig& config) {
    return channels::linkedin::MakeLinkedInChannel(config);
  });
#endif
#ifdef LP_HAVE_CHANNEL_BLUESKY
  desk.RegisterChannelKind("bluesky", [](const desk::ChannelConfig& config) {
    return channels::bluesky::MakeBlueskyChannel(config);
  });
#endif
}

std::vector<ChannelKindInfo> ChannelKindInfos() {
  // Each list follows the connector's own reading of its ChannelConfig
  // (src/channels/<kind>, its README lists the same keys).
  std::vector<ChannelKindInfo> out;
  out.push_back({"demo",
                 {{"start_offset_s", false, "seconds of the demo script already played at start"},
                  {"speed", false, "time factor of the demo script (1 = real time)"},
                  {"loop", false, "true: start the script again at its end"},
                  {"file", false, "a demo script file instead of the built-in one"}},
                 {}});
  out.push_back({"webchat",
                 {{"allowed_origins", true, "web pages allowed to embed the widget (origins)"},
                  {"title", false, "title shown in the widget"}},
                 {}});
#ifdef LP_HAVE_CHANNEL_EMAIL
  out.push_back({"email",
                 {{"imap_url", true, "imaps://host[:port]/INBOX"},
                  {"smtp_url", true, "smtps://host[:port] or smtp:// with STARTTLS"},
                  {"username", true, "IMAP (and SMTP) user name"},
                  {"from", true, "sender address, e.g. Support <support@example.com>"},
                  {"from_name", false, "display name of the sender"},
                  {"smtp_username", false, "SMTP user if not the IMAP one (- for none)"},
                  {"signature", false, "text appended to every reply"},
                  {"tls", false, "starttls (default), tls or none"},
                  {"mark_seen", false, "true: mark fetched mails as seen"},
                  {"max_sends_per_hour", false, "send limit per hour (0 = none)"}},
                 {{"password", true, "IMAP (and SMTP) password"},
                  {"smtp_password", false, "SMTP password if it differs"}}});
#endif
#ifdef LP_HAVE_CHANNEL_MASTODON
  out.push_back({"mastodon",
                 {{"base_url", true, "the instance, e.g. https://social.example"},
                  {"domain", false, "the account's domain if it differs from the instance"},
                  {"max_characters", false, "post length limit (read from the instance if empty)"},
                  {"public_reply_visibility", false, "public, unlisted or private"},
                  {"verify_tls", false, "false only for a test instance"},
                  {"page_limit", false, "notifications per page (1 to 80)"}},
                 {{"access_token", true, "the account's access token"}}});
#endif
#ifdef LP_HAVE_CHANNEL_META
  out.push_back({"meta",
                 {{"page_id", true, "numeric Facebook Page id"},
                  {"instagram_id", false, "numeric Instagram account id"},
                  {"graph_version", false, "Graph API version, e.g. v21.0"},
                  {"usage_threshold", false, "per cent of the rate limit where polling slows"}},
                 {{"page_access_token", true, "the Page access token"},
                  {"app_secret", true, "the app secret (signs the webhooks)"},
                  {"verify_token", true, "the token of the webhook subscription"}}});
#endif
#ifdef LP_HAVE_CHANNEL_X
  out.push_back({"x",
                 {{"account_id", true, "numeric user id of the account"},
                  {"mode", false, "webhook (default) or polling"},
                  {"client_id", false, "OAuth 2.0 client id (token refresh)"},
                  {"poll_dms", false, "true: read direct messages too"},
                  {"monthly_budget_usd", false, "API spending limit per month"}},
                 {{"oauth2_access_token", false, "OAuth 2.0 user access token"},
                  {"oauth2_refresh_token", false, "OAuth 2.0 refresh token"},
                  {"client_secret", false, "OAuth 2.0 client secret"},
                  {"consumer_key", false, "OAuth 1.0a consumer key"},
                  {"consumer_secret", false, "OAuth 1.0a consumer secret (also webhooks)"},
                  {"access_token", false, "OAuth 1.0a access token"},
                  {"access_token_secret", false, "OAuth 1.0a access token secret"}}});
#endif
#ifdef LP_HAVE_CHANNEL_LINKEDIN
  out.push_back(
      {"linkedin",
       {{"organization_id", true, "numeric organisation id"},
        {"api_version", false, "LinkedIn-Version header, e.g. 202410"},
        {"token_expires_at", false, "when the access token expires (ms since 1970 or ISO date)"},
        {"poll_posts", false, "recent posts whose comments are read (0 to 100)"}},
       {{"access_token", true, "the member's access token"},
        {"client_secret", true, "the app's client secret (signs the webhooks)"}}});
#endif
#ifdef LP_HAVE_CHANNEL_BLUESKY
  out.push_back({"bluesky",
                 {{"handle", true, "the account's handle, e.g. name.bsky.social"},
                  {"service_url", false, "the PDS (default https://bsky.social)"},
                  {"post_language", false, "language tag of replies, e.g. de"},
                  {"include_quotes", false, "true: quotes count as mentions"}},
                 {{"app_password", true, "an app password of the account"}}});
#endif
  return out;
}

void ConnectDesk(AppContext& ctx) {
  AppContext* raw = &ctx;
  ctx.desk->SetSecretReader(
      [raw](std::string_view channel) -> Result<std::map<std::string, std::string>> {
        const std::string prefix = "channel/" + std::string(channel) + "/";
        LP_ASSIGN_OR_RETURN(std::vector<trust::VaultSecretInfo> all, raw->vault->List());
        std::map<std::string, std::string> out;
        for (const trust::VaultSecretInfo& s : all) {
          if (s.name.rfind(prefix, 0) != 0) continue;
          LP_ASSIGN_OR_RETURN(std::string value, raw->vault->Get(s.name));
          out[s.name.substr(prefix.size())] = std::move(value);
        }
        return out;
      });
#ifdef LP_HAVE_CHANNEL_X
  // X rotates the refresh token on every refresh: the new pair goes to the
  // vault at once, or the next start would present a dead token.
  ctx.desk->RegisterChannelKind(
      "x", [raw](const desk::ChannelConfig& config) -> Result<std::unique_ptr<desk::Channel>> {
        LP_ASSIGN_OR_RETURN(std::unique_ptr<channels::x::XChannel> x,
                            channels::x::MakeX(config, raw->clock));
        const std::string prefix = "channel/" + config.name + "/";
        x->SetTokenListener([raw, prefix](const channels::x::TokenUpdate& t) {
          Status s = raw->vault->Put(prefix + "oauth2_access_token", t.access_token);
          if (s.ok() && !t.refresh_token.empty()) {
            s = raw->vault->Put(prefix + "oauth2_refresh_token", t.refresh_token);
          }
          if (s.ok() && t.expires_at_ms > 0) {
            s = raw->vault->Put(prefix + "oauth2_expires_at_ms", std::to_string(t.expires_at_ms));
          }
          if (!s.ok()) {
            http::LogWithFields(http::LogLevel::kError, "x: storing refreshed tokens failed",
                                {{"channel", prefix}, {"error", s.ToString()}});
          }
        });
        return std::unique_ptr<desk::Channel>(std::move(x));
      });
#endif
  ctx.desk->SetArchiveSealer(trust::ArchiveSeal);
  ctx.desk->SetEventSink([raw](std::string_view type, const std::string& json) {
    raw->events->Publish("desk", type, json);
  });
  ctx.desk->SetAuditSink(
      [raw](std::string_view actor, std::string_view action, std::string_view target,
            const std::string& detail) { raw->Audit(actor, action, target, detail, ""); });
}

Status SetUpDemoInbox(AppContext& ctx, int64_t admin_id) {
  store::DeskStore& ds = ctx.store->desk();
  if (Result<store::ChannelRow> existing = ds.FindChannel("demo"); existing.ok()) {
    return Status::Ok();
  }
  Result<store::Team> team = ctx.store->CreateTeam({0, "Kundenservice", ctx.clock->NowMillis()});
  if (!team.ok()) return team.error();
  if (admin_id != 0) {
    LP_RETURN_IF_ERROR(ctx.store->SetTeamMember({team->id, admin_id, true}));
    store::AgentDeskState me;
    me.user_id = admin_id;
    me.available = true;
    me.languages = {"de", "en"};
    LP_RETURN_IF_ERROR(ds.PutAgentDeskState(me));
  }
  store::TeamDeskSettings settings;
  settings.team_id = team->id;
  settings.routing_mode = "least_loaded";
  settings.sla_first_response_ms = 60 * 60'000;
  settings.sla_next_response_ms = 4 * 60 * 60'000;
  settings.sla_resolution_ms = 3 * 24 * 60 * 60'000;
  settings.calendar = "Europe/Berlin;NW;mon-fri 08:00-18:00";
  LP_RETURN_IF_ERROR(ds.PutTeamDeskSettings(settings));
  store::ChannelRow ch;
  ch.name = "demo";
  ch.kind = "demo";
  ch.team_id = team->id;
  ch.settings = desk::EncodeKeyValues({{"start_offset_s", "60"}});
  ch.created_at = ch.updated_at = ctx.clock->NowMillis();
  Result<store::ChannelRow> made = ds.CreateChannel(ch);
  if (!made.ok()) return made.error();
  store::ChannelRow web;
  web.name = "website";
  web.kind = "webchat";
  web.team_id = team->id;
  web.settings = desk::EncodeKeyValues(
      {{"allowed_origins", ctx.config.PublicUrl()}, {"title", "Beispiel AG – Kundenservice"}});
  web.created_at = web.updated_at = ctx.clock->NowMillis();
  Result<store::ChannelRow> w = ds.CreateChannel(web);
  return w.ok() ? Status::Ok() : w.error();
}

void RefreshChannelMetrics(AppContext& ctx) {
  if (!ctx.desk || ctx.channel_up == nullptr) return;
  Result<std::vector<store::ChannelRow>> rows = ctx.store->desk().ListChannels();
  if (!rows.ok()) return;
  for (const store::ChannelRow& c : *rows) {
    ctx.channel_up->WithLabels({c.name, c.kind}).Set(store::ChannelHealthy(c) ? 1 : 0);
    ctx.channel_paused->WithLabels({c.name}).Set(c.paused ? 1 : 0);
    ctx.channel_last_ok->WithLabels({c.name}).Set(static_cast<double>(c.last_ok_at) / 1000.0);
    double expires = 0;
    if (Result<desk::Channel*> conn = ctx.desk->ConnectorFor(c.id); conn.ok()) {
      expires = static_cast<double>((*conn)->credentials_expire_at()) / 1000.0;
    }
    ctx.channel_credentials_expiry->WithLabels({c.name}).Set(expires);
  }
}

}  // namespace leitplanke::server
