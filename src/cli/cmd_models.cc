// `centaur models`: local GGUF models. List them, write the random tiny test
// model, pull a known model or a URL (verified by sha256), list known models.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/common.h"
#include "core/json.h"
#include "local/model_files.h"
#include "local/tiny_model.h"

namespace centaur::cli {
namespace {

// "5.1 MB", "1.93 GB" (decimal units, as download sizes are quoted).
std::string FormatBytes(int64_t n) {
  if (n < 1000) return fmt::format("{} B", n);
  if (n < 1000 * 1000) return fmt::format("{:.1f} kB", n / 1e3);
  if (n < 1000 * 1000 * 1000) return fmt::format("{:.1f} MB", n / 1e6);
  return fmt::format("{:.2f} GB", n / 1e9);
}

Json ModelJson(const LocalModelInfo& m) {
  return {{"name", m.name},
          {"path", m.path},
          {"size_bytes", m.size_bytes},
          {"architecture", m.architecture},
          {"context_length", m.context_length},
          {"has_chat_template", m.has_chat_template},
          {"embeddings_only", m.embeddings_only}};
}

int List(bool json) {
  const std::string dir = ModelsDir();
  auto models = ListLocalModels(dir);
  if (!models.ok()) return ReportError(models.error());
  if (json) {
    Json out = Json::array();
    for (const LocalModelInfo& m : *models) out.push_back(ModelJson(m));
    std::printf("%s\n", out.dump().c_str());
    return kExitOk;
  }
  std::printf("models in %s (set CENTAUR_MODELS to use another directory)\n", dir.c_str());
  if (models->empty()) {
    std::printf("none yet: `centaur models pull %s` downloads a small instruct model\n",
                KnownModels().front().name.c_str());
    return kExitOk;
  }
  std::printf("%s %10s %-14s %8s  %s\n", Cell("NAME", 36).c_str(), "SIZE", "ARCH", "CONTEXT",
              "CHAT-TEMPLATE");
  for (const LocalModelInfo& m : *models) {
    const std::string context = m.context_length > 0 ? std::to_string(m.context_length) : "-";
    const char* chat = m.embeddings_only ? "no (embeddings)" : m.has_chat_template ? "yes" : "no";
    if (m.architecture == "invalid") chat = "-";
    std::printf("%s %10s %s %8s  %s\n", Cell(m.name, 36).c_str(), FormatBytes(m.size_bytes).c_str(),
                Cell(m.architecture, 14).c_str(), context.c_str(), chat);
  }
  return kExitOk;
}

int Tiny(const std::string& out, uint64_t seed) {
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(out).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    return ReportError(
        MakeError(ErrorCode::kIo, "cannot create " + parent.string() + ": " + ec.message()));
  }
  TinyModelOptions options;
  options.seed = seed;
  Status s = WriteTinyModel(out, options);
  if (!s.ok()) return ReportError(s.error());
  const auto size = std::filesystem::file_size(out, ec);
  std::printf(
      "wrote %s (%s): a tiny llama model with random weights, for tests and demos; "
      "its answers are noise\n",
      out.c_str(), ec ? "?" : FormatBytes(static_cast<int64_t>(size)).c_str());
  return kExitOk;
}

// The download's progress on stderr: a redrawn bar on a terminal, else
// nothing until the final line.
class PullProgressBar {
 public:
  static constexpr double kRedrawIntervalS = 0.1;
  static constexpr int kBarWidth = 30;

  explicit PullProgressBar(bool terminal) : terminal_(terminal), start_(Clock::now()) {}

