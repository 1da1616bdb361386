// `centaur label import|export|agreement`: people's gold labels in and out,
// and how far annotators agree.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "cli/common.h"
#include "core/records.h"
#include "engine/labels.h"
#include "engine/run_target.h"

namespace centaur::cli {
namespace {

struct LabelFlags {
  std::string file;
  std::string dataset;
  LabelImportOptions import;
  std::string format = "csv";
  std::string output;
  bool json = false;
};

std::string IsoTime(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(unix_ms % 1000));
}

int Import(const GlobalOptions& globals, LabelFlags flags) {
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  Store* store = (*ws)->store();
  auto dataset = ResolveDataset(store, flags.dataset);
  if (!dataset.ok()) return ReportError(dataset.error());
  const char* user = std::getenv("USER");
  flags.import.default_annotator = user != nullptr ? user : "";
  auto summary = ImportLabels(store, *dataset, flags.file, flags.import);
  if (!summary.ok()) return ReportError(summary.error());
  std::string who;
  for (const std::string& a : summary->annotators) who += (who.empty() ? "" : ", ") + a;
  std::printf("imported %lld labels into \"%s\" by %s\n", static_cast<long long>(summary->labels),
              dataset->name.c_str(), who.c_str());
  if (summary->without_label > 0) {
    std::printf("skipped %lld rows without a label\n",
                static_cast<long long>(summary->without_label));
  }
  return kExitOk;
}

int Export(const GlobalOptions& globals, const LabelFlags& flags) {
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  Store* store = (*ws)->store();
  auto dataset = ResolveDataset(store, flags.dataset);
  if (!dataset.ok()) return ReportError(dataset.error());
  auto rows = CurrentLabelRows(store, dataset->id);
  if (!rows.ok()) return ReportError(rows.error());
  std::string out;
  if (flags.format == "csv") out = "id,label,annotator,time,note\r\n";
  for (const LabelRow& r : *rows) {
    if (flags.format == "jsonl") {
      Json row = {{"id", r.item_id},
                  {"label", r.label},
                  {"annotator", r.annotator},
                  {"time", IsoTime(r.created_ms)},
                  {"note", r.note}};
      out += row.dump() + "\n";
    } else {
      out += CsvField(r.item_id) + "," + CsvField(LabelText(r.label)) + "," +
             CsvField(r.annotator) + "," + IsoTime(r.created_ms) + "," + CsvField(r.note) + "\r\n";
    }
  }
  if (flags.output.empty() || flags.output == "-") {
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  }
  Status written = WriteFileAtomic(flags.output, out);
  if (!written.ok()) return ReportError(written.error());
  std::fprintf(stderr, "wrote %zu labels to %s\n", rows->size(), flags.output.c_str());
  return kExitOk;
}

std::string Number(const std::optional<double>& v) {
  return v.has_value() ? fmt::format("{:.3f}", *v) : "undefined";
}

Json OptionalJson(const std::optional<double>& v) { return v.has_value() ? Json(*v) : Json(); }

int Agreement(const GlobalOptions& globals, const LabelFlags& flags) {
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  Store* store = (*ws)->store();
  auto dataset = ResolveDataset(store, flags.dataset);
  if (!dataset.ok()) return ReportError(dataset.error());
  auto report = ComputeAgreement(store, dataset->id);
  if (!report.ok()) return ReportError(report.error());
  const AgreementReport& r = *report;
  if (flags.json) {
    Json annotators = Json::object();
    for (const auto& [name, n] : r.annotators) annotators[name] = n;
    Json pairs = Json::array();
    for (const PairAgreement& p : r.pairs) {
      pairs.push_back({{"a", p.a},
                       {"b", p.b},
                       {"items", p.items},
                       {"agree", p.agree},
                       {"kappa", OptionalJson(p.kappa)}});
    }
    Json out = {{"dataset", dataset->name},
                {"annotators", annotators},
                {"labeled_items", r.labeled_items},
                {"shared_items", r.shared_items},
                {"ratings", r.ratings},
                {"unanimous", r.unanimous},
                {"kappa", OptionalJson(r.kappa)},
                {"alpha", OptionalJson(r.alpha)},
                {"pairs", pairs}};
    std::printf("%s\n", out.dump().c_str());
    return kExitOk;
  }
  std::string who;
  for (const auto& [name, n] : r.annotators) {
    who += fmt::format("{}{} ({} items)", who.empty() ? "" : ", ", name, n);
  }
  std::printf("dataset \"%s\": %lld items labeled by %zu annotators%s%s\n", dataset->name.c_str(),
              static_cast<long long>(r.labeled_items), r.annotators.size(), who.empty() ? "" : ": ",
              who.c_str());
  if (r.shared_items == 0) {
    std::printf("no item is labeled by two or more annotators: no agreement to report\n");
    return kExitOk;
  }
  std::printf("%lld items labeled by 2+ annotators (%lld labels); all agree on %lld (%.1f%%)\n",
              static_cast<long long>(r.shared_items), static_cast<long long>(r.ratings),
              static_cast<long long>(r.unanimous), 100.0 * r.unanimous / r.shared_items);
  if (r.pairs.size() == 1) {
    const PairAgreement& p = r.pairs.front();
    std::printf("Cohen's kappa (%s, %s): %s\n", p.a.c_str(), p.b.c_str(), Number(r.kappa).c_str());
    return kExitOk;
  }
  std::printf("Krippendorff's alpha (nominal): %s\n", Number(r.alpha).c_str());
  for (const PairAgreement& p : r.pairs) {
    std::printf("  %s / %s: %lld items, %lld agree, kappa %s\n", p.a.c_str(), p.b.c_str(),
                static_cast<long long>(p.items), static_cast<long long>(p.agree),
                Number(p.kappa).c_str());
  }
  return kExitOk;
}

}  // namespace

Command LabelCommand() {
  return {"label", "import, export and compare people's gold labels",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            sub->require_subcommand(1);
            auto flags = std::make_shared<LabelFlags>();
            CLI::App* import = sub->add_subcommand("import", "import labels from CSV or JSONL");
            import->fallthrough();
            import->add_option("file", flags->file, "CSV (with header) or JSONL file")->required();
            import->add_option("--dataset", flags->dataset, "dataset (default: the only one)");
            import->add_option("--annotator", flags->import.annotator,
                               "who labeled (default: the annotator column, else $USER)");
            import->add_option("--id-column", flags->import.id_column, "item id column (id)");
            import->add_option("--label-column", flags->import.label_column,
                               "label column (label)");
            CLI::App* exp = sub->add_subcommand("export", "export every annotator's labels");
            exp->fallthrough();
            exp->add_option("--dataset", flags->dataset, "dataset (default: the only one)");
            exp->add_option("--format", flags->format, "csv (default) or jsonl")
                ->check(CLI::IsMember({"csv", "jsonl"}));
            exp->add_option("--output,-o", flags->output, "file to write (default: stdout)");
            CLI::App* agree = sub->add_subcommand("agreement", "agreement between annotators");
            agree->fallthrough();
            agree->add_option("--dataset", flags->dataset, "dataset (default: the only one)");
            agree->add_flag("--json", flags->json, "print a JSON object");
            return [sub, import, exp, flags, globals] {
              if (sub->got_subcommand(import)) return Import(*globals, *flags);
              if (sub->got_subcommand(exp)) return Export(*globals, *flags);
              return Agreement(*globals, *flags);
            };
          }};
}

}  // namespace centaur::cli
