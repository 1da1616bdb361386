// Mustache rendering over JSON without HTML escaping, tag parsing, and the
// undeclared-variable scan.
#include "prompt/template.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace centaur {
namespace {

struct RenderCase {
  const char* name;
  std::string tmpl;
  std::string context;  // JSON
  std::string expected;
};

class RenderTest : public ::testing::TestWithParam<RenderCase> {};

TEST_P(RenderTest, Golden) {
  const RenderCase& c = GetParam();
  Result<std::string> out = RenderTemplate(c.tmpl, Json::parse(c.context));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, c.expected);
  // Templates of plain variables are filled in directly; the general
  // engine must give the same text for every case.
  Result<Template> tmpl = Template::Compile(c.tmpl);
  ASSERT_TRUE(tmpl.ok()) << tmpl.error().message;
  Result<std::string> general = tmpl->RenderGeneral(Json::parse(c.context));
  ASSERT_TRUE(general.ok()) << general.error().message;
  EXPECT_EQ(*general, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Golden, RenderTest,
    ::testing::Values(
        RenderCase{"variable", "Message: {{text}}", R"({"text": "hi"})", "Message: hi"},
        RenderCase{"no_html_escaping", "{{x}} {{{x}}} {{&x}}", R"({"x": "<b>&\"'"})",
                   "<b>&\"' <b>&\"' <b>&\"'"},
        RenderCase{"spaces_inside_tag", "{{ x }}", R"({"x": "y"})", "y"},
        RenderCase{"integer_as_json", "n={{n}}", R"({"n": 3})", "n=3"},
        RenderCase{"float_as_json", "p={{p}}", R"({"p": 0.25})", "p=0.25"},
        RenderCase{"booleans_as_json", "{{t}} {{f}}", R"({"t": true, "f": false})", "true false"},
        RenderCase{"null_renders_nothing", "[{{x}}]", R"({"x": null})", "[]"},
        RenderCase{"object_as_compact_json", "{{o}}", R"({"o": {"b": 1, "a": [1, "x"]}})",
                   R"({"a":[1,"x"],"b":1})"},
        RenderCase{"array_as_compact_json", "{{a}}", R"({"a": [1, 2]})", "[1,2]"},
        RenderCase{"dotted_name", "{{user.name}} ({{user.age}})",
                   R"({"user": {"name": "Ann", "age": 41}})", "Ann (41)"},
        RenderCase{"missing_renders_nothing", "[{{nope}}][{{user.nope}}]", R"({"user": {}})",
                   "[][]"},
        RenderCase{"utf8_passes_through", "{{x}}", R"({"x": "caf\u00e9 \u2603"})",
                   "caf\xc3\xa9 \xe2\x98\x83"},
        // Sections.
        RenderCase{"section_over_strings", "{{#tags}}<{{.}}>{{/tags}}", R"({"tags": ["a", "b"]})",
                   "<a><b>"},
        RenderCase{"section_over_objects", "{{#items}}{{name}}={{qty}};{{/items}}",
                   R"({"items": [{"name": "x", "qty": 1}, {"name": "y", "qty": 2}]})", "x=1;y=2;"},
        RenderCase{"section_element_object_as_json", "{{#items}}{{.}}{{/items}}",
                   R"({"items": [{"a": 1}]})", R"({"a":1})"},
        RenderCase{"section_reaches_outer_context", "{{#items}}{{name}}@{{shop}} {{/items}}",
                   R"({"shop": "s", "items": [{"name": "x"}]})", "x@s "},
        RenderCase{"section_over_object", "{{#user}}{{name}}{{/user}}",
                   R"({"user": {"name": "Ann"}})", "Ann"},
        RenderCase{"section_true_and_false", "{{#t}}T{{/t}}{{#f}}F{{/f}}",
                   R"({"t": true, "f": false})", "T"},
        RenderCase{"section_over_string_pushes_it", "{{#s}}[{{.}}]{{/s}}", R"({"s": "x"})", "[x]"},
        RenderCase{"empty_string_and_null_are_false", "{{#s}}S{{/s}}{{#n}}N{{/n}}",
                   R"({"s": "", "n": null})", ""},
        RenderCase{"inverted_sections", "{{^a}}empty{{/a}}{{^m}}missing{{/m}}{{^t}}no{{/t}}",
                   R"({"a": [], "t": true})", "emptymissing"},
        RenderCase{"nested_lists", "{{#rows}}[{{#.}}{{.}}{{/.}}]{{/rows}}",
                   R"({"rows": [[1, 2], [3]]})", "[12][3]"},
        RenderCase{"standalone_section_lines", "Tags:\n{{#tags}}\n- {{.}}\n{{/tags}}\nend",
                   R"({"tags": ["a", "b"]})", "Tags:\n- a\n- b\nend"},
        RenderCase{"comment", "a{{! ignored }}b", "{}", "ab"},
        RenderCase{"set_delimiters", "{{=<% %>=}}<% x %> {{x}}", R"({"x": "y"})", "y {{x}}"},
        RenderCase{"braces_in_values_are_not_templates", "{{x}}", R"({"x": "{{y}}"})", "{{y}}"},
        RenderCase{"no_tags", "Route the message.\n", R"({"x": 1})", "Route the message.\n"},
        RenderCase{"dot_is_the_whole_context", "{{.}}", R"({"b": 1, "a": "x"})",
                   R"({"a":"x","b":1})"},
        RenderCase{"dotted_through_a_non_object", "[{{s.x}}][{{n.x}}]", R"({"s": "t", "n": 2})",
                   "[][]"},
        RenderCase{"variables_side_by_side", "{{a}}{{{b}}}{{& c }}.",
                   R"({"a": 1, "b": "2", "c": [3]})", "12[3]."},
        RenderCase{"non_ascii_in_an_object_value", "{{o}}", R"({"o": {"k": "\u00ff"}})",
                   "{\"k\":\"\xc3\xbf\"}"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RenderTest, SyntaxProblemIsAnError) {
  Result<std::string> out = RenderTemplate("{{#a}}x", Json::object());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message, "offset 3: section \"a\" is never closed");
}

