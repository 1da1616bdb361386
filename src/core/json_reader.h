// Reading the JSON in a model's answer. A fast reader handles the common case
// (about three times faster than nlohmann's lexer); on anything it is not sure
// of, nlohmann reads the text again, so what is accepted, the values and the
// error messages are nlohmann's.
#pragma once

#include <string_view>

#include "core/json.h"
#include "core/result.h"

namespace centaur {

// Parses `text` as JSON, tolerating surrounding whitespace and one ``` fence
// (with any info string, e.g. ```json). A failure is kParse saying where
// ("line 1, column 17: ..."; 1-based, columns in characters, counted in
// `text` as given, fence included).
Result<Json> ParseModelJson(std::string_view text);

}  // namespace centaur
