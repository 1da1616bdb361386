// Annotate: the queue of items to review and the decisions made on them.
#include "engine/annotate.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "engine/protocol.h"

namespace centaur {
namespace {

Error Refused(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

// Whether a result's output differs from its gold (items with a gold only).
bool IsWrong(const RunTarget& target, const ResultRecord& r) {
  if (!r.gold.has_value() || r.gold->is_null()) return false;
  if (r.status != "ok") return true;
  std::optional<Json> value = TargetValue(target, r.output);
  return !value.has_value() || LabelText(*value) != LabelText(*r.gold);
}

// Higher first under --order uncertain: failed, asked again, wrong.
int Uncertainty(const RunTarget& target, const ResultRecord& r) {
  bool asked_again = false;
  for (const AttemptRecord& a : r.attempts) asked_again = asked_again || a.status != "ok";
  return (r.status != "ok" ? 4 : 0) + (asked_again ? 2 : 0) + (IsWrong(target, r) ? 1 : 0);
}

}  // namespace

Result<AnnotateSession> AnnotateSession::Open(Store* store, int64_t run_id,
                                              const AnnotateOptions& options) {
  const std::string& only = options.only;
  if (!only.empty() && only != "wrong" && only != "unlabeled" && only != "disagreements") {
    return Refused("--only must be wrong, unlabeled or disagreements, not \"" + only + "\"");
  }
  if (!options.order.empty() && options.order != "uncertain") {
    return Refused("--order must be uncertain, not \"" + options.order + "\"");
  }
  if (options.annotator.empty()) {
    return Refused("no annotator: pass --annotator NAME (or set $USER)");
  }
  AnnotateSession s;
  s.store_ = store;
  s.options_ = options;
  CENTAUR_ASSIGN_OR_RETURN(s.run_, store->GetRun(run_id));
  if (!s.run_.spec.dataset_id.has_value()) {
    return Refused("run " + std::to_string(run_id) +
                   " is a single call; annotate a run over a dataset");
  }
  CENTAUR_ASSIGN_OR_RETURN(s.target_, LoadRunTarget(store, s.run_.spec));
  if (s.target_.output_schema.is_object()) {
    CENTAUR_ASSIGN_OR_RETURN(s.output_schema_, Schema::Compile(s.target_.output_schema));
  }
  CENTAUR_ASSIGN_OR_RETURN(s.protocol_version_,
                           LatestProtocolVersion(store, s.run_.spec.task_name));

  std::map<std::string, std::set<std::string>> labels;  // item -> distinct current labels
  if (only == "disagreements") {
    CENTAUR_ASSIGN_OR_RETURN(std::vector<Annotation> current,
                             store->CurrentLabels(*s.run_.spec.dataset_id));
    for (const Annotation& a : current) labels[a.item_id].insert(LabelText(*a.label));
  }
  const bool uncertain = options.order == "uncertain";
  std::vector<std::pair<int, std::string>> ranked;
  CENTAUR_RETURN_IF_ERROR(
      store->ForEachResult(run_id, uncertain, [&](const ResultRecord& r) -> Status {
        const bool keep = only.empty() ||
                          (only == "wrong" && (r.status != "ok" || IsWrong(s.target_, r))) ||
                          (only == "unlabeled" && !r.gold.has_value()) ||
                          (only == "disagreements" && labels[r.item_id].size() > 1);
        if (keep) ranked.emplace_back(uncertain ? Uncertainty(s.target_, r) : 0, r.item_id);
        return OkStatus();
      }));
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (auto& [rank, id] : ranked) s.queue_.push_back(std::move(id));
  return s;
}

Result<AnnotateItem> AnnotateSession::Current() {
  if (done()) return Refused("no item left");
  AnnotateItem item;
  CENTAUR_ASSIGN_OR_RETURN(item.result, store_->GetResult(run_.id, queue_[position_]));
  CENTAUR_ASSIGN_OR_RETURN(std::vector<Annotation> all,
                           store_->ListAnnotations(*run_.spec.dataset_id, queue_[position_]));
  std::map<std::string, const Annotation*> latest;  // annotator -> current label
  const Annotation* newest = nullptr;
  for (const Annotation& a : all) {
    if (a.undone) continue;
    if (a.action == "note") item.notes.push_back(a);
    if (a.action != "label" && a.action != "accept") continue;
    latest[a.annotator] = &a;
    newest = &a;
  }
  for (const auto& [who, a] : latest) item.labels.push_back(*a);
  if (newest != nullptr) {
    item.gold_source = newest->annotator;
  } else if (item.result.gold.has_value()) {
    item.gold_source = "imported";
  }
  return item;
}

Result<std::string> AnnotateSession::Decide(const std::string& action, const Json& label,
                                            const std::string& how) {
  if (done()) return Refused("no item left");
  Annotation a;
  a.dataset_id = *run_.spec.dataset_id;
  a.item_id = queue_[position_];
  a.annotator = options_.annotator;
  a.action = action;
  if (action == "label" || action == "accept") a.label = label;
  a.run_id = run_.id;
  a.protocol_version = protocol_version_;
  CENTAUR_RETURN_IF_ERROR(store_->AddAnnotation(a));
  ++(action == "skip" ? skipped_ : labeled_);
  ++position_;
  return how;
}

Result<std::string> AnnotateSession::Accept() {
  if (done()) return Refused("no item left");
  CENTAUR_ASSIGN_OR_RETURN(ResultRecord r, store_->GetResult(run_.id, queue_[position_]));
  std::optional<Json> value = r.status == "ok" ? TargetValue(target_, r.output) : std::nullopt;
  if (!value.has_value()) {
    return Refused(
        "nothing to accept: the model gave no valid output (pick a class, or e to edit)");
  }
  return Decide("accept", *value, "accepted " + LabelText(*value));
}

Result<Json> AnnotateSession::EnumValue(const std::string& label) const {
  const Json& property = target_.output_schema["properties"][target_.field];
  for (const Json& v : property["enum"]) {
    if (LabelText(v) == label) return v;
  }
  return Json(label);
}

Result<std::string> AnnotateSession::PickNumber(int number) {
  const std::vector<std::string>& labels = target_.labels;
  if (labels.empty()) return Refused("the target has no classes to number (e to edit the output)");
  if (number < 1 || static_cast<size_t>(number) > labels.size()) {
    return Refused("no class " + std::to_string(number) + " (classes 1-" +
                   std::to_string(labels.size()) + ")");
  }
  const std::string& label = labels[static_cast<size_t>(number) - 1];
  CENTAUR_ASSIGN_OR_RETURN(Json value, EnumValue(label));
  return Decide("label", value, "labeled " + label);
}

Result<std::string> AnnotateSession::PickName(std::string_view name) {
  if (target_.labels.empty())
    return Refused("the target has no classes to name (e to edit the output)");
  CENTAUR_ASSIGN_OR_RETURN(std::string label, MatchLabel(target_.labels, name));
  CENTAUR_ASSIGN_OR_RETURN(Json value, EnumValue(label));
  return Decide("label", value, "labeled " + label);
}

Result<std::string> AnnotateSession::EditableOutput() {
  if (done()) return Refused("no item left");
  CENTAUR_ASSIGN_OR_RETURN(ResultRecord r, store_->GetResult(run_.id, queue_[position_]));
  if (r.status == "ok") return r.output.dump(2) + "\n";
  return r.raw.empty() ? std::string("{}\n") : r.raw + "\n";
}

Result<std::string> AnnotateSession::Edit(std::string_view text) {
  Json output = Json::parse(text, nullptr, false);
  if (output.is_discarded()) return Refused("the edited output is not valid JSON; nothing saved");
  if (output_schema_.has_value()) {
    Status valid = output_schema_->Validate(output);
    if (!valid.ok()) {
      return Refused("the edited output does not match the output schema; nothing saved:\n" +
                     valid.error().message);
    }
  }
  std::optional<Json> value = TargetValue(target_, output);
  if (!value.has_value()) {
    return Refused("the edited output has no \"" + target_.field + "\"; nothing saved");
  }
  return Decide("label", *value, "labeled " + LabelText(*value) + " (edited)");
}

Result<std::string> AnnotateSession::Note(const std::string& text) {
  if (done()) return Refused("no item left");
  if (text.empty()) return Refused("an empty note is not saved");
  Annotation a;
  a.dataset_id = *run_.spec.dataset_id;
  a.item_id = queue_[position_];
  a.annotator = options_.annotator;
  a.action = "note";
  a.note = text;
  a.run_id = run_.id;
  a.protocol_version = protocol_version_;
  CENTAUR_RETURN_IF_ERROR(store_->AddAnnotation(a));
  last_note_ = text;
  ++noted_;
  return std::string("noted (p adds it to the protocol)");
}

Result<std::string> AnnotateSession::NoteToProtocol() {
  if (last_note_.empty()) return Refused("no note yet to add to the protocol (n TEXT writes one)");
  CENTAUR_ASSIGN_OR_RETURN(ProtocolVersion v, AppendProtocolRule(store_, run_.spec.task_name,
                                                                 last_note_, options_.annotator));
  protocol_version_ = v.version;
  last_note_.clear();
  return "protocol " + run_.spec.task_name + " v" + std::to_string(v.version) + ": added the note";
}

Result<std::string> AnnotateSession::Skip() { return Decide("skip", Json(), "skipped"); }

Result<std::string> AnnotateSession::Undo() {
  CENTAUR_ASSIGN_OR_RETURN(
      std::optional<Annotation> last,
      store_->LastUndoable(*run_.spec.dataset_id, options_.annotator, run_.id));
  if (!last.has_value()) return Refused("nothing to undo");
  Annotation undo;
  undo.dataset_id = last->dataset_id;
  undo.item_id = last->item_id;
  undo.annotator = options_.annotator;
  undo.action = "undo";
  undo.undoes = last->id;
  undo.run_id = run_.id;
  undo.protocol_version = protocol_version_;
  CENTAUR_RETURN_IF_ERROR(store_->AddAnnotation(undo));
  int64_t& count = last->action == "note" ? noted_ : last->action == "skip" ? skipped_ : labeled_;
  if (count > 0) --count;  // decisions of earlier sessions were not counted
  auto it = std::find(queue_.begin(), queue_.end(), last->item_id);
  if (it != queue_.end() && last->action != "note") {
    position_ = static_cast<size_t>(it - queue_.begin());
  }
  std::string what = last->action == "accept"  ? "accepted "
                     : last->action == "label" ? "labeled "
                     : last->action == "skip"  ? "skipped"
                                               : "note \"" + last->note + "\"";
  if (last->label.has_value()) what += LabelText(*last->label);
  return "undone: " + what + " on item " + last->item_id;
}

}  // namespace centaur
