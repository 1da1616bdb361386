#include "local/grammar_cursor.h"

#include <algorithm>
#include <atomic>
#include <exception>

#include "llama-grammar.h"  // llama.cpp's internal grammar API (pinned version)

namespace centaur {
namespace {

// Masks of every grammar of the process together: 32 MB is 8,000 states of
// a 32k vocabulary, 1,700 of a 150k one.
constexpr size_t kMaskBudget = 32u << 20;
std::atomic<size_t> g_mask_bytes{0};

}  // namespace

std::unique_ptr<ParsedGrammar> ParsedGrammar::Parse(const llama_vocab* vocab,
                                                    const std::string& gbnf) {
  llama_grammar* g = nullptr;
  try {
    g = llama_grammar_init_impl(vocab, gbnf.c_str(), "root", /*lazy=*/false, nullptr, 0, nullptr,
                                0);
  } catch (const std::exception&) {
    g = nullptr;
  }
  if (g == nullptr) return nullptr;
  return std::unique_ptr<ParsedGrammar>(new ParsedGrammar(g));
}

ParsedGrammar::~ParsedGrammar() {
  g_mask_bytes -= bytes_;
  llama_grammar_free_impl(start_);
}

size_t ParsedGrammar::KeyHash::operator()(const std::vector<uint64_t>& k) const {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint64_t v : k) h = (h ^ v) * 0x100000001b3ull + (h >> 29);
  return static_cast<size_t>(h);
}

std::shared_ptr<const TokenMask> ParsedGrammar::Find(const std::vector<uint64_t>& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = masks_.find(key);
  return it == masks_.end() ? nullptr : it->second;
}

void ParsedGrammar::Remember(const std::vector<uint64_t>& key, TokenMask mask) {
  const size_t bytes = mask.size() * sizeof(uint64_t) + key.size() * sizeof(uint64_t);
  std::lock_guard<std::mutex> lock(mu_);
  if (g_mask_bytes + bytes > kMaskBudget) {
    g_mask_bytes -= bytes_;
    bytes_ = 0;
    masks_.clear();
    if (g_mask_bytes + bytes > kMaskBudget) return;  // other grammars hold the budget
  }
  if (masks_.emplace(key, std::make_shared<const TokenMask>(std::move(mask))).second) {
    bytes_ += bytes;
    g_mask_bytes += bytes;
  }
}

size_t ParsedGrammar::remembered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return masks_.size();
}

GrammarCursor::GrammarCursor(const ParsedGrammar& grammar)
    : g_(llama_grammar_clone_impl(*grammar.start_)) {
  const llama_grammar_rules& rules = g_->rules;
  rules_by_address_.reserve(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    rules_by_address_.emplace_back(rules[i].data(), static_cast<uint32_t>(i));
  }
  std::sort(rules_by_address_.begin(), rules_by_address_.end());
}

GrammarCursor::~GrammarCursor() { llama_grammar_free_impl(g_); }

void GrammarCursor::Apply(llama_token_data_array* tokens) const {
  llama_grammar_apply_impl(*g_, tokens);
}

void GrammarCursor::Accept(llama_token token) { llama_grammar_accept_impl(*g_, token); }

void GrammarCursor::Key(std::vector<uint64_t>* key) const {
  key->clear();
  for (const llama_grammar_stack& stack : g_->stacks) {
    key->push_back(stack.size());
    for (const llama_grammar_element* e : stack) {
      // The rule holding e: the last one starting at or before it.
      auto it = std::upper_bound(rules_by_address_.begin(), rules_by_address_.end(),
                                 static_cast<const void*>(e),
                                 [](const void* p, const std::pair<const void*, uint32_t>& r) {
                                   return std::less<const void*>()(p, r.first);
                                 });
      --it;  // stacks point into the rules: never before the first
      const auto offset =
          static_cast<uint64_t>(e - static_cast<const llama_grammar_element*>(it->first));
      key->push_back((static_cast<uint64_t>(it->second) << 32) | offset);
    }
  }
  key->push_back(g_->partial_utf8.value);
  key->push_back(static_cast<uint64_t>(static_cast<int64_t>(g_->partial_utf8.n_remain)));
}

}  // namespace centaur
