// One call of a task on one input (`centaur call`), traced in the store as a
// run of kind "call" so its attempts can be inspected like any other; and
// many such calls at once (`centaur test`).
#pragma once

#include <functional>
#include <vector>

#include "engine/item_call.h"

namespace centaur {

struct CallOutcome {
  int64_t run_id = 0;
  ResultRecord result;  // with attempts
};

Result<CallOutcome> CallOnce(Store* store, Provider* provider, const PriceTable* prices,
                             Clock* clock, const Task& task, const ModelRef& model,
                             const Json& input, const CallPolicy& policy);

struct CallJob {
  Json input;
  CallPolicy policy;  // per job: e.g. its sample index
};

// Called as each job finishes, from the polling loop (never from inside a
// provider callback), with the job's index.
using CallDone = std::function<void(size_t index, const CallOutcome& outcome)>;

// Each job as CallOnce would call it (its own run of kind "call"), with up to
// `concurrency` in flight on `provider`. Outcomes in job order. Inputs are
// checked before anything is called; a store error stops new calls, waits
// for those in flight and is returned.
Result<std::vector<CallOutcome>> CallMany(Store* store, Provider* provider,
                                          const PriceTable* prices, Clock* clock, const Task& task,
                                          const ModelRef& model, const std::vector<CallJob>& jobs,
                                          int concurrency, const CallDone& on_done);

}  // namespace centaur
