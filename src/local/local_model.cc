#include "local/local_model.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "llama.h"

namespace centaur {
namespace {

std::mutex& LogMutex() {
  static std::mutex m;
  return m;
}
std::string& LastError() {
  static std::string e;
  return e;
}

void LogCallback(ggml_log_level level, const char* text, void* verbose) {
  if (level == GGML_LOG_LEVEL_ERROR) {
    std::lock_guard<std::mutex> lock(LogMutex());
    std::string line = text;
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) LastError() = line;
  }
  if (verbose != nullptr) std::fputs(text, stderr);
}

}  // namespace

void InitLlamaBackend() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* v = std::getenv("CENTAUR_LLAMA_LOG");
    static int verbose = 1;
    llama_log_set(LogCallback, v != nullptr && std::string(v) == "1" ? &verbose : nullptr);
    llama_backend_init();
  });
}

std::string LastLlamaError() {
  std::lock_guard<std::mutex> lock(LogMutex());
  return LastError();
}

LocalModel::LocalModel(llama_model* model, std::string path)
    : model_(model), vocab_(llama_model_get_vocab(model)), path_(std::move(path)) {
  if (const char* t = llama_model_chat_template(model_, nullptr); t != nullptr) {
    chat_template_ = t;
  }
  n_ctx_train_ = llama_model_n_ctx_train(model_);
}

LocalModel::~LocalModel() { llama_model_free(model_); }

const std::vector<int32_t>& LocalModel::never_utf8_tokens() const {
  std::call_once(never_utf8_once_, [this] {
    const int n = llama_vocab_n_tokens(vocab_);
    std::string piece(256, '\0');
    for (llama_token t = 0; t < n; ++t) {
      auto text = [&] {
        return llama_token_to_piece(vocab_, t, piece.data(), static_cast<int32_t>(piece.size()), 0,
                                    /*special=*/false);
      };
      int len = text();
      if (len < 0) {  // longer than `piece`: -len is its length
        piece.resize(static_cast<size_t>(-len));
        len = text();
      }
      for (int i = 0; i < len; ++i) {
        const auto c = static_cast<unsigned char>(piece[static_cast<size_t>(i)]);
        if (c == 0xC0 || c == 0xC1 || c >= 0xF5) {
          never_utf8_.push_back(t);
          break;
        }
      }
    }
  });
  return never_utf8_;
}

Result<std::shared_ptr<LocalModel>> LocalModel::Load(const std::string& path) {
  InitLlamaBackend();
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<LocalModel>> loaded;
  std::error_code ec;
  std::string key = std::filesystem::weakly_canonical(path, ec).string();
  if (ec) key = path;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = loaded.find(key); it != loaded.end()) {
    if (std::shared_ptr<LocalModel> m = it->second.lock()) return m;
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    return MakeError(ErrorCode::kNotFound, "local model file not found: " + path);
  }
  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = 0;
  llama_model* model = llama_model_load_from_file(path.c_str(), params);
  if (model == nullptr) {
    std::string why = LastLlamaError();
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot load local model " + path + (why.empty() ? "" : ": " + why));
  }
  std::shared_ptr<LocalModel> m(new LocalModel(model, path));
  loaded[key] = m;
  return m;
}

}  // namespace centaur
