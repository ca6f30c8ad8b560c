// The vault: secrets encrypted at rest with one master key.
//
// The master key (32 bytes) lives outside the database: in a file readable
// only by its owner, or in the environment variable LEITPLANKE_MASTER_KEY.
// Secrets are sealed with XSalsa20-Poly1305 (crypto_secretbox) and a random
// nonce per value; each sealed value records the key id (a short digest of
// the key) so that a wrong key is reported as such, not as corrupt data.
//
// Thread-safety: MasterKey is immutable. Vault is thread-safe (its key is
// guarded by a mutex so that Rotate may run while others read).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

#include "leitplanke/store/store.h"

namespace leitplanke::trust {

inline constexpr size_t kMasterKeyBytes = 32;
inline constexpr char kMasterKeyEnv[] = "LEITPLANKE_MASTER_KEY";

class MasterKey {
 public:
  // Exactly 32 raw bytes; InvalidArgument otherwise.
  static Result<MasterKey> FromBytes(std::string_view bytes);
  // Text forms: 64 hex characters, or base64/base64url of 32 bytes (leading
  // and trailing white space ignored), or exactly 32 raw bytes.
  static Result<MasterKey> Parse(std::string_view text);
  // A fresh random key.
  static MasterKey Generate();

  MasterKey(const MasterKey&) = default;
  MasterKey& operator=(const MasterKey&) = default;
  MasterKey(MasterKey&&) = default;
  MasterKey& operator=(MasterKey&&) = default;
  ~MasterKey();  // wipes the key bytes

  // First 16 hex characters of SHA-256("leitplanke-master-key-id\0" + key).
  const std::string& id() const { return id_; }
  std::string_view bytes() const { return bytes_; }

 private:
  explicit MasterKey(std::string bytes);
  std::string bytes_;
  std::string id_;
};

// Reads a key file. FailedPrecondition naming the path and its mode if the
// file is readable or writable by group or others ("master key file
// /etc/leitplanke/master.key has mode 0644; it must be 0600 or stricter: chmod
// 600 /etc/leitplanke/master.key"); NotFound if absent; InvalidArgument if
// its content is no key.
Result<MasterKey> LoadMasterKeyFile(const std::string& path);

// Reads LEITPLANKE_MASTER_KEY. NotFound if unset.
Result<MasterKey> LoadMasterKeyFromEnv();

// `path` if non-empty, else the environment variable.
Result<MasterKey> LoadMasterKey(const std::string& path);

// Creates `path` with mode 0600 holding a fresh key as 64 hex characters and
// a newline. AlreadyExists if the file exists (never overwrites a key).
Result<MasterKey> GenerateMasterKeyFile(const std::string& path);

struct Sealed {
  std::string key_id;
  std::string nonce;       // 24 raw bytes
  std::string ciphertext;  // raw bytes, plaintext + 16-byte tag
};

Sealed Seal(const MasterKey& key, std::string_view plaintext);
// FailedPrecondition if key_id names another key ("sealed with master key
// <id>, but the loaded master key is <id>"); DataLoss if authentication fails
// (tampered data, or a wrong key with a colliding id).
Result<std::string> Open(const MasterKey& key, const Sealed& sealed);

// One-string form for columns such as User::totp_secret_enc:
// "v1.<key id>.<base64url(nonce || ciphertext)>".
std::string SealString(const MasterKey& key, std::string_view plaintext);
Result<std::string> OpenString(const MasterKey& key, std::string_view sealed);
// The key id recorded in a sealed string; InvalidArgument if malformed.
Result<std::string> SealedStringKeyId(std::string_view sealed);

// What may be listed about a secret: never its value.
struct VaultSecretInfo {
  std::string name;
  std::string key_id;
  Millis created_at = 0;
  Millis updated_at = 0;
};

struct RotationReport {
  int secrets_rotated = 0;
  int totp_seeds_rotated = 0;
  std::string old_key_id;
  std::string new_key_id;
};

// Named secrets in the store, sealed with the current master key. Borrows
// store and clock; both must outlive the vault.
class Vault {
 public:
  Vault(store::Store& store, MasterKey key, const Clock& clock);

  // Inserts or replaces. InvalidArgument if the name is empty or longer than
  // 200 bytes.
  Status Put(std::string_view name, std::string_view plaintext);
  // The plaintext: for server-internal use only, never for an API response.
  // NotFound, or the errors of Open().
  Result<std::string> Get(std::string_view name);
  Result<std::vector<VaultSecretInfo>> List();
  Status Delete(std::string_view name);

  // Re-encrypts everything sealed with the current key under `new_key` and
  // makes it current:
  //  1. every user's TOTP seed (one UpdateUser each; seeds already under the
  //     new key are skipped, so an interrupted rotation can be re-run);
  //  2. all vault secrets in one ReplaceAllSecrets transaction.
  // FailedPrecondition naming the secret if something is sealed with a third
  // key; nothing of the vault table changes then. Run it with the server
  // stopped or while no one enrols TOTP (UpdateUser replaces whole rows).
  Result<RotationReport> Rotate(MasterKey new_key);

  // Sealing for values kept outside the vault table (TOTP seeds).
  std::string SealString(std::string_view plaintext) const;
  Result<std::string> OpenString(std::string_view sealed) const;

  std::string key_id() const;

 private:
  MasterKey CurrentKey() const;

  store::Store& store_;
  const Clock& clock_;
  mutable std::mutex mu_;
  MasterKey key_;  // guarded by mu_
};

}  // namespace leitplanke::trust
