#include "eval/match.h"

#include <algorithm>

namespace centaur {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string NormalizeString(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

void SetAccuracy(int64_t n, int64_t right, double confidence, std::optional<double>* accuracy,
                 std::optional<Interval>* ci) {
  if (n <= 0) return;
  *accuracy = static_cast<double>(right) / static_cast<double>(n);
  *ci = WilsonInterval(right, n, confidence);
}

FieldScore& FieldNamed(std::vector<FieldScore>* fields, const std::string& name) {
  auto it = std::lower_bound(fields->begin(), fields->end(), name,
                             [](const FieldScore& f, const std::string& n) { return f.field < n; });
  if (it == fields->end() || it->field != name) {
    it = fields->insert(it, FieldScore{});
    it->field = name;
  }
  return *it;
}

}  // namespace

Json NormalizeValue(const Json& value) {
  if (value.is_string()) return NormalizeString(value.get<std::string>());
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& v : value) out.push_back(NormalizeValue(v));
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = NormalizeValue(*it);
    return out;
  }
  return value;
}

bool ExactMatch(const Json& predicted, const Json& gold) { return predicted == gold; }

bool NormalizedMatch(const Json& predicted, const Json& gold) {
  if (predicted.is_string() && gold.is_string()) {
    return NormalizeString(predicted.get<std::string>()) ==
           NormalizeString(gold.get<std::string>());
  }
  return NormalizeValue(predicted) == NormalizeValue(gold);
}

Json GoldValue(const Json& gold, bool target_is_string) {
  if (target_is_string || !gold.is_string()) return gold;
  Json parsed = Json::parse(gold.get<std::string>(), nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? gold : parsed;
}

void MatchScorer::Add(const Json* predicted, const Json& gold) {
  ++m_.n;
  if (predicted == nullptr) ++m_.failed;
  if (predicted != nullptr && ExactMatch(*predicted, gold)) {
    ++m_.exact;
    ++m_.normalized;
  } else if (predicted != nullptr && NormalizedMatch(*predicted, gold)) {
    ++m_.normalized;
  }
  if (!gold.is_object()) return;
  const bool has_object = predicted != nullptr && predicted->is_object();
  for (auto it = gold.begin(); it != gold.end(); ++it) {
    FieldScore& field = FieldNamed(&m_.fields, it.key());
    ++field.n;
    if (!has_object) continue;
    auto value = predicted->find(it.key());
    if (value == predicted->end()) continue;
    if (ExactMatch(*value, *it)) {
      ++field.exact;
      ++field.normalized;
    } else if (NormalizedMatch(*value, *it)) {
      ++field.normalized;
    }
  }
}

MatchMetrics MatchScorer::Finish() const {
  MatchMetrics m = m_;
  SetAccuracy(m.n, m.exact, confidence_, &m.exact_accuracy, &m.exact_ci);
  SetAccuracy(m.n, m.normalized, confidence_, &m.normalized_accuracy, &m.normalized_ci);
  for (FieldScore& f : m.fields) {
    SetAccuracy(f.n, f.exact, confidence_, &f.exact_accuracy, &f.exact_ci);
    SetAccuracy(f.n, f.normalized, confidence_, &f.normalized_accuracy, &f.normalized_ci);
  }
  return m;
}

}  // namespace centaur
