#include "cli/terminal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "core/records.h"

namespace centaur::cli {
namespace {

// The terminal settings to restore from a signal handler.
termios g_saved{};
volatile sig_atomic_t g_raw = 0;

void RestoreAndReraise(int sig) {
  if (g_raw) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
  signal(sig, SIG_DFL);
  raise(sig);
}

constexpr char kEsc = 27;
constexpr char kBackspace = 127;
constexpr char kCtrlH = 8;
constexpr char kCtrlC = 3;
constexpr char kCtrlD = 4;
constexpr int kEscapeWaitMs = 30;

int ReadByte() {
  while (true) {
    unsigned char c = 0;
    ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n == 1) return c;
    if (n < 0 && errno == EINTR) continue;
    return -1;
  }
}

// A byte, or 0 for an escape sequence (arrow and function keys, Alt+key),
// which arrives at once and is swallowed whole; a lone Esc is itself.
int ReadRawKey() {
  int c = ReadByte();
  if (c != kEsc) return c;
  pollfd fd{STDIN_FILENO, POLLIN, 0};
  if (poll(&fd, 1, kEscapeWaitMs) <= 0) return kEsc;
  c = ReadByte();
  if (c == '[' || c == 'O') {
    do {
      c = ReadByte();
    } while (c >= 0 && !(c >= 0x40 && c <= 0x7E));
  }
  return 0;
}

void Write(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

Keyboard::Keyboard() {
  if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_) != 0) return;
  raw_ = true;
  g_saved = saved_;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) signal(sig, RestoreAndReraise);
  Resume();
}

Keyboard::~Keyboard() {
  if (!raw_) return;
  Suspend();
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) signal(sig, SIG_DFL);
}

void Keyboard::Suspend() {
  if (!raw_ || !active_) return;
  g_raw = 0;
  tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_);
  active_ = false;
}

void Keyboard::Resume() {
  if (!raw_ || active_) return;
  termios t = saved_;
  t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);  // keys at once, unechoed; ISIG stays
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  tcsetattr(STDIN_FILENO, TCSADRAIN, &t);
  g_raw = 1;
  active_ = true;
}

int Keyboard::ReadKey() {
  std::fflush(stdout);
  int c = ReadRawKey();
  return c == kCtrlD ? -1 : c;
}

std::optional<std::string> Keyboard::ReadLine(const std::string& prompt,
                                              const std::string& initial) {
  Write(prompt + (raw_ ? initial : std::string()));
  std::string line = raw_ ? initial : std::string();
  while (true) {
    int c = raw_ ? ReadRawKey() : ReadByte();
    if (c < 0) {
      if (raw_ || line.empty()) return std::nullopt;
      return line;  // a last line without a newline
    }
    if (!raw_) {
      if (c == '\n') {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      line += static_cast<char>(c);
      continue;
    }
    if (c == 0) continue;
    if (c == '\n' || c == '\r') {
      Write("\n");
      return line;
    }
    if (c == kEsc || c == kCtrlC) {
      Write("\n");
      return std::string();
    }
    if (c == kCtrlD) return std::nullopt;
    if (c == kBackspace || c == kCtrlH) {
      if (line.empty()) continue;
      // Drop one UTF-8 character.
      while (!line.empty() && (static_cast<unsigned char>(line.back()) & 0xC0) == 0x80) {
        line.pop_back();
      }
      if (!line.empty()) line.pop_back();
      Write("\b \b");
      continue;
    }
    if (c < ' ') continue;
    line += static_cast<char>(c);
    Write(std::string(1, static_cast<char>(c)));
  }
}

Result<std::string> EditInEditor(const std::string& text, const std::string& suffix) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string path = std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") +
                     "/centaur-XXXXXX" + suffix;
  int fd = mkstemps(path.data(), static_cast<int>(suffix.size()));
  if (fd < 0) return MakeError(ErrorCode::kIo, path + ": cannot create a temporary file");
  bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  if (!written) {
    unlink(path.c_str());
    return MakeError(ErrorCode::kIo, path + ": cannot write");
  }
  const char* env = std::getenv("EDITOR");
  const std::string editor = env != nullptr && *env != '\0' ? env : "vi";
  // Through the shell, like git does, so EDITOR may carry arguments.
  const std::string command = editor + " \"$1\"";
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), "sh", path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    unlink(path.c_str());
    std::string how = pid < 0 ? "could not be started"
                      : !WIFEXITED(status)
                          ? "was killed"
                          : "exited with status " + std::to_string(WEXITSTATUS(status));
    return MakeError(ErrorCode::kIo, "editor \"" + editor + "\" " + how + "; nothing saved");
  }
  Result<std::string> saved = ReadFileToString(path);
  unlink(path.c_str());
  return saved;
}

}  // namespace centaur::cli
