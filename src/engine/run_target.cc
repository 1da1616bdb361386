#include "engine/run_target.h"

namespace centaur {

RunTarget RunTargetFromSpec(const Json& spec) {
  RunTarget target;
  if (!spec.is_object()) return target;
  auto field = spec.find("target");
  if (field != spec.end() && field->is_string()) target.field = field->get<std::string>();
  auto output = spec.find("output");
  if (output != spec.end()) target.output_schema = *output;
  if (target.field.empty() || !target.output_schema.is_object()) return target;
  auto properties = target.output_schema.find("properties");
  if (properties == target.output_schema.end() || !properties->is_object()) return target;
  auto property = properties->find(target.field);
  if (property == properties->end() || !property->is_object()) return target;
  auto values = property->find("enum");
  if (values == property->end() || !values->is_array()) return target;
  for (const Json& value : *values) {
    std::string label = LabelText(value);
    bool seen = false;
    for (const std::string& l : target.labels) seen = seen || l == label;
    if (!seen) target.labels.push_back(std::move(label));
  }
  return target;
}

Result<RunTarget> LoadRunTarget(Store* store, const RunSpec& spec) {
  CENTAUR_ASSIGN_OR_RETURN(std::vector<TaskVersionRecord> versions,
                           store->ListTaskVersions(spec.task_name));
  for (const TaskVersionRecord& v : versions) {
    if (v.version == spec.task_version) return RunTargetFromSpec(v.spec);
  }
  return MakeError(ErrorCode::kNotFound, "version " + spec.task_version + " of task \"" +
                                             spec.task_name + "\" is not in the store");
}

Json RunJson(const RunInfo& r) {
  return {{"run_id", r.id},
          {"kind", r.spec.kind},
          {"task", r.spec.task_name},
          {"version", r.spec.task_version},
          {"model", r.spec.model},
          {"dataset", r.dataset_name},
          {"dataset_id", r.spec.dataset_id ? Json(*r.spec.dataset_id) : Json()},
          {"split", r.spec.split},
          {"status", r.status},
          {"items", r.results},
          {"succeeded", r.succeeded},
          {"failed", r.failed},
          {"calls", r.calls},
          {"cache_hits", r.cache_hits},
          {"input_tokens", r.input_tokens},
          {"output_tokens", r.output_tokens},
          {"cost", r.cost.has_value() ? Json(*r.cost) : Json()},
          {"labeled", r.labeled},
          {"correct", r.correct},
          {"accuracy", r.labeled > 0 ? Json(static_cast<double>(r.correct) / r.labeled) : Json()},
          {"created_ms", r.created_ms},
          {"finished_ms", r.finished_ms ? Json(r.finished_ms) : Json()}};
}

std::optional<Json> TargetValue(const RunTarget& target, const Json& output) {
  if (output.is_null()) return std::nullopt;
  if (target.field.empty()) {
    if (!output.is_object()) return output;
    Json rest = output;
    rest.erase("thoughts");
    return rest;
  }
  if (!output.is_object()) return std::nullopt;
  auto it = output.find(target.field);
  if (it == output.end()) return std::nullopt;
  return *it;
}

std::string LabelText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string ThoughtsOf(const Json& output) {
  if (!output.is_object()) return "";
  auto it = output.find("thoughts");
  if (it == output.end()) return "";
  return it->is_string() ? it->get<std::string>() : LabelText(*it);
}

}  // namespace centaur
