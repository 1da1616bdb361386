// Model references, endpoint resolution, the provider factory, and the
// plumbing both HTTP providers share (HttpProvider, provider_internal).
#include "llm/provider.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <utility>

#include "core/secrets.h"
#include "llm/openai_provider.h"

namespace centaur {
namespace {

constexpr char kModelRefExample[] = "(e.g. openai:gpt-4o-mini-2024-07-18)";
constexpr char kEndpointKeys[] = "kind, base_url, api_key_env, force_tool_call";

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") + 1 - b);
}

// Reads an API key from `var`, registers it as a secret. Empty when unset.
Result<std::string> ReadKey(const std::string& var) {
  std::string key = Trim(Getenv(var.c_str()));
  RegisterSecret(key);
  if (key.find_first_of("\r\n") != std::string::npos) {
    return Invalid(var + " contains a line break: it must hold the key alone");
  }
  return key;
}

// Checks the scheme and drops trailing slashes; `what` names the setting.
Result<std::string> NormalizeBaseUrl(std::string url, const std::string& what) {
  url = Trim(url);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Invalid(what + " must start with http:// or https://, got " + Quote(url));
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// The lower-cased host of `url`, without user info and port.
std::string HostOf(const std::string& url) {
  size_t scheme = url.find("://");
  size_t b = scheme == std::string::npos ? 0 : scheme + 3;
  std::string authority = url.substr(b, url.find_first_of("/?#", b) - b);
  size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);
  std::string host = authority.starts_with("[") ? authority.substr(0, authority.find(']') + 1)
                                                : authority.substr(0, authority.find(':'));
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

bool IsHostIn(const std::string& host, const std::string& domain) {
  return host == domain || (host.size() > domain.size() && host.ends_with(domain) &&
                            host[host.size() - domain.size() - 1] == '.');
}

struct BuiltIn {
  const char* name;
  const char* url_var;
  const char* default_url;
  const char* key_var;
  const char* hosted_domain;  // the key is required only for this host
  const char* key_hint;
};

constexpr BuiltIn kBuiltIns[] = {
    {"openai", "OPENAI_BASE_URL", "https://api.openai.com/v1", "OPENAI_API_KEY", "openai.com",
     "point OPENAI_BASE_URL at a local OpenAI-compatible server (vLLM, llama.cpp server, "
     "Ollama)"},
    {"anthropic", "ANTHROPIC_BASE_URL", "https://api.anthropic.com", "ANTHROPIC_API_KEY",
     "anthropic.com", "point ANTHROPIC_BASE_URL at an Anthropic-compatible server"},
};

Result<EndpointConfig> ResolveBuiltIn(const BuiltIn& b) {
  EndpointConfig e;
  e.name = b.name;
  e.kind = b.name;
  std::string url = Trim(Getenv(b.url_var));
  if (url.empty()) url = b.default_url;
  CENTAUR_ASSIGN_OR_RETURN(e.base_url, NormalizeBaseUrl(url, b.url_var));
  CENTAUR_ASSIGN_OR_RETURN(e.api_key, ReadKey(b.key_var));
  if (e.api_key.empty() && IsHostIn(HostOf(e.base_url), b.hosted_domain)) {
    return Invalid(std::string(b.key_var) + " is not set: export it, or " + b.key_hint);
  }
  return e;
}

Result<EndpointConfig> ResolveNamed(const std::string& name, const Json& spec) {
  const std::string setting = "endpoints." + name;
  const std::string where = "centaur.yaml: " + setting;
  if (!spec.is_object()) {
    return Invalid(where + " must be a mapping {" + kEndpointKeys + "}");
  }
  for (const auto& [key, value] : spec.items()) {
    if (key != "kind" && key != "base_url" && key != "api_key_env" && key != "force_tool_call") {
      return Invalid(where + ": unknown key " + Quote(key) + " (expected " + kEndpointKeys + ")");
    }
  }
  EndpointConfig e;
  e.name = name;
  e.kind = "openai";  // vLLM, llama.cpp server, Ollama... speak OpenAI's protocol
  if (spec.contains("kind")) {
    const Json& kind = spec["kind"];
    if (!kind.is_string() || (kind != "openai" && kind != "anthropic")) {
      return Invalid(where + ".kind must be \"openai\" or \"anthropic\"");
    }
    e.kind = kind.get<std::string>();
  }
  if (!spec.contains("base_url") || !spec["base_url"].is_string() ||
      Trim(spec["base_url"].get<std::string>()).empty()) {
    return Invalid(where + ".base_url is required (e.g. http://localhost:8000/v1)");
  }
  CENTAUR_ASSIGN_OR_RETURN(
      e.base_url, NormalizeBaseUrl(spec["base_url"].get<std::string>(), where + ".base_url"));
  if (spec.contains("api_key_env") && !spec["api_key_env"].is_null()) {
    const Json& var = spec["api_key_env"];
    if (!var.is_string() || var.get<std::string>().empty()) {
      return Invalid(where + ".api_key_env must name an environment variable");
    }
    CENTAUR_ASSIGN_OR_RETURN(e.api_key, ReadKey(var.get<std::string>()));
    if (e.api_key.empty()) {
      return Invalid(var.get<std::string>() + " is not set: export it (" + setting +
                     ".api_key_env in centaur.yaml)");
    }
  }
  if (spec.contains("force_tool_call") && !spec["force_tool_call"].is_null()) {
    if (!spec["force_tool_call"].is_boolean()) {
      return Invalid(where + ".force_tool_call must be true or false");
    }
    e.force_tool_call = spec["force_tool_call"].get<bool>();
  }
  return e;
}

}  // namespace

Result<ModelRef> ParseModelRef(const std::string& text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos) {
    return Invalid("model " + Quote(text) + " must be \"provider:model\" " + kModelRefExample);
  }
  ModelRef ref{text.substr(0, colon), text.substr(colon + 1)};
  if (ref.provider.empty()) {
    return Invalid("model " + Quote(text) + " has no provider before the colon " +
                   kModelRefExample);
  }
  if (ref.model.empty()) {
    return Invalid("model " + Quote(text) + " has no model name after the colon " +
                   kModelRefExample);
  }
  return ref;
}

