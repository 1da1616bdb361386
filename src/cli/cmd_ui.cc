// `centaur ui`: serves the web UI and its JSON API (src/server/).
#include <cstdio>
#include <cstdlib>

#include "cli/common.h"
#include "server/server.h"

namespace centaur::cli {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

int Ui(const GlobalOptions& globals, server::ServeOptions options) {
  if (options.token.empty()) options.token = Env("CENTAUR_TOKEN");
  if (options.annotator.empty()) options.annotator = Env("USER");
  std::string db_path;
  {
    // Resolves --db / $CENTAUR_DB and creates or migrates the store.
    auto ws = OpenWorkspace(globals);
    if (!ws.ok()) return ReportError(ws.error());
    db_path = (*ws)->db_path();
  }
  options.db_path = db_path;
  const bool token = !options.token.empty();
  Status s = server::Serve(options, [&](const std::string& url) {
    std::printf("serving the web UI at %s (store %s; Ctrl-C stops)\n", url.c_str(),
                db_path.c_str());
    if (token) {
      std::printf(
          "API calls need the token: open %s?token=TOKEN or send "
          "\"Authorization: Bearer TOKEN\"\n",
          url.c_str());
    }
    std::fflush(stdout);
  });
  if (!s.ok()) return ReportError(s.error());
  return kExitOk;
}

}  // namespace

Command UiCommand() {
  return {"ui", "serve the web UI and its JSON API (on 127.0.0.1 unless --host says otherwise)",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto options = std::make_shared<server::ServeOptions>();
            sub->add_option("--port", options->port, "port (default 8337; 0: any free port)")
                ->check(CLI::Range(0, 65535));
            sub->add_option("--host", options->host,
                            "address to listen on (default 127.0.0.1; any other needs a token)");
            sub->add_option("--token", options->token,
                            "token every API call must carry (default: $CENTAUR_TOKEN)");
            sub->add_option("--annotator", options->annotator,
                            "name recorded on annotations made in the UI (default: $USER)");
            return [options, globals] { return Ui(*globals, *options); };
          }};
}

}  // namespace centaur::cli
