#include "server/views.h"

namespace centaur::server {
namespace {

Json Opt(const std::optional<double>& v) { return v ? Json(*v) : Json(); }
Json Opt(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(); }
Json Opt(const std::optional<Json>& v) { return v ? *v : Json(); }
Json Opt(const std::optional<bool>& v) { return v ? Json(*v) : Json(); }
Json Ci(const std::optional<Interval>& ci) {
  return ci ? Json{{"lower", ci->lower}, {"upper", ci->upper}} : Json();
}

// The target value's label text, or null when failed or absent.
Json Prediction(const ResultRecord& r, const RunTarget& target) {
  if (r.status != "ok") return Json();
  std::optional<Json> v = TargetValue(target, r.output);
  return v ? Json(LabelText(*v)) : Json();
}

Json Messages(const std::string& request_json) {
  Json request = Json::parse(request_json, nullptr, false);
  Json out = Json::array();
  if (request.is_discarded() || !request.is_object()) return out;
  auto messages = request.find("messages");
  if (messages == request.end() || !messages->is_array()) return out;
  for (const Json& m : *messages) {
    if (!m.is_object()) continue;
    Json role = m.value("role", Json(""));
    Json content = m.value("content", Json(""));
    out.push_back({{"role", role.is_string() ? role : Json(role.dump())},
                   {"content", content.is_string() ? content : Json(content.dump(2))}});
  }
  return out;
}

Json AttemptView(const AttemptRecord& a) {
  return {{"attempt", a.attempt_no},
          {"status", a.status},
          {"messages", Messages(a.request_json)},
          {"request", a.request_json},
          {"response", a.response_text},
          {"raw_body", a.raw_body},
          {"error", a.error},
          {"latency_ms", a.latency_ms},
          {"http_attempts", a.http_attempts},
          {"input_tokens", a.input_tokens},
          {"output_tokens", a.output_tokens},
          {"cost", Opt(a.cost)},
          {"cache_hit", a.cache_hit},
          {"created_ms", a.created_ms}};
}

Json Scores(const HeadlineScores& h) {
  return {{"run_id", h.run_id},          {"labeled", h.labeled},
          {"accuracy", Opt(h.accuracy)}, {"accuracy_ci", Ci(h.accuracy_ci)},
          {"macro_f1", Opt(h.macro_f1)}, {"macro_f1_ci", Ci(h.macro_f1_ci)}};
}

Json DeltaView(const std::optional<Delta>& d) {
  if (!d) return Json();
  return {{"delta", d->delta}, {"ci", Ci(d->ci)}, {"p_value", Opt(d->p_value)}};
}

Json SideView(const FlipSide& s) {
  return {{"status", s.status}, {"value", s.value}, {"thoughts", s.thoughts}, {"error", s.error}};
}

Json FlipView(const Flip& f) {
  return {{"item_id", f.item_id},
          {"gold", f.gold},
          {"input", f.input},
          {"a", SideView(f.a)},
          {"b", SideView(f.b)}};
}

}  // namespace

Json RunView(const RunInfo& r, const RunTarget* target) {
  Json v = RunJson(r);
  if (target != nullptr) {
    v["target"] = {{"field", target->field}, {"labels", target->labels}};
  }
  return v;
}

Json ResultRowView(const ResultRecord& r, const RunTarget& target) {
  return {{"item_id", r.item_id},
          {"status", r.status},
          {"input", r.input},
          {"output", r.output},
          {"prediction", Prediction(r, target)},
          {"thoughts", ThoughtsOf(r.output)},
          {"gold", r.gold ? Json(LabelText(*r.gold)) : Json()},
          {"correct", Opt(r.correct)},
          {"error", r.error},
          {"attempts", r.attempts.size()},
          {"latency_ms", r.latency_ms},
          {"input_tokens", r.input_tokens},
          {"output_tokens", r.output_tokens},
          {"cost", Opt(r.cost)},
          {"cache_hit", r.cache_hit}};
}

Json TraceView(const ResultRecord& r, const RunTarget& target,
               const std::vector<Annotation>& annotations) {
  Json v = ResultRowView(r, target);
  v["raw"] = r.raw;
  v["gold_value"] = Opt(r.gold);
  Json attempts = Json::array();
  for (const AttemptRecord& a : r.attempts) attempts.push_back(AttemptView(a));
  v["attempts"] = std::move(attempts);
  Json notes = Json::array();
  for (const Annotation& a : annotations) notes.push_back(AnnotationView(a));
  v["annotations"] = std::move(notes);
  return v;
}

Json AnnotationView(const Annotation& a) {
  return {{"id", a.id},
          {"dataset_id", a.dataset_id},
          {"item_id", a.item_id},
          {"annotator", a.annotator},
          {"action", a.action},
          {"label", Opt(a.label)},
          {"note", a.note},
          {"run_id", Opt(a.run_id)},
          {"protocol_version", Opt(a.protocol_version)},
          {"undoes", Opt(a.undoes)},
          {"undone", a.undone},
          {"created_ms", a.created_ms}};
}

Json ProtocolView(const ProtocolVersion& p) {
  return {{"task", p.task},
          {"version", p.version},
          {"text", p.text},
          {"author", p.author},
          {"created_ms", p.created_ms}};
}

Json MetricsView(const RunMetrics& m, const std::optional<SplitGap>& gap) {
  Json v = {{"run", RunView(m.run, &m.target)},
            {"split", m.split},
            {"classification", m.target.classification()},
            {"expected", m.expected},
            {"items", m.items},
            {"labeled", m.labeled},
            {"unlabeled", m.unlabeled},
            {"failed", m.failed},
            {"notes", m.notes}};
  if (m.target.classification()) {
    const ClassificationMetrics& c = m.classification;
    Json per_class = Json::array();
    for (const ClassMetrics& k : c.per_class) {
      per_class.push_back({{"label", k.label},
                           {"precision", k.precision},
                           {"recall", k.recall},
                           {"f1", k.f1},
                           {"support", k.support},
                           {"predicted", k.predicted},
                           {"failed", k.failed}});
    }
    v["labels"] = c.labels;
    v["confusion"] = c.confusion;
    v["per_class"] = std::move(per_class);
    v["accuracy"] = Opt(c.accuracy);
    v["macro_f1"] = Opt(c.macro_f1);
    v["micro_f1"] = Opt(c.micro_f1);
    v["weighted_f1"] = Opt(c.weighted_f1);
    v["macro_precision"] = Opt(c.macro_precision);
    v["macro_recall"] = Opt(c.macro_recall);
    v["ci"] = {{"accuracy", Ci(c.accuracy_ci)},
               {"macro_f1", Ci(c.macro_f1_ci)},
               {"micro_f1", Ci(c.micro_f1_ci)},
               {"weighted_f1", Ci(c.weighted_f1_ci)}};
  } else {
    const MatchMetrics& x = m.match;
    Json fields = Json::array();
    for (const FieldScore& f : x.fields) {
      fields.push_back({{"field", f.field},
                        {"n", f.n},
                        {"exact_accuracy", Opt(f.exact_accuracy)},
                        {"normalized_accuracy", Opt(f.normalized_accuracy)}});
    }
    v["accuracy"] = Opt(x.exact_accuracy);
    v["normalized_accuracy"] = Opt(x.normalized_accuracy);
    v["ci"] = {{"accuracy", Ci(x.exact_ci)}, {"normalized_accuracy", Ci(x.normalized_ci)}};
    v["fields"] = std::move(fields);
  }
  if (gap) {
    v["gap"] = {{"val", Scores(gap->val)},
                {"test", Scores(gap->test)},
                {"accuracy", Opt(gap->accuracy)},
                {"macro_f1", Opt(gap->macro_f1)}};
  } else {
    v["gap"] = Json();
  }
  return v;
}

Json CompareView(const RunComparison& c) {
  const PairedComparison& p = c.paired;
  auto scores = [](const RunScores& s) {
    return Json{{"accuracy", Opt(s.accuracy)},
                {"macro_f1", Opt(s.macro_f1)},
                {"micro_f1", Opt(s.micro_f1)},
                {"weighted_f1", Opt(s.weighted_f1)}};
  };
  Json to_wrong = Json::array(), to_right = Json::array();
  for (const Flip& f : c.to_wrong) to_wrong.push_back(FlipView(f));
  for (const Flip& f : c.to_right) to_right.push_back(FlipView(f));
  return {{"a", RunView(c.a, &c.target_a)},
          {"b", RunView(c.b, &c.target_b)},
          {"classification", c.classification},
          {"common", c.common},
          {"compared", p.n},
          {"unlabeled", c.unlabeled},
          {"gold_differs", c.gold_differs},
          {"only_a", c.only_a.size()},
          {"only_b", c.only_b.size()},
          {"notes", c.notes},
          {"scores_a", scores(p.a)},
          {"scores_b", scores(p.b)},
          {"delta",
           {{"accuracy", DeltaView(p.accuracy)},
            {"macro_f1", DeltaView(p.macro_f1)},
            {"micro_f1", DeltaView(p.micro_f1)},
            {"weighted_f1", DeltaView(p.weighted_f1)}}},
          {"mcnemar", {{"b", p.mcnemar.b}, {"c", p.mcnemar.c}, {"p_value", p.mcnemar.p_value}}},
          {"flipped_to_wrong", std::move(to_wrong)},
          {"flipped_to_right", std::move(to_right)}};
}

Json HistoryView(const TaskHistory& h) {
  Json versions = Json::array();
  for (const VersionHistory& v : h.versions) {
    Json val = Json::array();
    for (const VersionScores& s : v.val) {
      Json one = Scores(s.scores);
      one["model"] = s.run.spec.model;
      one["split"] = s.run.spec.split;
      one["created_ms"] = s.run.created_ms;
      one["unlabeled"] = s.unlabeled;
      one["notes"] = s.notes;
      val.push_back(std::move(one));
    }
    versions.push_back({{"number", v.number},
                        {"version", v.record.version},
                        {"first_seen_ms", v.first_seen_ms},
                        {"diff", v.diff},
                        {"val", std::move(val)}});
  }
  return {{"task", h.task}, {"versions", std::move(versions)}};
}

}  // namespace centaur::server
