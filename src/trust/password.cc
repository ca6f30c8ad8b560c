#include "leitplanke/trust/password.h"

#include <cctype>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <sodium.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "leitplanke/base/check.h"
#include "leitplanke/base/utf8.h"

namespace leitplanke::trust {

static_assert(crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE == 2, "defaults mirror INTERACTIVE");
static_assert(crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE == (size_t{64} << 20),
              "defaults mirror INTERACTIVE");

Status EnsureSodium() {
  // sodium_init is itself idempotent and thread-safe; the once flag only
  // saves the call and lets us report a failure consistently.
  static const int rc = sodium_init();
  if (rc < 0) {
    return Status::Internal("libsodium could not be initialised (no usable random source?)");
  }
  return Status::Ok();
}

PasswordHashOptions PasswordHashOptionsForTest() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Result<std::string> HashPassword(std::string_view password, const PasswordHashOptions& options) {
  LP_RETURN_IF_ERROR(EnsureSodium());
  if (options.ops_limit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      options.ops_limit > crypto_pwhash_argon2id_OPSLIMIT_MAX) {
    return Status::InvalidArgument("argon2id ops limit " + std::to_string(options.ops_limit) +
                                   " is outside libsodium's range");
  }
  if (options.mem_limit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
      options.mem_limit > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
    return Status::InvalidArgument("argon2id memory limit " + std::to_string(options.mem_limit) +
                                   " bytes is outside libsodium's range");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), options.ops_limit,
                            options.mem_limit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted("argon2id could not allocate " +
                                     std::to_string(options.mem_limit) + " bytes");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view stored_hash, std::string_view password) {
  if (!EnsureSodium().ok()) return false;
  // crypto_pwhash_str_verify wants a NUL-terminated string of bounded size.
  if (stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::string hash(stored_hash);
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool NeedsRehash(std::string_view stored_hash, const PasswordHashOptions& options) {
  if (!EnsureSodium().ok()) return true;
  if (stored_hash.size() >= crypto_pwhash_STRBYTES || stored_hash.substr(0, 10) != "$argon2id$") {
    return true;
  }
  std::string hash(stored_hash);
  // 0: same parameters; 1: different; -1: not a valid hash of this algorithm.
  return crypto_pwhash_str_needs_rehash(hash.c_str(), options.ops_limit, options.mem_limit) != 0;
}

// Dedicated threads for argon2id at a lower priority. A job queue in front
// of them bounds both the CPU and the memory that concurrent sign-ins take.
class PasswordHasher::Lanes {
 public:
  Lanes(int count, int nice) {
    for (int i = 0; i < count; ++i) {
      threads_.emplace_back([this, nice] {
        // Per-thread priority on Linux; failure only costs fairness.
        (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice);
        Loop();
      });
    }
  }
  ~Lanes() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  void RunAndWait(const std::function<void()>& job) {
    std::packaged_task<void()> task(job);
    std::future<void> done = task.get_future();
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(task));
    }
    cv_.notify_one();
    done.wait();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      std::packaged_task<void()> task = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                        // guarded by mu_
  std::vector<std::thread> threads_;
};

void PasswordHasher::Run(const std::function<void()>& job) const {
  if (lanes_ == nullptr) {
    job();
  } else {
    lanes_->RunAndWait(job);
  }
}

PasswordHasher::PasswordHasher(PasswordHashOptions options) : options_(options) {
  if (options_.lanes > 0) lanes_ = std::make_shared<Lanes>(options_.lanes, options_.lane_nice);
  LP_CHECK(EnsureSodium().ok(), "libsodium must initialise");
  // The dummy hash has the real cost, so verifying against it takes as long
  // as verifying a real user's password.
  auto dummy = HashPassword("leitplanke dummy password", options_);
  if (dummy.ok()) {
    dummy_hash_ = *dummy;
  } else {
    // Bad options: every Hash() will fail with the same message; fall back to
    // the default cost for the dummy so that timing stays realistic.
    auto fallback = HashPassword("leitplanke dummy password", PasswordHashOptions{});
    LP_CHECK(fallback.ok(), "argon2id with the default cost must work");
    dummy_hash_ = *fallback;
  }
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  Result<std::string> result = Status::Internal("not run");
  Run([&] { result = HashPassword(password, options_); });
  return result;
}

bool PasswordHasher::Verify(std::string_view stored_hash, std::string_view password) const {
  bool ok = false;
  Run([&] { ok = VerifyPassword(stored_hash, password); });
  return ok;
}

void PasswordHasher::DummyVerify(std::string_view password) const {
  // The result is meaningless; only the work matters.
  Run([&] { (void)VerifyPassword(dummy_hash_, password); });
}

bool PasswordHasher::NeedsRehash(std::string_view stored_hash) const {
  return trust::NeedsRehash(stored_hash, options_);
}

namespace {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

Status CheckPasswordPolicy(std::string_view username, std::string_view password,
                           const PasswordPolicy& policy) {
  if (password.size() > policy.max_bytes) {
    return Status::InvalidArgument(
        "the password is too long: at most " + std::to_string(policy.max_bytes) +
        " bytes are allowed (it has " + std::to_string(password.size()) + ")");
  }
  size_t bad = utf8::FirstInvalid(password);
  if (bad != std::string_view::npos) {
    return Status::InvalidArgument("the password is not valid UTF-8 (at byte offset " +
                                   std::to_string(bad) + ")");
  }
  size_t chars = utf8::CodePointCount(password, password.size());
  if (chars < policy.min_chars) {
    return Status::InvalidArgument("the password must have at least " +
                                   std::to_string(policy.min_chars) + " characters (it has " +
                                   std::to_string(chars) + ")");
  }
  if (!username.empty()) {
    std::string lower_password = AsciiLower(password);
    std::string lower_user = AsciiLower(username);
    if (lower_password == lower_user) {
      return Status::InvalidArgument("the password must not be the username");
    }
    if (lower_password.find(lower_user) != std::string::npos) {
      return Status::InvalidArgument("the password must not contain the username");
    }
  }
  return Status::Ok();
}

}  // namespace leitplanke::trust
