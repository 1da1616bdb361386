// centaur embed MODEL TEXT... [--file FILE] [--json]: text embeddings from
// any provider that has them (local models, OpenAI-compatible endpoints).
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "cli/common.h"

namespace centaur::cli {
namespace {

constexpr size_t kShownValues = 4;
constexpr size_t kShownChars = 40;
constexpr int kPollMs = 100;

struct EmbedFlags {
  std::string model;
  std::vector<std::string> texts;
  std::string file;
  bool json = false;
};

// The TEXT arguments, then the non-blank lines of --file.
Result<std::vector<std::string>> Inputs(const EmbedFlags& flags) {
  std::vector<std::string> inputs = flags.texts;
  if (!flags.file.empty()) {
    std::ifstream in(flags.file, std::ios::binary);
    if (!in) return MakeError(ErrorCode::kNotFound, "cannot read " + flags.file);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") != std::string::npos) inputs.push_back(line);
    }
  }
  if (inputs.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "nothing to embed: give TEXT arguments or --file FILE (one text per line)");
  }
  return inputs;
}

// The double nearest the float's shortest decimal form, so JSON shows 0.1
// rather than 0.10000000149011612.
double Shortest(float x) { return std::strtod(fmt::format("{}", x).c_str(), nullptr); }

void Print(const EmbedResponse& r, const std::vector<std::string>& inputs) {
  for (size_t i = 0; i < r.vectors.size(); ++i) {
    const std::vector<float>& v = r.vectors[i];
    std::string values;
    for (size_t k = 0; k < std::min(kShownValues, v.size()); ++k) {
      values += fmt::format("{}{:.4f}", k == 0 ? "" : ", ", v[k]);
    }
    if (v.size() > kShownValues) values += ", ...";
    std::printf("%zu  %zu dims  [%s]  %s\n", i, v.size(), values.c_str(),
                OneLine(inputs[i], kShownChars).c_str());
  }
  std::printf("%zu inputs, %lld tokens, %.0f ms\n", r.vectors.size(),
              static_cast<long long>(r.usage.input_tokens), r.latency_ms);
}

int Embed(const GlobalOptions& globals, const EmbedFlags& flags) {
  auto model = ParseModelRef(flags.model);
  if (!model.ok()) return ReportError(model.error());
  auto inputs = Inputs(flags);
  if (!inputs.ok()) return ReportError(inputs.error());
  auto opened = OpenOneCallProvider(globals, *model);
  if (!opened.ok()) return ReportError(opened.error());
  Provider* p = opened->handle.provider.get();

  std::optional<Result<EmbedResponse>> out;
  p->Embed(EmbedRequest{model->model, *inputs},
           [&out](Result<EmbedResponse> r) { out.emplace(std::move(r)); });
  while (!out.has_value() && p->Poll(kPollMs) > 0) {
  }
  if (!out.has_value()) {
    return ReportError(MakeError(ErrorCode::kInternal, "the embeddings call never finished"));
  }
  if (!out->ok()) {
    int code = ReportError(out->error());
    // A malformed answer is the server's fault, not bad input.
    return out->error().code == ErrorCode::kParse ? kExitFailure : code;
  }
  const EmbedResponse& r = out->value();
  if (flags.json) {
    Json data = Json::array();
    for (size_t i = 0; i < r.vectors.size(); ++i) {
      Json embedding = Json::array();
      for (float x : r.vectors[i]) embedding.push_back(Shortest(x));
      data.push_back({{"index", i}, {"embedding", std::move(embedding)}});
    }
    Json j = {{"model", model->ToString()},
              {"data", std::move(data)},
              {"usage", {{"input_tokens", r.usage.input_tokens}}},
              {"latency_ms", r.latency_ms}};
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  Print(r, *inputs);
  return kExitOk;
}

}  // namespace

Command EmbedCommand() {
  return {"embed", "embed texts with a model (local:NAME or an OpenAI-compatible endpoint)",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto f = std::make_shared<EmbedFlags>();
            sub->add_option("model", f->model, "provider:model, e.g. local:tiny")->required();
            sub->add_option("text", f->texts, "texts to embed");
            sub->add_option("--file", f->file, "a file of texts, one per line");
            sub->add_flag("--json", f->json,
                          "print {\"model\", \"data\": [{\"index\", \"embedding\"}], \"usage\", "
                          "\"latency_ms\"}");
            return [f, globals] { return Embed(*globals, *f); };
          }};
}

}  // namespace centaur::cli
