// The JSON value type used across centaur. Raw JSON is parsed into typed
// structs at the edges (task files, provider responses, HTTP bodies); Json
// itself travels only where the content is user-defined (item inputs, model
// outputs, schemas).
#pragma once

#include <nlohmann/json.hpp>

namespace centaur {
using Json = nlohmann::json;
// Keeps object keys in insertion order. For what must reach a model in the
// order a user wrote it: an output schema's properties (thoughts first).
using OrderedJson = nlohmann::ordered_json;
}  // namespace centaur
