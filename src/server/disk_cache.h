// DiskDatabaseCache: compiled pattern databases kept as files, so that a
// command starts in milliseconds instead of recompiling the policy.
#pragma once

#include <string>

#include "leitplanke/guard/policy.h"

namespace leitplanke::server {

class DiskDatabaseCache final : public guard::DatabaseCache {
 public:
  explicit DiskDatabaseCache(std::string dir) : dir_(std::move(dir)) {}
  Result<std::string> Load(std::string_view key) override;
  // Writes to a temporary file and renames it, so concurrent processes never
  // read a half-written database. Errors are ignored (a recompile follows).
  void Store(std::string_view key, std::string_view bytes) override;

  // $LEITPLANKE_CACHE_DIR, else $XDG_CACHE_HOME/leitplanke, else
  // $HOME/.cache/leitplanke; empty when none is known.
  static std::string DefaultDir();

 private:
  std::string dir_;
};

}  // namespace leitplanke::server
