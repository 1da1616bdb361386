// `centaur protocol edit|append|log|show TASK`: a task's annotation protocol,
// the markdown rules its labels follow, kept as numbered versions.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/common.h"
#include "cli/terminal.h"
#include "engine/protocol.h"
#include "prompt/task.h"

namespace centaur::cli {
namespace {

struct ProtocolFlags {
  std::string task;
  std::string text;
  std::string author;
  int64_t version = 0;
};

// A task name, or the name inside a task file.
Result<std::string> TaskName(const std::string& arg) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(arg, ec)) return arg;
  CENTAUR_ASSIGN_OR_RETURN(Task task, LoadTask(arg));
  return task.name;
}

std::string Author(const ProtocolFlags& flags) {
  if (!flags.author.empty()) return flags.author;
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "unknown";
}

std::string FirstLine(const std::string& text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "";
  return text.substr(start, text.find('\n', start) - start);
}

int Edit(const GlobalOptions& globals, const ProtocolFlags& flags) {
  auto task = TaskName(flags.task);
  if (!task.ok()) return ReportError(task.error());
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  Store* store = (*ws)->store();
  auto versions = store->ListProtocolVersions(*task);
  if (!versions.ok()) return ReportError(versions.error());
  const std::string before =
      versions->empty() ? "# " + *task + ": annotation protocol\n\n" : versions->back().text;
  auto after = EditInEditor(before, ".md");
  if (!after.ok()) return ReportError(after.error());
  if (*after == before) {
    std::printf("no change\n");
    return kExitOk;
  }
  if (after->find_first_not_of(" \t\r\n") == std::string::npos) {
    return ReportError(
        MakeError(ErrorCode::kInvalidArgument, "the protocol is empty; nothing saved"));
  }
  auto saved = store->AddProtocolVersion(*task, *after, Author(flags));
  if (!saved.ok()) return ReportError(saved.error());
  LineDiff diff = DiffLines(versions->empty() ? std::string() : before, *after);
  std::printf("protocol \"%s\": version %lld saved (+%lld -%lld lines)\n", task->c_str(),
              static_cast<long long>(saved->version), static_cast<long long>(diff.added),
              static_cast<long long>(diff.removed));
  return kExitOk;
}

int Append(const GlobalOptions& globals, const ProtocolFlags& flags) {
  auto task = TaskName(flags.task);
  if (!task.ok()) return ReportError(task.error());
  if (flags.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return ReportError(MakeError(ErrorCode::kInvalidArgument, "nothing to append"));
  }
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  auto saved = AppendProtocolRule((*ws)->store(), *task, flags.text, Author(flags));
  if (!saved.ok()) return ReportError(saved.error());
  std::printf("protocol \"%s\": version %lld saved (+1 line)\n", task->c_str(),
              static_cast<long long>(saved->version));
  return kExitOk;
}

int Log(const GlobalOptions& globals, const ProtocolFlags& flags) {
  auto task = TaskName(flags.task);
  if (!task.ok()) return ReportError(task.error());
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  Store* store = (*ws)->store();
  auto latest = GetProtocolVersion(store, *task);
  if (!latest.ok()) return ReportError(latest.error());
  auto versions = store->ListProtocolVersions(*task);
  if (!versions.ok()) return ReportError(versions.error());
  std::printf("%-7s %-16s %s %-11s %s\n", "VERSION", "DATE", Cell("AUTHOR", 12).c_str(), "CHANGE",
              "FIRST LINE");
  for (size_t i = versions->size(); i-- > 0;) {
    const ProtocolVersion& v = (*versions)[i];
    LineDiff diff = DiffLines(i == 0 ? std::string() : (*versions)[i - 1].text, v.text);
    std::string change = fmt::format("+{} -{}", diff.added, diff.removed);
    std::printf("%-7s %-16s %s %-11s %s\n", fmt::format("v{}", v.version).c_str(),
                LocalTime(v.created_ms).c_str(), Cell(v.author, 12).c_str(), change.c_str(),
                OneLine(FirstLine(v.text), 60).c_str());
  }
  return kExitOk;
}

int Show(const GlobalOptions& globals, const ProtocolFlags& flags) {
  auto task = TaskName(flags.task);
  if (!task.ok()) return ReportError(task.error());
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  auto v = GetProtocolVersion((*ws)->store(), *task, flags.version);
  if (!v.ok()) return ReportError(v.error());
  std::fwrite(v->text.data(), 1, v->text.size(), stdout);
  if (!v->text.empty() && v->text.back() != '\n') std::fputc('\n', stdout);
  return kExitOk;
}

}  // namespace

Command ProtocolCommand() {
  return {"protocol", "a task's annotation protocol: edit, append, log, show",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            sub->require_subcommand(1);
            auto flags = std::make_shared<ProtocolFlags>();
            auto add = [&](const char* name, const char* help) {
              CLI::App* cmd = sub->add_subcommand(name, help);
              cmd->fallthrough();
              cmd->add_option("task", flags->task, "task name or task file")->required();
              return cmd;
            };
            CLI::App* edit = add("edit", "edit the protocol in $EDITOR; a save is a new version");
            edit->add_option("--author", flags->author, "who wrote it (default: $USER)");
            CLI::App* append = add("append", "add a rule at the end, as a new version");
            append->add_option("text", flags->text, "the rule")->required();
            append->add_option("--author", flags->author, "who wrote it (default: $USER)");
            CLI::App* log = add("log", "the protocol's versions, newest first");
            CLI::App* show = add("show", "print a version (default: the latest)");
            show->add_option("--version", flags->version, "version number");
            return [=] {
              if (sub->got_subcommand(edit)) return Edit(*globals, *flags);
              if (sub->got_subcommand(append)) return Append(*globals, *flags);
              if (sub->got_subcommand(log)) return Log(*globals, *flags);
              return Show(*globals, *flags);
            };
          }};
}

}  // namespace centaur::cli
