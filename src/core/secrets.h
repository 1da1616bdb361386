// Secrets (API keys) must never reach the store, traces, logs or errors.
// Every provider registers the keys it reads; every path that writes text a
// user or a file will see (error printing, logging, trace storage) passes it
// through Redact(). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace centaur {

// Remembers `secret` (ignored when shorter than 4 bytes) for Redact().
void RegisterSecret(std::string_view secret);

// Returns `text` with every registered secret replaced by "[REDACTED]".
std::string Redact(std::string_view text);

}  // namespace centaur
