// Task accessors that do not parse: labels, the canonical spec and version,
// output-ordered JSON.
#include "prompt/task.h"

#include "core/hash.h"
#include "prompt/yaml_value.h"

namespace centaur {
namespace {

using prompt_internal::DumpCompact;
using prompt_internal::PointerToken;
using OutputOrder = std::map<std::string, std::vector<std::string>>;

void AppendOrdered(const Json& value, const std::string& pointer, const OutputOrder& order,
                   std::string* out) {
  if (value.is_object()) {
    std::vector<std::string> keys;
    auto listed = order.find(pointer);
    if (listed != order.end()) {
      for (const std::string& key : listed->second) {
        if (value.contains(key)) keys.push_back(key);
      }
    }
    size_t known = keys.size();
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (std::find(keys.begin(), keys.begin() + known, it.key()) == keys.begin() + known) {
        keys.push_back(it.key());
      }
    }
    out->push_back('{');
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i > 0) out->push_back(',');
      *out += DumpCompact(Json(keys[i]));
      out->push_back(':');
      AppendOrdered(value[keys[i]], pointer + "/properties/" + PointerToken(keys[i]), order, out);
    }
    out->push_back('}');
  } else if (value.is_array()) {
    out->push_back('[');
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendOrdered(value[i], pointer + "/items", order, out);
    }
    out->push_back(']');
  } else {
    *out += DumpCompact(value);
  }
}

}  // namespace

std::vector<std::string> Task::TargetLabels() const {
  std::vector<std::string> labels;
  if (target.empty() || !output_schema.is_object()) return labels;
  const Json* property = nullptr;
  auto properties = output_schema.find("properties");
  if (properties != output_schema.end() && properties->is_object()) {
    auto it = properties->find(target);
    if (it != properties->end()) property = &*it;
  }
  if (property == nullptr || !property->is_object()) return labels;
  auto values = property->find("enum");
  if (values == property->end() || !values->is_array()) return labels;
  for (const Json& value : *values) {
    labels.push_back(value.is_string() ? value.get<std::string>() : DumpCompact(value));
  }
  return labels;
}

Json TaskSpecJson(const Task& task) {
  Json inputs = Json::object();
  for (const TaskInput& input : task.inputs) inputs[input.name] = input.schema;
  Json examples = Json::array();
  for (const TaskExample& example : task.examples) {
    examples.push_back({{"input", example.input}, {"output", example.output}});
  }
  Json params = {{"temperature", task.params.temperature},
                 {"max_tokens", task.params.max_tokens},
                 {"seed", task.params.seed.has_value() ? Json(*task.params.seed) : Json()}};
  return {{"model", task.model},
          {"params", params},
          {"inputs", inputs},
          {"system", task.system_template},
          {"user", task.user_template},
          {"examples", examples},
          {"examples_mode", task.examples_mode == ExamplesMode::kSection ? "section" : "turns"},
          {"output", task.output_schema},
          {"output_order", task.output_order},
          {"target", task.target},
          {"attempts", task.attempts},
          {"chat_template", task.chat_template.has_value() ? Json(*task.chat_template) : Json()}};
}

std::string TaskVersion(const Task& task) { return Hash64Hex(DumpCompact(TaskSpecJson(task))); }

std::string DumpInOutputOrder(const Task& task, const Json& value) {
  std::string out;
  AppendOrdered(value, "", task.output_order, &out);
  return out;
}

}  // namespace centaur
