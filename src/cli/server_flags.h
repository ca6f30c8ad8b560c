// The flags every server-side command shares (serve, user, audit, vault,
// backup, restore): where the configuration, the data and the database are.
#pragma once

#include <string>

#include "leitplanke/base/result.h"

#include "server/config.h"

namespace CLI {
class App;
}

namespace leitplanke::cli {

struct ServerFlags {
  std::string config;
  std::string data;
  std::string database;
  std::string listen;

  // --config, --data, --database (and --listen when `with_listen`).
  void AddTo(CLI::App& cmd, bool with_listen = false);
  // Defaults < --config file < LEITPLANKE_* environment < these flags.
  Result<server::ServerConfig> Load() const;
};

}  // namespace leitplanke::cli
