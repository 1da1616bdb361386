// `centaur models pull`: the known models and the download itself. The body
// streams to DIR/NAME.gguf.part while its sha256 is computed; only a file
// whose digest matches is renamed into place. Any failure removes the .part.
#include <curl/curl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>

#include "local/model_files.h"

namespace centaur {
namespace {

namespace fs = std::filesystem;

constexpr size_t kSha256HexLength = 64;
constexpr long kConnectTimeoutS = 30;
// A transfer slower than this many bytes/s for kLowSpeedTimeS is abandoned.
constexpr long kLowSpeedBytesPerS = 1024;
constexpr long kLowSpeedTimeS = 60;
constexpr long kMaxRedirects = 10;

bool IsUrl(const std::string& s) { return s.starts_with("http://") || s.starts_with("https://"); }

// Lowercase hex, or "" when `hex` is not 64 hex digits.
std::string NormalizeSha256(const std::string& hex) {
  if (hex.size() != kSha256HexLength) return "";
  std::string out;
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.front() == '.') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// The last path segment of `url` without ".gguf", or "" when it has none.
std::string NameFromUrl(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  const size_t scheme_end = path.find("://");
  const size_t path_start = path.find('/', scheme_end + 3);
  if (path_start == std::string::npos) return "";
  std::string name = path.substr(path.rfind('/') + 1);
  if (name.ends_with(".gguf")) name.resize(name.size() - 5);
  return ValidName(name) ? name : "";
}

std::string KnownNames() {
  std::string names;
  for (const KnownModel& m : KnownModels()) names += (names.empty() ? "" : ", ") + m.name;
  return names;
}

// What to fetch, from where, checked against which digest, saved as what.
struct PullPlan {
  std::string url;
  std::string sha256;
  std::string name;
  int64_t size_bytes = 0;  // 0: unknown
};

Result<PullPlan> Plan(const std::string& name_or_url, const PullOptions& options) {
  PullPlan plan;
  std::string given_sha;
  if (!options.sha256.empty()) {
    given_sha = NormalizeSha256(options.sha256);
    if (given_sha.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--sha256 must be 64 hex digits, got \"" + options.sha256 + "\"");
    }
  }
  if (IsUrl(name_or_url)) {
    if (given_sha.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--sha256 is required to pull a URL: the download is checked against it "
                       "before it is kept");
    }
    plan.url = name_or_url;
    plan.sha256 = given_sha;
    plan.name = options.name.empty() ? NameFromUrl(name_or_url) : options.name;
    if (plan.name.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "cannot name the model after " + name_or_url + ": pass --name NAME");
    }
  } else {
    const KnownModel* known = nullptr;
    for (const KnownModel& m : KnownModels()) {
      if (m.name == name_or_url) known = &m;
    }
    if (known == nullptr) {
      return MakeError(ErrorCode::kNotFound,
                       "unknown model \"" + name_or_url + "\": known models are " + KnownNames() +
                           " (`centaur models known`); or pass an http(s) URL with --sha256");
    }
    plan.url = known->url;
    plan.size_bytes = known->size_bytes;
    plan.name = options.name.empty() ? known->name : options.name;
    if (known->sha256.empty() && given_sha.empty()) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "model \"" + known->name + "\" has no pinned sha256: pass --sha256 HEX to pull it");
    }
    if (!known->sha256.empty() && !given_sha.empty() && given_sha != known->sha256) {
      return MakeError(ErrorCode::kInvalidArgument, "--sha256 " + given_sha +
                                                        " is not the sha256 of \"" + known->name +
                                                        "\" (" + known->sha256 + ")");
    }
    plan.sha256 = known->sha256.empty() ? given_sha : known->sha256;
  }
  if (!ValidName(plan.name)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--name \"" + plan.name +
                         "\" is not a valid model name (letters, digits, '.', '_' and '-')");
  }
  return plan;
}

struct DigestFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};

// The transfer's state, shared with the write callback.
struct Sink {
  FILE* file = nullptr;
  EVP_MD_CTX* digest = nullptr;
  CURL* easy = nullptr;
  int64_t done = 0;
  int64_t expected_size = 0;
  const PullProgress* progress = nullptr;
  int write_errno = 0;
  bool digest_failed = false;
};

