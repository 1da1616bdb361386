// Files of data/ compiled into the binary (price table, starter task files).
#pragma once

#include <optional>
#include <string_view>

namespace centaur {
// Returns the bytes of data/NAME, or nullopt when no such file was embedded.
std::optional<std::string_view> EmbeddedFile(std::string_view name);
}  // namespace centaur
