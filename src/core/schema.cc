// Schema checking has two halves. Compile() checks the schema with our own
// rules (unknown type names, wrongly typed keywords, unknown keywords: things
// valijson accepts silently; schema_compile.cc) and then with valijson's
// parser, which throws on what it cannot handle (schema_valijson.cc).
// Validation then runs on our own compiled tree (schema_validate.cc):
// measured on a 1 KB output, valijson's validator costs ~4 us with a warm
// regex cache (which is mutable, so not shareable across threads) and ~23 us
// without, against a 10 us budget for parse + validate; ours takes under
// 1 us and words each violation the way we want it. Parsing likewise tries a
// fast reader first (nlohmann alone took ~6 us of the budget; json_reader.cc);
// see bench/schema_bench.cc.
#include "core/schema.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_reader.h"
#include "core/schema_internal.h"

namespace centaur {
namespace {

constexpr size_t kMaxReportedViolations = 50;

}  // namespace

Result<Schema> Schema::Compile(const Json& schema) {
  auto compiled = std::make_shared<schema_internal::Compiled>();
  try {
    const std::vector<std::string> errors = schema_internal::CompileNodes(schema, compiled.get());
    if (!errors.empty()) {
      std::string msg;
      for (const std::string& e : errors) {
        if (!msg.empty()) msg += '\n';
        msg += e;
      }
      return MakeError(ErrorCode::kValidation, msg);
    }
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("compiling the schema: ") + e.what());
  }
  if (std::optional<std::string> why = schema_internal::ValijsonRejection(schema)) {
    return MakeError(ErrorCode::kValidation,
                     why->empty() ? "/: invalid schema" : "/: invalid schema: " + *why);
  }
  Schema out;
  out.json_ = schema;
  out.compiled_ = std::move(compiled);
  return out;
}

Status Schema::Validate(const Json& value) const {
  if (compiled_ == nullptr) return OkStatus();
  try {
    // Most values are valid: check without building messages first.
    if (schema_internal::ValidateValue(*compiled_, value, nullptr)) return OkStatus();
    std::vector<std::string> lines;
    schema_internal::ValidateValue(*compiled_, value, &lines);
    std::string msg;
    std::vector<std::string_view> seen;
    size_t shown = 0;
    for (const std::string& line : lines) {
      if (std::find(seen.begin(), seen.end(), line) != seen.end()) continue;
      seen.push_back(line);
      if (shown == kMaxReportedViolations) continue;
      if (!msg.empty()) msg += '\n';
      msg += line;
      ++shown;
    }
    if (seen.size() > shown) msg += "\n... and " + std::to_string(seen.size() - shown) + " more";
    if (msg.empty()) msg = "/: value does not match the schema";
    return MakeError(ErrorCode::kValidation, std::move(msg));
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("validating: ") + e.what());
  }
}

Result<Json> ParseAndValidate(std::string_view text, const Schema& schema) {
  Result<Json> value = ParseModelJson(text);
  if (!value.ok()) return value;
  Status valid = schema.Validate(*value);
  if (!valid.ok()) return valid.error();
  return value;
}

}  // namespace centaur
