#include "leitplanke/trust/vault.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leitplanke/base/check.h"

#include "leitplanke/trust/password.h"
#include "leitplanke/trust/tokens.h"

namespace leitplanke::trust {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports whether close succeeded (data reached the file).
  bool Close() {
    int fd = fd_;
    fd_ = -1;
    return fd < 0 || ::close(fd) == 0;
  }

 private:
  int fd_;
};

std::string ModeString(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

MasterKey::MasterKey(std::string bytes) : bytes_(std::move(bytes)) {
  id_ = Sha256Hex(std::string("leitplanke-master-key-id", 25) + bytes_).substr(0, 16);
}

MasterKey::~MasterKey() {
  if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
}

Result<MasterKey> MasterKey::FromBytes(std::string_view bytes) {
  LP_RETURN_IF_ERROR(EnsureSodium());
  if (bytes.size() != kMasterKeyBytes) {
    return Status::InvalidArgument("a master key has exactly 32 bytes, not " +
                                   std::to_string(bytes.size()));
  }
  return MasterKey(std::string(bytes));
}

Result<MasterKey> MasterKey::Parse(std::string_view text) {
  if (text.size() == kMasterKeyBytes) return FromBytes(text);
  std::string_view t = Trim(text);
  if (t.size() == 2 * kMasterKeyBytes) {
    auto bytes = HexDecode(t);
    if (bytes.ok()) return FromBytes(*bytes);
  }
  auto bytes = Base64Decode(t);
  if (bytes.ok() && bytes->size() == kMasterKeyBytes) return FromBytes(*bytes);
  return Status::InvalidArgument(
      "a master key must be 64 hex characters, base64 of 32 bytes, or 32 raw bytes (got " +
      std::to_string(text.size()) + " bytes of something else)");
}

MasterKey MasterKey::Generate() { return MasterKey(RandomBytes(kMasterKeyBytes)); }

Result<MasterKey> LoadMasterKeyFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    int err = errno;
    std::string msg = "cannot open master key file " + path + ": " + std::strerror(err);
    if (err == ENOENT) return Status::NotFound(msg);
    return Status::PermissionDenied(msg);
  }
  // fstat on the open descriptor: the mode we check is the one of the file we
  // read, even if the path is swapped in between.
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return Status::Internal("cannot stat master key file " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::FailedPrecondition("master key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    return Status::FailedPrecondition("master key file " + path + " has mode " +
                                      ModeString(st.st_mode) +
                                      "; it must be 0600 or stricter (chmod 600 " + path + ")");
  }
  std::string content(4096, '\0');
  size_t got = 0;
  while (got < content.size()) {
    ssize_t n = ::read(fd.get(), content.data() + got, content.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status::Internal("cannot read master key file " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  content.resize(got);
  auto key = MasterKey::Parse(content);
  sodium_memzero(content.data(), content.size());
  if (!key.ok()) return key.error().WithContext("master key file " + path);
  return key;
}

Result<MasterKey> LoadMasterKeyFromEnv() {
  const char* value = std::getenv(kMasterKeyEnv);
  if (value == nullptr) {
    return Status::NotFound(std::string("environment variable ") + kMasterKeyEnv + " is not set");
  }
  auto key = MasterKey::Parse(value);
  if (!key.ok())
    return key.error().WithContext(std::string("environment variable ") + kMasterKeyEnv);
  return key;
}

Result<MasterKey> LoadMasterKey(const std::string& path) {
  if (!path.empty()) return LoadMasterKeyFile(path);
  return LoadMasterKeyFromEnv();
}

Result<MasterKey> GenerateMasterKeyFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    int err = errno;
    std::string msg = "cannot create master key file " + path + ": " + std::strerror(err);
    if (err == EEXIST) return Status::AlreadyExists(msg + " (a key is never overwritten)");
    return Status::PermissionDenied(msg);
  }
  // The umask can only take bits away; make sure the result is exactly 0600.
  if (::fchmod(fd.get(), 0600) != 0) {
    return Status::Internal("cannot chmod master key file " + path + ": " + std::strerror(errno));
  }
  MasterKey key = MasterKey::Generate();
  std::string text = HexEncode(key.bytes()) + "\n";
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      sodium_memzero(text.data(), text.size());
      return Status::Internal("cannot write master key file " + path + ": " + std::strerror(errno));
    }
    written += static_cast<size_t>(n);
  }
  sodium_memzero(text.data(), text.size());
  if (::fsync(fd.get()) != 0 || !fd.Close()) {
    return Status::Internal("cannot flush master key file " + path + ": " + std::strerror(errno));
  }
  return key;
}

