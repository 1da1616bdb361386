// JSON in TEXT columns. Neither function throws: invalid UTF-8 in a string is
// replaced (U+FFFD) on the way in, and unparsable stored text is an error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/result.h"

namespace centaur::sqlite {

std::string DumpJson(const Json& value);

// The error names the database, the column and the row, e.g.
// "/x/centaur.db: items.input of row 7 is not valid JSON".
Result<Json> ParseJson(std::string_view text, const std::string& path, const char* column,
                       int64_t row);

}  // namespace centaur::sqlite
