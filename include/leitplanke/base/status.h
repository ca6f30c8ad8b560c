// Status: the one error convention of Leitplanke.
//
// Every fallible call across a module boundary returns `Status` or `Result<T>`
// (see result.h). A Status is either OK or carries a canonical code and a
// human-readable message that says what went wrong and where (file, line,
// byte offset, JSON pointer, rule id). Statuses are cheap to copy when OK.
//
// Thread-safety: a Status is a value type; distinct objects may be used from
// distinct threads freely.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace leitplanke {

// Canonical codes, modelled on absl::StatusCode. The mapping to HTTP status
// codes lives in exactly one function in `http`; the mapping to process exit
// codes in `cli`.
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 3,  // the caller's input is malformed (bad UTF-8, bad TOML, ...)
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,  // a configured limit was exceeded (text too long, memory budget)
  kFailedPrecondition = 9,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,  // a bug or a broken invariant of a third-party library
  kUnavailable = 14,
  kDataLoss = 15,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status WithContext(std::string_view context) const;

  // "INVALID_ARGUMENT: message", or "OK".
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

}  // namespace leitplanke

// Propagates a non-OK Status (or the error of a Result) to the caller.
#define LP_RETURN_IF_ERROR(expr)                                              \
  do {                                                                        \
    ::leitplanke::Status lp_status_ = ::leitplanke::internal::ToStatus(expr); \
    if (!lp_status_.ok()) return lp_status_;                                  \
  } while (0)

namespace leitplanke::internal {
inline Status ToStatus(Status s) { return s; }
}  // namespace leitplanke::internal
