// Loading valid tasks, rendering conversations and requests, versions, and
// the starter task `centaur init` writes.
#include "prompt/task.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace centaur {
namespace {

using testing::Lines;
using testing::TempDir;

const std::string kTask = Lines({
    "# Route a message.",
    "name: intent",
    "model: openai:gpt-4o-mini-2024-07-18",
    "params: {temperature: 0.5, max_tokens: 200, seed: 7}",
    "inputs:",
    "  text: {type: string}",
    "  lang: string",
    "prompt:",
    "  system: |",
    "    Route the message. <b>&\"quotes\" stay</b>",
    "  user: |",
    "    [{{lang}}] {{text}}",
    "examples:",
    "  - input: {text: where is my card, lang: en}",
    "    output: {label: card_arrival, thoughts: waiting for a card}",
    "output:",
    "  type: object",
    "  properties:",
    "    thoughts: {type: string}",
    "    label: {enum: [refund, card_arrival, other]}",
    "  required: [thoughts, label]",
    "  additionalProperties: false",
    "target: label",
    "attempts: 2",
});

Task MustParse(const std::string& yaml, const std::string& path = "task.yaml") {
  Result<Task> task = ParseTask(yaml, path);
  EXPECT_TRUE(task.ok()) << (task.ok() ? "" : task.error().message);
  return task.ok() ? std::move(task).value() : Task();
}

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(CENTAUR_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(LoadTaskTest, Fields) {
  Task task = MustParse(kTask);
  EXPECT_EQ(task.name, "intent");
  EXPECT_EQ(task.model, "openai:gpt-4o-mini-2024-07-18");
  EXPECT_DOUBLE_EQ(task.params.temperature, 0.5);
  EXPECT_EQ(task.params.max_tokens, 200);
  EXPECT_EQ(task.params.seed, 7);
  ASSERT_EQ(task.inputs.size(), 2u);
  EXPECT_EQ(task.inputs[0].name, "text");
  EXPECT_EQ(task.inputs[1].name, "lang");
  EXPECT_EQ(task.inputs[1].type, "string");
  EXPECT_EQ(task.inputs[1].schema, Json({{"type", "string"}}));
  EXPECT_EQ(task.system_template, "Route the message. <b>&\"quotes\" stay</b>");
  EXPECT_EQ(task.user_template, "[{{lang}}] {{text}}");  // final newline dropped
  ASSERT_EQ(task.examples.size(), 1u);
  EXPECT_EQ(task.examples[0].output["label"], "card_arrival");
  EXPECT_EQ(task.examples_mode, ExamplesMode::kTurns);
  EXPECT_EQ(task.target, "label");
  EXPECT_EQ(task.attempts, 2);
  EXPECT_FALSE(task.chat_template.has_value());
  EXPECT_EQ(task.TargetLabels(), (std::vector<std::string>{"refund", "card_arrival", "other"}));
  EXPECT_EQ(task.output_order.at(""), (std::vector<std::string>{"thoughts", "label"}));
  EXPECT_EQ(task.source_path, "task.yaml");
  EXPECT_EQ(task.source_text, kTask);
  EXPECT_EQ(task.version.size(), 16u);
  EXPECT_EQ(task.version, TaskVersion(task));
}

TEST(LoadTaskTest, Defaults) {
  Task task = MustParse(Lines(
      {"name: t", "model: ollama:llama3:8b", "inputs: {text: string}", "prompt: {user: hi}"}));
  EXPECT_DOUBLE_EQ(task.params.temperature, SamplingParams::kDefaultTemperature);
  EXPECT_EQ(task.params.max_tokens, SamplingParams::kDefaultMaxTokens);
  EXPECT_FALSE(task.params.seed.has_value());
  EXPECT_EQ(task.attempts, Task::kDefaultAttempts);
  EXPECT_TRUE(task.output_schema.is_null());
  EXPECT_TRUE(task.system_template.empty());
  EXPECT_TRUE(task.TargetLabels().empty());
}

TEST(LoadTaskTest, YamlCoreSchemaScalars) {
  // `yes` is a string in YAML 1.2; quoted numbers are strings.
  Task task = MustParse(Lines({"name: t", "model: openai:m",
                               "inputs:", "  text: {type: string, enum: [yes, \"1\", no]}",
                               "prompt: {user: hi}", "chat_template: \"{{x}}\""}));
  EXPECT_EQ(task.inputs[0].schema["enum"], Json::parse(R"(["yes", "1", "no"])"));
  EXPECT_EQ(task.chat_template, "{{x}}");
}

TEST(RenderMessagesTest, ExamplesAsTurns) {
  Task task = MustParse(kTask);
  Result<std::vector<ChatMessage>> messages =
      RenderMessages(task, {{"text", "<i>refund & more</i>"}, {"lang", "en"}});
  ASSERT_TRUE(messages.ok()) << messages.error().message;
  ASSERT_EQ(messages->size(), 4u);
  EXPECT_EQ((*messages)[0].role, "system");
  EXPECT_EQ((*messages)[0].content, "Route the message. <b>&\"quotes\" stay</b>");
  EXPECT_EQ((*messages)[1].role, "user");
  EXPECT_EQ((*messages)[1].content, "[en] where is my card");
  EXPECT_EQ((*messages)[2].role, "assistant");
  // Keys in the schema's order (thoughts first), not the example's or sorted.
  EXPECT_EQ((*messages)[2].content, R"({"thoughts":"waiting for a card","label":"card_arrival"})");
  EXPECT_EQ((*messages)[3].role, "user");
  EXPECT_EQ((*messages)[3].content, "[en] <i>refund & more</i>");
}

TEST(RenderMessagesTest, NonStringInputsRenderAsJson) {
  Task task = MustParse(Lines({"name: t", "model: openai:m",
                               "inputs: {n: integer, tags: array, meta: object, ok: boolean}",
                               "prompt: {user: \"{{n}} {{tags}} {{meta}} {{ok}}\"}"}));
  Result<std::vector<ChatMessage>> messages = RenderMessages(
      task, Json::parse(R"({"n": 3, "tags": ["a"], "meta": {"k": null}, "ok": false})"));
  ASSERT_TRUE(messages.ok()) << messages.error().message;
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0].content, R"(3 ["a"] {"k":null} false)");
}

