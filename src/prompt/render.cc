// RenderMessages / BuildRequest: one input -> the conversation and request.
#include "prompt/task.h"
#include "prompt/template.h"

namespace centaur {
namespace {

Result<std::string> Render(const Template& compiled, const std::string& tmpl, const Json& context,
                           const char* name) {
  Result<std::string> text =
      compiled.text() == tmpl ? compiled.Render(context) : RenderTemplate(tmpl, context);
  if (!text.ok()) {
    return MakeError(text.error().code, std::string(name) + ": " + text.error().message);
  }
  return text;
}

// What the model should have answered for an example: free text as it is,
// structured output as compact JSON in the schema's property order.
std::string ExampleAnswer(const Task& task, const Json& output) {
  if (output.is_string() && task.output_schema.is_null()) return output.get<std::string>();
  return DumpInOutputOrder(task, output);
}

Json ExamplesList(const Task& task) {
  Json list = Json::array();
  for (const TaskExample& example : task.examples) {
    list.push_back({{"input", example.input},
                    {"output", example.output},
                    {"output_json", DumpInOutputOrder(task, example.output)}});
  }
  return list;
}

}  // namespace

Result<std::vector<ChatMessage>> RenderMessages(const Task& task, const Json& input) {
  if (!input.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("the input must be a JSON object of the task's inputs, got ") +
                         input.type_name());
  }
  for (const TaskInput& var : task.inputs) {
    if (!input.contains(var.name)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "the input has no \"" + var.name + "\" (the task declares it)");
    }
  }
  Json context = input;
  if (task.examples_mode == ExamplesMode::kSection) context["examples"] = ExamplesList(task);
  std::vector<ChatMessage> messages;
  if (!task.system_template.empty()) {
    CENTAUR_ASSIGN_OR_RETURN(std::string system, Render(task.system_compiled, task.system_template,
                                                        context, "prompt.system"));
    if (!system.empty()) messages.push_back({"system", std::move(system)});
  }
  if (task.examples_mode == ExamplesMode::kTurns && task.example_turns &&
      task.user_compiled.text() == task.user_template) {
    messages.insert(messages.end(), task.example_turns->begin(), task.example_turns->end());
  } else if (task.examples_mode == ExamplesMode::kTurns) {
    for (const TaskExample& example : task.examples) {
      CENTAUR_ASSIGN_OR_RETURN(std::string user, Render(task.user_compiled, task.user_template,
                                                        example.input, "prompt.user"));
      messages.push_back({"user", std::move(user)});
      messages.push_back({"assistant", ExampleAnswer(task, example.output)});
    }
  }
  CENTAUR_ASSIGN_OR_RETURN(std::string user,
                           Render(task.user_compiled, task.user_template, context, "prompt.user"));
  messages.push_back({"user", std::move(user)});
  return messages;
}

Result<std::vector<ChatMessage>> RenderExampleTurns(const Task& task) {
  std::vector<ChatMessage> turns;
  for (const TaskExample& example : task.examples) {
    CENTAUR_ASSIGN_OR_RETURN(std::string user, Render(task.user_compiled, task.user_template,
                                                      example.input, "prompt.user"));
    turns.push_back({"user", std::move(user)});
    turns.push_back({"assistant", ExampleAnswer(task, example.output)});
  }
  return turns;
}

Result<ChatRequest> BuildRequest(const Task& task, const Json& input,
                                 const std::string& provider_model) {
  ChatRequest request;
  request.model = provider_model;
  if (request.model.empty()) {
    size_t colon = task.model.find(':');
    request.model = colon == std::string::npos ? task.model : task.model.substr(colon + 1);
  }
  CENTAUR_ASSIGN_OR_RETURN(request.messages, RenderMessages(task, input));
  request.schema = task.wire_schema;
  request.params = task.params;
  if (task.chat_template.has_value()) request.chat_template = *task.chat_template;
  return request;
}

}  // namespace centaur
