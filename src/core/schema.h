// JSON Schema (draft 7 subset that valijson supports) compiled once and
// used to validate many values. Thread-compatible: a compiled Schema may be
// used from several threads for Validate().
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/result.h"

namespace valijson {
class Schema;
}

namespace centaur {

class Schema {
 public:
  // Compiles `schema`. A schema that is not valid JSON Schema is a
  // kValidation error saying what is wrong (e.g. "\"type\": unknown type
  // \"strin\"").
  static Result<Schema> Compile(const Json& schema);

  // OK, or kValidation with every violation on its own line, each as
  // "<json pointer>: <what is wrong>", e.g. "/label: value \"x\" is not one
  // of [\"a\", \"b\"]". The root is "/".
  Status Validate(const Json& value) const;

  const Json& json() const { return json_; }

 private:
  Json json_;
  std::shared_ptr<const valijson::Schema> compiled_;
};

// Parses model output text as JSON (tolerating surrounding whitespace and a
// ```json fence) and validates it. kParse says where parsing failed
// ("line 1, column 17: ..."), kValidation as Validate().
Result<Json> ParseAndValidate(std::string_view text, const Schema& schema);

}  // namespace centaur
