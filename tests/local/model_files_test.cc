// Local model files: the header reader on the tiny model and on hand-made
// GGUF files, directory listing, name resolution, and the pull checks that
// need no network.
#include "local/model_files.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "gguf.h"
#include "local/tiny_model.h"

namespace centaur {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMB = 1000 * 1000;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "centaur_models_XXXXXX";
    char* p = mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sets an environment variable for the scope, restoring the old value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

struct GgufFree {
  void operator()(gguf_context* c) const { gguf_free(c); }
};

// A GGUF file with metadata only, as a converted encoder or embedding model has.
void WriteMetadataOnly(const std::string& path, const std::string& arch,
                       std::optional<uint32_t> pooling) {
  std::unique_ptr<gguf_context, GgufFree> g(gguf_init_empty());
  gguf_set_val_str(g.get(), "general.architecture", arch.c_str());
  gguf_set_val_u32(g.get(), (arch + ".context_length").c_str(), 512);
  if (pooling) gguf_set_val_u32(g.get(), (arch + ".pooling_type").c_str(), *pooling);
  ASSERT_TRUE(gguf_write_to_file(g.get(), path.c_str(), /*only_meta=*/true));
}

TEST(ModelFilesTest, TinyModelInfo) {
  TempDir dir;
  const std::string path = dir.path() + "/tiny.gguf";
  Status written = WriteTinyModel(path);  // its time: bench/local_runs.py
  ASSERT_TRUE(written.ok()) << written.error().message;

  auto info = ReadLocalModelInfo(path);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->name, "tiny");
  EXPECT_EQ(info->path, path);
  EXPECT_EQ(info->architecture, "llama");
  EXPECT_EQ(info->context_length, 4096);
  EXPECT_TRUE(info->has_chat_template);
  EXPECT_FALSE(info->embeddings_only);
  EXPECT_GT(info->size_bytes, 1 * kMB);
  EXPECT_LT(info->size_bytes, 12 * kMB);
  EXPECT_EQ(info->size_bytes, static_cast<int64_t>(fs::file_size(path)));
}

TEST(ModelFilesTest, TinyModelIsDeterministicPerSeed) {
  TempDir dir;
  TinyModelOptions a, b;
  b.seed = 2;
  ASSERT_TRUE(WriteTinyModel(dir.path() + "/a1.gguf", a).ok());
  ASSERT_TRUE(WriteTinyModel(dir.path() + "/a2.gguf", a).ok());
  ASSERT_TRUE(WriteTinyModel(dir.path() + "/b.gguf", b).ok());
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(slurp(dir.path() + "/a1.gguf"), slurp(dir.path() + "/a2.gguf"));
  EXPECT_NE(slurp(dir.path() + "/a1.gguf"), slurp(dir.path() + "/b.gguf"));
}

TEST(ModelFilesTest, EncoderAndPoolingModelsAreEmbeddingsOnly) {
  TempDir dir;
  WriteMetadataOnly(dir.path() + "/bert.gguf", "bert", std::nullopt);
  WriteMetadataOnly(dir.path() + "/nomic.gguf", "nomic-bert", 1);
  WriteMetadataOnly(dir.path() + "/qwen3-embed.gguf", "qwen3", 3);  // last-token pooling
  WriteMetadataOnly(dir.path() + "/qwen3-chat.gguf", "qwen3", std::nullopt);
  WriteMetadataOnly(dir.path() + "/qwen3-none.gguf", "qwen3", 0);
  for (const char* name : {"bert", "nomic", "qwen3-embed"}) {
    auto info = ReadLocalModelInfo(dir.path() + "/" + name + ".gguf");
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_TRUE(info->embeddings_only) << name;
    EXPECT_FALSE(info->has_chat_template) << name;
    EXPECT_EQ(info->context_length, 512) << name;
  }
  for (const char* name : {"qwen3-chat", "qwen3-none"}) {
    auto info = ReadLocalModelInfo(dir.path() + "/" + name + ".gguf");
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_FALSE(info->embeddings_only) << name;
  }
}