  void Update(int64_t done, int64_t total) {
    done_ = done;
    if (!terminal_) return;
    const double now = Seconds();
    if (now - last_draw_s_ < kRedrawIntervalS && done != total) return;
    last_draw_s_ = now;
    const double rate = now > 0 ? done / now : 0;
    std::string line;
    if (total > 0) {
      const double f = std::min(1.0, static_cast<double>(done) / total);
      const int filled = static_cast<int>(f * kBarWidth);
      line = fmt::format("[{}{}] {:3.0f}% {} / {}", std::string(filled, '#'),
                         std::string(kBarWidth - filled, '.'), f * 100, FormatBytes(done),
                         FormatBytes(total));
    } else {
      line = FormatBytes(done);
    }
    line += fmt::format("  {}/s", FormatBytes(static_cast<int64_t>(rate)));
    std::fprintf(stderr, "\r%-78s", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }

  // Ends the bar's line; prints how much came in how long.
  void Finish(bool ok) {
    if (drawn_) std::fprintf(stderr, "\n");
    if (ok) {
      std::fprintf(stderr, "downloaded %s in %.1f s\n", FormatBytes(done_).c_str(), Seconds());
    }
  }

 private:
  using Clock = std::chrono::steady_clock;
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  bool terminal_;
  Clock::time_point start_;
  double last_draw_s_ = -1;
  int64_t done_ = 0;
  bool drawn_ = false;
};

struct PullFlags {
  std::string model;
  std::string dir;
  PullOptions options;
};

int Pull(const PullFlags& flags) {
  const std::string dir = flags.dir.empty() ? ModelsDir() : flags.dir;
  PullProgressBar bar(isatty(fileno(stderr)) != 0);
  auto path = PullModel(flags.model, dir, flags.options,
                        [&bar](int64_t done, int64_t total) { bar.Update(done, total); });
  bar.Finish(path.ok());
  if (!path.ok()) {
    if (path.error().code == ErrorCode::kAlreadyExists) {
      std::printf("already present: %s\n", path.error().message.c_str());
      return kExitOk;
    }
    return ReportError(path.error());
  }
  std::printf("pulled %s (sha256 verified); use it as local:%s\n", path->c_str(),
              std::filesystem::path(*path).stem().c_str());
  return kExitOk;
}

int Known() {
  std::printf("%s %10s  %s\n", Cell("NAME", 28).c_str(), "SIZE", "DESCRIPTION");
  for (const KnownModel& m : KnownModels()) {
    std::printf("%s %10s  %s\n", Cell(m.name, 28).c_str(), FormatBytes(m.size_bytes).c_str(),
                m.description.c_str());
  }
  std::printf(
      "pull one with `centaur models pull NAME`; any GGUF URL with "
      "`centaur models pull URL --sha256 HEX`\n");
  return kExitOk;
}

}  // namespace

Command ModelsCommand() {
  return {"models", "local GGUF models: list, pull, write the tiny test model",
          [](CLI::App* sub, GlobalOptions*) -> std::function<int()> {
            auto json = std::make_shared<bool>(false);
            sub->add_flag("--json", *json, "print a JSON array");
            auto tiny_out = std::make_shared<std::string>();
            auto seed = std::make_shared<uint64_t>(1);
            CLI::App* tiny =
                sub->add_subcommand("tiny", "write a tiny random-weight model (for tests)");
            tiny->fallthrough();
            tiny->add_option("out", *tiny_out, "GGUF file to write")->required();
            tiny->add_option("--seed", *seed, "weight seed (default 1)");
            auto pull_flags = std::make_shared<PullFlags>();
            CLI::App* pull = sub->add_subcommand(
                "pull", "download a known model, or a GGUF URL verified by --sha256");
            pull->fallthrough();
            pull->add_option("model", pull_flags->model, "known model name, or http(s) URL")
                ->required();
            pull->add_option("--sha256", pull_flags->options.sha256,
                             "expected sha256 of the file (required for a URL)");
            pull->add_option("--name", pull_flags->options.name,
                             "save as NAME.gguf (default: the model's or the URL's name)");
            pull->add_option("--dir", pull_flags->dir,
                             "directory to save into (default: $CENTAUR_MODELS or "
                             "~/.cache/centaur/models)");
            CLI::App* known = sub->add_subcommand("known", "list the models pull knows by name");
            known->fallthrough();
            return [=] {
              if (sub->got_subcommand(tiny)) return Tiny(*tiny_out, *seed);
              if (sub->got_subcommand(pull)) return Pull(*pull_flags);
              if (sub->got_subcommand(known)) return Known();
              return List(*json);
            };
          }};
}

}  // namespace centaur::cli
