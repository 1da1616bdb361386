#include "llm/types.h"

namespace centaur {

// Json keeps object keys sorted, so the same request always dumps to the same
// bytes: the cache key depends on content only, never on construction order.
Json ChatRequestToJson(const ChatRequest& request) {
  Json messages = Json::array();
  for (const ChatMessage& m : request.messages) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  Json params = {{"temperature", request.params.temperature},
                 {"max_tokens", request.params.max_tokens}};
  if (request.params.seed.has_value()) params["seed"] = *request.params.seed;
  Json out = {{"model", request.model},
              {"messages", std::move(messages)},
              {"schema_name", request.schema_name},
              {"params", std::move(params)},
              {"sample_index", request.sample_index}};
  if (!request.schema.is_null()) out["schema"] = request.schema;
  // dump() throws on invalid UTF-8 (a dataset in Latin-1, say): hand back a
  // request whose bad bytes are U+FFFD, so callers can dump it safely.
  try {
    (void)out.dump();
  } catch (const Json::type_error&) {
    return Json::parse(out.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  return out;
}

}  // namespace centaur