TEST(RenderMessagesTest, ExamplesAsSection) {
  TempDir dir;
  dir.Write("examples.jsonl",
            R"({"input": {"text": "a"}, "output": {"label": "refund", "thoughts": "t1"}})"
            "\n"
            R"({"input": {"text": "b"}, "output": {"label": "other", "thoughts": "t2"}})"
            "\n");
  std::string yaml =
      Lines({"name: t", "model: openai:m", "inputs: {text: string}", "prompt:", "  system: |",
             "    Examples:", "    {{#examples}}",
             "    {{input.text}} -> {{output.label}} {{output_json}}", "    {{/examples}}",
             "  user: \"{{text}}\"", "examples: {file: examples.jsonl, mode: section}",
             "output:", "  type: object", "  properties:", "    thoughts: {type: string}",
             "    label: {type: string}"});
  Result<Task> task = LoadTask(dir.Write("task.yaml", yaml));
  ASSERT_TRUE(task.ok()) << task.error().message;
  EXPECT_EQ(task->examples_mode, ExamplesMode::kSection);
  Result<std::vector<ChatMessage>> messages = RenderMessages(*task, {{"text", "c"}});
  ASSERT_TRUE(messages.ok()) << messages.error().message;
  ASSERT_EQ(messages->size(), 2u);  // no example turns in section mode
  EXPECT_EQ((*messages)[0].content,
            "Examples:\n"
            "a -> refund {\"thoughts\":\"t1\",\"label\":\"refund\"}\n"
            "b -> other {\"thoughts\":\"t2\",\"label\":\"other\"}\n");
  EXPECT_EQ((*messages)[1].content, "c");
}

