#include "engine/workspace.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>

#include "core/records.h"
#include "local/local_provider.h"

namespace centaur {
namespace {

Json ScalarToJson(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted: always a string
  if (s == "null" || s == "~" || s.empty()) return nullptr;
  if (s == "true") return true;
  if (s == "false") return false;
  char* end = nullptr;
  long long i = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() && *end == '\0') return i;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() && *end == '\0') return d;
  return s;
}

Json NodeToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const YAML::Node& child : node) out.push_back(NodeToJson(child));
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = NodeToJson(kv.second);
      return out;
    }
  }
  return nullptr;
}

}  // namespace

Result<Json> YamlToJson(const std::string& text, const std::string& path) {
  try {
    return NodeToJson(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kParse, path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                            std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<std::unique_ptr<Workspace>> Workspace::Open(const WorkspaceOptions& options) {
  auto ws = std::unique_ptr<Workspace>(new Workspace());
  ws->db_path_ = options.db;
  if (ws->db_path_.empty()) {
    const char* env = std::getenv("CENTAUR_DB");
    ws->db_path_ = (env != nullptr && *env != '\0') ? env : WorkspaceOptions::kDefaultDb;
  }
  std::string config_path = options.config;
  bool required = !config_path.empty();
  if (config_path.empty()) config_path = WorkspaceOptions::kDefaultConfig;
  ws->config_ = Json::object();
  if (required || std::filesystem::exists(config_path)) {
    CENTAUR_ASSIGN_OR_RETURN(std::string text, ReadFileToString(config_path));
    CENTAUR_ASSIGN_OR_RETURN(ws->config_, YamlToJson(text, config_path));
    if (ws->config_.is_null()) ws->config_ = Json::object();
    if (!ws->config_.is_object()) {
      return MakeError(ErrorCode::kInvalidArgument, config_path + ": expected a mapping");
    }
  }
  ws->prices_ = PriceTable::Default();
  if (ws->config_.contains("prices") && ws->config_["prices"].is_string()) {
    std::filesystem::path prices = ws->config_["prices"].get<std::string>();
    if (prices.is_relative()) prices = std::filesystem::path(config_path).parent_path() / prices;
    CENTAUR_RETURN_IF_ERROR(ws->prices_.MergeFile(prices.string()));
  }
  if (const char* env = std::getenv("CENTAUR_PRICES"); env != nullptr && *env != '\0') {
    CENTAUR_RETURN_IF_ERROR(ws->prices_.MergeFile(env));
  }
  CENTAUR_ASSIGN_OR_RETURN(ws->store_, OpenStore(ws->db_path_));
  return ws;
}

Result<ProviderHandle> Workspace::OpenProvider(const ModelRef& model,
                                               const HttpOptions& http) const {
  if (model.provider == "local") {
    DecoderOptions options;
    // One sequence per request in flight: the run's concurrency.
    options.parallel = http.max_concurrency > 0 ? http.max_concurrency : options.parallel;
    ProviderHandle handle;
    CENTAUR_ASSIGN_OR_RETURN(handle.provider, NewLocalProvider(model.model, options));
    return handle;
  }
  CENTAUR_ASSIGN_OR_RETURN(EndpointConfig endpoint, ResolveEndpoint(model.provider, config_));
  ProviderHandle handle;
  handle.http = NewCurlHttpClient(http);
  CENTAUR_ASSIGN_OR_RETURN(handle.provider, NewHttpProvider(endpoint, handle.http.get()));
  return handle;
}

}  // namespace centaur
