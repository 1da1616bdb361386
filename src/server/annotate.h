// Recording a decision made in the browser, by the terminal flow's rules
// (engine/annotate.h): "accept" takes the model's target value as the label;
// a "label" on an enum target must be one of its classes and is stored as the
// enum's value; "undo" takes back the annotator's latest decision in the run
// unless one is named. Each annotation carries the protocol version in force
// and is committed at once. Stateless: the browser holds the queue.
#pragma once

#include <optional>
#include <string>

#include "core/json.h"
#include "core/result.h"
#include "server/requests.h"
#include "store/store.h"

namespace centaur::server {

struct AnnotateOutcome {
  Annotation annotation;     // as stored (id, created_ms, label filled in)
  std::optional<Json> gold;  // the item's effective gold afterwards
};

// kNotFound for an unknown run, item or annotation; kInvalidArgument for a
// call run, a label outside the classes, an item with no output to accept,
// or nothing to undo.
Result<AnnotateOutcome> RecordAnnotation(Store* store, const AnnotationRequest& request,
                                         const std::string& default_annotator);

}  // namespace centaur::server