TEST(ModelFilesTest, ReadErrorsNameThePath) {
  TempDir dir;
  const std::string missing = dir.path() + "/missing.gguf";
  auto info = ReadLocalModelInfo(missing);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(info.error().message, "model file not found: " + missing);

  const std::string junk = dir.path() + "/junk.gguf";
  WriteFile(junk, "this is not a model\n");
  info = ReadLocalModelInfo(junk);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message,
            junk + " is not a GGUF model file (it does not start with \"GGUF\")");

  const std::string empty = dir.path() + "/empty.gguf";
  WriteFile(empty, "");
  info = ReadLocalModelInfo(empty);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message,
            empty + " is not a GGUF model file (it does not start with \"GGUF\")");

  // A real header cut short.
  const std::string tiny = dir.path() + "/tiny.gguf";
  ASSERT_TRUE(WriteTinyModel(tiny).ok());
  std::string bytes;
  {
    std::ifstream in(tiny, std::ios::binary);
    bytes.resize(4096);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  const std::string truncated = dir.path() + "/truncated.gguf";
  WriteFile(truncated, bytes);
  info = ReadLocalModelInfo(truncated);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message,
            truncated + " is not a valid GGUF file (truncated or corrupt header)");

  info = ReadLocalModelInfo(dir.path());
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message, dir.path() + " is not a file");
}

TEST(ModelFilesTest, ListLocalModels) {
  TempDir dir;
  ASSERT_TRUE(WriteTinyModel(dir.path() + "/tiny.gguf").ok());
  WriteFile(dir.path() + "/junk.gguf", "not gguf at all");
  WriteFile(dir.path() + "/notes.txt", "ignored");
  fs::create_directory(dir.path() + "/sub.gguf");  // a directory, ignored
  auto models = ListLocalModels(dir.path());
  ASSERT_TRUE(models.ok()) << models.error().message;
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ((*models)[0].name, "junk");
  EXPECT_EQ((*models)[0].architecture, "invalid");
  EXPECT_EQ((*models)[0].size_bytes, 15);
  EXPECT_EQ((*models)[0].path, dir.path() + "/junk.gguf");
  EXPECT_EQ((*models)[1].name, "tiny");
  EXPECT_EQ((*models)[1].architecture, "llama");
  EXPECT_TRUE((*models)[1].has_chat_template);

  auto none = ListLocalModels(dir.path() + "/does-not-exist");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto not_dir = ListLocalModels(dir.path() + "/notes.txt");
  ASSERT_FALSE(not_dir.ok());
  EXPECT_EQ(not_dir.error().message,
            "models directory " + dir.path() + "/notes.txt is not a directory");
}

TEST(ModelFilesTest, ModelsDirFromEnvironment) {
  ScopedEnv models("CENTAUR_MODELS", "/some/where");
  EXPECT_EQ(ModelsDir(), "/some/where");
  ScopedEnv empty("CENTAUR_MODELS", "");
  ScopedEnv home("HOME", "/home/u");
  EXPECT_EQ(ModelsDir(), "/home/u/.cache/centaur/models");
}

