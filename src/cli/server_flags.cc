#include "cli/server_flags.h"

#include <CLI/CLI.hpp>

namespace leitplanke::cli {

void ServerFlags::AddTo(CLI::App& cmd, bool with_listen) {
  cmd.add_option("--config", config,
                 "Configuration file (TOML); every key can also be set "
                 "as LEITPLANKE_<SECTION>_<KEY>");
  cmd.add_option("--data", data, "Data directory (default ./data)");
  cmd.add_option("--database", database,
                 "Database URL: sqlite:PATH (default sqlite:<data>/leitplanke.db) or "
                 "postgresql://user@host:port/db");
  if (with_listen)
    cmd.add_option("--listen", listen, "Address to listen on (default 127.0.0.1:8080)");
}

Result<server::ServerConfig> ServerFlags::Load() const {
  LP_ASSIGN_OR_RETURN(server::ServerConfig c,
                      server::LoadServerConfig(config, server::ProcessEnv()));
  if (!data.empty()) c.data_dir = data;
  if (!database.empty()) c.database = database;
  if (!listen.empty()) {
    LP_RETURN_IF_ERROR(server::ParseListen(listen).status().WithContext("--listen"));
    c.listen = listen;
  }
  return c;
}

}  // namespace leitplanke::cli
