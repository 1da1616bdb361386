// valijson, the oracle here, compiles std::regex, in which GCC 12 reports a
// false -Wmaybe-uninitialized at -O1 with ASan (and a false -Wrestrict at
// -O2+, GCC bug 105329); the locations are in libstdc++, so they must be off
// from the first include on. See src/core/schema_valijson.cc.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "core/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>
#include <vector>

namespace centaur {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Schema MustCompile(const std::string& text) {
  Result<Schema> schema = Schema::Compile(Json::parse(text));
  EXPECT_TRUE(schema.ok()) << text << "\n" << schema.error().message;
  return schema.ok() ? std::move(schema).value() : Schema();
}

// The verdict of valijson itself: our validator must agree with it.
bool ValijsonAccepts(const Json& schema_json, const Json& value) {
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
  parser.populateSchema(schema_adapter, schema);
  valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter value_adapter(value);
  return validator.validate(schema, value_adapter, nullptr);
}

const char* const kTaskSchema = R"({
  "type": "object",
  "properties": {
    "thoughts": {"type": "string"},
    "label": {"enum": ["a", "b"]},
    "score": {"type": "number", "minimum": 0, "maximum": 1}
  },
  "required": ["thoughts", "label"],
  "additionalProperties": false
})";

struct ValidateCase {
  const char* name;
  std::string schema;
  std::string value;
  std::string expected;  // "" when valid
  bool valijson_agrees = true;
};

