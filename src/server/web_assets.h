// The front end (web/dist, built by scripts/web.sh) compiled into the binary,
// so `centaur ui` serves it offline. The data comes from a file generated at
// build time by cmake/embed_web.cmake.
#pragma once

#include <optional>
#include <string_view>

namespace centaur::server {

// The file at `path` under web/dist ("index.html", "assets/app.js"), or
// nullopt.
std::optional<std::string_view> WebAssetData(std::string_view path);

// The Content-Type for a file name, by its extension.
const char* ContentTypeFor(std::string_view path);

}  // namespace centaur::server
