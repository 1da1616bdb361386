#include <fmt/format.h>

#include <cstdio>

#include "cli/common.h"
#include "engine/import.h"

namespace centaur::cli {
namespace {

struct ImportFlags {
  std::string file;
  ImportOptions options;
  std::string label_column, id_column;
};

int Import(const GlobalOptions& globals, ImportFlags flags) {
  if (!flags.label_column.empty()) flags.options.label_column = flags.label_column;
  if (!flags.id_column.empty()) flags.options.id_column = flags.id_column;
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  auto summary = ImportDataset((*ws)->store(), flags.file, flags.options);
  if (!summary.ok()) return ReportError(summary.error());
  const DatasetInfo& d = summary->dataset;
  std::printf("imported %lld items into \"%s\": %lld val, %lld test, %lld labeled\n",
              static_cast<long long>(d.items), d.name.c_str(),
              static_cast<long long>(d.val_items), static_cast<long long>(d.test_items),
              static_cast<long long>(d.labeled));
  if (summary->duplicates_skipped > 0) {
    std::printf("skipped %lld duplicate rows\n",
                static_cast<long long>(summary->duplicates_skipped));
  }
  return kExitOk;
}

int List(const GlobalOptions& globals) {
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  auto datasets = (*ws)->store()->ListDatasets();
  if (!datasets.ok()) return ReportError(datasets.error());
  std::printf("%-24s %8s %8s %8s %8s  %s\n", "NAME", "ITEMS", "VAL", "TEST", "LABELED", "SOURCE");
  for (const DatasetInfo& d : *datasets) {
    std::printf("%-24s %8lld %8lld %8lld %8lld  %s\n", d.name.c_str(),
                static_cast<long long>(d.items), static_cast<long long>(d.val_items),
                static_cast<long long>(d.test_items), static_cast<long long>(d.labeled),
                d.source.c_str());
  }
  return kExitOk;
}

}  // namespace

Command DataCommand() {
  return {"data", "import and list datasets",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            sub->require_subcommand(1);
            auto flags = std::make_shared<ImportFlags>();
            CLI::App* import = sub->add_subcommand("import", "import a CSV or JSONL file");
            import->fallthrough();
            import->add_option("file", flags->file, "CSV (with header) or JSONL file")
                ->required();
            import->add_option("--name", flags->options.name, "dataset name")->required();
            import->add_option("--label-column", flags->label_column, "column of gold labels");
            import->add_option("--id-column", flags->id_column,
                               "column of item ids (default: content hash)");
            import->add_option("--test-fraction", flags->options.test_fraction,
                               "share of items held out as the test split (default 0.3)");
            import->add_option("--seed", flags->options.seed, "split seed (default 42)");
            CLI::App* list = sub->add_subcommand("list", "list datasets");
            list->fallthrough();
            return [sub, import, flags, globals] {
              if (sub->got_subcommand(import)) return Import(*globals, *flags);
              return List(*globals);
            };
          }};
}

}  // namespace centaur::cli
