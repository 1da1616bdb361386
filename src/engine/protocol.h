// Annotation protocols: the markdown rules people label a task by, kept as
// numbered versions per task name in the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace centaur {

// The task's latest protocol version number; nullopt when it has none.
Result<std::optional<int64_t>> LatestProtocolVersion(Store* store, const std::string& task);

// One version; version 0 means the latest. kNotFound, e.g.
// "no protocol for task \"intent\" yet (centaur protocol edit intent writes one)" or
// "task \"intent\" has no protocol version 7 (latest: 2)".
Result<ProtocolVersion> GetProtocolVersion(Store* store, const std::string& task,
                                           int64_t version = 0);

// `text` with `rule` added as a last list item ("- rule").
std::string AppendRule(const std::string& text, const std::string& rule);

// Appends `rule` to the latest version (or an empty protocol) as a new version.
Result<ProtocolVersion> AppendProtocolRule(Store* store, const std::string& task,
                                           const std::string& rule, const std::string& author);

// Lines added and removed from `before` to `after` (a longest common
// subsequence of lines; the rest counts).
struct LineDiff {
  int64_t added = 0, removed = 0;
};
LineDiff DiffLines(const std::string& before, const std::string& after);

}  // namespace centaur