Sealed Seal(const MasterKey& key, std::string_view plaintext) {
  LP_CHECK(EnsureSodium().ok(), "libsodium must initialise");
  Sealed s;
  s.key_id = key.id();
  s.nonce = RandomBytes(crypto_secretbox_NONCEBYTES);
  s.ciphertext.resize(plaintext.size() + crypto_secretbox_MACBYTES);
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(s.ciphertext.data()),
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        reinterpret_cast<const unsigned char*>(s.nonce.data()),
                        reinterpret_cast<const unsigned char*>(key.bytes().data()));
  return s;
}

Result<std::string> Open(const MasterKey& key, const Sealed& sealed) {
  LP_RETURN_IF_ERROR(EnsureSodium());
  if (sealed.key_id != key.id()) {
    return Status::FailedPrecondition("sealed with master key " + sealed.key_id +
                                      ", but the loaded master key is " + key.id() +
                                      " (wrong key, or a rotation was not finished)");
  }
  if (sealed.nonce.size() != crypto_secretbox_NONCEBYTES ||
      sealed.ciphertext.size() < crypto_secretbox_MACBYTES) {
    return Status::DataLoss("sealed value is truncated (nonce " +
                            std::to_string(sealed.nonce.size()) + " bytes, ciphertext " +
                            std::to_string(sealed.ciphertext.size()) + " bytes)");
  }
  std::string plain(sealed.ciphertext.size() - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 reinterpret_cast<const unsigned char*>(sealed.ciphertext.data()),
                                 sealed.ciphertext.size(),
                                 reinterpret_cast<const unsigned char*>(sealed.nonce.data()),
                                 reinterpret_cast<const unsigned char*>(key.bytes().data())) != 0) {
    return Status::DataLoss("sealed value does not authenticate under master key " + key.id() +
                            " (tampered or corrupted)");
  }
  return plain;
}

std::string SealString(const MasterKey& key, std::string_view plaintext) {
  Sealed s = Seal(key, plaintext);
  return "v1." + s.key_id + "." + Base64UrlEncode(s.nonce + s.ciphertext);
}

namespace {

Result<Sealed> ParseSealedString(std::string_view sealed) {
  const Status bad =
      Status::InvalidArgument("malformed sealed value (expected v1.<key id>.<base64url>)");
  if (sealed.substr(0, 3) != "v1.") return bad;
  size_t dot = sealed.find('.', 3);
  if (dot == std::string_view::npos) return bad;
  Sealed s;
  s.key_id = std::string(sealed.substr(3, dot - 3));
  auto raw = Base64Decode(sealed.substr(dot + 1));
  if (!raw.ok() || raw->size() < crypto_secretbox_NONCEBYTES) return bad;
  s.nonce = raw->substr(0, crypto_secretbox_NONCEBYTES);
  s.ciphertext = raw->substr(crypto_secretbox_NONCEBYTES);
  return s;
}

}  // namespace

Result<std::string> OpenString(const MasterKey& key, std::string_view sealed) {
  LP_ASSIGN_OR_RETURN(Sealed s, ParseSealedString(sealed));
  return Open(key, s);
}

Result<std::string> SealedStringKeyId(std::string_view sealed) {
  LP_ASSIGN_OR_RETURN(Sealed s, ParseSealedString(sealed));
  return s.key_id;
}

// --- Vault ----------------------------------------------------------------------

Vault::Vault(store::Store& store, MasterKey key, const Clock& clock)
    : store_(store), clock_(clock), key_(std::move(key)) {}

MasterKey Vault::CurrentKey() const {
  std::lock_guard<std::mutex> lock(mu_);
  return key_;
}

std::string Vault::key_id() const { return CurrentKey().id(); }

Status Vault::Put(std::string_view name, std::string_view plaintext) {
  if (name.empty() || name.size() > 200) {
    return Status::InvalidArgument("vault secret names have 1 to 200 bytes (got " +
                                   std::to_string(name.size()) + ")");
  }
  MasterKey key = CurrentKey();
  Sealed s = Seal(key, plaintext);
  store::VaultSecret secret;
  secret.name = std::string(name);
  secret.key_id = s.key_id;
  secret.nonce = std::move(s.nonce);
  secret.ciphertext = std::move(s.ciphertext);
  secret.updated_at = clock_.NowMillis();
  secret.created_at = secret.updated_at;
  auto existing = store_.GetSecret(name);
  if (existing.ok()) {
    secret.created_at = existing->created_at;
  } else if (existing.error().code() != StatusCode::kNotFound) {
    return existing.error();
  }
  return store_.PutSecret(secret);
}

