#include "server/annotate.h"

#include <fmt/format.h>

#include "engine/protocol.h"
#include "engine/run_target.h"

namespace centaur::server {
namespace {

Error Bad(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The enum value of an enum target whose label text is `label`.
std::optional<Json> EnumValue(const RunTarget& t, const std::string& label) {
  const Json& schema = t.output_schema;
  auto props = schema.is_object() ? schema.find("properties") : schema.end();
  if (props == schema.end() || !props->is_object()) return std::nullopt;
  auto prop = props->find(t.field);
  if (prop == props->end() || !prop->is_object()) return std::nullopt;
  auto values = prop->find("enum");
  if (values == prop->end() || !values->is_array()) return std::nullopt;
  for (const Json& v : *values) {
    if (LabelText(v) == label) return v;
  }
  return std::nullopt;
}

}  // namespace

Result<AnnotateOutcome> RecordAnnotation(Store* store, const AnnotationRequest& request,
                                         const std::string& default_annotator) {
  auto run = store->GetRun(request.run_id);
  if (!run.ok()) {
    if (run.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kNotFound, fmt::format("no run {}", request.run_id));
    }
    return run.error();
  }
  if (!run->spec.dataset_id) {
    return Bad(
        fmt::format("run {} is a single call with no dataset: nothing to annotate", run->id));
  }
  Annotation a;
  a.dataset_id = *run->spec.dataset_id;
  a.run_id = run->id;
  a.item_id = request.item_id;
  a.action = request.action;
  a.annotator = request.annotator.empty() ? default_annotator : request.annotator;
  a.note = request.note;
  CENTAUR_ASSIGN_OR_RETURN(a.protocol_version, LatestProtocolVersion(store, run->spec.task_name));

  if (a.action == "undo") {
    if (request.undoes) {
      a.undoes = request.undoes;
    } else {
      CENTAUR_ASSIGN_OR_RETURN(std::optional<Annotation> last,
                               store->LastUndoable(a.dataset_id, a.annotator, run->id));
      if (!last) return Bad(fmt::format("{} has nothing to undo in run {}", a.annotator, run->id));
      a.undoes = last->id;
      a.item_id = last->item_id;
    }
  } else {
    // The item must have a result in this run: that is what is being judged.
    auto result = store->GetResult(run->id, a.item_id);
    if (!result.ok()) {
      if (result.error().code == ErrorCode::kNotFound) {
        return MakeError(ErrorCode::kNotFound,
                         fmt::format("item \"{}\" has no result in run {}", a.item_id, run->id));
      }
      return result.error();
    }
    if (a.action == "label" || a.action == "accept") {
      auto target = LoadRunTarget(store, run->spec);
      RunTarget t = target.ok() ? *target : RunTarget{};
      if (a.action == "accept") {
        std::optional<Json> value =
            result->status == "ok" ? TargetValue(t, result->output) : std::nullopt;
        if (!value) {
          return Bad(
              fmt::format("item \"{}\" has no output to accept in run {}", a.item_id, run->id));
        }
        a.label = *value;
      } else {
        a.label = request.label;
        if (t.classification()) {
          std::optional<Json> value = EnumValue(t, LabelText(*a.label));
          if (!value) {
            return Bad(fmt::format("label \"{}\" is not one of the task's classes: {}",
                                   LabelText(*a.label), Join(t.labels)));
          }
          a.label = *value;
        }
      }
    }
  }
  auto stored = store->AddAnnotation(a);
  if (!stored.ok()) {
    // The store's messages start with the database path; the client needs none of it.
    Error e = stored.error();
    if (size_t p = e.message.find(": no item"); p != std::string::npos) {
      e.message = e.message.substr(p + 2);
    }
    return e;
  }
  AnnotateOutcome out;
  out.annotation = *stored;
  auto after = store->GetResult(run->id, stored->item_id);
  if (after.ok()) out.gold = after->gold;
  return out;
}

}  // namespace centaur::server
