// JsonPath: the field an assertion looks at. Two spellings:
//   - dotted: `label`, `customer.name`, `tags[0]`, `items[2].sku`, with an
//     optional leading `$.` (JSONPath style);
//   - a JSON pointer: `/customer/name`, `/tags/0` (RFC 6901, `~0` `~1`).
// Parsed once when the suite loads; selecting never fails, it finds nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace centaur {

class JsonPath {
 public:
  // kInvalidArgument with a message that names the problem and its column
  // in the path, e.g. `path "a..b": empty field name at column 3`.
  static Result<JsonPath> Parse(std::string_view text);

  // The value at this path in `root`, or null when a step is missing (an
  // absent key, an index past the end, a step into a scalar). A step
  // written as digits selects an array element or an object key alike.
  const Json* Select(const Json& root) const;

  // The path as written.
  const std::string& text() const { return text_; }

 private:
  struct Step {
    std::string key;
    bool index_only = false;  // written as [N]: only arrays match
  };
  std::string text_;
  std::vector<Step> steps_;
};

}  // namespace centaur
