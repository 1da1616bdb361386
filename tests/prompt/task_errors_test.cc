// Every task-file error, with its exact text: FILE:LINE:COL: message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "prompt/task.h"
#include "test_util.h"

namespace centaur {
namespace {

using testing::Lines;
using testing::TempDir;
using testing::WithDir;

struct ErrorCase {
  const char* name;
  std::string yaml;
  std::string expected;  // the whole message; "{dir}" is the test's temp dir
};

// Shared tail: a task whose output has a thoughts field and a label enum.
const char* const kOutput =
    "output:\n"
    "  type: object\n"
    "  properties:\n"
    "    thoughts: {type: string}\n"
    "    label: {enum: [refund, card_arrival, other]}\n"
    "  required: [thoughts, label]\n";

const std::vector<ErrorCase>& ErrorCases() {
  static const std::vector<ErrorCase> cases = {
      // Keys.
      {"unknown_key_suggests_nearest",
       Lines({"name: t", "model: openai:m", "promt: {user: hi}", "inputs: {text: {type: string}}"}),
       "task.yaml:3:1: unknown key \"promt\" (did you mean \"prompt\"?)"},
      {"unknown_key_lists_known_keys",
       Lines({"name: t", "model: openai:m", "labels: [a]", "inputs: {text: string}",
              "prompt: {user: hi}"}),
       "task.yaml:3:1: unknown key \"labels\" (known keys: name, model, params, inputs, prompt, "
       "examples, output, target, attempts, chat_template)"},
      {"unknown_key_in_params",
       Lines({"name: t", "model: openai:m", "params: {temprature: 0}", "inputs: {text: string}",
              "prompt: {user: hi}"}),
       "task.yaml:3:10: unknown key \"temprature\" in params (did you mean \"temperature\"?)"},
      {"unknown_key_in_prompt",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt:", "  sytem: hi",
              "  user: hi"}),
       "task.yaml:5:3: unknown key \"sytem\" in prompt (did you mean \"system\"?)"},
      {"unknown_key_in_examples",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "examples: {file: e.jsonl, mdoe: section}"}),
       "task.yaml:5:27: unknown key \"mdoe\" in examples (did you mean \"mode\"?)"},
      {"duplicate_key",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "name: u"}),
       "task.yaml:5:1: duplicate key \"name\" (first at line 1)"},
      {"missing_required_key", Lines({"name: t", "inputs: {text: string}", "prompt: {user: hi}"}),
       "task.yaml: missing required key \"model\""},
      {"missing_prompt_user",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt:", "  system: hi"}),
       "task.yaml:5:3: missing required key \"prompt.user\""},
      {"empty_file", "# nothing yet\n",
       "task.yaml: the file is empty (a task needs name, model, inputs and prompt)"},
      {"not_a_mapping", Lines({"- name: t"}),
       "task.yaml:1:1: a task file must be a mapping of keys (name, model, inputs, prompt, ...), "
       "got a list"},
      // YAML syntax.
      {"yaml_syntax_error",
       Lines({"name: t", "model: openai:m", "inputs: {text: [string", "prompt: {user: hi}"}),
       "task.yaml:4:7: end of sequence flow not found"},
      // Types and ranges.
      {"temperature_wrong_type",
       Lines({"name: t", "model: openai:m", "params:", "  temperature: hot",
              "inputs: {text: string}", "prompt: {user: hi}"}),
       "task.yaml:4:16: \"params.temperature\" must be a number, got string \"hot\""},
      {"temperature_out_of_range",
       Lines({"name: t", "model: openai:m", "params: {temperature: 3}", "inputs: {text: string}",
              "prompt: {user: hi}"}),
       "task.yaml:3:23: \"params.temperature\" must be between 0 and 2, got 3"},
      {"max_tokens_not_integer",
       Lines({"name: t", "model: openai:m", "params: {max_tokens: 2.5}", "inputs: {text: string}",
              "prompt: {user: hi}"}),
       "task.yaml:3:22: \"params.max_tokens\" must be an integer, got number 2.5"},
      {"max_tokens_zero",
       Lines({"name: t", "model: openai:m", "params: {max_tokens: 0}", "inputs: {text: string}",
              "prompt: {user: hi}"}),
       "task.yaml:3:22: \"params.max_tokens\" must be at least 1, got 0"},
      {"seed_quoted",
       Lines({"name: t", "model: openai:m", "params: {seed: \"7\"}", "inputs: {text: string}",
              "prompt: {user: hi}"}),
       "task.yaml:3:16: \"params.seed\" must be an integer, got string \"7\""},
      {"params_not_a_mapping",
       Lines({"name: t", "model: openai:m", "params: fast", "inputs: {text: string}",
              "prompt: {user: hi}"}),
       "task.yaml:3:9: \"params\" must be a mapping, got string \"fast\""},
      {"null_value_points_at_key",
       Lines({"name:", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}"}),
       "task.yaml:1:1: \"name\" must be a string, got null"},
      {"attempts_zero",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "attempts: 0"}),
       "task.yaml:5:11: \"attempts\" must be at least 1, got 0"},
      {"chat_template_not_string",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "chat_template: [a]"}),
       "task.yaml:5:16: \"chat_template\" must be a string, got a list"},
      // Model reference.
      {"model_without_provider",
       Lines({"name: t", "model: gpt-4o", "inputs: {text: string}", "prompt: {user: hi}"}),
       "task.yaml:2:8: model \"gpt-4o\" must be \"provider:model\" (e.g. "
       "openai:gpt-4o-mini-2024-07-18)"},
      {"model_empty_name",
       Lines({"name: t", "model: \"openai:\"", "inputs: {text: string}", "prompt: {user: hi}"}),
       "task.yaml:2:8: model \"openai:\" must be \"provider:model\" (e.g. "
       "openai:gpt-4o-mini-2024-07-18)"},
      // Inputs.
      {"inputs_empty", Lines({"name: t", "model: openai:m", "inputs: {}", "prompt: {user: hi}"}),
       "task.yaml:3:9: \"inputs\" must declare at least one variable, e.g. "
       "inputs: {text: {type: string}}"},
      {"input_unknown_type",
       Lines({"name: t", "model: openai:m", "inputs:", "  text: {type: strin}",
              "prompt: {user: hi}"}),
       "task.yaml:4:16: \"inputs.text.type\" must be one of string, number, integer, boolean, "
       "object, array, got string \"strin\""},
      {"input_without_type",
       Lines({"name: t", "model: openai:m", "inputs:", "  text: {description: the message}",
              "prompt: {user: hi}"}),
       "task.yaml:4:9: missing required key \"inputs.text.type\""},
      {"input_bad_name",
       Lines({"name: t", "model: openai:m", "inputs:", "  my text: string", "prompt: {user: hi}"}),
       "task.yaml:4:3: input name \"my text\" must be letters, digits and _, not starting with a "
       "digit"},
      {"input_invalid_schema",
       Lines({"name: t", "model: openai:m", "inputs:", "  text: {type: string, maxLength: -1}",
              "prompt: {user: hi}"}),
       "task.yaml:4:9: \"inputs.text\" is not a valid JSON Schema: /: \"maxLength\": must be a "
       "non-negative integer, got -1"},
      // Templates.
      {"undeclared_variable_in_block_scalar",
       Lines({"name: t", "model: openai:m", "inputs:", "  text: {type: string}", "prompt:",
              "  system: |", "    Route the message.", "  user: |", "    Message: {{ txt }}"}),
       "task.yaml:9:17: template variable \"txt\" is not declared in inputs (declared: text)"},
      {"undeclared_variable_in_quoted_scalar",
       Lines({"name: t", "model: openai:m", "inputs: {text: string, lang: string}",
              "prompt: {user: \"{{lang}}: {{text}} {{txt.x}}\"}"}),
       "task.yaml:4:38: template variable \"txt\" is not declared in inputs (declared: text, "
       "lang)"},
      {"undeclared_variable_second_occurrence",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt:", "  user: |",
              "    {{#flag}}a{{/flag}}", "    {{text}}"}),
       "task.yaml:6:8: template variable \"flag\" is not declared in inputs (declared: text)"},
      {"undeclared_variable_inside_scalar_section",
       Lines({"name: t", "model: openai:m", "inputs: {text: string, urgent: boolean}",
              "prompt:", "  user: |", "    {{#urgent}}URGENT {{txt}}{{/urgent}}"}),
       "task.yaml:6:25: template variable \"txt\" is not declared in inputs (declared: text, "
       "urgent)"},
      {"leading_dot_name",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}",
              "prompt: {user: \"{{.text}}\"}"}),
       "task.yaml:4:19: template variable \".text\" is not declared in inputs (declared: text)"},
      {"examples_variable_needs_section_mode",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}",
              "prompt: {system: \"{{#examples}}{{input.text}}{{/examples}}\", user: hi}"}),
       "task.yaml:4:22: template variable \"examples\" is not declared in inputs (declared: "
       "text); templates see the examples only with examples: {file: ..., mode: section}"},
      {"unclosed_section",
       Lines({"name: t", "model: openai:m", "inputs: {items: array}", "prompt:", "  user: |",
              "    {{#items}}- {{.}}"}),
       "task.yaml:6:8: prompt.user: section \"items\" is never closed"},
      {"mismatched_section_end",
       Lines({"name: t", "model: openai:m", "inputs: {a: array, b: array}",
              "prompt:", "  user: \"{{#a}}{{#b}}x{{/a}}{{/b}}\""}),
       "task.yaml:5:26: prompt.user: closing tag for \"a\" does not match the open section \"b\""},
      {"unclosed_tag",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}",
              "prompt:", "  user: 'Message: {{text'"}),
       "task.yaml:5:19: prompt.user: unclosed tag \"{{\" (no \"}}\" after it)"},
      {"partial_not_supported",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}",
              "prompt: {user: \"{{> header}}\"}"}),
       "task.yaml:4:17: prompt.user: partials ({{>name}}) are not supported"},
      {"template_parsed_as_mapping",
       Lines(
           {"name: t", "model: openai:m", "inputs: {text: string}", "prompt:", "  user: {{text}}"}),
       "task.yaml:5:9: \"prompt.user\" must be a string, got a mapping (quote a template that "
       "starts with \"{{\")"},
      // Output schema and target.
      {"output_invalid_schema",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "output:", "  type: object", "  properties:", "    label: {type: strin}"}),
       "task.yaml:6:3: output is not a valid JSON Schema: /properties/label: \"type\": unknown "
       "type \"strin\" (did you mean \"string\"?)"},
      {"output_not_an_object_schema",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "output: {type: string}"}),
       "task.yaml:5:9: output must be an object schema (type: object, with properties)"},
      {"target_not_a_property",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}"}) +
           kOutput + "target: lable\n",
       "task.yaml:11:9: target \"lable\" is not a property of output (properties: thoughts, "
       "label)"},
      {"target_without_output",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "target: label"}),
       "task.yaml:5:9: target \"label\" needs an output schema with that property"},
      // Examples.
      {"examples_mode_unknown",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "examples: {file: e.jsonl, mode: turn}"}),
       "task.yaml:5:33: \"examples.mode\" must be turns or section, got string \"turn\""},
      {"examples_without_file",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "examples: {mode: section}"}),
       "task.yaml:5:11: missing required key \"examples.file\""},
      {"examples_wrong_type",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "examples: e.jsonl"}),
       "task.yaml:5:11: \"examples\" must be {file: PATH.jsonl} or a list of {input, output}, "
       "got string \"e.jsonl\""},
      {"examples_section_input_clash",
       Lines({"name: t", "model: openai:m", "inputs: {examples: string}", "prompt: {user: hi}",
              "examples: {file: e.jsonl, mode: section}"}),
       "task.yaml:3:10: input \"examples\" clashes with the examples list of examples.mode: "
       "section"},
      {"inline_example_output_mismatch",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}"}) +
           kOutput +
           Lines({"examples:", "  - input: {text: hi}",
                  "    output: {thoughts: greeting, label: hello}"}),
       "task.yaml:13:13: example output does not match the output schema: /label: value "
       "\"hello\" is not one of [\"refund\", \"card_arrival\", \"other\"]"},
      {"inline_example_input_mismatch",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "examples:", "  - input: {txt: hi}", "    output: yes"}),
       "task.yaml:6:12: example input does not match the inputs: /: missing required property "
       "\"text\"\n/: unexpected property \"txt\""},
      {"inline_example_unknown_key",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "examples:", "  - input: {text: hi}", "    ouput: yes"}),
       "task.yaml:7:5: unknown key \"ouput\" in example (did you mean \"output\"?)"},
      {"examples_file_not_found_next_to_task",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "examples:", "  file: no-such-examples.jsonl"}),
       "task.yaml:6:9: examples file \"no-such-examples.jsonl\" not found"},
      {"examples_file_not_found",
       Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt: {user: hi}",
              "examples:", "  file: ex.jsonl"}),
       "{dir}/task.yaml:6:9: examples file \"ex.jsonl\" not found (looked for {dir}/ex.jsonl)"},
  };
  return cases;
}

class TaskErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(TaskErrorTest, ExactMessage) {
  const ErrorCase& c = GetParam();
  TempDir dir;
  // Cases naming files load from the temp dir; the others parse as "task.yaml".
  bool in_dir = c.expected.find("{dir}") != std::string::npos;
  Result<Task> task =
      in_dir ? LoadTask(dir.Write("task.yaml", c.yaml)) : ParseTask(c.yaml, "task.yaml");
  ASSERT_FALSE(task.ok()) << c.yaml;
  EXPECT_EQ(task.error().message, WithDir(c.expected, dir.path())) << c.yaml;
}

INSTANTIATE_TEST_SUITE_P(Golden, TaskErrorTest, ::testing::ValuesIn(ErrorCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(TaskErrorTest, SyntaxErrorsAreParseErrors) {
  Result<Task> task = ParseTask("name: [t\n", "task.yaml");
  ASSERT_FALSE(task.ok());
  EXPECT_EQ(task.error().code, ErrorCode::kParse);
  Result<Task> semantic = ParseTask("name: t\n", "task.yaml");
  ASSERT_FALSE(semantic.ok());
  EXPECT_EQ(semantic.error().code, ErrorCode::kInvalidArgument);
}

TEST(TaskErrorTest, MissingTaskFile) {
  TempDir dir;
  Result<Task> task = LoadTask(dir.path() + "/nope.yaml");
  ASSERT_FALSE(task.ok());
  EXPECT_EQ(task.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(task.error().message, dir.path() + "/nope.yaml: no such task file");
}

// The examples file's own errors name the examples file and its line.
struct ExamplesFileCase {
  const char* name;
  std::string jsonl;
  std::string expected;
};

class ExamplesFileErrorTest : public ::testing::TestWithParam<ExamplesFileCase> {};

TEST_P(ExamplesFileErrorTest, ExactMessage) {
  const ExamplesFileCase& c = GetParam();
  TempDir dir;
  dir.Write("examples.jsonl", c.jsonl);
  std::string yaml = Lines({"name: t", "model: openai:m", "inputs: {text: string}",
                            "prompt: {user: hi}", "examples: {file: examples.jsonl}"}) +
                     kOutput;
  Result<Task> task = LoadTask(dir.Write("task.yaml", yaml));
  ASSERT_FALSE(task.ok());
  EXPECT_EQ(task.error().message, WithDir(c.expected, dir.path()));
}

const std::string kGood =
    R"({"input": {"text": "hi"}, "output": {"thoughts": "t", "label": "other"}})"
    "\n";

INSTANTIATE_TEST_SUITE_P(
    Golden, ExamplesFileErrorTest,
    ::testing::Values(
        ExamplesFileCase{
            "output_not_in_enum",
            kGood + "\n" + R"({"input": {"text": "a"}, "output": {"thoughts": "t", "label": "x"}})",
            "{dir}/examples.jsonl:3: example output does not match the output schema: /label: "
            "value \"x\" is not one of [\"refund\", \"card_arrival\", \"other\"]"},
        ExamplesFileCase{
            "input_wrong_type",
            kGood + R"({"input": {"text": 5}, "output": {"thoughts": "t", "label": "other"}})",
            "{dir}/examples.jsonl:2: example input does not match the inputs: /text: expected "
            "string, got integer"},
        ExamplesFileCase{"invalid_json", kGood + kGood + "{\"input\": {\"text\": \"a\"},}\n",
                         "{dir}/examples.jsonl:3:25: invalid JSON: syntax error while parsing "
                         "object key - unexpected '}'; expected string literal"},
        ExamplesFileCase{"not_an_object", "[1, 2]\n",
                         "{dir}/examples.jsonl:1: an example must be a JSON object {\"input\": "
                         "{...}, \"output\": ...}"},
        ExamplesFileCase{"unknown_key",
                         R"({"input": {"text": "a"}, "outptu": {}})"
                         "\n",
                         "{dir}/examples.jsonl:1: unknown key \"outptu\" in example (did you mean "
                         "\"output\"?)"},
        ExamplesFileCase{"missing_output",
                         R"({"input": {"text": "a"}})"
                         "\n",
                         "{dir}/examples.jsonl:1: missing required key \"output\""}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace centaur
