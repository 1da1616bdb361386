// Prices per model in dollars per million input/output tokens. The default
// table is data/prices.json, compiled in; users extend or override it with a
// file of the same shape (centaur.yaml `prices:` path, or CENTAUR_PRICES).
// A model without a price has an unknown cost, never zero.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/result.h"
#include "llm/types.h"

namespace centaur {

struct Price {
  double input_per_million = 0;
  double output_per_million = 0;
};

class PriceTable {
 public:
  // The compiled-in table.
  static PriceTable Default();
  // Adds/overrides entries from a JSON file {"provider:model": {"input": $, "output": $}}.
  // Errors name the file and what is wrong.
  Status MergeFile(const std::string& path);
  Status MergeJson(const std::string& text, const std::string& source_name);
  // Looks up "provider:model"; then the bare model name. nullopt: unknown.
  // Cost of a "local" model is 0.
  std::optional<Price> Find(const std::string& provider, const std::string& model) const;
  std::optional<double> Cost(const std::string& provider, const std::string& model,
                             const Usage& usage) const;

 private:
  std::map<std::string, Price> prices_;
};

}  // namespace centaur
