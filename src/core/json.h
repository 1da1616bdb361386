// The JSON value type used across centaur. Raw JSON is parsed into typed
// structs at the edges (task files, provider responses, HTTP bodies); Json
// itself travels only where the content is user-defined (item inputs, model
// outputs, schemas).
#pragma once

#include <nlohmann/json.hpp>

namespace centaur {
using Json = nlohmann::json;
}  // namespace centaur
