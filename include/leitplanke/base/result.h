// Result<T>: a value or a non-OK Status.
//
// Built on tl::expected (Debian libexpected-dev) so that moving to C++23's
// std::expected only changes this header. A Result converts implicitly from a
// T (success) and from a Status (failure; constructing a Result from an OK
// Status is a bug and yields an Internal error instead).
//
//   Result<int> Parse(std::string_view s);
//   LP_ASSIGN_OR_RETURN(int n, Parse(text));
#pragma once

#include <utility>

#include <tl/expected.hpp>

#include "leitplanke/base/status.h"

namespace leitplanke {

template <class T>
class [[nodiscard]] Result : public tl::expected<T, Status> {
  using Base = tl::expected<T, Status>;

 public:
  using Base::Base;
  Result(const T& v) : Base(v) {}        // NOLINT(google-explicit-constructor)
  Result(T&& v) : Base(std::move(v)) {}  // NOLINT(google-explicit-constructor)
  Result(Status s)                       // NOLINT(google-explicit-constructor)
      : Base(tl::unexpect,
             s.ok() ? Status::Internal("Result constructed from OK status") : std::move(s)) {}

  bool ok() const { return this->has_value(); }
  // The error, or OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : this->error(); }
};

namespace internal {
template <class T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace leitplanke

#define LP_CONCAT_INNER_(a, b) a##b
#define LP_CONCAT_(a, b) LP_CONCAT_INNER_(a, b)

// LP_ASSIGN_OR_RETURN(decl, expr): evaluates expr (a Result); on error returns
// its Status from the enclosing function, else declares/assigns the value.
#define LP_ASSIGN_OR_RETURN(decl, expr) \
  LP_ASSIGN_OR_RETURN_IMPL_(LP_CONCAT_(lp_result_, __LINE__), decl, expr)
#define LP_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.error();               \
  decl = std::move(*tmp)