Result<std::string> Vault::Get(std::string_view name) {
  LP_ASSIGN_OR_RETURN(store::VaultSecret secret, store_.GetSecret(name));
  auto plain = Open(CurrentKey(), Sealed{secret.key_id, secret.nonce, secret.ciphertext});
  if (!plain.ok()) return plain.error().WithContext("vault secret " + std::string(name));
  return plain;
}

Result<std::vector<VaultSecretInfo>> Vault::List() {
  LP_ASSIGN_OR_RETURN(std::vector<store::VaultSecret> secrets, store_.ListSecrets());
  std::vector<VaultSecretInfo> out;
  out.reserve(secrets.size());
  for (const auto& s : secrets) out.push_back({s.name, s.key_id, s.created_at, s.updated_at});
  return out;
}

Status Vault::Delete(std::string_view name) { return store_.DeleteSecret(name); }

std::string Vault::SealString(std::string_view plaintext) const {
  return trust::SealString(CurrentKey(), plaintext);
}

Result<std::string> Vault::OpenString(std::string_view sealed) const {
  return trust::OpenString(CurrentKey(), sealed);
}

Result<RotationReport> Vault::Rotate(MasterKey new_key) {
  MasterKey old_key = CurrentKey();
  if (new_key.id() == old_key.id()) {
    return Status::InvalidArgument("the new master key is the current one (key id " + old_key.id() +
                                   ")");
  }
  RotationReport report;
  report.old_key_id = old_key.id();
  report.new_key_id = new_key.id();
  auto open_either = [&](const Sealed& s, const std::string& what) -> Result<std::string> {
    if (s.key_id == new_key.id()) return Open(new_key, s);
    if (s.key_id != old_key.id()) {
      return Status::FailedPrecondition(what + " is sealed with master key " + s.key_id +
                                        ", which is neither the current key " + old_key.id() +
                                        " nor the new key " + new_key.id());
    }
    auto plain = Open(old_key, s);
    if (!plain.ok()) return plain.error().WithContext(what);
    return plain;
  };

  // 1. Decrypt every vault secret first: nothing changes unless all open.
  LP_ASSIGN_OR_RETURN(std::vector<store::VaultSecret> secrets, store_.ListSecrets());
  std::vector<store::VaultSecret> resealed;
  resealed.reserve(secrets.size());
  for (const auto& secret : secrets) {
    Sealed s{secret.key_id, secret.nonce, secret.ciphertext};
    LP_ASSIGN_OR_RETURN(std::string plain, open_either(s, "vault secret " + secret.name));
    store::VaultSecret out = secret;
    if (secret.key_id != new_key.id()) {
      Sealed n = Seal(new_key, plain);
      out.key_id = n.key_id;
      out.nonce = std::move(n.nonce);
      out.ciphertext = std::move(n.ciphertext);
      out.updated_at = clock_.NowMillis();
      ++report.secrets_rotated;
    }
    sodium_memzero(plain.data(), plain.size());
    resealed.push_back(std::move(out));
  }

  // 2. Check and re-seal the TOTP seeds. Each user is its own transaction;
  // seeds already under the new key are skipped, so a re-run continues.
  LP_ASSIGN_OR_RETURN(std::vector<store::User> users, store_.ListUsers());
  std::vector<store::User> changed;
  for (const auto& user : users) {
    if (user.totp_secret_enc.empty()) continue;
    LP_ASSIGN_OR_RETURN(std::string id, SealedStringKeyId(user.totp_secret_enc));
    if (id == new_key.id()) continue;
    std::string what = "TOTP seed of user " + user.username;
    if (id != old_key.id()) {
      return Status::FailedPrecondition(what + " is sealed with master key " + id +
                                        ", which is neither the current key " + old_key.id() +
                                        " nor the new key " + new_key.id());
    }
    auto opened = trust::OpenString(old_key, user.totp_secret_enc);
    if (!opened.ok()) return opened.error().WithContext(what);
    std::string plain = std::move(*opened);
    store::User u = user;
    u.totp_secret_enc = trust::SealString(new_key, plain);
    sodium_memzero(plain.data(), plain.size());
    changed.push_back(std::move(u));
  }
  for (const auto& u : changed) {
    LP_RETURN_IF_ERROR(store_.UpdateUser(u));
    ++report.totp_seeds_rotated;
  }

  // 3. All vault secrets at once.
  LP_RETURN_IF_ERROR(store_.ReplaceAllSecrets(resealed));
  {
    std::lock_guard<std::mutex> lock(mu_);
    key_ = std::move(new_key);
  }
  return report;
}

}  // namespace leitplanke::trust
