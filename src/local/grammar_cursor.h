// A GBNF grammar as the batch decoder uses it for greedy decoding: parsed
// once per task and shared, each request walking it with its own cursor,
// and the tokens it accepts remembered per grammar state.
//
// Built on llama.cpp's grammar engine (llama_grammar, an internal API of the
// pinned version): the public sampler hides the state, and the state is what
// makes the memo possible. A state is the grammar's stacks (positions in its
// rules) and a partial UTF-8 character; which tokens the grammar accepts is
// a function of that state alone, so two requests in equal states accept
// the same tokens, whatever text brought them there.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "llama.h"

struct llama_grammar;

namespace centaur {

// A set of tokens, one bit per vocabulary id.
using TokenMask = std::vector<uint64_t>;

class ParsedGrammar {
 public:
  // Null when `gbnf` does not parse (llama.cpp logs why).
  static std::unique_ptr<ParsedGrammar> Parse(const llama_vocab* vocab, const std::string& gbnf);
  ~ParsedGrammar();
  ParsedGrammar(const ParsedGrammar&) = delete;
  ParsedGrammar& operator=(const ParsedGrammar&) = delete;

  // The tokens accepted in the state `key` (GrammarCursor::Key), if
  // remembered. Thread-safe.
  std::shared_ptr<const TokenMask> Find(const std::vector<uint64_t>& key) const;
  // Remembers them, within a memory budget shared by every grammar of the
  // process (over it, this grammar forgets what it had). Thread-safe.
  void Remember(const std::vector<uint64_t>& key, TokenMask mask);
  size_t remembered() const;

 private:
  friend class GrammarCursor;
  explicit ParsedGrammar(llama_grammar* start) : start_(start) {}
  struct KeyHash {
    size_t operator()(const std::vector<uint64_t>& k) const;
  };

  llama_grammar* start_;
  mutable std::mutex mu_;
  std::unordered_map<std::vector<uint64_t>, std::shared_ptr<const TokenMask>, KeyHash> masks_;
  size_t bytes_ = 0;
};

// One request's position in a grammar, from its start.
class GrammarCursor {
 public:
  explicit GrammarCursor(const ParsedGrammar& grammar);
  ~GrammarCursor();
  GrammarCursor(const GrammarCursor&) = delete;
  GrammarCursor& operator=(const GrammarCursor&) = delete;

  // Sets the logit of every token the grammar rejects here to -infinity.
  void Apply(llama_token_data_array* tokens) const;
  // Moves past `token`. Throws std::runtime_error when the grammar rejects it.
  void Accept(llama_token token);
  // *key: the state, the same for cursors of one grammar in the same state
  // (rule positions, not addresses: each cursor has its own copy of the rules).
  void Key(std::vector<uint64_t>* key) const;

 private:
  llama_grammar* g_;
  // Where each rule's elements are, ascending by address: (first, rule).
  std::vector<std::pair<const void*, uint32_t>> rules_by_address_;
};

}  // namespace centaur
