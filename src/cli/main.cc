// centaur's command line: a table of commands, nothing else of substance.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <functional>
#include <vector>

#include "cli/common.h"

namespace {

std::vector<centaur::cli::Command> Commands() {
  using namespace centaur::cli;
  return {InitCommand(), CallCommand(),   DataCommand(),   RunCommand(),  RunsCommand(),
          ShowCommand(), ExportCommand(), ModelsCommand(), TestCommand(), EmbedCommand(),
          MetricsCommand(), CompareCommand(), HistoryCommand(), UiCommand(),
          AnnotateCommand(), LabelCommand(), ProtocolCommand()};
}

}  // namespace

int main(int argc, char** argv) {
  // Warnings go to stderr so stdout stays clean for --json and exports.
  auto log = spdlog::stderr_logger_mt("centaur");
  log->set_pattern("centaur: %l: %v");
  spdlog::set_default_logger(log);
  CLI::App app{"centaur: build LLM features that hold up in production"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "centaur 0.1.0");
  centaur::cli::GlobalOptions globals;
  app.add_option("--db", globals.db, "store path (default: $CENTAUR_DB or .centaur/centaur.db)");
  app.add_option("--config", globals.config, "project config (default: ./centaur.yaml if present)");
  std::function<int()> action;
  for (const centaur::cli::Command& command : Commands()) {
    CLI::App* sub = app.add_subcommand(command.name, command.help);
    sub->fallthrough();
    auto run = std::make_shared<std::function<int()>>(command.setup(sub, &globals));
    sub->callback([&action, run] { action = *run; });
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : centaur::cli::kExitUsage;
  }
  if (!action) return centaur::cli::kExitUsage;
  return action();
}
