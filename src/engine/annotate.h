// Annotating a run: which of its items a person reviews and in what order,
// what a typed command means, and the decisions, each appended to the store
// and committed at once. The terminal (keys, screen, $EDITOR) is the CLI's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "core/schema.h"
#include "engine/run_target.h"
#include "store/store.h"

namespace centaur {

struct AnnotateOptions {
  std::string annotator;  // required
  // "" (every item), "wrong" (failed, or the output differs from the gold),
  // "unlabeled" (no gold at all) or "disagreements" (annotators' current
  // labels differ).
  std::string only;
  // "" (item order) or "uncertain": failed items first, then those the model
  // had to be asked again for, then those that disagree with the gold.
  std::string order;
};

// One command, typed as a line or made from a key.
struct AnnotateInput {
  enum Kind { kAccept, kNumber, kName, kEdit, kNote, kProtocol, kSkip, kUndo, kQuit, kHelp };
  Kind kind = kAccept;
  int number = 0;    // kNumber: 1-based class number
  std::string text;  // kName: the name typed; kNote: the note ("" = ask for it)
};

// A line: "" or "a" accept, digits a class number, "=NAME" a class by name,
// "e" edit, "n TEXT" (or "n") a note, "p" the last note into the protocol,
// "s" skip, "u" undo, "q" quit, "?" help; any other text is a class name.
AnnotateInput ParseAnnotateInput(std::string_view line);

// Matches a typed name against class labels, case-insensitively and with
// " " and "-" read as "_": an exact match, else the one label it prefixes,
// else the one label containing it. Errors (kInvalidArgument):
// "no class matches \"zz\" (classes: a, b)" and
// "\"card\" matches several classes: card_arrival, card_linking".
Result<std::string> MatchLabel(const std::vector<std::string>& labels, std::string_view query);

// What the screen shows about one item.
struct AnnotateItem {
  ResultRecord result;             // input, output, effective gold, attempts
  std::vector<Annotation> labels;  // every annotator's current label
  std::vector<Annotation> notes;   // notes not undone, oldest first
  std::string gold_source;         // "imported", an annotator's name, or ""
};

class AnnotateSession {
 public:
  // Loads the run, its task version's target and the items to review.
  // kNotFound for an unknown run or task version; kInvalidArgument for a
  // call (no dataset) or unknown options.
  static Result<AnnotateSession> Open(Store* store, int64_t run_id, const AnnotateOptions& options);

  const RunInfo& run() const { return run_; }
  const RunTarget& target() const { return target_; }
  const std::string& annotator() const { return options_.annotator; }
  std::optional<int64_t> protocol_version() const { return protocol_version_; }
  size_t size() const { return queue_.size(); }
  size_t position() const { return position_; }  // 0-based; == size() when done
  bool done() const { return position_ >= queue_.size(); }
  int64_t labeled() const { return labeled_; }
  int64_t skipped() const { return skipped_; }
  int64_t noted() const { return noted_; }

  // The current item, read fresh from the store.
  Result<AnnotateItem> Current();

  // Decisions. Each appends to the store, committed before returning, and
  // answers with what it did ("accepted refund"); the cursor moves on after
  // accept, label and skip. A refused decision (nothing to accept, a number
  // out of range, an output that fails the schema) writes nothing.
  Result<std::string> Accept();
  Result<std::string> PickNumber(int number);
  Result<std::string> PickName(std::string_view name);
  // Replaces the output: `text` must be JSON valid against the output
  // schema; the gold becomes its target value.
  Result<std::string> Edit(std::string_view text);
  Result<std::string> Note(const std::string& text);
  // Appends the session's last note to the task's protocol as a rule (a new
  // protocol version, in force from then on).
  Result<std::string> NoteToProtocol();
  Result<std::string> Skip();
  // Takes back this annotator's latest decision on the run and returns to
  // its item when that item is in the queue.
  Result<std::string> Undo();

  // The JSON to pre-fill an editor with: the output, or the raw text of a
  // failed one.
  Result<std::string> EditableOutput();

 private:
  AnnotateSession() = default;
  Result<std::string> Decide(const std::string& action, const Json& label, const std::string& how);
  Result<Json> EnumValue(const std::string& label) const;

  Store* store_ = nullptr;
  RunInfo run_;
  RunTarget target_;
  std::optional<Schema> output_schema_;
  AnnotateOptions options_;
  std::optional<int64_t> protocol_version_;
  std::vector<std::string> queue_;
  size_t position_ = 0;
  std::string last_note_;
  int64_t labeled_ = 0, skipped_ = 0, noted_ = 0;
};

}  // namespace centaur
