// Result<T>: expected failures as values. A Result holds either a T or an
// Error; Status is Result<void>. Nothing in centaur throws across a module
// boundary: functions that can fail for reasons outside the program's control
// (bad input, I/O, network) return one of these.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace centaur {

enum class ErrorCode {
  kInvalidArgument,  // the user gave something malformed (file:line:col in message)
  kNotFound,
  kAlreadyExists,
  kParse,       // text that should be JSON/YAML/CSV is not
  kValidation,  // well-formed, but does not match a schema
  kIo,          // disk
  kTransport,   // network: connect, reset, timeout
  kHttp,        // a non-2xx answer
  kRateLimited,
  kInternal,    // a bug: should never be triggered by user input
};

const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // HTTP status when code is kHttp or kRateLimited, else 0.
  int http_status = 0;
};

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message), 0};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status OkStatus() { return Status(); }

}  // namespace centaur

// Propagates a failed Result/Status out of the current function.
#define CENTAUR_CONCAT_INNER(a, b) a##b
#define CENTAUR_CONCAT(a, b) CENTAUR_CONCAT_INNER(a, b)
#define CENTAUR_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    auto centaur_status_ = (expr);                    \
    if (!centaur_status_.ok()) return centaur_status_.error(); \
  } while (0)
#define CENTAUR_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.error();                  \
  lhs = std::move(tmp).value()
#define CENTAUR_ASSIGN_OR_RETURN(lhs, expr) \
  CENTAUR_ASSIGN_OR_RETURN_IMPL(CENTAUR_CONCAT(centaur_result_, __LINE__), lhs, expr)
