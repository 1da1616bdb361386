#include "llm/http_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace centaur::http {

bool IsRetryableStatus(long status) {
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
    case 529:
      return true;
    default:
      return false;
  }
}

int64_t BackoffMs(int retry, int64_t base_ms, int64_t max_ms, uint64_t random) {
  if (base_ms <= 0 || max_ms <= 0) return 0;
  int64_t cap = base_ms;
  for (int i = 0; i < retry && cap < max_ms; ++i) cap *= 2;
  cap = std::min(cap, max_ms);
  return static_cast<int64_t>(random % static_cast<uint64_t>(cap + 1));
}

namespace {

// Parses a non-negative decimal number; false if `s` is anything else.
bool ParseNumber(const std::string& s, double* out) {
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == nullptr || *end != '\0' || !std::isfinite(v) || v < 0) return false;
  *out = v;
  return true;
}

}  // namespace

int64_t RetryAfterMs(const std::map<std::string, std::string>& headers, int64_t now_unix_ms) {
  constexpr double kMaxMs = 1e12;  // keeps the casts below defined
  auto it = headers.find("retry-after-ms");
  double v = 0;
  if (it != headers.end() && ParseNumber(it->second, &v)) {
    return static_cast<int64_t>(std::min(v, kMaxMs));
  }
  it = headers.find("retry-after");
  if (it == headers.end()) return -1;
  if (ParseNumber(it->second, &v)) return static_cast<int64_t>(std::min(v * 1000, kMaxMs));
  time_t when = curl_getdate(it->second.c_str(), nullptr);
  if (when < 0) return -1;
  return std::max<int64_t>(0, static_cast<int64_t>(when) * 1000 - now_unix_ms);
}

std::string UrlForMessage(const std::string& url) {
  std::string out = url.substr(0, url.find_first_of("?#"));
  size_t scheme = out.find("://");
  size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t path_start = out.find('/', host_start);
  size_t at = out.rfind('@', path_start == std::string::npos ? out.size() : path_start);
  if (at != std::string::npos && at >= host_start) out.erase(host_start, at + 1 - host_start);
  return out;
}

std::string BodySnippet(const std::string& body) {
  if (body.size() <= kMaxErrorBodyChars) return body;
  size_t cut = kMaxErrorBodyChars;
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80) --cut;
  return body.substr(0, cut) + "...";
}

std::string StripHeaderValues(std::string text, const std::vector<std::string>& headers) {
  constexpr size_t kMinSecretBytes = 4;
  for (const std::string& header : headers) {
    size_t colon = header.find(':');
    if (colon == std::string::npos) continue;
    size_t b = header.find_first_not_of(" \t", colon + 1);
    if (b == std::string::npos) continue;
    size_t e = header.find_last_not_of(" \t\r\n");
    std::string value = header.substr(b, e + 1 - b);
    // Also the bare token of "Bearer <token>" / "Basic <token>".
    std::vector<std::string> secrets = {value};
    size_t sp = value.rfind(' ');
    if (sp != std::string::npos) secrets.push_back(value.substr(sp + 1));
    for (const std::string& s : secrets) {
      if (s.size() < kMinSecretBytes) continue;
      for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos)) {
        text.replace(pos, s.size(), "[REDACTED]");
        pos += 10;
      }
    }
  }
  return text;
}

TokenBucket::TokenBucket(double per_minute, int64_t now_us) {
  if (!(per_minute > 0)) return;
  rate_per_us_ = per_minute / 60e6;
  capacity_ = std::max(1.0, per_minute / 60);
  tokens_ = capacity_;
  last_us_ = now_us;
}

void TokenBucket::Refill(int64_t now_us) {
  if (now_us > last_us_) {
    tokens_ = std::min(capacity_, tokens_ + static_cast<double>(now_us - last_us_) * rate_per_us_);
    last_us_ = now_us;
  }
}

int64_t TokenBucket::WaitMicros(double cost, int64_t now_us) {
  if (!limited()) return 0;
  Refill(now_us);
  double need = std::min(cost, capacity_) - tokens_;
  if (need <= 1e-9) return 0;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(need / rate_per_us_)));
}

void TokenBucket::Take(double cost, int64_t now_us) {
  if (!limited()) return;
  Refill(now_us);
  tokens_ -= cost;
}

}  // namespace centaur::http