TEST(TemplateTest, CompiledOnceRenderedFromManyThreads) {
  Result<Template> tmpl = Template::Compile("{{#items}}{{.}},{{/items}} {{name}}");
  ASSERT_TRUE(tmpl.ok()) << tmpl.error().message;
  Template copy = *tmpl;  // shares the parsed form
  EXPECT_EQ(copy.text(), "{{#items}}{{.}},{{/items}} {{name}}");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&copy, &failures, t] {
      for (int i = 0; i < 200; ++i) {
        Json context = {{"items", {t, i}}, {"name", "n" + std::to_string(t)}};
        Result<std::string> out = copy.Render(context);
        std::string expected =
            std::to_string(t) + "," + std::to_string(i) + ", n" + std::to_string(t);
        if (!out.ok() || *out != expected) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
  EXPECT_EQ(*Template().Render(Json::object()), "");
}

struct ParseCase {
  const char* name;
  std::string tmpl;
  size_t offset;
  std::string problem;
};

class ParseProblemTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseProblemTest, Golden) {
  const ParseCase& c = GetParam();
  ParsedTemplate parsed = ParseTemplate(c.tmpl);
  ASSERT_TRUE(parsed.problem.has_value());
  EXPECT_EQ(parsed.problem->offset, c.offset);
  EXPECT_EQ(parsed.problem->message, c.problem);
}

INSTANTIATE_TEST_SUITE_P(
    Golden, ParseProblemTest,
    ::testing::Values(
        ParseCase{"unclosed_tag", "ab {{x", 3, "unclosed tag \"{{\" (no \"}}\" after it)"},
        ParseCase{"unclosed_triple", "{{{x}}", 0, "unclosed tag \"{{\" (no \"}}}\" after it)"},
        ParseCase{"never_closed", "{{#a}}{{#b}}{{/b}}", 3, "section \"a\" is never closed"},
        ParseCase{"close_without_open", "x{{/a}}", 4,
                  "closing tag for \"a\" without an open section"},
        ParseCase{"mismatch", "{{#a}}{{/b}}", 9,
                  "closing tag for \"b\" does not match the open section \"a\""},
        ParseCase{"empty_tag", "a{{ }}", 1, "empty tag"},
        ParseCase{"partial", "{{>p}}", 0, "partials ({{>name}}) are not supported"},
        ParseCase{"bad_delimiters", "{{=<%=}}", 0,
                  "invalid set-delimiter tag (write it as {{=<% %>=}})"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ParseTemplateTest, TagsAndNameOffsets) {
  ParsedTemplate parsed = ParseTemplate("a {{ x }} {{#list}}{{{y}}}{{/list}}");
  ASSERT_FALSE(parsed.problem.has_value());
  ASSERT_EQ(parsed.tags.size(), 4u);
  EXPECT_EQ(parsed.tags[0].name, "x");
  EXPECT_EQ(parsed.tags[0].name_offset, 5u);
  EXPECT_EQ(parsed.tags[1].kind, TemplateTagKind::kSection);
  EXPECT_EQ(parsed.tags[1].name_offset, 13u);
  EXPECT_EQ(parsed.tags[2].kind, TemplateTagKind::kVariable);
  EXPECT_EQ(parsed.tags[2].name, "y");
  EXPECT_EQ(parsed.tags[3].kind, TemplateTagKind::kSectionEnd);
}

struct UndeclaredCase {
  const char* name;
  std::string tmpl;
  std::string expected;  // the undeclared tag's name, "" when all are declared
};

class UndeclaredTest : public ::testing::TestWithParam<UndeclaredCase> {};

TEST_P(UndeclaredTest, Golden) {
  const UndeclaredCase& c = GetParam();
  const std::map<std::string, std::string> types = {
      {"text", "string"}, {"items", "array"}, {"user", "object"}, {"urgent", "boolean"}};
  ParsedTemplate parsed = ParseTemplate(c.tmpl);
  ASSERT_FALSE(parsed.problem.has_value());
  const TemplateTag* tag = FirstUndeclared(parsed, types);
  EXPECT_EQ(tag == nullptr ? "" : tag->name, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Golden, UndeclaredTest,
    ::testing::Values(
        UndeclaredCase{"declared", "{{text}} {{user.name}} {{.}}", ""},
        UndeclaredCase{"undeclared", "{{text}} {{txt}}", "txt"},
        UndeclaredCase{"dotted_checks_first_part", "{{usr.name}}", "usr.name"},
        UndeclaredCase{"list_element_names_unchecked", "{{#items}}{{label}}{{/items}}{{x}}", "x"},
        UndeclaredCase{"object_section_unchecked", "{{#user}}{{name}}{{/user}}", ""},
        UndeclaredCase{"boolean_section_checked", "{{#urgent}}{{txt}}{{/urgent}}", "txt"},
        UndeclaredCase{"inverted_section_checked", "{{^items}}{{none}}{{/items}}", "none"},
        UndeclaredCase{"section_name_checked", "{{#things}}x{{/things}}", "things"},
        UndeclaredCase{"comments_ignored", "{{! {{nope}} }}", ""}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace centaur
