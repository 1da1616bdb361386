// One call of a task on one input (`centaur call`), traced in the store as a
// run of kind "call" so its attempts can be inspected like any other.
#pragma once

#include "engine/item_call.h"

namespace centaur {

struct CallOutcome {
  int64_t run_id = 0;
  ResultRecord result;  // with attempts
};

Result<CallOutcome> CallOnce(Store* store, Provider* provider, const PriceTable* prices,
                             Clock* clock, const Task& task, const ModelRef& model,
                             const Json& input, const CallPolicy& policy);

}  // namespace centaur
