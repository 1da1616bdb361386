// Shared state of the fixture LLM server: options, counters, and the fault
// directives (`!fault:KIND` or `!fault:KINDxN` in a user message) with their
// per-fingerprint counts, so the first N requests for an item fail and later
// ones (re-asks, retries) succeed.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "fixture_http.h"
#include "fixture_output.h"

namespace fixture {

struct Options {
  int port = 0;
  int64_t latency_ms = 0;
  bool json_schema = true;
  std::string require_key;  // empty: any key (or none) is accepted
  int64_t timeout_fault_ms = 30000;
  bool exit_on_stdin_eof = false;
};

enum class Fault {
  kNone,
  k429,
  k500,
  k503,
  k529,
  kReset,
  kTimeout,
  kMalformed,
  kTruncated,
  kInvalid,
  kBadJson,
  kUnknown,
};

inline Fault FaultFromName(const std::string& name) {
  static const std::pair<const char*, Fault> kNames[] = {
      {"429", Fault::k429},
      {"500", Fault::k500},
      {"503", Fault::k503},
      {"529", Fault::k529},
      {"reset", Fault::kReset},
      {"timeout", Fault::kTimeout},
      {"malformed", Fault::kMalformed},
      {"truncated", Fault::kTruncated},
      {"invalid", Fault::kInvalid},
      {"badjson", Fault::kBadJson},
  };
  for (const auto& [n, f] : kNames) {
    if (name == n) return f;
  }
  return Fault::kUnknown;
}

// How the connection handler must deliver a reply.
enum class Delivery { kNormal, kReset, kTimeout, kTruncated };

struct Reply {
  Response response;
  Delivery delivery = Delivery::kNormal;
};

// How a reply under fault `f` is delivered: reset, timeout and truncated
// break the connection; every other fault shows in the body.
inline Delivery DeliveryOf(Fault f) {
  switch (f) {
    case Fault::kReset:
      return Delivery::kReset;
    case Fault::kTimeout:
      return Delivery::kTimeout;
    case Fault::kTruncated:
      return Delivery::kTruncated;
    default:
      return Delivery::kNormal;
  }
}

// The text of a message's content: a string, or the text parts of an array
// (OpenAI content parts, Anthropic text / tool_result / tool_use blocks).
inline std::string ContentText(const OJson& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& part : content) {
    if (!part.is_object()) continue;
    std::string piece;
    if (part.contains("text") && part["text"].is_string()) {
      piece = part["text"].get<std::string>();
    } else if (part.contains("content")) {
      piece = ContentText(part["content"]);
    } else if (part.contains("input")) {
      piece = part["input"].dump();
    }
    if (piece.empty()) continue;
    if (!out.empty()) out += "\n";
    out += piece;
  }
  return out;
}

// Prompt tokens as the fixture counts them: ceil(code points / 4).
inline int64_t TokensOf(size_t chars) { return static_cast<int64_t>((chars + 3) / 4); }

struct Directive {
  Fault fault = Fault::kNone;
  int64_t times = 0;
  std::string kind;         // as written
  std::string fingerprint;  // the content of the message that carries it
};

// The directive in `text` ("!fault:KIND[xN]"); fault kNone when it has none.
inline Directive ParseDirective(const std::string& text) {
  Directive d;
  size_t at = text.find("!fault:");
  if (at == std::string::npos) return d;
  size_t b = at + 7;
  size_t e = b;
  while (e < text.size() && (std::isalnum(static_cast<unsigned char>(text[e])) || text[e] == '_')) {
    ++e;
  }
  std::string token = text.substr(b, e - b);
  d.times = 1;
  size_t x = token.rfind('x');
  if (x != std::string::npos && x > 0 && x + 1 < token.size() &&
      token.find_first_not_of("0123456789", x + 1) == std::string::npos) {
    d.times = std::stoll(token.substr(x + 1).substr(0, 9));
    token = token.substr(0, x);
  }
  d.kind = token;
  d.fault = FaultFromName(token);
  d.fingerprint = text;
  return d;
}

// Finds the first user message containing "!fault:" and parses KIND[xN].
inline Directive FindDirective(const OJson& messages) {
  if (!messages.is_array()) return Directive{};
  for (const auto& m : messages) {
    if (!m.is_object() || m.value("role", "") != "user" || !m.contains("content")) continue;
    Directive d = ParseDirective(ContentText(m["content"]));
    if (d.fault != Fault::kNone) return d;
  }
  return Directive{};
}

class State {
 public:
  explicit State(Options options) : options_(std::move(options)) {}

  const Options& options() const { return options_; }
  int64_t NextId() { return ++next_id_; }

  void CountRequest(const std::string& endpoint) {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_;
    if (endpoint == "chat") ++chat_completions_;
    if (endpoint == "messages") ++messages_;
    if (endpoint == "embeddings") ++embeddings_;
  }
  void CountConnection() {
    std::lock_guard<std::mutex> lock(mu_);
    ++connections_;
  }

  // Counts this request against the directive's fingerprint; returns the
  // fault to apply now (kNone once the first N requests have had it).
  Fault Apply(const Directive& d) {
    if (d.fault == Fault::kNone || d.fault == Fault::kUnknown) return d.fault;
    std::lock_guard<std::mutex> lock(mu_);
    int64_t seen = ++fault_counts_[d.fingerprint];
    if (seen > d.times) return Fault::kNone;
    ++faults_;
    return d.fault;
  }

  std::string StatsJson() {
    std::lock_guard<std::mutex> lock(mu_);
    OJson j = {{"requests", requests_}, {"chat_completions", chat_completions_},
               {"messages", messages_}, {"embeddings", embeddings_},
               {"faults", faults_},     {"connections", connections_}};
    return j.dump();
  }

  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    requests_ = chat_completions_ = messages_ = embeddings_ = faults_ = connections_ = 0;
    fault_counts_.clear();
  }

 private:
  const Options options_;
  std::atomic<int64_t> next_id_{0};
  std::mutex mu_;
  int64_t requests_ = 0;
  int64_t chat_completions_ = 0;
  int64_t messages_ = 0;
  int64_t embeddings_ = 0;
  int64_t faults_ = 0;
  int64_t connections_ = 0;
  std::unordered_map<std::string, int64_t> fault_counts_;
};

}  // namespace fixture
