#include <cstdio>
#include <filesystem>
#include <vector>

#include "cli/common.h"
#include "core/embedded.h"
#include "core/records.h"

namespace centaur::cli {
namespace {

struct StarterFile {
  const char* embedded;  // name under data/
  const char* written;   // name in the new project
};

constexpr StarterFile kStarterFiles[] = {
    {"init_task.yaml", "task.yaml"},
    {"init_examples.jsonl", "examples.jsonl"},
    {"init_data.csv", "data.csv"},
    {"init_centaur.yaml", "centaur.yaml"},
};

int Init(const std::string& dir, bool force) {
  namespace fs = std::filesystem;
  std::vector<std::string> existing;
  for (const StarterFile& f : kStarterFiles) {
    fs::path path = fs::path(dir) / f.written;
    if (fs::exists(path)) existing.push_back(path.string());
  }
  if (!existing.empty() && !force) {
    std::string list;
    for (const std::string& p : existing) list += (list.empty() ? "" : ", ") + p;
    return ReportError(MakeError(ErrorCode::kAlreadyExists,
                                 "init would overwrite " + list + " (use --force to replace)"));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  for (const StarterFile& f : kStarterFiles) {
    std::optional<std::string_view> data = EmbeddedFile(f.embedded);
    if (!data.has_value()) {
      return ReportError(MakeError(ErrorCode::kInternal,
                                   std::string("starter file missing from build: ") + f.embedded));
    }
    fs::path path = fs::path(dir) / f.written;
    Status written = WriteFileAtomic(path.string(), *data);
    if (!written.ok()) return ReportError(written.error());
    std::printf("wrote %s\n", path.string().c_str());
  }
  std::printf(
      "\nNext:\n"
      "  cd %s\n"
      "  centaur data import data.csv --name sample --label-column label\n"
      "  centaur call task.yaml --input '{\"text\": \"my card has not arrived\"}'\n"
      "  centaur run task.yaml --data sample\n",
      dir.c_str());
  return kExitOk;
}

}  // namespace

Command InitCommand() {
  return {"init", "write a starter task, examples, sample data and centaur.yaml",
          [](CLI::App* sub, GlobalOptions*) -> std::function<int()> {
            auto dir = std::make_shared<std::string>(".");
            auto force = std::make_shared<bool>(false);
            sub->add_option("dir", *dir, "directory to write into (default: .)");
            sub->add_flag("--force", *force, "overwrite existing files");
            return [dir, force] { return Init(*dir, *force); };
          }};
}

}  // namespace centaur::cli
