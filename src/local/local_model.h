// A GGUF model loaded into memory once per process and shared by every local
// provider and decoder that names the same file.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"

struct llama_model;
struct llama_vocab;

namespace centaur {

class LocalModel {
 public:
  // Loads `path`, or returns the copy already loaded. Thread-safe.
  static Result<std::shared_ptr<LocalModel>> Load(const std::string& path);
  ~LocalModel();
  LocalModel(const LocalModel&) = delete;
  LocalModel& operator=(const LocalModel&) = delete;

  llama_model* model() const { return model_; }
  const llama_vocab* vocab() const { return vocab_; }
  const std::string& path() const { return path_; }
  // The model's own Jinja chat template, empty when it has none.
  const std::string& chat_template() const { return chat_template_; }
  int context_length() const { return n_ctx_train_; }
  // Tokens whose text has a byte UTF-8 never uses (C0, C1, F5-FF; a
  // byte-fallback vocabulary has a token for each). llama.cpp's grammar
  // reads F5-FF as the lead of a 4-byte character, so under a grammar such
  // a token could make a string that is not UTF-8: one character to the
  // grammar, up to four once the text is made well-formed, longer than its
  // maxLength allows. Listed on first use, once per model. Thread-safe.
  const std::vector<int32_t>& never_utf8_tokens() const;

 private:
  LocalModel(llama_model* model, std::string path);
  llama_model* model_;
  const llama_vocab* vocab_;
  std::string path_;
  std::string chat_template_;
  int n_ctx_train_ = 0;
  mutable std::once_flag never_utf8_once_;
  mutable std::vector<int32_t> never_utf8_;
};

// llama.cpp logs to stderr by default; centaur keeps it quiet unless
// CENTAUR_LLAMA_LOG=1. The last error line is kept for error messages.
void InitLlamaBackend();
std::string LastLlamaError();

}  // namespace centaur