const ValidateCase kValidateCases[] = {
    {"task_valid", kTaskSchema, R"({"thoughts": "t", "label": "a", "score": 0.5})", ""},
    {"task_enum", kTaskSchema, R"({"thoughts": "t", "label": "x"})",
     R"(/label: value "x" is not one of ["a", "b"])"},
    {"task_missing", kTaskSchema, R"({"label": "a"})",
     R"(/: missing required property "thoughts")"},
    {"task_type", kTaskSchema, R"({"thoughts": "t", "label": "a", "score": "high"})",
     "/score: expected number, got string"},
    {"task_extra", kTaskSchema, R"({"thoughts": "t", "label": "a", "extra": 1})",
     R"(/: unexpected property "extra")"},
    {"task_everything_wrong", kTaskSchema, R"({"label": "x", "score": 2, "extra": true})",
     "/: missing required property \"thoughts\"\n"
     "/: unexpected property \"extra\"\n"
     "/label: value \"x\" is not one of [\"a\", \"b\"]\n"
     "/score: value 2 is greater than the maximum 1"},
    {"task_minimum", kTaskSchema, R"({"thoughts": "t", "label": "a", "score": -0.5})",
     "/score: value -0.5 is less than the minimum 0"},
    {"task_root_type", kTaskSchema, "[]", "/: expected object, got array"},
    {"task_null_label", kTaskSchema, R"({"thoughts": "t", "label": null})",
     R"(/label: value null is not one of ["a", "b"])"},

    {"min_length", R"({"type": "string", "minLength": 2})", R"("a")",
     "/: string is too short (1 character, minimum 2)"},
    {"max_length", R"({"type": "string", "maxLength": 5})", R"("abcdef")",
     "/: string is too long (6 characters, maximum 5)"},
    {"length_counts_characters", R"({"maxLength": 3})", "\"\xC3\xA9\xC3\xA9\xC3\xA9\"", ""},
    {"pattern", R"({"type": "string", "pattern": "^[a-z]+$"})", R"("AB")",
     R"(/: string "AB" does not match pattern "^[a-z]+$")"},
    {"pattern_searches", R"({"pattern": "b+"})", R"("abbc")", ""},
    {"pattern_matches", R"({"pattern": "^[a-z]+$"})", R"("abc")", ""},
    {"pattern_ignores_non_strings", R"({"pattern": "^[a-z]+$"})", "3", ""},
    // RE2 matches characters, as ECMA-262 does; valijson's std::regex bytes.
    {"pattern_dot_is_a_character", R"({"pattern": "^.$"})", R"("\u00e9")", "", false},
    {"long_value_is_cut", R"({"enum": ["a"]})",
     R"("0123456789012345678901234567890123456789012345678901234567890123456789")",
     R"(/: value "01234567890123456789012345678901234567890123456789012345..." is not one of ["a"])"},

    {"integer_rejects_fraction", R"({"type": "integer"})", "1.5",
     "/: expected integer, got number"},
    {"integer_accepts_whole_float", R"({"type": "integer"})", "2.0", "", false},
    {"integer_rejects_string", R"({"type": "integer"})", R"("3")",
     "/: expected integer, got string"},
    {"number_accepts_integer", R"({"type": "number"})", "3", ""},
    {"type_union", R"({"type": ["string", "null"]})", "3",
     "/: expected string or null, got integer"},
    {"type_union_three", R"({"type": ["string", "number", "null"]})", "true",
     "/: expected string, number or null, got boolean"},
    {"any_of_optional", R"({"anyOf": [{"type": "string"}, {"type": "null"}]})", "3",
     "/: expected string or null, got integer"},
    {"any_of_one_candidate",
     R"({"anyOf": [{"type": "object", "required": ["a"]}, {"type": "null"}]})", "{}",
     R"(/: missing required property "a")"},
    {"any_of_generic", R"({"anyOf": [{"minimum": 5}, {"maximum": 1}]})", "3",
     R"(/: value does not match any of the schemas in "anyOf")"},
    {"any_of_valid", R"({"anyOf": [{"minimum": 5}, {"maximum": 1}]})", "6", ""},
    {"one_of_two_match", R"({"oneOf": [{"type": "number"}, {"type": "integer"}]})", "1",
     R"(/: value matches more than one schema in "oneOf" (0 and 1))"},
    {"one_of_none", R"({"oneOf": [{"type": "string"}, {"type": "boolean"}]})", "1",
     "/: expected string or boolean, got integer"},
    {"one_of_valid", R"({"oneOf": [{"type": "string"}, {"type": "boolean"}]})", "true", ""},
    {"all_of", R"({"allOf": [{"required": ["a"]}, {"required": ["b"]}]})", "{}",
     "/: missing required property \"a\"\n/: missing required property \"b\""},
    {"not", R"({"not": {"type": "null"}})", "null",
     R"(/: value must not match the schema in "not")"},
    {"const", R"({"const": "yes"})", R"("no")", R"(/: value "no" is not equal to "yes")"},
    {"const_number_equal", R"({"const": 1})", "1.0", ""},
    {"enum_mixed", R"({"enum": [1, "one", null, {"a": 1}]})", R"({"a": 1})", ""},
    {"enum_mixed_miss", R"({"enum": [1, "one", null]})", "2",
     R"(/: value 2 is not one of [1, "one", null])"},

    {"exclusive_minimum", R"({"exclusiveMinimum": 0})", "0",
     "/: value 0 is not greater than the exclusive minimum 0"},
    {"exclusive_maximum", R"({"exclusiveMaximum": 10})", "10",
     "/: value 10 is not less than the exclusive maximum 10"},
    {"multiple_of_int", R"({"multipleOf": 3})", "7", "/: value 7 is not a multiple of 3"},
    {"multiple_of_float", R"({"multipleOf": 0.1})", "0.3", ""},
    {"big_unsigned_minimum", R"({"minimum": 0})", "18446744073709551615", "", false},

    {"min_items", R"({"type": "array", "minItems": 1})", "[]",
     "/: array is too short (0 items, minimum 1)"},
    {"max_items", R"({"type": "array", "maxItems": 2})", "[1, 2, 3]",
     "/: array is too long (3 items, maximum 2)"},
    {"items", R"({"type": "array", "items": {"type": "string"}})", R"(["a", 1, "b", null])",
     "/1: expected string, got integer\n/3: expected string, got null"},
    {"unique_items", R"({"uniqueItems": true})", R"(["a", "b", "a"])",
     "/: items 0 and 2 are equal (uniqueItems)"},
    {"tuple_too_long",
     R"({"items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false})",
     R"(["a", 1, 2])", "/: array has 3 items, at most 2 allowed"},
    {"tuple_item", R"({"items": [{"type": "string"}, {"type": "integer"}]})", R"(["a", "b", 3])",
     "/1: expected integer, got string"},
    {"contains", R"({"contains": {"const": 1}})", "[2, 3]",
     R"(/: array has no item that matches "contains")"},

    {"pointer_escaping", R"({"properties": {"a/b": {"properties": {"c~d": {"type": "string"}}}}})",
     R"({"a/b": {"c~d": 1}})", "/a~1b/c~0d: expected string, got integer"},
    {"additional_schema", R"({"additionalProperties": {"type": "integer"}})",
     R"({"a": 1, "b": "x"})", "/b: expected integer, got string"},
    {"pattern_properties",
     R"({"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false})",
     R"({"x-a": "ok", "x-b": 2, "y": 1})",
     "/x-b: expected string, got integer\n/: unexpected property \"y\""},
    {"pattern_properties_search", R"({"patternProperties": {"b": {"type": "integer"}}})",
     R"({"abc": "x", "xyz": "y"})", "/abc: expected integer, got string"},
    {"false_property", R"({"properties": {"a": false}})", R"({"a": 1})",
     "/a: no value is allowed here"},
    {"min_properties", R"({"minProperties": 2})", R"({"a": 1})",
     "/: object has too few properties (1, minimum 2)"},
    {"max_properties", R"({"maxProperties": 1})", R"({"a": 1, "b": 2})",
     "/: object has too many properties (2, maximum 1)"},
    {"dependencies_array", R"({"dependencies": {"a": ["b"]}})", R"({"a": 1})",
     R"(/: property "a" requires property "b")"},
    {"dependencies_schema", R"({"dependencies": {"a": {"required": ["c"]}}})", R"({"a": 1})",
     R"(/: missing required property "c")"},
    {"property_names", R"({"propertyNames": {"maxLength": 3}})", R"({"abcd": 1})",
     R"(/: property name "abcd" does not match "propertyNames")"},
    {"if_then",
     R"({"if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["x"]}, "else": {"required": ["y"]}})",
     R"({"kind": "a"})", R"(/: missing required property "x")"},
    {"if_else",
     R"({"if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["x"]}, "else": {"required": ["y"]}})",
     R"({"kind": "b"})", R"(/: missing required property "y")"},
    {"unicode_key", R"({"properties": {"caf\u00e9": {"type": "string"}}})", R"({"caf\u00e9": 1})",
     "/caf\xC3\xA9: expected string, got integer"},

    {"ref_definitions",
     R"({"definitions": {"item": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
         "type": "array", "items": {"$ref": "#/definitions/item"}})",
     R"([{"name": "x"}, {}])", R"(/1: missing required property "name")"},
    {"ref_defs",
     R"({"$defs": {"n": {"type": "integer"}}, "properties": {"a": {"$ref": "#/$defs/n"}}})",
     R"({"a": "x"})", "/a: expected integer, got string"},
    {"ref_recursive",
     R"({"type": "object", "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}}, "required": ["name"]})",
     R"({"name": "a", "children": [{"name": "b", "children": [{}]}]})",
     R"(/children/0/children/0: missing required property "name")"},

    {"format_date", R"({"format": "date"})", R"("2024-02-30")",
     R"(/: string "2024-02-30" is not a valid date (YYYY-MM-DD))"},
    {"format_date_leap", R"({"format": "date"})", R"("2024-02-29")", ""},
    {"format_date_not_leap", R"({"format": "date"})", R"("2023-02-29")",
     R"(/: string "2023-02-29" is not a valid date (YYYY-MM-DD))", false},
    {"format_date_time", R"({"format": "date-time"})", R"("2024-01-31T12:00:00.5+02:00")", ""},
    {"format_date_time_bad", R"({"format": "date-time"})", R"("2024-01-31 12:00")",
     R"(/: string "2024-01-31 12:00" is not a valid date-time (RFC 3339, e.g. 2024-01-31T12:00:00Z))"},
    {"format_time", R"({"format": "time"})", R"("23:59:60Z")", ""},
    {"format_unknown_is_annotation", R"({"format": "email"})", R"("not an email")", ""},
    {"format_ignores_non_strings", R"({"format": "date"})", "3", "", false},

    {"empty_schema", "{}", R"({"anything": [1, 2]})", ""},
    {"true_schema", "true", "null", ""},
    {"false_schema", "false", "null", "/: no value is allowed here"},
    {"annotations_only", R"({"title": "t", "description": "d", "x-note": 1})", "3", ""},
};

