// Output JSON Schema -> GBNF grammar for constrained decoding, through
// llama.cpp's own converter (json_schema_to_grammar), as llama-server does
// for a json_schema response format.
//
// The converter enforces structure, types, enum/const, required properties,
// string length and pattern, integer bounds, array length and a few formats.
// Keywords it does not enforce (multipleOf, uniqueItems, not, bounds on
// non-integer numbers, ...) are
// listed in `ignored` so the caller can warn once; the engine's validator
// still checks them after decoding and re-asks when they fail.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace centaur {

struct LocalGrammar {
  std::string gbnf;
  // "keyword at /json/pointer", keys in sorted order.
  std::vector<std::string> ignored;
};

Result<LocalGrammar> SchemaToGrammar(const std::string& schema_text);

}  // namespace centaur
