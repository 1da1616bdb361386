#include "llm/pricing.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <utility>

#include "core/embedded.h"
#include "core/json.h"
#include "core/records.h"

namespace centaur {
namespace {

constexpr double kTokensPerMillion = 1e6;

Error Bad(const std::string& source, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, source + ": " + what);
}

// "SOURCE:LINE:COL: what nlohmann says" for text that is not JSON.
Error ParseError(const std::string& source, std::string_view text, const Json::parse_error& e) {
  size_t end = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
  int line = 1;
  int col = 1;
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  std::string what = e.what();
  size_t detail = what.find(": ", what.find("parse error"));
  what = detail == std::string::npos ? what : what.substr(detail + 2);
  return MakeError(ErrorCode::kParse, source + ":" + std::to_string(line) + ":" +
                                          std::to_string(col) + ": not valid JSON: " + what);
}

Result<double> Dollars(const std::string& source, const std::string& key, const Json& entry,
                       const char* field) {
  std::string where = "\"" + key + "\": \"" + field + "\"";
  if (!entry.contains(field) || !entry[field].is_number()) {
    return Bad(source, where + " must be a number");
  }
  double v = entry[field].get<double>();
  if (v < 0) return Bad(source, where + " must not be negative");
  return v;
}

}  // namespace

PriceTable PriceTable::Default() {
  PriceTable table;
  std::optional<std::string_view> text = EmbeddedFile("prices.json");
  // The compiled-in file is checked by the tests; a broken one leaves the
  // table empty (every cost unknown) rather than taking the program down.
  if (text.has_value()) (void)table.MergeJson(std::string(*text), "prices.json");
  return table;
}

Status PriceTable::MergeFile(const std::string& path) {
  CENTAUR_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return MergeJson(text, path);
}

// Keys starting with "_" are comments. Nothing is merged unless every entry
// is valid.
Status PriceTable::MergeJson(const std::string& text, const std::string& source_name) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return ParseError(source_name, text, e);
  } catch (const Json::exception& e) {
    return MakeError(ErrorCode::kParse, source_name + ": not valid JSON: " + e.what());
  }
  if (!doc.is_object()) {
    return Bad(source_name,
               "expected an object {\"provider:model\": {\"input\": $, \"output\": $}} "
               "(dollars per million tokens)");
  }
  std::map<std::string, Price> parsed;
  for (const auto& [key, entry] : doc.items()) {
    if (key.starts_with("_")) continue;
    if (!entry.is_object()) {
      return Bad(source_name, "\"" + key + "\" must be an object {\"input\": $, \"output\": $}");
    }
    for (const auto& [field, value] : entry.items()) {
      if (field != "input" && field != "output" && !field.starts_with("_")) {
        return Bad(source_name, "\"" + key + "\": unknown field \"" + field +
                                    "\" (expected \"input\" and \"output\")");
      }
    }
    Price price;
    CENTAUR_ASSIGN_OR_RETURN(price.input_per_million, Dollars(source_name, key, entry, "input"));
    CENTAUR_ASSIGN_OR_RETURN(price.output_per_million, Dollars(source_name, key, entry, "output"));
    parsed[key] = price;
  }
  for (auto& [key, price] : parsed) prices_[key] = price;
  return OkStatus();
}

std::optional<Price> PriceTable::Find(const std::string& provider, const std::string& model) const {
  auto it = prices_.find(provider + ":" + model);
  if (it == prices_.end()) it = prices_.find(model);
  if (it == prices_.end()) return std::nullopt;
  return it->second;
}

std::optional<double> PriceTable::Cost(const std::string& provider, const std::string& model,
                                       const Usage& usage) const {
  // Models run in-process cost nothing per token.
  if (provider == "local") return 0.0;
  std::optional<Price> price = Find(provider, model);
  if (!price.has_value()) return std::nullopt;
  return static_cast<double>(usage.input_tokens) * price->input_per_million / kTokensPerMillion +
         static_cast<double>(usage.output_tokens) * price->output_per_million / kTokensPerMillion;
}

}  // namespace centaur
