// `centaur ui`'s server: the JSON API (api.h) and the embedded front end over
// HTTP (cpp-httplib), until SIGINT or SIGTERM.
#pragma once

#include <functional>
#include <string>

#include "core/result.h"

namespace centaur::server {

struct ServeOptions {
  static constexpr int kDefaultPort = 8337;
  std::string host = "127.0.0.1";
  int port = kDefaultPort;  // 0: any free port
  std::string token;        // required unless `host` is a loopback address
  std::string db_path;
  std::string annotator;  // for annotations that name none
  int stores = 4;         // store connections, i.e. requests served at once
};

// 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

// Checks the options (a non-loopback host needs a token), binds, calls
// `on_listening` with the base URL ("http://127.0.0.1:8337/") and serves
// until SIGINT or SIGTERM. Errors: the refusal, or the address cannot be
// bound.
Status Serve(const ServeOptions& options,
             const std::function<void(const std::string& url)>& on_listening);

}  // namespace centaur::server