TEST(RenderMessagesTest, MissingInputIsAnError) {
  Task task = MustParse(kTask);
  Result<std::vector<ChatMessage>> messages = RenderMessages(task, {{"text", "x"}});
  ASSERT_FALSE(messages.ok());
  EXPECT_EQ(messages.error().message, "the input has no \"lang\" (the task declares it)");
  Result<std::vector<ChatMessage>> not_object = RenderMessages(task, Json::array());
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.error().message,
            "the input must be a JSON object of the task's inputs, got array");
}

TEST(RenderMessagesTest, EditedTemplateRendersItsText) {
  Task task = MustParse(kTask);
  Task edited = task;  // copies share the compiled templates
  edited.user_template = "{{text}}!";
  edited.system_template.clear();
  Result<std::vector<ChatMessage>> messages =
      RenderMessages(edited, {{"text", "x"}, {"lang", "en"}});
  ASSERT_TRUE(messages.ok()) << messages.error().message;
  ASSERT_EQ(messages->size(), 3u);
  EXPECT_EQ(messages->back().content, "x!");
  Result<std::vector<ChatMessage>> original = RenderMessages(task, {{"text", "x"}, {"lang", "en"}});
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(original->back().content, "[en] x");
}

TEST(BuildRequestTest, ModelSchemaAndParams) {
  Task task = MustParse(kTask);
  Json input = {{"text", "x"}, {"lang", "en"}};
  Result<ChatRequest> request = BuildRequest(task, input, "");
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->model, "gpt-4o-mini-2024-07-18");
  ASSERT_NE(request->schema, nullptr);
  EXPECT_EQ(request->schema, task.wire_schema);  // shared, not copied per request
  EXPECT_EQ(Json(request->schema->json), task.output_schema);
  // The wire schema keeps the file's property order: thoughts before the answer.
  const std::string& text = request->schema->text;
  EXPECT_LT(text.find("\"thoughts\""), text.find("\"label\"")) << text;
  EXPECT_DOUBLE_EQ(request->params.temperature, 0.5);
  EXPECT_EQ(request->params.max_tokens, 200);
  EXPECT_EQ(request->params.seed, 7);
  EXPECT_EQ(request->messages.size(), 4u);
  // The engine passes the provider's model name of the reference in use.
  Result<ChatRequest> other = BuildRequest(task, input, "llama3:8b");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->model, "llama3:8b");
}

TEST(DumpInOutputOrderTest, NestedObjectsAndArrays) {
  Task task = MustParse(Lines({
      "name: t",
      "model: openai:m",
      "inputs: {text: string}",
      "prompt: {user: hi}",
      "output:",
      "  type: object",
      "  properties:",
      "    z: {type: string}",
      "    items:",
      "      type: array",
      "      items:",
      "        type: object",
      "        properties: {name: {type: string}, count: {type: integer}}",
      "    a: {type: string}",
  }));
  Json value = Json::parse(
      R"({"a": "1", "items": [{"count": 2, "name": "n", "extra": true}], "z": "2", "more": 0})");
  EXPECT_EQ(DumpInOutputOrder(task, value),
            R"({"z":"2","items":[{"name":"n","count":2,"extra":true}],"a":"1","more":0})");
}

TEST(TaskVersionTest, FormattingCommentsAndKeyOrderDoNotMatter) {
  Task a = MustParse(kTask);
  std::string reformatted = Lines({
      "attempts: 2",
      "target: label",
      "output:",
      "    type: object",
      "    additionalProperties: false",
      "    required: [thoughts, label]",
      "    properties: {thoughts: {type: string}, label: {enum: [refund, card_arrival, other]}}",
      "prompt: {user: \"[{{lang}}] {{text}}\",",
      "         system: \"Route the message. <b>&\\\"quotes\\\" stay</b>\"}  # same text",
      "inputs: {text: {type: string}, lang: {type: string}}",
      "examples: [{output: {thoughts: waiting for a card, label: card_arrival},",
      "            input: {lang: en, text: where is my card}}]",
      "params:",
      "  seed: 7",
      "  max_tokens: 200",
      "  temperature: 0.50",
      "model: 'openai:gpt-4o-mini-2024-07-18'",
      "name: a-new-name  # the name does not change behaviour",
  });
  Task b = MustParse(reformatted);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(TaskSpecJson(a), TaskSpecJson(b));
}

