// JSON Schema (draft 7 subset that valijson supports) compiled once and
// used to validate many values. Thread-compatible: a compiled Schema may be
// used from several threads for Validate(). valijson checks the schema at
// Compile(); validation runs on our own compiled form, which is several times
// faster than valijson's and words its messages for people (and for re-asks).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/result.h"

namespace centaur {

namespace schema_internal {
struct Compiled;
}

class Schema {
 public:
  // Compiles `schema`. A schema that is not valid JSON Schema is a
  // kValidation error saying what is wrong (e.g. "\"type\": unknown type
  // \"strin\""), one problem per line as "<schema pointer>: <what>", e.g.
  // "/properties/label: \"type\": unknown type \"strin\"". Unknown keywords
  // are errors too (a typo like "requried" would otherwise check nothing);
  // annotations (title, description, default, examples, ...) and "x-*" are
  // allowed. Only local "$ref"s ("#", "#/...") are supported. "pattern" and
  // "patternProperties" are unanchored RE2 searches, linear in the input;
  // ECMA-262 features RE2 lacks (backreferences, lookaround) are errors that
  // say "unsupported regular expression".
  // A default-constructed Schema accepts every value.
  static Result<Schema> Compile(const Json& schema);

  // OK, or kValidation with every violation on its own line, each as
  // "<json pointer>: <what is wrong>", e.g. "/label: value \"x\" is not one
  // of [\"a\", \"b\"]". The root is "/". Past 50 lines the rest are counted
  // in a last line ("... and 7 more").
  Status Validate(const Json& value) const;

  const Json& json() const { return json_; }

 private:
  Json json_;
  std::shared_ptr<const schema_internal::Compiled> compiled_;
};

// Parses model output text as JSON (tolerating surrounding whitespace and a
// ```json fence) and validates it. kParse says where parsing failed
// ("line 1, column 17: ..."; 1-based, columns in characters, counted in
// `text` as given, fence included), kValidation as Validate().
Result<Json> ParseAndValidate(std::string_view text, const Schema& schema);

}  // namespace centaur
