// Shared plumbing of the command-line front end: global options, error
// printing and exit codes. Commands stay thin: parse flags, call the
// engine, print.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "engine/workspace.h"

namespace centaur::cli {

// Exit codes.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // the work ran but failed (e.g. a store error)
constexpr int kExitUsage = 2;    // bad input: flags, files, task files

struct GlobalOptions {
  std::string db;
  std::string config;
};

// A command: its name, one-line help, and a function that declares its flags
// on `sub` and returns the action to run after parsing.
struct Command {
  const char* name;
  const char* help;
  std::function<std::function<int()>(CLI::App* sub, GlobalOptions* globals)> setup;
};

// Prints "centaur: error: MESSAGE" (secrets redacted) and returns the exit code.
int ReportError(const Error& error);

Result<std::unique_ptr<Workspace>> OpenWorkspace(const GlobalOptions& globals);

// The workspace and a provider in it, for commands that make one call.
struct OneCallProvider {
  std::unique_ptr<Workspace> ws;
  ProviderHandle handle;
};

// Opens the workspace and the provider for `model`, one request at a time.
Result<OneCallProvider> OpenOneCallProvider(const GlobalOptions& globals, const ModelRef& model);

// "$0.0123", or "unknown" when nullopt.
std::string FormatCost(std::optional<double> cost);
// "1.2k", "3.4M".
std::string FormatCount(int64_t n);
// Shortens to at most `width` characters on one line (newlines shown as ⏎).
std::string OneLine(const std::string& text, size_t width);

// "2024-05-01 13:45": a time in the local time zone.
std::string LocalTime(int64_t unix_ms);

// A CSV field: as is, or quoted (quotes doubled) when it holds a comma, a
// quote or a line break.
std::string CsvField(const std::string& s);

// OneLine(text, width) padded with spaces to `width` characters (UTF-8 aware,
// so table columns line up whatever the text).
std::string Cell(const std::string& text, size_t width);

// Command registrations (one file each).
Command InitCommand();
Command CallCommand();
Command DataCommand();
Command RunCommand();
Command RunsCommand();
Command ShowCommand();
Command ExportCommand();
Command ModelsCommand();
Command TestCommand();
Command EmbedCommand();
Command MetricsCommand();
Command CompareCommand();
Command HistoryCommand();
Command UiCommand();
Command AnnotateCommand();
Command LabelCommand();
Command ProtocolCommand();

}  // namespace centaur::cli