TEST(ModelFilesTest, ResolveLocalModel) {
  TempDir dir;
  ScopedEnv models("CENTAUR_MODELS", dir.path());
  const std::string tiny = dir.path() + "/tiny.gguf";
  ASSERT_TRUE(WriteTinyModel(tiny).ok());

  auto by_path = ResolveLocalModel(tiny);
  ASSERT_TRUE(by_path.ok()) << by_path.error().message;
  EXPECT_EQ(*by_path, tiny);
  auto by_name = ResolveLocalModel("tiny");
  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
  EXPECT_EQ(*by_name, tiny);
  auto by_file_name = ResolveLocalModel("tiny.gguf");
  ASSERT_TRUE(by_file_name.ok()) << by_file_name.error().message;
  EXPECT_EQ(*by_file_name, tiny);

  auto missing_path = ResolveLocalModel(dir.path() + "/nope.gguf");
  ASSERT_FALSE(missing_path.ok());
  EXPECT_EQ(missing_path.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing_path.error().message,
            "local model file not found: " + dir.path() + "/nope.gguf");

  auto missing = ResolveLocalModel("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  const std::string looked = dir.path() + "/nope.gguf";
  EXPECT_EQ(missing.error().message,
            "local model \"nope\" not found: looked for " + looked +
                " (set CENTAUR_MODELS to use another directory; `centaur models pull nope` "
                "downloads a known model, `centaur models tiny " +
                looked + "` writes a random test model)");

  auto empty = ResolveLocalModel("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
}

TEST(ModelFilesTest, KnownModelsArePinned) {
  ASSERT_FALSE(KnownModels().empty());
  for (const KnownModel& m : KnownModels()) {
    EXPECT_TRUE(m.url.starts_with("https://")) << m.name;
    EXPECT_TRUE(m.url.ends_with(".gguf")) << m.name;
    EXPECT_EQ(m.sha256.size(), 64u) << m.name;
    EXPECT_EQ(m.sha256.find_first_not_of("0123456789abcdef"), std::string::npos) << m.name;
    EXPECT_GT(m.size_bytes, 0) << m.name;
    EXPECT_FALSE(m.description.empty()) << m.name;
  }
  EXPECT_EQ(KnownModels().front().name, "qwen2.5-0.5b-instruct-q4");
}

// Mistakes caught before any network access; nothing is written.
TEST(ModelFilesTest, PullRejectsBadRequests) {
  TempDir dir;
  const std::string models = dir.path() + "/models";
  auto pull = [&](const std::string& what, PullOptions options = {}) {
    return PullModel(what, models, options, nullptr);
  };
  auto unknown = pull("no-such-model");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().message.rfind("unknown model \"no-such-model\": known models are "
                                          "qwen2.5-0.5b-instruct-q4, ",
                                          0),
            0u)
      << unknown.error().message;

  auto no_sha = pull("http://127.0.0.1:9/m.gguf");
  ASSERT_FALSE(no_sha.ok());
  EXPECT_EQ(no_sha.error().message,
            "--sha256 is required to pull a URL: the download is checked against it before it "
            "is kept");

  auto bad_sha = pull("http://127.0.0.1:9/m.gguf", {"abc123", ""});
  ASSERT_FALSE(bad_sha.ok());
  EXPECT_EQ(bad_sha.error().message, "--sha256 must be 64 hex digits, got \"abc123\"");

  const std::string sha(64, 'a');
  auto no_name = pull("http://127.0.0.1:9/", {sha, ""});
  ASSERT_FALSE(no_name.ok());
  EXPECT_EQ(no_name.error().message,
            "cannot name the model after http://127.0.0.1:9/: pass --name NAME");

  auto bad_name = pull("http://127.0.0.1:9/m.gguf", {sha, "../evil"});
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.error().message,
            "--name \"../evil\" is not a valid model name (letters, digits, '.', '_' and '-')");

  auto wrong_known_sha = pull("qwen2.5-0.5b-instruct-q4", {sha, ""});
  ASSERT_FALSE(wrong_known_sha.ok());
  EXPECT_EQ(wrong_known_sha.error().message,
            "--sha256 " + sha + " is not the sha256 of \"qwen2.5-0.5b-instruct-q4\" (" +
                KnownModels().front().sha256 + ")");

  EXPECT_FALSE(fs::exists(models));
}

TEST(ModelFilesTest, PullRefusesToOverwrite) {
  TempDir dir;
  WriteFile(dir.path() + "/m.gguf", "already here");
  auto r = PullModel("http://127.0.0.1:9/m.gguf", dir.path(), {std::string(64, 'a'), ""}, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(r.error().message, dir.path() + "/m.gguf already exists (delete it to pull again)");
}

TEST(ModelFilesTest, PullConnectionRefusedLeavesNothing) {
  TempDir dir;
  // Port 9 (discard) on loopback: nothing listens there.
  const std::string url = "http://127.0.0.1:9/m.gguf";
  auto r = PullModel(url, dir.path(), {std::string(64, 'a'), ""}, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTransport);
  EXPECT_EQ(r.error().message.rfind("could not pull " + url + ": could not connect (", 0), 0u)
      << r.error().message;
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace centaur
