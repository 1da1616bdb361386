#include "core/result.h"

namespace centaur {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kAlreadyExists: return "already exists";
    case ErrorCode::kParse: return "parse error";
    case ErrorCode::kValidation: return "validation error";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kTransport: return "transport error";
    case ErrorCode::kHttp: return "http error";
    case ErrorCode::kRateLimited: return "rate limited";
    case ErrorCode::kInternal: return "internal error";
  }
  return "error";
}

}  // namespace centaur
