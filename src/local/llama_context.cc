#include "local/llama_context.h"

#include <algorithm>
#include <cstdint>
#include <thread>

#include "ggml-cpu.h"
#include "local/local_model.h"

namespace centaur {

int Cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int ThreadsOrCores(int threads) { return threads > 0 ? threads : Cores(); }

int ThreadsBySize(const llama_model* model) {
  constexpr uint64_t kBytesPerThread = 16ull << 20;
  const uint64_t by_size = std::max<uint64_t>(1, llama_model_size(model) / kBytesPerThread);
  return static_cast<int>(std::min<uint64_t>(by_size, static_cast<uint64_t>(Cores())));
}

bool SmallHeads(const llama_model* model) {
  constexpr int kMaxSmallHead = 64;
  const int heads = llama_model_n_head(model);
  return heads > 0 && llama_model_n_embd(model) / heads <= kMaxSmallHead;
}

llama_context_params BaseContextParams(int threads) {
  llama_context_params cp = llama_context_default_params();
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.no_perf = true;
  return cp;
}

Result<llama_context*> NewLlamaContext(llama_model* model, const llama_context_params& params,
                                       const std::string& what) {
  llama_context* ctx = llama_init_from_model(model, params);
  if (ctx == nullptr) {
    return MakeError(ErrorCode::kInternal,
                     "local model: cannot create " + what + ": " + LastLlamaError());
  }
  return ctx;
}

void AttachThreadpools(LlamaContext* c, int threads, int threads_batch) {
  auto make = [](int n) {
    ggml_threadpool_params p = ggml_threadpool_params_default(n);  // polls between graphs
    return ggml_threadpool_new(&p);
  };
  c->threadpool = make(threads);
  c->threadpool_batch = threads_batch == threads ? nullptr : make(threads_batch);
  if (c->threadpool == nullptr) return;
  llama_attach_threadpool(c->ctx, c->threadpool,
                          c->threadpool_batch != nullptr ? c->threadpool_batch : c->threadpool);
}

LlamaContext::~LlamaContext() {
  if (batch.token != nullptr) llama_batch_free(batch);
  if (ctx != nullptr) llama_free(ctx);
  if (threadpool_batch != nullptr) ggml_threadpool_free(threadpool_batch);
  if (threadpool != nullptr) ggml_threadpool_free(threadpool);
}

}  // namespace centaur
