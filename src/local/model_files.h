// Local model files: where they live, what they are, how they get there.
//
// `local:NAME` names a model in the models directory ($CENTAUR_MODELS, else
// ~/.cache/centaur/models): NAME.gguf, or NAME itself when it ends in .gguf.
// `local:PATH` with a slash (or ending in .gguf and existing) is a file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace centaur {

// $CENTAUR_MODELS, else $HOME/.cache/centaur/models.
std::string ModelsDir();

// The GGUF file a `local:` reference names. Not found: an error that lists
// where it looked and how to get a model (`centaur models pull`, or
// `centaur models tiny` for a random test model).
Result<std::string> ResolveLocalModel(const std::string& name);

// What `centaur models` shows. Read from the GGUF header only (no weights).
struct LocalModelInfo {
  std::string name;  // file name without .gguf
  std::string path;
  int64_t size_bytes = 0;
  std::string architecture;    // general.architecture
  int64_t context_length = 0;  // <arch>.context_length (0: absent)
  bool has_chat_template = false;
  bool embeddings_only = false;  // encoder models (bert...): embed, no chat
};
Result<LocalModelInfo> ReadLocalModelInfo(const std::string& path);

// Every *.gguf in `dir`, sorted by name; a missing dir is an empty list.
// Files that are not valid GGUF are listed with architecture "invalid".
Result<std::vector<LocalModelInfo>> ListLocalModels(const std::string& dir);

// A model `centaur models pull` knows: where to fetch it and its sha256.
struct KnownModel {
  std::string name;  // e.g. "qwen2.5-0.5b-instruct-q4"
  std::string url;
  std::string sha256;
  int64_t size_bytes = 0;
  std::string description;
};
const std::vector<KnownModel>& KnownModels();

// Downloads a known model (or an http(s) URL with an expected sha256) into
// `dir` as NAME.gguf: to a .part file, verified, then renamed. Progress goes
// to `progress(done_bytes, total_bytes)` (total 0: unknown). No network: a
// clear error naming the URL and the cause, and nothing left behind. A file
// already at the destination is an kAlreadyExists error (nothing fetched).
using PullProgress = std::function<void(int64_t done, int64_t total)>;
struct PullOptions {
  std::string sha256;  // expected digest (hex); required for a URL
  std::string name;    // save as NAME.gguf (default: the known name, or the URL's file name)
};
Result<std::string> PullModel(const std::string& name_or_url, const std::string& dir,
                              const PullOptions& options, const PullProgress& progress);
inline Result<std::string> PullModel(const std::string& name, const std::string& dir,
                                     const PullProgress& progress) {
  return PullModel(name, dir, PullOptions{}, progress);
}

}  // namespace centaur