Result<EndpointConfig> ResolveEndpoint(const std::string& provider, const Json& config) {
  if (config.is_object() && config.contains("endpoints") && !config["endpoints"].is_null()) {
    const Json& endpoints = config["endpoints"];
    if (!endpoints.is_object()) {
      return Invalid(std::string("centaur.yaml: endpoints must be a mapping of NAME: {") +
                     kEndpointKeys + "}");
    }
    if (endpoints.contains(provider)) return ResolveNamed(provider, endpoints[provider]);
  }
  for (const BuiltIn& b : kBuiltIns) {
    if (provider == b.name) return ResolveBuiltIn(b);
  }
  return Invalid("unknown provider " + Quote(provider) +
                 ": use openai, anthropic, or an endpoint named in centaur.yaml");
}

Result<std::unique_ptr<Provider>> NewHttpProvider(const EndpointConfig& endpoint,
                                                  HttpClient* http) {
  if (http == nullptr) return MakeError(ErrorCode::kInternal, "NewHttpProvider: no HttpClient");
  if (endpoint.kind == "openai") return NewOpenAIProvider(endpoint, http);
  if (endpoint.kind == "anthropic") return NewAnthropicProvider(endpoint, http);
  return Invalid("endpoint " + Quote(endpoint.name) + ": unknown kind " + Quote(endpoint.kind) +
                 " (use openai or anthropic)");
}

HttpProvider::HttpProvider(EndpointConfig endpoint, HttpClient* http)
    : endpoint_(std::move(endpoint)), http_(http), tool_call_mode_(endpoint_.force_tool_call) {
  RegisterSecret(endpoint_.api_key);
}

void HttpProvider::Submit(ChatRequest request, Callback done) {
  ++pending_;
  Send(std::make_shared<const ChatRequest>(std::move(request)), std::move(done), 0);
}

int HttpProvider::Poll(int timeout_ms) {
  std::weak_ptr<int> alive = alive_;
  int unfinished = http_->Poll(timeout_ms);
  // A callback may have destroyed this provider.
  return alive.expired() ? unfinished : pending_;
}

void HttpProvider::Send(std::shared_ptr<const ChatRequest> request, Callback done,
                        int prior_tries) {
  bool tool_call = tool_call_mode_ && request->schema != nullptr;
  HttpRequest http = BuildHttp(*request, tool_call);
  http.estimated_tokens = provider_internal::EstimatedTokens(*request);
  std::weak_ptr<int> alive = alive_;
  http_->Submit(std::move(http), [this, alive, request, tool_call, prior_tries,
                                  done = std::move(done)](Result<HttpResponse> r) mutable {
    if (alive.expired()) return;
    if (!r.ok()) {
      if (!tool_call && request->schema != nullptr && ShouldFallBackToToolCall(r.error())) {
        tool_call_mode_ = true;  // for this call and every later one
        Send(request, std::move(done), prior_tries + 1);
        return;
      }
      Finish(std::move(done), provider_internal::ProviderError(Name(), r.error()));
      return;
    }
    Result<ChatResponse> parsed = ParseBody(r->body, tool_call);
    if (parsed.ok()) {
      parsed->raw_body = std::move(r->body);
      parsed->latency_ms = r->latency_ms;
      parsed->http_attempts = r->attempts + prior_tries;
    }
    Finish(std::move(done), std::move(parsed));
  });
}

