// A GGUF model loaded into memory once per process and shared by every local
// provider and decoder that names the same file.
#pragma once

#include <memory>
#include <string>

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

 private:
  LocalModel(llama_model* model, std::string path);
  llama_model* model_;
  const llama_vocab* vocab_;
  std::string path_;
  std::string chat_template_;
  int n_ctx_train_ = 0;
};

// llama.cpp logs to stderr by default; centaur keeps it quiet unless
// CENTAUR_LLAMA_LOG=1. The last error line is kept for error messages.
void InitLlamaBackend();
std::string LastLlamaError();

}  // namespace centaur
