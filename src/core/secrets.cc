#include "core/secrets.h"

#include <mutex>
#include <vector>

namespace centaur {
namespace {

std::mutex& SecretsMutex() {
  static std::mutex* mu = new std::mutex();
  return *mu;
}

std::vector<std::string>& Secrets() {
  static std::vector<std::string>* secrets = new std::vector<std::string>();
  return *secrets;
}

}  // namespace

void RegisterSecret(std::string_view secret) {
  if (secret.size() < 4) return;
  std::lock_guard<std::mutex> lock(SecretsMutex());
  for (const std::string& s : Secrets()) {
    if (s == secret) return;
  }
  Secrets().emplace_back(secret);
}

std::string Redact(std::string_view text) {
  std::string out(text);
  std::lock_guard<std::mutex> lock(SecretsMutex());
  for (const std::string& s : Secrets()) {
    size_t pos = 0;
    while ((pos = out.find(s, pos)) != std::string::npos) {
      out.replace(pos, s.size(), "[REDACTED]");
      pos += 10;
    }
  }
  return out;
}

}  // namespace centaur
