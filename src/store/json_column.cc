#include "store/json_column.h"

#include <fmt/format.h>

namespace centaur::sqlite {

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Json> ParseJson(std::string_view text, const std::string& path, const char* column,
                       int64_t row) {
  Json value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return MakeError(ErrorCode::kInternal,
                     fmt::format("{}: {} of row {} is not valid JSON", path, column, row));
  }
  return value;
}

}  // namespace centaur::sqlite