void HttpProvider::SubmitHttp(HttpRequest http, HttpCallback done) {
  ++pending_;
  std::weak_ptr<int> alive = alive_;
  http_->Submit(std::move(http),
                [this, alive, done = std::move(done)](Result<HttpResponse> r) mutable {
                  if (alive.expired()) return;
                  --pending_;
                  if (!r.ok()) {
                    done(provider_internal::ProviderError(Name(), r.error()));
                    return;
                  }
                  done(std::move(r));  // may destroy this provider: nothing after it
                });
}

void HttpProvider::Finish(Callback done, Result<ChatResponse> result) {
  --pending_;
  done(std::move(result));  // may destroy this provider: nothing after it
}

namespace provider_internal {
namespace {

// The string value of the first "message" key in `text`, a body that may be
// cut short (HttpClient quotes at most 500 bytes of it); empty when none.
std::string ScanMessage(const std::string& text) {
  size_t pos = text.find("\"message\"");
  if (pos == std::string::npos) return "";
  pos = text.find_first_not_of(" \t\r\n", pos + 9);
  if (pos == std::string::npos || text[pos] != ':') return "";
  pos = text.find_first_not_of(" \t\r\n", pos + 1);
  if (pos == std::string::npos || text[pos] != '"') return "";
  std::string out;
  for (++pos; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == '"') return out;
    if (c == '\\' && pos + 1 < text.size()) {
      char n = text[++pos];
      out += n == 'n' ? '\n' : n == 't' ? '\t' : n;
      continue;
    }
    out += c;
  }
  return out;  // cut short: HttpClient already marked the cut with "..."
}

std::string MessageFromJson(const Json& body) {
  if (!body.is_object()) return "";
  // OpenAI/Anthropic {"error": {"message"}}, Ollama {"error": "..."},
  // vLLM {"message"}, FastAPI {"detail"}.
  if (body.contains("error")) {
    const Json& e = body["error"];
    if (e.is_string()) return e.get<std::string>();
    if (e.is_object() && e.contains("message") && e["message"].is_string()) {
      return e["message"].get<std::string>();
    }
  }
  for (const char* key : {"message", "detail"}) {
    if (body.contains(key) && body[key].is_string()) return body[key].get<std::string>();
  }
  return "";
}

// "HTTP 429 after 7 tries" and the quoted body of an HttpClient error.
bool SplitHttpError(const std::string& message, std::string* status, std::string* body) {
  size_t pos = 0;
  while ((pos = message.find("HTTP ", pos)) != std::string::npos) {
    if (pos + 5 < message.size() && std::isdigit(static_cast<unsigned char>(message[pos + 5]))) {
      break;
    }
    pos += 5;
  }
  if (pos == std::string::npos) return false;
  size_t colon = message.find(": ", pos);
  *status = message.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
  *body = colon == std::string::npos ? "" : message.substr(colon + 2);
  return true;
}

}  // namespace

std::string ToolName(const std::string& schema_name) {
  constexpr size_t kMaxToolName = 64;
  std::string out = schema_name.substr(0, kMaxToolName);
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  }
  return out.empty() ? "output" : out;
}

int64_t EstimatedTokens(const ChatRequest& request) {
  constexpr int64_t kCharsPerToken = 4;
  int64_t chars = 0;
  for (const ChatMessage& m : request.messages) chars += static_cast<int64_t>(m.content.size());
  return chars / kCharsPerToken + std::max(request.params.max_tokens, 0);
}

std::string ProviderMessage(const Error& http_error) {
  std::string status;
  std::string body;
  if (!SplitHttpError(http_error.message, &status, &body)) return "";
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string message = parsed.is_discarded() ? ScanMessage(body) : MessageFromJson(parsed);
  return Trim(message);
}

Error ProviderError(const std::string& name, const Error& http_error) {
  std::string status;
  std::string body;
  std::string message = ProviderMessage(http_error);
  std::string text = !message.empty() && SplitHttpError(http_error.message, &status, &body)
                         ? name + ": " + status + ": " + message
                         : name + ": " + http_error.message;
  return Error{http_error.code, Redact(text), http_error.http_status};
}

Error MalformedBody(const std::string& name, const std::string& reason) {
  return MakeError(ErrorCode::kParse, name + ": malformed response body: " + reason);
}

}  // namespace provider_internal
}  // namespace centaur
