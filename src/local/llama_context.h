// What the batch decoder and the embedder share in setting up a llama.cpp
// context: thread counts, default parameters, creation and ownership.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "llama.h"
#include "local/local_model.h"

namespace centaur {

struct LlamaContext;

// The machine's cores (at least 1).
int Cores();

// `threads` when positive, else one per core.
int ThreadsOrCores(int threads);

// Threads worth sharing one token's decoding of `model` among: one per 16 MB
// of weights, up to the cores. A tiny model's ops take microseconds, less
// than sharing them with a second thread costs, and a thread waiting at a
// barrier for one the OS has descheduled spins for milliseconds (on a busy
// 2-core machine the tiny model decoded 20x slower on two threads than on one).
int ThreadsBySize(const llama_model* model);

// Whether llama.cpp's flash attention should stay off for `model`. Its CPU
// kernel walks the KV cache one cell at a time, with an exponential per cell;
// for heads of 64 dimensions or fewer that costs more than the two matrix
// products it replaces. On random-weight models (bench/RESULTS.md): head
// size 16, 21% less CPU per run without it; head size 64, 40% more tokens/s;
// head size 128, 10% fewer, so llama.cpp's own choice stands there.
bool SmallHeads(const llama_model* model);

// llama.cpp's default context parameters, decoding on `threads` threads,
// without performance counters.
llama_context_params BaseContextParams(int threads);

// A context on `model`. The error names it by `what`: "local model: cannot
// create WHAT: <llama.cpp's last error>".
Result<llama_context*> NewLlamaContext(llama_model* model, const llama_context_params& params,
                                       const std::string& what);

// Gives `c`'s context thread pools of `threads` and `threads_batch` threads
// (see LlamaContext). Without them (creation failed) llama.cpp starts its
// threads per call: slower, not wrong.
void AttachThreadpools(LlamaContext* c, int threads, int threads_batch);

// A llama.cpp context on a model and its token batch, freed together, and
// before the model it keeps loaded. The decoder's and the embedder's state
// build on it.
struct LlamaContext {
  LlamaContext() = default;
  LlamaContext(const LlamaContext&) = delete;
  LlamaContext& operator=(const LlamaContext&) = delete;
  ~LlamaContext();

  std::shared_ptr<LocalModel> model;
  llama_context* ctx = nullptr;  // null until created
  llama_batch batch{};           // token is null until allocated
  // Decoding threads kept between steps (llama.cpp otherwise starts them
  // for every llama_decode): for one token, and for several.
  ggml_threadpool* threadpool = nullptr;
  ggml_threadpool* threadpool_batch = nullptr;
  double busy_s = 0;  // seconds in llama.cpp: decoding, sampling, slot set-up
};

}  // namespace centaur