TEST(TaskVersionTest, BehaviourChangesChangeIt) {
  Task base = MustParse(kTask);
  auto changed = [&](const std::string& from, const std::string& to) {
    std::string yaml = kTask;
    size_t at = yaml.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    yaml.replace(at, from.size(), to);
    return MustParse(yaml).version;
  };
  EXPECT_NE(changed("Route the message.", "Route this message."), base.version);
  EXPECT_NE(changed("temperature: 0.5", "temperature: 0.6"), base.version);
  EXPECT_NE(changed("attempts: 2", "attempts: 3"), base.version);
  EXPECT_NE(changed("waiting for a card", "card not here"), base.version);
  EXPECT_NE(changed("model: openai:gpt-4o-mini-2024-07-18", "model: openai:gpt-4o"), base.version);
  // Property order is the order the model writes in: it changes behaviour.
  EXPECT_NE(
      changed("    thoughts: {type: string}\n    label: {enum: [refund, card_arrival, other]}",
              "    label: {enum: [refund, card_arrival, other]}\n    thoughts: {type: string}"),
      base.version);
}

TEST(TaskVersionTest, ExamplesFileContentCounts) {
  TempDir dir;
  std::string yaml = Lines({"name: t", "model: openai:m", "inputs: {text: string}",
                            "prompt: {user: \"{{text}}\"}", "examples: {file: ex.jsonl}"});
  std::string task_path = dir.Write("task.yaml", yaml);
  dir.Write("ex.jsonl", R"({"input": {"text": "a"}, "output": "A"})"
                        "\n");
  Result<Task> first = LoadTask(task_path);
  ASSERT_TRUE(first.ok()) << first.error().message;
  dir.Write("ex.jsonl", R"({"input": {"text": "a"}, "output": "B"})"
                        "\n");
  Result<Task> second = LoadTask(task_path);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first->version, second->version);
  // Free-text outputs are sent as they are.
  Result<std::vector<ChatMessage>> messages = RenderMessages(*second, {{"text", "q"}});
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 3u);
  EXPECT_EQ((*messages)[1].content, "B");
}

// `centaur init` writes data/init_task.yaml as task.yaml next to
// data/init_examples.jsonl as examples.jsonl; that project must load.
TEST(StarterTaskTest, InitFilesLoad) {
  TempDir dir;
  dir.Write("examples.jsonl", ReadSource("data/init_examples.jsonl"));
  std::string text = ReadSource("data/init_task.yaml");
  ASSERT_FALSE(text.empty());
  Result<Task> task = LoadTask(dir.Write("task.yaml", text));
  ASSERT_TRUE(task.ok()) << task.error().message;
  EXPECT_EQ(task->model, "openai:gpt-4o-mini-2024-07-18");
  EXPECT_DOUBLE_EQ(task->params.temperature, 0);
  EXPECT_EQ(task->target, "label");
  EXPECT_EQ(task->TargetLabels().size(), 5u);
  EXPECT_EQ(task->output_order.at("").front(), "thoughts");
  EXPECT_EQ(task->examples.size(), 3u);
  Result<ChatRequest> request = BuildRequest(*task, {{"text", "my card has not arrived"}}, "");
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->messages.size(), 1u + 2u * 3u + 1u);

  // The sample data's labels are the task's labels.
  std::istringstream csv(ReadSource("data/init_data.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "text,label");
  int rows = 0;
  std::vector<std::string> labels = task->TargetLabels();
  while (std::getline(csv, line)) {
    ++rows;
    std::string label = line.substr(line.rfind(',') + 1);
    EXPECT_NE(std::find(labels.begin(), labels.end(), label), labels.end()) << line;
  }
  EXPECT_EQ(rows, 12);
}

}  // namespace
}  // namespace centaur
