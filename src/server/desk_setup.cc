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
