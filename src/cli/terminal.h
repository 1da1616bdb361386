// The keyboard and $EDITOR for interactive commands. When stdin is a
// terminal, Keyboard switches it to raw mode (single keys, no echo) and
// restores it when destroyed or when the process is interrupted; otherwise
// it reads stdin a line at a time, so the same commands can be scripted.
// stdin is read with read(2), byte by byte: nothing is buffered away from a
// child process (the editor) that shares it.
#pragma once

#include <termios.h>

#include <optional>
#include <string>

#include "core/result.h"

namespace centaur::cli {

class Keyboard {
 public:
  Keyboard();
  ~Keyboard();
  Keyboard(const Keyboard&) = delete;
  Keyboard& operator=(const Keyboard&) = delete;

  // True when stdin is a terminal (single keys); false: lines.
  bool keys() const { return raw_; }
  // One key (a byte); -1 at end of input (or Ctrl-D), 0 for an escape
  // sequence (arrows and the like). Only when keys().
  int ReadKey();
  // A line without its newline; nullopt at end of input. With keys() it is
  // echoed and editable (backspace), Esc cancels (""), and `initial` is
  // typed in already.
  std::optional<std::string> ReadLine(const std::string& prompt, const std::string& initial = "");
  // Leaves raw mode (for a child process) and enters it again.
  void Suspend();
  void Resume();

 private:
  bool raw_ = false;
  bool active_ = false;
  termios saved_{};
};

// Writes `text` to a new temporary file ending in `suffix`, opens it in
// $EDITOR (default vi) and returns what was saved. An editor that exits
// non-zero is an error ("editor \"vim\" exited with status 1; nothing
// saved"); the file is removed either way.
Result<std::string> EditInEditor(const std::string& text, const std::string& suffix);

}  // namespace centaur::cli
