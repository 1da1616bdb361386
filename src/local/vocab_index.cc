#include "local/vocab_index.h"

#include <algorithm>
#include <cmath>

namespace centaur {
namespace {

void Apply(const GrammarCursor& cursor, std::vector<llama_token_data>* tokens) {
  if (tokens->empty()) return;
  llama_token_data_array a{tokens->data(), tokens->size(), -1, false};
  cursor.Apply(&a);
}

bool Accepts(const GrammarCursor& cursor, llama_token t) {
  llama_token_data d{t, 0.0f, 0.0f};
  llama_token_data_array a{&d, 1, -1, false};
  cursor.Apply(&a);
  return std::isfinite(d.logit);
}

void Add(llama_token t, const float* logits, std::vector<llama_token_data>* cand) {
  cand->push_back({t, logits[t], 0.0f});
}

// The best of *cand the grammar accepts (ties: the lowest id); -1 if none.
llama_token BestAccepted(const GrammarCursor& cursor, std::vector<llama_token_data>* cand) {
  Apply(cursor, cand);
  llama_token best = -1;
  float best_logit = -INFINITY;
  for (const llama_token_data& d : *cand) {
    if (!std::isfinite(d.logit)) continue;
    if (best < 0 || d.logit > best_logit || (d.logit == best_logit && d.id < best)) {
      best = d.id;
      best_logit = d.logit;
    }
  }
  return best;
}

void Set(TokenMask* mask, llama_token t) {
  (*mask)[static_cast<size_t>(t) / 64] |= uint64_t{1} << (static_cast<size_t>(t) % 64);
}

}  // namespace

VocabIndex::VocabIndex(const llama_vocab* vocab) {
  const int n = llama_vocab_n_tokens(vocab);
  byte_token_.fill(-1);
  pair_token_.assign(kPairs, -1);
  multi_count_.fill(0);
  suppressed_.assign(static_cast<size_t>(n), 0);
  int32_t n_suppress = 0;
  const llama_token* suppress = llama_vocab_get_suppress_tokens(vocab, &n_suppress);
  for (int32_t i = 0; i < n_suppress; ++i) {
    if (suppress[i] >= 0 && suppress[i] < n) suppressed_[static_cast<size_t>(suppress[i])] = 1;
  }
  std::vector<int32_t> key(static_cast<size_t>(n), -1);  // first two bytes
  std::vector<int32_t> pair_count(kPairs, 0);
  char buf[256];
  for (llama_token t = 0; t < n; ++t) {
    if (suppressed_[static_cast<size_t>(t)]) continue;
    if (llama_vocab_is_eog(vocab, t)) {
      eog_.push_back(t);
      continue;
    }
    // The text the grammar sees (special tokens as their text).
    const int len = llama_token_to_piece(vocab, t, buf, sizeof(buf), 0, /*special=*/true);
    if (len < 0) {  // longer than buf: checked in full every time
      unindexed_.push_back(t);
      continue;
    }
    // Empty texts and texts starting with NUL are never accepted.
    if (len == 0 || buf[0] == 0) continue;
    const auto b0 = static_cast<unsigned char>(buf[0]);
    if (len == 1) {
      single_[b0].push_back(t);
      if (byte_token_[b0] < 0) byte_token_[b0] = t;
      continue;
    }
    const int k = Pair(buf);
    if (len == 2 && pair_token_[static_cast<size_t>(k)] < 0) {
      pair_token_[static_cast<size_t>(k)] = t;
    }
    ++multi_count_[b0];
    key[static_cast<size_t>(t)] = k;
    ++pair_count[static_cast<size_t>(k)];
  }
  pair_start_.assign(kPairs + 1, 0);
  for (size_t i = 0; i < kPairs; ++i) pair_start_[i + 1] = pair_start_[i] + pair_count[i];
  pair_tokens_.resize(static_cast<size_t>(pair_start_[kPairs]));
  std::vector<int32_t> fill(pair_start_.begin(), pair_start_.end() - 1);
  for (llama_token t = 0; t < n; ++t) {
    const int32_t k = key[static_cast<size_t>(t)];
    if (k >= 0) pair_tokens_[static_cast<size_t>(fill[static_cast<size_t>(k)]++)] = t;
  }
}

llama_token VocabIndex::Select(ParsedGrammar& grammar, const GrammarCursor& cursor,
                               const float* logits, Scratch* w) const {
  cursor.Key(&w->state);
  if (std::shared_ptr<const TokenMask> known = grammar.Find(w->state)) {
    return BestIn(*known, logits);
  }
  TopK(logits, &w->top);
  if (w->top.empty()) return -1;
  if (Accepts(cursor, w->top[0].id)) return w->top[0].id;
  // An accepted token among the best few beats every token outside them.
  w->cand.assign(w->top.begin() + 1, w->top.end());
  const llama_token top_pick = BestAccepted(cursor, &w->cand);
  if (top_pick >= 0) return top_pick;

  // A constrained state: find every token it accepts, and remember them.
  Narrow(cursor, w);
  TokenMask accepted = AcceptedOf(cursor, &w->cand);
  const llama_token pick = BestIn(accepted, logits);
  grammar.Remember(w->state, std::move(accepted));
  return pick;
}

void VocabIndex::Narrow(const GrammarCursor& cursor, Scratch* w) const {
  // First bytes the grammar accepts (unprobed bytes count as accepted).
  w->probe.clear();
  w->probe_key.clear();
  for (int b = 0; b < 256; ++b) {
    if (byte_token_[b] < 0) continue;
    w->probe.push_back({byte_token_[b], 0.0f, 0.0f});
    w->probe_key.push_back(b);
  }
  Apply(cursor, &w->probe);
  std::array<bool, 256> first;
  first.fill(true);
  for (size_t i = 0; i < w->probe.size(); ++i) {
    first[w->probe_key[i]] = std::isfinite(w->probe[i].logit);
  }

  // Tokens of accepted first bytes: directly, or by their first two bytes
  // where a two-byte token can probe them.
  w->cand.clear();
  w->probe.clear();
  w->probe_key.clear();
  for (int b = 0; b < 256; ++b) {
    if (!first[b]) continue;
    for (llama_token t : single_[b]) w->cand.push_back({t, 0.0f, 0.0f});
    const bool narrow = multi_count_[b] > kNarrowAbove;
    for (int k = b * 256; k < (b + 1) * 256; ++k) {
      if (pair_start_[k] == pair_start_[k + 1]) continue;
      if (narrow && pair_token_[static_cast<size_t>(k)] >= 0) {
        w->probe.push_back({pair_token_[static_cast<size_t>(k)], 0.0f, 0.0f});
        w->probe_key.push_back(k);
      } else {
        AddPair(k, &w->cand);
      }
    }
  }
  Apply(cursor, &w->probe);
  for (size_t i = 0; i < w->probe.size(); ++i) {
    if (std::isfinite(w->probe[i].logit)) AddPair(w->probe_key[i], &w->cand);
  }
  for (llama_token t : unindexed_) w->cand.push_back({t, 0.0f, 0.0f});
  for (llama_token t : eog_) w->cand.push_back({t, 0.0f, 0.0f});
}

llama_token VocabIndex::SelectByFullScan(const GrammarCursor& cursor, const float* logits,
                                         Scratch* w) const {
  w->cand.clear();
  for (llama_token t = 0; t < static_cast<llama_token>(suppressed_.size()); ++t) {
    if (!suppressed_[static_cast<size_t>(t)]) Add(t, logits, &w->cand);
  }
  return BestAccepted(cursor, &w->cand);
}

TokenMask VocabIndex::AcceptedByFullScan(const GrammarCursor& cursor, Scratch* w) const {
  w->cand.clear();
  for (llama_token t = 0; t < static_cast<llama_token>(suppressed_.size()); ++t) {
    if (!suppressed_[static_cast<size_t>(t)]) w->cand.push_back({t, 0.0f, 0.0f});
  }
  return AcceptedOf(cursor, &w->cand);
}

TokenMask VocabIndex::AcceptedOf(const GrammarCursor& cursor,
                                 std::vector<llama_token_data>* cand) const {
  Apply(cursor, cand);
  TokenMask accepted((suppressed_.size() + 63) / 64, 0);
  for (const llama_token_data& d : *cand) {
    if (std::isfinite(d.logit)) Set(&accepted, d.id);
  }
  return accepted;
}

void VocabIndex::TopK(const float* logits, std::vector<llama_token_data>* top) const {
  // Sorting by `better` puts the best first; as a heap, the worst kept on top.
  auto better = [](const llama_token_data& a, const llama_token_data& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  top->clear();
  const auto n = static_cast<llama_token>(suppressed_.size());
  for (llama_token t = 0; t < n; ++t) {
    if (suppressed_[static_cast<size_t>(t)]) continue;
    if (top->size() < kTopK) {
      top->push_back({t, logits[t], 0.0f});
      if (top->size() == kTopK) std::make_heap(top->begin(), top->end(), better);
    } else if (logits[t] > top->front().logit) {
      std::pop_heap(top->begin(), top->end(), better);
      top->back() = {t, logits[t], 0.0f};
      std::push_heap(top->begin(), top->end(), better);
    }
  }
  std::sort(top->begin(), top->end(), better);
}

// The best logit among the tokens of `mask` (ties: the lowest id), as
// BestAccepted picks among accepted candidates.
llama_token VocabIndex::BestIn(const TokenMask& mask, const float* logits) const {
  llama_token best = -1;
  float best_logit = -INFINITY;
  for (size_t i = 0; i < mask.size(); ++i) {
    for (uint64_t bits = mask[i]; bits != 0; bits &= bits - 1) {
      const auto t = static_cast<llama_token>(i * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
      const float l = logits[t];
      if (!std::isfinite(l)) continue;
      if (best < 0 || l > best_logit) {
        best = t;
        best_logit = l;
      }
    }
  }
  return best;
}

void VocabIndex::AddPair(int k, std::vector<llama_token_data>* cand) const {
  for (int32_t i = pair_start_[k]; i < pair_start_[k + 1]; ++i) {
    cand->push_back({pair_tokens_[static_cast<size_t>(i)], 0.0f, 0.0f});
  }
}

}  // namespace centaur
