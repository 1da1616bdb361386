// valijson's check of a schema, in a file of its own for its warnings. GCC 12
// reports false positives in libstdc++ code that valijson instantiates: a
// -Wrestrict inside its json_pointer at -O2+ (GCC bug 105329), and a
// -Wmaybe-uninitialized in the std::regex it keeps for URIs
// (valijson/internal/uri.hpp) at -O1 with ASan. Their locations are in
// libstdc++, so they must be off from the first include on.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <exception>
#include <optional>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>

#include "core/schema_internal.h"

namespace centaur::schema_internal {

std::optional<std::string> ValijsonRejection(const Json& schema) {
  try {
    valijson::Schema parsed;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, parsed);
  } catch (const std::exception& e) {
    return std::string(e.what());
  } catch (...) {
    return std::string();
  }
  return std::nullopt;
}

}  // namespace centaur::schema_internal
