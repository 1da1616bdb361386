#include "local/model_files.h"

#include <cstdlib>
#include <filesystem>

namespace centaur {

namespace fs = std::filesystem;

std::string ModelsDir() {
  if (const char* dir = std::getenv("CENTAUR_MODELS"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.cache/centaur/models";
}

Result<std::string> ResolveLocalModel(const std::string& name) {
  if (name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "local model name is empty: use local:NAME or local:PATH.gguf");
  }
  std::error_code ec;
  const bool looks_like_path = name.find('/') != std::string::npos;
  if (looks_like_path || (name.ends_with(".gguf") && fs::is_regular_file(name, ec))) {
    if (fs::is_regular_file(name, ec)) return name;
    return MakeError(ErrorCode::kNotFound, "local model file not found: " + name);
  }
  const std::string dir = ModelsDir();
  const std::string file = name.ends_with(".gguf") ? name : name + ".gguf";
  const std::string path = dir + "/" + file;
  if (fs::is_regular_file(path, ec)) return path;
  return MakeError(ErrorCode::kNotFound,
                   "local model \"" + name + "\" not found: looked for " + path +
                       " (set CENTAUR_MODELS to use another directory; `centaur models pull " +
                       name + "` downloads a known model, `centaur models tiny " + path +
                       "` writes a random test model)");
}

}  // namespace centaur