TEST(SchemaTest, ValidateGolden) {
  for (const ValidateCase& c : kValidateCases) {
    SCOPED_TRACE(c.name);
    Json schema_json = Json::parse(c.schema);
    Schema schema = MustCompile(c.schema);
    Json value = Json::parse(c.value);
    Status st = schema.Validate(value);
    if (c.expected.empty()) {
      EXPECT_TRUE(st.ok()) << st.error().message;
    } else {
      ASSERT_FALSE(st.ok());
      EXPECT_EQ(st.error().code, ErrorCode::kValidation);
      EXPECT_EQ(st.error().message, c.expected);
    }
    if (c.valijson_agrees) {
      EXPECT_EQ(ValijsonAccepts(schema_json, value), c.expected.empty()) << "valijson disagrees";
    } else {
      EXPECT_NE(ValijsonAccepts(schema_json, value), c.expected.empty()) << "now agrees";
    }
  }
}

struct CompileCase {
  const char* name;
  std::string schema;
  std::string expected;  // "" when the schema is fine
};

const CompileCase kCompileCases[] = {
    {"ok_task", kTaskSchema, ""},
    {"ok_empty", "{}", ""},
    {"ok_true", "true", ""},
    {"ok_annotations", R"({"$schema": "http://json-schema.org/draft-07/schema#", "title": "t",
        "description": "d", "default": 1, "examples": [1], "x-anything": {"a": 1}, "type": "integer"})",
     ""},
    {"ok_ref_with_description",
     R"({"definitions": {"a": {}}, "properties": {"x": {"$ref": "#/definitions/a", "description": "d"}}})",
     ""},
    {"unknown_type", R"({"type": "strin"})",
     R"(/: "type": unknown type "strin" (did you mean "string"?))"},
    {"unknown_type_nested", R"({"properties": {"label": {"type": "strin"}}})",
     R"(/properties/label: "type": unknown type "strin" (did you mean "string"?))"},
    {"unknown_type_in_list", R"({"type": ["string", "nul"]})",
     R"(/: "type": unknown type "nul" (did you mean "null"?))"},
    {"unknown_type_far", R"({"type": "text"})", R"(/: "type": unknown type "text")"},
    {"type_not_string", R"({"type": 3})",
     R"(/: "type": must be a type name or a non-empty array of them, got integer)"},
    {"type_twice", R"({"type": ["string", "string"]})",
     R"(/: "type": type "string" is listed twice)"},
    {"enum_not_array", R"({"enum": "a"})", R"(/: "enum": must be an array, got string)"},
    {"enum_empty", R"({"enum": []})", R"(/: "enum": must not be empty (no value could match))"},
    {"required_not_array", R"({"required": "a"})",
     R"(/: "required": must be an array of property names, got string)"},
    {"required_draft3_bool", R"({"properties": {"a": {"required": true}}})",
     R"(/properties/a: "required": must be an array of property names, got boolean)"},
    {"required_not_strings", R"({"required": ["a", 1]})",
     R"(/: "required": must be an array of property names, got 1 in it)"},
    {"required_twice", R"({"required": ["a", "a"]})",
     R"(/: "required": property "a" is listed twice)"},
    {"properties_not_object", R"({"properties": ["a"]})",
     R"(/: "properties": must be an object, got array)"},
    {"property_not_schema", R"({"properties": {"a": "string"}})",
     "/properties/a: a schema must be an object or a boolean, got string"},
    {"unknown_keyword", R"({"requried": ["a"]})",
     R"(/: unknown keyword "requried" (did you mean "required"?))"},
    {"unknown_keyword_far", R"({"nullable": true})", R"(/: unknown keyword "nullable")"},
    {"min_length_negative", R"({"minLength": -1})",
     R"(/: "minLength": must be a non-negative integer, got -1)"},
    {"max_items_fraction", R"({"maxItems": 1.5})",
     R"(/: "maxItems": must be a non-negative integer, got 1.5)"},
    {"maximum_string", R"({"maximum": "10"})", R"(/: "maximum": must be a number, got string)"},
    {"exclusive_minimum_draft4", R"({"minimum": 0, "exclusiveMinimum": true})",
     R"(/: "exclusiveMinimum": must be a number, got boolean)"},
    {"multiple_of_zero", R"({"multipleOf": 0})",
     R"(/: "multipleOf": must be greater than 0, got 0)"},
    {"unique_items_string", R"({"uniqueItems": "yes"})",
     R"(/: "uniqueItems": must be true or false, got string)"},
    {"any_of_empty", R"({"anyOf": []})",
     R"(/: "anyOf": must be a non-empty array of schemas, got [])"},
    {"one_of_object", R"({"oneOf": {}})",
     R"(/: "oneOf": must be a non-empty array of schemas, got object)"},
    {"items_bad", R"({"items": [{}, 1]})",
     "/items/1: a schema must be an object or a boolean, got integer"},
    {"title_not_string", R"({"title": 3})", R"(/: "title": must be a string, got integer)"},
    {"format_not_string", R"({"format": 3})", R"(/: "format": must be a string, got integer)"},
    {"pattern_not_string", R"({"pattern": 3})", R"(/: "pattern": must be a string, got integer)"},
    {"pattern_invalid", R"({"pattern": "[a-"})",
     R"(/: "pattern": invalid regular expression "[a-": missing ]: [a-)"},
    {"pattern_properties_invalid", R"({"patternProperties": {"(": {}}})",
     R"(/: "patternProperties": invalid regular expression "(": missing ): ()"},
    // ECMA-262 has these; RE2 does not, as they rule out matching in linear time.
    {"pattern_backreference", R"({"properties": {"code": {"pattern": "(a)\\1"}}})",
     R"(/properties/code: "pattern": unsupported regular expression "(a)\\1": invalid escape sequence: \1)"},
    {"pattern_lookahead", R"({"pattern": "^(?!draft-).+"})",
     R"(/: "pattern": unsupported regular expression "^(?!draft-).+": invalid perl operator: (?!)"},
    {"pattern_properties_lookbehind", R"({"patternProperties": {"(?<=a)b": {}}})",
     R"(/: "patternProperties": unsupported regular expression "(?<=a)b": invalid perl operator: (?<)"},
    {"pattern_repeat_too_large", R"({"pattern": "a{1001}"})",
     R"(/: "pattern": unsupported regular expression "a{1001}": invalid repetition size: {1001})"},
    {"schema_not_object", R"("string")", "/: a schema must be an object or a boolean, got string"},
    {"ref_unresolved", R"({"$ref": "#/definitions/missing"})",
     R"(/: "$ref": cannot resolve "#/definitions/missing" in this schema)"},
    {"ref_remote", R"({"$ref": "http://example.com/s.json"})",
     R"(/: "$ref": only local references ("#" or "#/...") are supported, got "http://example.com/s.json")"},
    {"ref_cycle",
     R"({"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}, "$ref": "#/definitions/a"})",
     R"(/definitions/a: "$ref": reference cycle (the schema refers to itself without describing anything))"},
    {"ref_siblings", R"({"definitions": {"a": {}}, "$ref": "#/definitions/a", "required": ["x"]})",
     R"(/: "$ref": "required" next to "$ref" would be ignored (draft 7); put both in "allOf")"},
    {"several_errors", R"({"type": "strin", "enum": "a", "properties": {"b": {"minLength": "1"}}})",
     "/: \"enum\": must be an array, got string\n"
     "/properties/b: \"minLength\": must be a non-negative integer, got \"1\"\n"
     "/: \"type\": unknown type \"strin\" (did you mean \"string\"?)"},
    {"definitions_checked_even_unused", R"({"definitions": {"a": {"type": "strng"}}})",
     R"(/definitions/a: "type": unknown type "strng" (did you mean "string"?))"},
};

TEST(SchemaTest, CompileGolden) {
  for (const CompileCase& c : kCompileCases) {
    SCOPED_TRACE(c.name);
    Result<Schema> schema = Schema::Compile(Json::parse(c.schema));
    if (c.expected.empty()) {
      EXPECT_TRUE(schema.ok()) << schema.error().message;
    } else {
      ASSERT_FALSE(schema.ok());
      EXPECT_EQ(schema.error().code, ErrorCode::kValidation);
      EXPECT_EQ(schema.error().message, c.expected);
    }
  }
}

// std::regex backtracks: this took exponential time, and a long subject
// overflowed the stack. RE2 takes linear time and does not recurse.
TEST(SchemaTest, PatternDoesNotBacktrack) {
  Schema schema = MustCompile(R"({"pattern": "^(a+)+$", "patternProperties": {"^(a+)+$": false}})");
  const std::string evil = std::string(5000, 'a') + "b";
  const auto start = std::chrono::steady_clock::now();
  Status st = schema.Validate(Json(evil));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "/: string \"" + std::string(56, 'a') + "...\" does not match pattern \"^(a+)+$\"");
  EXPECT_TRUE(schema.Validate(Json{{evil, 1}}).ok());  // the key does not match either
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(SchemaTest, PatternOnLongStringDoesNotRecurse) {
  Schema schema = MustCompile(R"({"pattern": "^(a|b)*$"})");
  std::string subject(1 << 20, 'a');
  EXPECT_TRUE(schema.Validate(Json(subject)).ok());
  subject.back() = 'c';
  EXPECT_FALSE(schema.Validate(Json(subject)).ok());
}

TEST(SchemaTest, JsonIsKept) {
  Json j = Json::parse(kTaskSchema);
  Schema schema = MustCompile(kTaskSchema);
  EXPECT_EQ(schema.json(), j);
}

TEST(SchemaTest, DefaultSchemaAcceptsAll) {
  Schema schema;
  EXPECT_TRUE(schema.Validate(Json::parse(R"({"a": [1]})")).ok());
}

TEST(SchemaTest, ManyViolationsAreCapped) {
  Schema schema = MustCompile(R"({"items": {"type": "string"}})");
  Json value = Json::array();
  for (int i = 0; i < 60; ++i) value.push_back(i);
  Status st = schema.Validate(value);
  ASSERT_FALSE(st.ok());
  const std::string& msg = st.error().message;
  EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 50);
  EXPECT_THAT(msg, StartsWith("/0: expected string, got integer\n"));
  EXPECT_THAT(msg, HasSubstr("/49: expected string, got integer\n... and 10 more"));
}

TEST(SchemaTest, DeepRecursionIsBounded) {
  Schema schema = MustCompile(R"({"type": "array", "items": {"$ref": "#"}})");
  Json value = Json::array();
  for (int i = 0; i < 2000; ++i) {
    Json outer = Json::array();
    outer.push_back(std::move(value));
    value = std::move(outer);
  }
  Status st = schema.Validate(value);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("value nested too deeply to validate"));
}

TEST(SchemaTest, ValidateFromManyThreads) {
  Schema schema =
      MustCompile(R"({"properties": {"s": {"pattern": "^[a-z]+$"}}, "required": ["s"]})");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        bool good = i % 2 == 0;
        Json v = {{"s", good ? "abc" : "ABC"}};
        if (schema.Validate(v).ok() != good) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

struct ParseCase {
  const char* name;
  std::string text;
  std::string expected;  // "ok: <dump>", "parse: <msg>" or "validation: <msg>"
};

const ParseCase kParseCases[] = {
    {"plain", R"({"thoughts": "t", "label": "a"})", R"(ok: {"label":"a","thoughts":"t"})"},
    {"whitespace", " \n\t{\"thoughts\": \"t\", \"label\": \"b\"}\n\n ",
     R"(ok: {"label":"b","thoughts":"t"})"},
    {"fence_json", "```json\n{\"thoughts\": \"t\", \"label\": \"a\"}\n```",
     R"(ok: {"label":"a","thoughts":"t"})"},
    {"fence_bare_with_space", "\n  ```\n{\"thoughts\": \"t\", \"label\": \"a\"}\n```  \n",
     R"(ok: {"label":"a","thoughts":"t"})"},
    {"fence_unclosed", "```json\n{\"thoughts\": \"t\", \"label\": \"a\"}\n",
     R"(ok: {"label":"a","thoughts":"t"})"},
    {"syntax", R"({"thoughts": "t", "label": })",
     "parse: line 1, column 28: syntax error while parsing value - unexpected '}'; expected '[', "
     "'{', or a literal"},
    // Columns name the last byte nlohmann read: here the end of the string
    // token that should have been a ':'.
    {"syntax_in_fence", "```json\n{\n  \"thoughts\": \"t\",\n  \"label\" \"a\"\n}\n```",
     "parse: line 4, column 13: syntax error while parsing object separator - unexpected string "
     "literal; expected ':'"},
    {"column_in_characters", "{\"thoughts\": \"\xC3\xA9\xC3\xA9\", x}",
     "parse: line 1, column 20: syntax error while parsing object key - invalid literal; last "
     "read: "
     "'\"\xC3\xA9\xC3\xA9\", x'; expected string literal"},
    {"empty", "",
     "parse: line 1, column 1: syntax error while parsing value - unexpected end of input; "
     "expected "
     "'[', '{', or a literal"},
    {"prose", "Sure! {\"label\": \"a\"}",
     "parse: line 1, column 1: syntax error while parsing value - invalid literal; last read: 'S'"},
    {"trailing_prose", "{\"thoughts\": \"t\", \"label\": \"a\"} Hope this helps",
     "parse: line 1, column 33: syntax error while parsing value - invalid literal; last read: "
     "'\"a\"} H'; expected end of input"},
    {"truncated", "{\"thoughts\": \"I think",
     "parse: line 1, column 22: syntax error while parsing value - invalid string: missing closing "
     "quote; last read: '\"I think'"},
    {"invalid_utf8", "{\"thoughts\": \"\xFF\", \"label\": \"a\"}",
     "parse: line 1, column 15: syntax error while parsing value - invalid string: ill-formed "
     "UTF-8 "
     "byte; last read: '\"\xFF'"},
    {"number_overflow", "{\"thoughts\": \"t\",\n \"label\": 1e400}",
     "parse: line 2, column 11: number overflow parsing '1e400'"},
    {"schema_violation", R"({"thoughts": "t", "label": "c"})",
     R"(validation: /label: value "c" is not one of ["a", "b"])"},
};

TEST(ParseAndValidateTest, Golden) {
  Schema schema = MustCompile(kTaskSchema);
  for (const ParseCase& c : kParseCases) {
    SCOPED_TRACE(c.name);
    Result<Json> r = ParseAndValidate(c.text, schema);
    std::string got;
    if (r.ok()) {
      got = "ok: " + r->dump();
    } else if (r.error().code == ErrorCode::kParse) {
      got = "parse: " + r.error().message;
    } else if (r.error().code == ErrorCode::kValidation) {
      got = "validation: " + r.error().message;
    } else {
      got = "other: " + r.error().message;
    }
    EXPECT_EQ(got, c.expected);
  }
}

// For one line of ASCII our position is nlohmann's own: the last byte it
// read. (Where that byte is a newline nlohmann says "line N+1, column 0";
// we name the newline itself.)
TEST(ParseAndValidateTest, PositionAgreesWithNlohmann) {
  Schema schema;
  for (std::string text : {"{\"a\": }", "[1, 2,, 3]", "{\"a\": 1} x", "{\"a\": \"b"}) {
    SCOPED_TRACE(text);
    std::string theirs;
    try {
      Json ignored = Json::parse(text);
    } catch (const Json::parse_error& e) {
      theirs = e.what();
      theirs = theirs.substr(theirs.find("line "));
    }
    Result<Json> r = ParseAndValidate(text, schema);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, theirs);
  }
}

// Same value and same number types (nlohmann's == treats 1u and 1 as equal).
bool SameJson(const Json& a, const Json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
      if (ia.key() != ib.key() || !SameJson(*ia, *ib)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameJson(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

// ParseAndValidate reads most text with its own fast reader and falls back
// to nlohmann; whatever the path, the outcome must be nlohmann's.
TEST(ParseAndValidateTest, AgreesWithNlohmannOnMutatedInput) {
  const std::vector<std::string> seeds = {
      R"({"thoughts": "The card \"arrived\"\\n late\t…", "label": "card_arrival", "n": [1, -2, 3.5]})",
      R"({"a": {"b": [true, false, null, {"c": ""}]}, "d": "\u00e9\ud83d\ude00\u0000", "e": "\/"})",
      R"([0, -0, 0.0, -0.0, 1e2, 1E+2, 1e-2, 12.5e-3, 18446744073709551615, 18446744073709551616,
          -9223372036854775808, -9223372036854775809, 1e400, 1e-400, 123456789012345678901234567890])",
      R"({"dup": 1, "dup": 2})",
      R"(["\ud83d", "\udc00", "\ud83dx", "caf)"
      "\xC3\xA9"
      R"(", "\x"])",
      "\"top-level string\"",
      "  42  ",
      R"([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]])",
  };
  const std::string alphabet =
      std::string("{}[]\":,.-+eE0159 \n\t\\/utrfalsn") + "\x80\xC3\xA9\xFF\xED\xA0\x01";
  std::mt19937 rng(12345);
  Schema accept_all;
  int checked = 0;
  int accepted = 0;
  for (int round = 0; round < 10000; ++round) {
    std::string text = seeds[rng() % seeds.size()];
    const int edits = round == 0 ? 0 : 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = rng() % text.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          text.erase(at, 1);
          break;
        case 1:
          text.insert(at, 1, c);
          break;
        default:
          text[at] = c;
          break;
      }
    }
    // Surrounding whitespace is trimmed before parsing, which changes
    // nlohmann's "last read" text; compare on trimmed input.
    const size_t first = text.find_first_not_of(" \n\t");
    text = first == std::string::npos
               ? ""
               : text.substr(first, text.find_last_not_of(" \n\t") + 1 - first);
    Json theirs;
    std::string their_error;
    try {
      theirs = Json::parse(text);
    } catch (const Json::parse_error& e) {
      their_error = e.what();
      their_error = their_error.substr(their_error.find(": ", their_error.find("column ")) + 2);
    } catch (const Json::exception& e) {
      their_error = e.what();
      their_error = their_error.substr(their_error.find("] ") + 2);
    }
    Result<Json> ours = ParseAndValidate(text, accept_all);
    ++checked;
    if (their_error.empty()) {
      ++accepted;
      ASSERT_TRUE(ours.ok()) << text << "\n" << ours.error().message;
      ASSERT_TRUE(SameJson(*ours, theirs))
          << text << "\nours:   " << ours->dump() << "\ntheirs: " << theirs.dump();
    } else {
      ASSERT_FALSE(ours.ok()) << text << "\naccepted as " << ours->dump();
      ASSERT_EQ(ours.error().code, ErrorCode::kParse);
      ASSERT_THAT(ours.error().message, ::testing::EndsWith(": " + their_error)) << text;
    }
  }
  EXPECT_GT(accepted, 1000);  // the mutations must not all be syntax errors
  EXPECT_EQ(checked, 10000);
}

}  // namespace
}  // namespace centaur