size_t OnData(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t bytes = size * n;
  errno = 0;
  if (std::fwrite(data, 1, bytes, sink->file) != bytes) {
    sink->write_errno = errno != 0 ? errno : EIO;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  if (EVP_DigestUpdate(sink->digest, data, bytes) != 1) {
    sink->digest_failed = true;
    return 0;
  }
  sink->done += static_cast<int64_t>(bytes);
  if (*sink->progress) {
    curl_off_t length = -1;
    curl_easy_getinfo(sink->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    (*sink->progress)(sink->done, length > 0 ? static_cast<int64_t>(length) : sink->expected_size);
  }
  return bytes;
}

std::string HexOf(const unsigned char* bytes, unsigned int n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

Error CurlFailure(const std::string& url, CURL* easy, CURLcode code, const char* detail) {
  const std::string prefix = "could not pull " + url + ": ";
  const std::string why = *detail != '\0' ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_HTTP_RETURNED_ERROR: {
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      Error e = MakeError(ErrorCode::kHttp, prefix + "HTTP " + std::to_string(status));
      e.http_status = static_cast<int>(status);
      return e;
    }
    case CURLE_COULDNT_CONNECT:
      return MakeError(ErrorCode::kTransport, prefix + "could not connect (" + why + ")");
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return MakeError(ErrorCode::kTransport, prefix + "could not resolve host (" + why + ")");
    case CURLE_OPERATION_TIMEDOUT:
      return MakeError(ErrorCode::kTransport, prefix + "timed out (" + why + ")");
    default:
      return MakeError(ErrorCode::kTransport, prefix + why);
  }
}

// Removes the .part file unless the download was kept.
class PartFile {
 public:
  explicit PartFile(std::string path) : path_(std::move(path)) {}
  ~PartFile() {
    if (!kept_) std::remove(path_.c_str());
  }
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;
  const std::string& path() const { return path_; }
  void Keep() { kept_ = true; }

 private:
  std::string path_;
  bool kept_ = false;
};

// Fetches plan.url into part.path(); the digest of what was written.
Result<std::string> Fetch(const PullPlan& plan, const PartFile& part,
                          const PullProgress& progress) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<FILE, FileClose> file(std::fopen(part.path().c_str(), "wb"));
  if (!file) {
    return MakeError(ErrorCode::kIo, "cannot write " + part.path() + ": " + std::strerror(errno));
  }
  std::unique_ptr<EVP_MD_CTX, DigestFree> digest(EVP_MD_CTX_new());
  if (!digest || EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr) != 1) {
    return MakeError(ErrorCode::kInternal, "sha256 is not available from OpenSSL");
  }
  std::unique_ptr<CURL, CurlFree> easy(curl_easy_init());
  if (!easy) return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  Sink sink{file.get(), digest.get(), easy.get(), 0, plan.size_bytes, &progress, 0, false};
  char error[CURL_ERROR_SIZE] = {};
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, plan.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutS);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, kLowSpeedBytesPerS);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, kLowSpeedTimeS);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "centaur/0.1");
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &OnData);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink);
  const CURLcode code = curl_easy_perform(e);
  if (code == CURLE_WRITE_ERROR && sink.write_errno != 0) {
    return MakeError(ErrorCode::kIo, "could not pull " + plan.url + ": cannot write " +
                                         part.path() + ": " + std::strerror(sink.write_errno));
  }
  if (sink.digest_failed) return MakeError(ErrorCode::kInternal, "sha256 update failed");
  if (code != CURLE_OK) return CurlFailure(plan.url, e, code, error);
  if (std::fflush(file.get()) != 0 || fsync(fileno(file.get())) != 0) {
    return MakeError(ErrorCode::kIo, "cannot write " + part.path() + ": " + std::strerror(errno));
  }
  if (progress) progress(sink.done, sink.done);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_DigestFinal_ex(digest.get(), md, &md_len) != 1) {
    return MakeError(ErrorCode::kInternal, "sha256 final failed");
  }
  return HexOf(md, md_len);
}

}  // namespace

const std::vector<KnownModel>& KnownModels() {
  // Pinned to a repository commit, so the bytes behind each URL cannot
  // change under its digest. Digests and sizes are the Git LFS pointers of
  // those commits.
  static const std::vector<KnownModel> models = {
      {"qwen2.5-0.5b-instruct-q4",
       "https://huggingface.co/bartowski/Qwen2.5-0.5B-Instruct-GGUF/resolve/"
       "21ef23001f314d0895bd8439b08157c2d4cd9bb7/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
       "6eb923e7d26e9cea28811e1a8e852009b21242fb157b26149d3b188f3a8c8653", 397808192,
       "Qwen2.5 0.5B Instruct, Q4_K_M: small and fast on a CPU; the default"},
      {"qwen2.5-3b-instruct-q4",
       "https://huggingface.co/bartowski/Qwen2.5-3B-Instruct-GGUF/resolve/"
       "254600e47ea694216f6108325376ce5b35d456a1/Qwen2.5-3B-Instruct-Q4_K_M.gguf",
       "9c9f56a391a3abbd5b89d0245bf6106081bcc3173119d4229235dd9d23253f94", 1929903264,
       "Qwen2.5 3B Instruct, Q4_K_M: better answers, slower"},
  };
  return models;
}

Result<std::string> PullModel(const std::string& name_or_url, const std::string& dir,
                              const PullOptions& options, const PullProgress& progress) {
  CENTAUR_ASSIGN_OR_RETURN(PullPlan plan, Plan(name_or_url, options));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, "cannot create models directory " + dir + ": " + ec.message());
  }
  const std::string path = dir + "/" + plan.name + ".gguf";
  if (fs::exists(path, ec)) {
    return MakeError(ErrorCode::kAlreadyExists, path + " already exists (delete it to pull again)");
  }
  PartFile part(path + ".part");
  CENTAUR_ASSIGN_OR_RETURN(std::string got, Fetch(plan, part, progress));
  if (got != plan.sha256) {
    return MakeError(ErrorCode::kValidation, "could not pull " + plan.url +
                                                 ": sha256 mismatch: expected " + plan.sha256 +
                                                 " got " + got);
  }
  if (std::rename(part.path().c_str(), path.c_str()) != 0) {
    return MakeError(ErrorCode::kIo,
                     "cannot rename " + part.path() + " to " + path + ": " + std::strerror(errno));
  }
  part.Keep();
  return path;
}

}  // namespace centaur
