// Workspace: what a command works in — the store, the project's centaur.yaml
// (named endpoints, extra prices) and the providers built from them.
#pragma once

#include <memory>
#include <string>

#include "core/json.h"
#include "core/result.h"
#include "llm/http_client.h"
#include "llm/pricing.h"
#include "llm/provider.h"
#include "store/store.h"

namespace centaur {

struct WorkspaceOptions {
  static constexpr const char* kDefaultDb = ".centaur/centaur.db";
  static constexpr const char* kDefaultConfig = "centaur.yaml";
  std::string db;      // empty: $CENTAUR_DB, else kDefaultDb
  std::string config;  // empty: kDefaultConfig when it exists
};

// A provider with the HTTP client it runs on.
struct ProviderHandle {
  std::unique_ptr<HttpClient> http;  // null for local models
  std::unique_ptr<Provider> provider;
};

class Workspace {
 public:
  static Result<std::unique_ptr<Workspace>> Open(const WorkspaceOptions& options);

  Store* store() { return store_.get(); }
  const Json& config() const { return config_; }
  const PriceTable& prices() const { return prices_; }
  const std::string& db_path() const { return db_path_; }

  // Builds the provider for `model`: "openai", "anthropic", a named endpoint,
  // or "local" (in-process llama.cpp; `http.max_concurrency` sequences decode
  // together, and `http` is otherwise unused).
  Result<ProviderHandle> OpenProvider(const ModelRef& model, const HttpOptions& http) const;

 private:
  std::unique_ptr<Store> store_;
  Json config_;
  PriceTable prices_;
  std::string db_path_;
};

// Parses YAML text into JSON (scalars that look like numbers/booleans/null
// become those). Errors are "FILE:LINE:COL: message".
Result<Json> YamlToJson(const std::string& text, const std::string& path);

}  // namespace centaur
