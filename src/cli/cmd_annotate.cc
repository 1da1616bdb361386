// `centaur annotate RUN`: review a run's items one at a time and decide the
// gold label with single keys (or one command per line when stdin is not a
// terminal). Every decision is committed as it is made.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "cli/common.h"
#include "cli/terminal.h"
#include "engine/annotate.h"

namespace centaur::cli {
namespace {

struct AnnotateFlags {
  int64_t run = 0;
  std::string only;
  std::string order;
  std::string annotator;
};

void Print(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

std::string Indented(const std::string& text, const std::string& indent) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

std::string KeysHelp(const AnnotateSession& s) {
  std::string classes;
  const size_t n = s.target().labels.size();
  if (n > 0) classes = (n == 1 ? "1" : "1-" + std::to_string(n)) + " class · =name · ";
  return "keys: Enter/a accept · " + classes +
         "e edit · n note · p note to protocol · s skip · u undo · q quit\n";
}

void PrintHeader(const AnnotateSession& s, const AnnotateFlags& flags) {
  const RunInfo& run = s.run();
  std::string how;
  if (!flags.only.empty()) how += "only " + flags.only;
  if (!flags.order.empty()) how += (how.empty() ? "" : ", ") + flags.order + " first";
  Print("annotate run " + std::to_string(run.id) + ": " + run.spec.task_name + "@" +
        run.spec.task_version.substr(0, 8) + " on " + run.dataset_name + " (" + run.spec.split +
        "), " + std::to_string(s.size()) + (s.size() == 1 ? " item" : " items") + " as " +
        s.annotator() + (how.empty() ? "" : " (" + how + ")") + "\n");
  Print(s.protocol_version()
            ? "protocol: v" + std::to_string(*s.protocol_version()) + "\n"
            : "protocol: none yet (centaur protocol edit " + run.spec.task_name + ")\n");
  if (!s.target().labels.empty()) {
    std::string classes;
    for (size_t i = 0; i < s.target().labels.size(); ++i) {
      classes += (i == 0 ? "" : " · ") + std::to_string(i + 1) + " " + s.target().labels[i];
    }
    Print("classes: " + classes + "\n");
  }
  Print(KeysHelp(s));
}

void PrintItem(const AnnotateSession& s, const AnnotateItem& item) {
  const ResultRecord& r = item.result;
  Print("\n[" + std::to_string(s.position() + 1) + "/" + std::to_string(s.size()) + "] item " +
        r.item_id + "\n");
  Print("input:\n");
  if (r.input.is_object()) {
    for (auto it = r.input.begin(); it != r.input.end(); ++it) {
      Print("  " + it.key() + ": " + Indented(LabelText(it.value()), "    ") + "\n");
    }
  } else {
    Print("  " + LabelText(r.input) + "\n");
  }
  std::optional<Json> value;
  if (r.status == "ok") {
    const std::string thoughts = ThoughtsOf(r.output);
    if (!thoughts.empty()) Print("thoughts: " + Indented(thoughts, "  ") + "\n");
    value = TargetValue(s.target(), r.output);
  }
  std::string mark;
  if (r.gold.has_value()) {
    mark = value.has_value() && LabelText(*value) == LabelText(*r.gold) ? " ✓" : " ✗";
  }
  if (r.status != "ok") {
    Print("output: failed: " + OneLine(r.error, 200) + mark + "\n");
  } else {
    Print("output: " + (value ? LabelText(*value) : std::string("(no ") + s.target().field + ")") +
          mark + "\n");
  }
  if (r.gold.has_value()) Print("gold: " + LabelText(*r.gold) + " (" + item.gold_source + ")\n");
  if (!item.labels.empty()) {
    std::string labels;
    for (const Annotation& a : item.labels) {
      labels += (labels.empty() ? "" : " · ") + a.annotator + "=" + LabelText(*a.label) +
                (a.annotator == s.annotator() ? " (you)" : "");
    }
    Print("labels: " + labels + "\n");
  }
  for (const Annotation& n : item.notes) Print("note: " + n.annotator + ": " + n.note + "\n");
}

// A single key as a command; nullopt for keys that mean nothing.
std::optional<AnnotateInput> KeyCommand(int key, const AnnotateSession& s, Keyboard& kb) {
  AnnotateInput cmd;
  if (key < 0 || key == 'q') {
    cmd.kind = AnnotateInput::kQuit;
    return cmd;
  }
  if (key == '\n' || key == '\r' || key == 'a') return cmd;
  if (key >= '0' && key <= '9') {
    std::string digits(1, static_cast<char>(key));
    if (s.target().labels.size() > 9) {
      std::optional<std::string> line = kb.ReadLine("\rclass number: ", digits);
      if (!line) return ParseAnnotateInput("q");
      digits = *line;
    }
    return ParseAnnotateInput(digits);
  }
  switch (key) {
    case 'e':
    case 'p':
    case 's':
    case 'u':
    case '?':
      return ParseAnnotateInput(std::string(1, static_cast<char>(key)));
    case 'n': {
      std::optional<std::string> note = kb.ReadLine("\rnote: ");
      if (!note) return ParseAnnotateInput("q");
      if (note->empty()) return std::nullopt;  // Esc, or nothing typed
      cmd.kind = AnnotateInput::kNote;
      cmd.text = *note;
      return cmd;
    }
    default:
      break;
  }
  if (key == '=' || (key > ' ' && key < 127)) {
    std::optional<std::string> name =
        kb.ReadLine("\rclass: ", key == '=' ? "" : std::string(1, static_cast<char>(key)));
    if (!name) return ParseAnnotateInput("q");
    if (name->empty()) return std::nullopt;
    cmd.kind = AnnotateInput::kName;
    cmd.text = *name;
    return cmd;
  }
  return std::nullopt;
}

// Runs one command; false when it is time to quit.
bool Apply(AnnotateSession& s, Keyboard& kb, AnnotateInput cmd) {
  Result<std::string> said = std::string();
  switch (cmd.kind) {
    case AnnotateInput::kQuit:
      return false;
    case AnnotateInput::kHelp:
      Print(KeysHelp(s));
      return true;
    case AnnotateInput::kAccept:
      said = s.Accept();
      break;
    case AnnotateInput::kNumber:
      said = s.PickNumber(cmd.number);
      break;
    case AnnotateInput::kName:
      said = s.PickName(cmd.text);
      break;
    case AnnotateInput::kNote:
      if (cmd.text.empty()) {
        std::optional<std::string> note = kb.ReadLine("note: ");
        if (!note) return false;
        cmd.text = *note;
      }
      said = s.Note(cmd.text);
      break;
    case AnnotateInput::kProtocol:
      said = s.NoteToProtocol();
      break;
    case AnnotateInput::kSkip:
      said = s.Skip();
      break;
    case AnnotateInput::kUndo:
      said = s.Undo();
      break;
    case AnnotateInput::kEdit: {
      Result<std::string> before = s.EditableOutput();
      if (!before.ok()) {
        said = before.error();
        break;
      }
      kb.Suspend();
      Result<std::string> after = EditInEditor(*before, ".json");
      kb.Resume();
      if (!after.ok()) {
        said = after.error();
      } else if (*after == *before) {
        said = std::string("unchanged; nothing saved (Enter accepts the output)");
      } else {
        said = s.Edit(*after);
      }
      break;
    }
  }
  Print(said.ok() ? "  " + *said + "\n"
                  : "  error: " + Indented(said.error().message, "  ") + "\n");
  return true;
}

int Annotate(const GlobalOptions& globals, const AnnotateFlags& flags) {
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  AnnotateOptions options;
  options.only = flags.only;
  options.order = flags.order;
  options.annotator = flags.annotator;
  if (options.annotator.empty() && std::getenv("USER") != nullptr) {
    options.annotator = std::getenv("USER");
  }
  auto opened = AnnotateSession::Open((*ws)->store(), flags.run, options);
  if (!opened.ok()) return ReportError(opened.error());
  AnnotateSession& s = *opened;
  PrintHeader(s, flags);
  Keyboard kb;
  // The item is shown again only when the cursor moved.
  size_t shown = SIZE_MAX;
  while (true) {
    if (s.position() != shown && !s.done()) {
      Result<AnnotateItem> item = s.Current();
      if (!item.ok()) return ReportError(item.error());
      PrintItem(s, *item);
    } else if (s.position() != shown) {
      Print("\nall " + std::to_string(s.size()) + " items done (u undoes the last, q quits)\n");
    }
    shown = s.position();
    std::optional<AnnotateInput> cmd;
    if (kb.keys()) Print("> ");
    while (!cmd) {
      if (kb.keys()) {
        cmd = KeyCommand(kb.ReadKey(), s, kb);
        Print(cmd ? "\n" : "\r> ");
      } else {
        std::optional<std::string> line = kb.ReadLine("> ");
        cmd = line ? ParseAnnotateInput(*line) : ParseAnnotateInput("q");
      }
    }
    if (s.done() && cmd->kind != AnnotateInput::kUndo && cmd->kind != AnnotateInput::kHelp) {
      break;
    }
    if (!Apply(s, kb, *cmd)) break;
  }
  std::fflush(stdout);
  Print("\n" + std::to_string(s.labeled()) + " labeled, " + std::to_string(s.skipped()) +
        " skipped, " + std::to_string(s.noted()) + (s.noted() == 1 ? " note; " : " notes; ") +
        std::to_string(s.size() - s.position()) + " of " + std::to_string(s.size()) +
        " items left\n");
  return kExitOk;
}

}  // namespace

Command AnnotateCommand() {
  return {"annotate", "review a run's items and decide their gold labels",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto flags = std::make_shared<AnnotateFlags>();
            sub->add_option("run", flags->run, "run id")->required();
            sub->add_option("--only", flags->only, "wrong, unlabeled or disagreements")
                ->check(CLI::IsMember({"wrong", "unlabeled", "disagreements"}));
            sub->add_option("--order", flags->order,
                            "uncertain: failed, re-asked and wrong items first")
                ->check(CLI::IsMember({"uncertain"}));
            sub->add_option("--annotator", flags->annotator, "who is labeling (default: $USER)");
            return [flags, globals] { return Annotate(*globals, *flags); };
          }};
}

}  // namespace centaur::cli
