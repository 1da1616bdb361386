// What a GGUF file is, from its header alone: gguf_init_from_file with
// no_alloc reads the key-value metadata and the tensor table, never the
// weights, so listing a directory of multi-gigabyte models is instant.
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "gguf.h"
#include "local/model_files.h"

namespace centaur {
namespace {

namespace fs = std::filesystem;

struct GgufFree {
  void operator()(gguf_context* c) const { gguf_free(c); }
};

// Architectures llama.cpp runs as encoders: they embed text, they do not chat.
constexpr std::array<std::string_view, 11> kEncoderArchitectures = {
    "bert",         "modern-bert", "nomic-bert", "nomic-bert-moe",  "neo-bert",   "jina-bert-v2",
    "jina-bert-v3", "eurobert",    "t5encoder",  "gemma-embedding", "llama-embed"};

// llama_pooling_type: 0 none, 1 mean, 2 cls, 3 last, 4 rank.
constexpr int64_t kPoolingNone = 0;

// An integer value of any integer GGUF type; nullopt for other types.
std::optional<int64_t> IntValue(const gguf_context* ctx, int64_t key) {
  switch (gguf_get_kv_type(ctx, key)) {
    case GGUF_TYPE_UINT8:
      return gguf_get_val_u8(ctx, key);
    case GGUF_TYPE_INT8:
      return gguf_get_val_i8(ctx, key);
    case GGUF_TYPE_UINT16:
      return gguf_get_val_u16(ctx, key);
    case GGUF_TYPE_INT16:
      return gguf_get_val_i16(ctx, key);
    case GGUF_TYPE_UINT32:
      return gguf_get_val_u32(ctx, key);
    case GGUF_TYPE_INT32:
      return gguf_get_val_i32(ctx, key);
    case GGUF_TYPE_UINT64:
      return static_cast<int64_t>(gguf_get_val_u64(ctx, key));
    case GGUF_TYPE_INT64:
      return gguf_get_val_i64(ctx, key);
    default:
      return std::nullopt;
  }
}

std::optional<int64_t> FindInt(const gguf_context* ctx, const std::string& key) {
  const int64_t id = gguf_find_key(ctx, key.c_str());
  if (id < 0) return std::nullopt;
  return IntValue(ctx, id);
}

// The first four bytes of every GGUF file.
bool HasGgufMagic(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return false;
  char magic[4] = {};
  return std::fread(magic, 1, sizeof(magic), f.get()) == sizeof(magic) &&
         std::string_view(magic, sizeof(magic)) == "GGUF";
}

std::string StemOf(const fs::path& path) {
  std::string name = path.filename().string();
  if (name.ends_with(".gguf")) name.resize(name.size() - 5);
  return name;
}

}  // namespace

Result<LocalModelInfo> ReadLocalModelInfo(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return MakeError(ErrorCode::kNotFound, "model file not found: " + path);
  }
  if (!fs::is_regular_file(status)) {
    return MakeError(ErrorCode::kInvalidArgument, path + " is not a file");
  }
  LocalModelInfo info;
  info.name = StemOf(path);
  info.path = path;
  const auto size = fs::file_size(path, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot read " + path + ": " + ec.message());
  info.size_bytes = static_cast<int64_t>(size);
  if (!HasGgufMagic(path)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + " is not a GGUF model file (it does not start with \"GGUF\")");
  }
  gguf_init_params params = {/*no_alloc=*/true, /*ctx=*/nullptr};
  std::unique_ptr<gguf_context, GgufFree> ctx(gguf_init_from_file(path.c_str(), params));
  if (!ctx) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + " is not a valid GGUF file (truncated or corrupt header)");
  }
  const gguf_context* g = ctx.get();
  const int64_t arch_key = gguf_find_key(g, "general.architecture");
  if (arch_key < 0 || gguf_get_kv_type(g, arch_key) != GGUF_TYPE_STRING) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + " has no general.architecture: not a model file");
  }
  info.architecture = gguf_get_val_str(g, arch_key);
  info.context_length = FindInt(g, info.architecture + ".context_length").value_or(0);
  const int64_t template_key = gguf_find_key(g, "tokenizer.chat_template");
  info.has_chat_template = template_key >= 0 &&
                           gguf_get_kv_type(g, template_key) == GGUF_TYPE_STRING &&
                           *gguf_get_val_str(g, template_key) != '\0';
  const bool encoder = std::find(kEncoderArchitectures.begin(), kEncoderArchitectures.end(),
                                 info.architecture) != kEncoderArchitectures.end();
  // Decoder models converted for embedding or reranking declare a pooling type.
  const int64_t pooling = FindInt(g, info.architecture + ".pooling_type").value_or(kPoolingNone);
  info.embeddings_only = encoder || pooling != kPoolingNone;
  return info;
}

Result<std::vector<LocalModelInfo>> ListLocalModels(const std::string& dir) {
  std::vector<LocalModelInfo> models;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return models;
  if (!fs::is_directory(dir, ec)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "models directory " + dir + " is not a directory");
  }
  fs::directory_iterator it(dir, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot list " + dir + ": " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code entry_ec;
    const fs::path& p = it->path();
    if (p.extension() != ".gguf" || !it->is_regular_file(entry_ec)) continue;
    auto info = ReadLocalModelInfo(p.string());
    if (info.ok()) {
      models.push_back(std::move(info).value());
      continue;
    }
    LocalModelInfo invalid;
    invalid.name = StemOf(p);
    invalid.path = p.string();
    const auto size = it->file_size(entry_ec);
    invalid.size_bytes = entry_ec ? 0 : static_cast<int64_t>(size);
    invalid.architecture = "invalid";
    models.push_back(std::move(invalid));
  }
  if (ec) return MakeError(ErrorCode::kIo, "cannot list " + dir + ": " + ec.message());
  std::sort(models.begin(), models.end(),
            [](const LocalModelInfo& a, const LocalModelInfo& b) { return a.name < b.name; });
  return models;
}

}  // namespace centaur
