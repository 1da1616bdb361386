// `centaur compare RUN_A RUN_B`: paired deltas, significance and flipped items.
#include <fmt/format.h>

#include <cstdio>
#include <tuple>

#include "cli/common.h"
#include "cli/measure_format.h"
#include "engine/compare.h"

namespace centaur::cli {
namespace {

constexpr int kDefaultMaxFlips = 50;

struct Metric {
  const char* name;
  std::optional<double> RunScores::*score;
  std::optional<Delta> PairedComparison::*delta;
};
constexpr Metric kMetrics[] = {
    {"accuracy", &RunScores::accuracy, &PairedComparison::accuracy},
    {"macro_f1", &RunScores::macro_f1, &PairedComparison::macro_f1},
    {"micro_f1", &RunScores::micro_f1, &PairedComparison::micro_f1},
    {"weighted_f1", &RunScores::weighted_f1, &PairedComparison::weighted_f1},
};

const char* MethodName(McNemarMethod m) {
  return m == McNemarMethod::kExactBinomial ? "exact binomial" : "chi-square, continuity-corrected";
}

std::string Quoted(const std::string& s) {
  return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Flips are written as text, not built as Json trees: a comparison of large
// runs can have tens of thousands.
void AppendSide(const FlipSide& s, std::string* out) {
  *out += "{\"status\":" + Quoted(s.status) + ",\"value\":" + Quoted(s.value) +
          ",\"thoughts\":" + Quoted(s.thoughts) + ",\"error\":" + Quoted(s.error) + "}";
}

void AppendFlips(const std::vector<Flip>& flips, const char* direction, std::string* out) {
  for (const Flip& f : flips) {
    if (out->back() != '[') *out += ',';
    *out += "{\"item_id\":" + Quoted(f.item_id) + ",\"direction\":\"" + direction +
            "\",\"gold\":" + Quoted(f.gold) + ",\"input\":" + Quoted(f.input) + ",\"a\":";
    AppendSide(f.a, out);
    *out += ",\"b\":";
    AppendSide(f.b, out);
    *out += '}';
  }
}

// Everything but the flips (see CompareJsonText).
Json CompareJson(const RunComparison& c) {
  const PairedComparison& p = c.paired;
  Json scores_a = Json::object(), scores_b = Json::object(), delta = Json::object(),
       ci = Json::object(), p_value = Json::object();
  for (const Metric& m : kMetrics) {
    scores_a[m.name] = OptJson(p.a.*m.score);
    scores_b[m.name] = OptJson(p.b.*m.score);
    const std::optional<Delta>& d = p.*m.delta;
    delta[m.name] = d.has_value() ? Json(d->delta) : Json();
    ci[m.name] = d.has_value() ? IntervalJson(d->ci) : Json();
    p_value[m.name] = d.has_value() ? OptJson(d->p_value) : Json();
  }
  return {{"a", RunIdentityJson(c.a)},
          {"b", RunIdentityJson(c.b)},
          {"kind", c.classification ? "classification" : "match"},
          {"n", p.n},
          {"common", c.common},
          {"unlabeled", c.unlabeled},
          {"gold_differs", c.gold_differs},
          {"only_a", c.only_a},
          {"only_b", c.only_b},
          {"labels", p.labels},
          {"scores", {{"a", scores_a}, {"b", scores_b}}},
          {"delta", delta},
          {"ci", ci},
          {"p_value", p_value},
          {"mcnemar",
           {{"b", p.mcnemar.b},
            {"c", p.mcnemar.c},
            {"method", p.mcnemar.method == McNemarMethod::kExactBinomial ? "exact" : "chi2"},
            {"statistic", p.mcnemar.statistic},
            {"p_value", p.mcnemar.p_value}}},
          {"flipped_to_wrong", p.flipped_to_wrong},
          {"flipped_to_right", p.flipped_to_right},
          {"notes", c.notes}};
}

// The comparison as one JSON object, with "flips": [{item_id, direction,
// gold, input, a: {status, value, thoughts, error}, b: {...}}].
std::string CompareJsonText(const RunComparison& c) {
  std::string out = CompareJson(c).dump(-1, ' ', false, Json::error_handler_t::replace);
  out.pop_back();  // the closing brace
  out += ",\"flips\":[";
  AppendFlips(c.to_wrong, "to_wrong", &out);
  AppendFlips(c.to_right, "to_right", &out);
  return out + "]}";
}

void PrintFlips(const char* title, const std::vector<Flip>& flips, const RunComparison& c,
                size_t max) {
  std::printf("\n%s: %zu item%s\n", title, flips.size(), flips.size() == 1 ? "" : "s");
  for (size_t i = 0; i < flips.size() && (max == 0 || i < max); ++i) {
    const Flip& f = flips[i];
    std::printf("  %s  gold %s\n    input: %s\n", f.item_id.c_str(), OneLine(f.gold, 60).c_str(),
                OneLine(f.input, 100).c_str());
    for (auto [name, side, run] : {std::tuple('A', &f.a, c.a.id), std::tuple('B', &f.b, c.b.id)}) {
      std::string value = side->status == "ok" ? side->value : "(failed) " + side->error;
      std::printf("    %c (run %lld): %s\n", name, static_cast<long long>(run),
                  OneLine(value, 100).c_str());
      if (!side->thoughts.empty()) {
        std::printf("      thoughts: %s\n", OneLine(side->thoughts, 100).c_str());
      }
    }
  }
  if (max > 0 && flips.size() > max) {
    std::printf("  ... %zu more (--max-flips 0 lists every one; --json has them all)\n",
                flips.size() - max);
  }
}

void PrintCompare(const RunComparison& c, size_t max_flips) {
  const PairedComparison& p = c.paired;
  std::printf("A: %s\nB: %s\n", RunHeader(c.a).c_str(), RunHeader(c.b).c_str());
  std::vector<std::string> changed;
  if (c.a.spec.task_version != c.b.spec.task_version) {
    changed.push_back(fmt::format("task version {} -> {}", c.a.spec.task_version.substr(0, 8),
                                  c.b.spec.task_version.substr(0, 8)));
  }
  if (c.a.spec.model != c.b.spec.model) {
    changed.push_back("model " + c.a.spec.model + " -> " + c.b.spec.model);
  }
  if (c.a.spec.dataset_id != c.b.spec.dataset_id) changed.push_back("dataset");
  if (c.a.spec.split != c.b.spec.split) changed.push_back("split");
  std::string what;
  for (const std::string& s : changed) what += (what.empty() ? "" : "; ") + s;
  std::printf("changed: %s\n",
              what.empty() ? "nothing (same version, model and data)" : what.c_str());
  std::printf("paired on %lld labeled items of the %lld both runs have\n",
              static_cast<long long>(p.n), static_cast<long long>(c.common));
  for (const std::string& note : c.notes) std::printf("note: %s\n", note.c_str());
  std::printf("\n%-12s %-8s %-8s %-11s %-18s %-8s %s\n", "METRIC", "A", "B", "DELTA(B-A)", "95% CI",
              "P", "TEST");
  for (const Metric& m : kMetrics) {
    const std::optional<Delta>& d = p.*m.delta;
    if (!d.has_value() && !(p.a.*m.score).has_value()) continue;
    std::string test = m.score == &RunScores::accuracy
                           ? fmt::format("McNemar, {} (b={}, c={})", MethodName(p.mcnemar.method),
                                         p.mcnemar.b, p.mcnemar.c)
                           : "paired bootstrap";
    std::printf("%-12s %-8s %-8s %-11s %-18s %-8s %s\n", m.name, Score(p.a.*m.score).c_str(),
                Score(p.b.*m.score).c_str(),
                SignedScore(d.has_value() ? std::optional<double>(d->delta) : std::nullopt).c_str(),
                d.has_value() ? IntervalText(d->ci).c_str() : "",
                PValue(d.has_value() ? d->p_value : std::nullopt).c_str(), test.c_str());
  }
  PrintFlips("right -> wrong", c.to_wrong, c, max_flips);
  PrintFlips("wrong -> right", c.to_right, c, max_flips);
}

int Compare(const GlobalOptions& globals, int64_t run_a, int64_t run_b, bool json, int max_flips) {
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  const std::string db = (*ws)->db_path();
  auto c = CompareRuns((*ws)->store(), run_a, run_b, {}, [&db] { return OpenStore(db); });
  if (!c.ok()) return ReportError(c.error());
  if (json) {
    std::string text = CompareJsonText(*c);
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    PrintCompare(*c, static_cast<size_t>(max_flips));
  }
  return kExitOk;
}

}  // namespace

Command CompareCommand() {
  return {"compare", "compare two runs item by item: deltas, significance, flipped items",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto a = std::make_shared<int64_t>(0);
            auto b = std::make_shared<int64_t>(0);
            auto json = std::make_shared<bool>(false);
            auto max_flips = std::make_shared<int>(kDefaultMaxFlips);
            sub->add_option("run_a", *a, "baseline run id")->required();
            sub->add_option("run_b", *b, "candidate run id")->required();
            sub->add_flag("--json", *json, "print one JSON object");
            sub->add_option("--max-flips", *max_flips,
                            "flipped items listed per direction (default 50; 0: all)")
                ->check(CLI::NonNegativeNumber);
            return [=] { return Compare(*globals, *a, *b, *json, *max_flips); };
          }};
}

}  // namespace centaur::cli
