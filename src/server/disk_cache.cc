#include "server/disk_cache.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace leitplanke::server {

namespace fs = std::filesystem;

Result<std::string> DiskDatabaseCache::Load(std::string_view key) {
  std::ifstream in(fs::path(dir_) / (std::string(key) + ".hsdb"), std::ios::binary);
  if (!in) return Status::NotFound("no cached database");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void DiskDatabaseCache::Store(std::string_view key, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return;
  const fs::path final_path = fs::path(dir_) / (std::string(key) + ".hsdb");
  const fs::path tmp = fs::path(dir_) / (std::string(key) + ".tmp" + std::to_string(getpid()));
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) return;
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, final_path, ec);
  if (ec) fs::remove(tmp, ec);
}

std::string DiskDatabaseCache::DefaultDir() {
  if (const char* d = std::getenv("LEITPLANKE_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    return (fs::path(x) / "leitplanke").string();
  }
  if (const char* h = std::getenv("HOME"); h && *h) {
    return (fs::path(h) / ".cache" / "leitplanke").string();
  }
  return "";
}

}  // namespace leitplanke::server
