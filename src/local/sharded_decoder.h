// ShardedDecoder: the local provider's decoder. It splits the parallel
// sequences among several BatchDecoders ("shards") over one loaded model,
// each with its own llama.cpp context and thread, when the model is too
// small for one step's ops to be worth sharing among threads: then each core
// decodes its own batch with no barrier to wait at (DecoderOptions::shards).
// A model big enough for its ops to be shared gets one shard, which decodes
// on the thread that polls, exactly as a BatchDecoder alone.
//
// A request goes to the shard with the fewest unfinished requests. Shard
// threads hand finished requests back; their callbacks run in Poll, on the
// polling thread, as with a BatchDecoder.
//
// Not thread-safe: Submit and Poll from one thread.
#pragma once

#include <memory>

#include "core/result.h"
#include "local/batch_decoder.h"
#include "local/local_model.h"

namespace centaur {

class ShardedDecoder {
 public:
  using Callback = BatchDecoder::Callback;
  static Result<std::unique_ptr<ShardedDecoder>> Create(std::shared_ptr<LocalModel> model,
                                                        const DecoderOptions& options);
  // Stops the shard threads; callbacks of unfinished requests never run.
  ~ShardedDecoder();
  ShardedDecoder(const ShardedDecoder&) = delete;
  ShardedDecoder& operator=(const ShardedDecoder&) = delete;

  void Submit(DecodeRequest request, Callback done);
  // Waits until a request finishes (and runs the callbacks of all that
  // have), `timeout_ms` passes or nothing is left. Returns the number of
  // requests not finished.
  int Poll(int timeout_ms);

  const LocalModel& model() const;
  int parallel() const;
  int shards() const;
  // Wall seconds during which at least one shard was inside llama_decode
  // or sampling (with one shard: BatchDecoder::busy_seconds).
  double busy_seconds() const;

 private:
  struct Impl;
  explicit ShardedDecoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace centaur
