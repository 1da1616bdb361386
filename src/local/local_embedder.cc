#include "local/local_embedder.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "common.h"
#include "llama.h"
#include "local/llama_context.h"

namespace centaur {
namespace {

using SteadyClock = std::chrono::steady_clock;

// The pooling type the model's GGUF declares ({arch}.pooling_type); -1 when
// it declares none.
int DeclaredPooling(const llama_model* model) {
  char arch[128];
  if (llama_model_meta_val_str(model, "general.architecture", arch, sizeof(arch)) < 0) return -1;
  char value[32];
  const std::string key = std::string(arch) + ".pooling_type";
  if (llama_model_meta_val_str(model, key.c_str(), value, sizeof(value)) < 0) return -1;
  return std::atoi(value);
}

Error Invalid(const std::string& message) {
  return MakeError(ErrorCode::kInvalidArgument, "local model: " + message);
}

}  // namespace

struct LocalEmbedder::Impl : LlamaContext {
  EmbedderOptions options;
  int n_batch = 0;  // tokens per decode: the longest input
  int n_seq = 0;    // sequences per decode

  Status Open() {
    if (ctx != nullptr) return {};
    const int declared = DeclaredPooling(model->model());
    if (declared == LLAMA_POOLING_TYPE_RANK) {
      return Invalid(model->path() +
                     " is a reranking model (pooling type rank): it scores pairs and has no "
                     "embeddings");
    }
    const bool pooled = declared == LLAMA_POOLING_TYPE_MEAN || declared == LLAMA_POOLING_TYPE_CLS ||
                        declared == LLAMA_POOLING_TYPE_LAST;
    int tokens = std::max(1, options.batch);
    if (model->context_length() > 0) tokens = std::min(tokens, model->context_length());
    // Each sequence has at least one token, and llama.cpp wants no more
    // sequences than tokens per batch.
    const int sequences =
        std::clamp(options.max_sequences, 1,
                   std::min(tokens, static_cast<int>(llama_max_parallel_sequences())));

    llama_context_params cp = BaseContextParams(ThreadsOrCores(options.threads));
    cp.embeddings = true;
    cp.pooling_type =
        pooled ? static_cast<enum llama_pooling_type>(declared) : LLAMA_POOLING_TYPE_MEAN;
    cp.n_ctx = static_cast<uint32_t>(tokens);
    // One ubatch per decode: encoders (non-causal attention) need every
    // token of a sequence in the same ubatch.
    cp.n_batch = static_cast<uint32_t>(tokens);
    cp.n_ubatch = static_cast<uint32_t>(tokens);
    cp.n_seq_max = static_cast<uint32_t>(sequences);
    cp.kv_unified = true;  // sequences share the cache: any one may use all of it
    // Flash attention accumulates in half precision over every cell of the
    // batch, so a vector would depend (by ~1e-4) on what else was in its
    // batch; plain attention keeps batched and one-at-a-time results equal.
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    CENTAUR_ASSIGN_OR_RETURN(ctx, NewLlamaContext(model->model(), cp, "an embeddings context"));
    n_batch =
        static_cast<int>(std::min({llama_n_ctx(ctx), llama_n_batch(ctx), llama_n_ubatch(ctx)}));
    n_seq = sequences;
    batch = llama_batch_init(n_batch, 0, 1);
    return {};
  }

  // Decodes inputs [first, last) of `tokens`, one sequence each, and
  // appends their normalized vectors to `out`.
  Status Decode(const std::vector<std::vector<llama_token>>& tokens, size_t first, size_t last,
                std::vector<std::vector<float>>* out) {
    common_batch_clear(batch);
    for (size_t i = first; i < last; ++i) {
      const auto seq = static_cast<llama_seq_id>(i - first);
      for (size_t p = 0; p < tokens[i].size(); ++p) {
        common_batch_add(batch, tokens[i][p], static_cast<llama_pos>(p), {seq}, true);
      }
    }
    if (llama_memory_t memory = llama_get_memory(ctx)) llama_memory_clear(memory, true);
    const auto t0 = SteadyClock::now();
    const int rc = llama_decode(ctx, batch);
    busy_s += std::chrono::duration<double>(SteadyClock::now() - t0).count();
    if (rc != 0) {
      return MakeError(ErrorCode::kInternal, "local model: llama_decode failed (" +
                                                 std::to_string(rc) + "): " + LastLlamaError());
    }
    const int dims = llama_model_n_embd_out(model->model());
    for (size_t i = first; i < last; ++i) {
      const float* e = llama_get_embeddings_seq(ctx, static_cast<llama_seq_id>(i - first));
      if (e == nullptr) {
        return MakeError(ErrorCode::kInternal,
                         "local model: no pooled embedding for input " + std::to_string(i));
      }
      std::vector<float> v(e, e + dims);
      if (!L2Normalize(&v)) {
        return MakeError(ErrorCode::kInternal, "local model: the embedding of input " +
                                                   std::to_string(i) +
                                                   " cannot be scaled to unit length");
      }
      out->push_back(std::move(v));
    }
    return {};
  }
};

LocalEmbedder::LocalEmbedder(std::shared_ptr<LocalModel> model, const EmbedderOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->model = std::move(model);
  impl_->options = options;
}

LocalEmbedder::~LocalEmbedder() = default;

Result<EmbedResponse> LocalEmbedder::Embed(const std::vector<std::string>& inputs) {
  const auto start = SteadyClock::now();
  if (inputs.empty()) return Invalid("no inputs to embed");
  CENTAUR_RETURN_IF_ERROR(impl_->Open());
  EmbedResponse out;
  std::vector<std::vector<llama_token>> tokens;
  tokens.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::vector<llama_token> t;
    if (!inputs[i].empty()) {
      t = common_tokenize(impl_->model->vocab(), inputs[i], /*add_special=*/true,
                          /*parse_special=*/false);
    }
    if (t.empty()) return Invalid("input " + std::to_string(i) + " is empty");
    if (static_cast<int>(t.size()) > impl_->n_batch) {
      return Invalid("input " + std::to_string(i) + " is " + std::to_string(t.size()) +
                     " tokens; an embedding input holds at most " + std::to_string(impl_->n_batch));
    }
    out.usage.input_tokens += static_cast<int64_t>(t.size());
    tokens.push_back(std::move(t));
  }
  out.vectors.reserve(inputs.size());
  size_t first = 0;
  while (first < tokens.size()) {
    size_t last = first;
    size_t used = 0;
    while (last < tokens.size() && static_cast<int>(last - first) < impl_->n_seq &&
           used + tokens[last].size() <= static_cast<size_t>(impl_->n_batch)) {
      used += tokens[last].size();
      ++last;
    }
    CENTAUR_RETURN_IF_ERROR(impl_->Decode(tokens, first, last, &out.vectors));
    first = last;
  }
  out.latency_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
  return out;
}

int LocalEmbedder::dimensions() const { return llama_model_n_embd_out(impl_->model->model()); }
int LocalEmbedder::max_input_tokens() const { return impl_->n_batch; }
double LocalEmbedder::busy_seconds() const { return impl_->busy_s; }

}  // namespace centaur
