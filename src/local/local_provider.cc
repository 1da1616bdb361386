#include "local/local_provider.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <map>
#include <random>
#include <set>

#include "chat.h"
#include "common.h"
#include "core/json.h"
#include "local/grammar.h"
#include "local/local_embedder.h"
#include "local/model_files.h"

namespace centaur {
namespace {

class LocalProvider : public Provider {
 public:
  LocalProvider(std::string name, std::unique_ptr<BatchDecoder> decoder,
                std::unique_ptr<LocalEmbedder> embedder)
      : name_(std::move(name)), decoder_(std::move(decoder)), embedder_(std::move(embedder)) {}

  std::string Name() const override { return "local"; }

  void Submit(ChatRequest request, Callback done) override {
    Result<DecodeRequest> decode = Prepare(request);
    if (!decode.ok()) {
      done(decode.error());
      return;
    }
    decoder_->Submit(std::move(decode).value(), [done = std::move(done)](Result<DecodeResult> r) {
      if (!r.ok()) {
        done(r.error());
        return;
      }
      ChatResponse response;
      response.text = r->text;
      response.usage.input_tokens = r->prompt_tokens;
      response.usage.output_tokens = r->output_tokens;
      response.finish_reason = r->finish_reason;
      response.latency_ms = r->latency_ms;
      response.http_attempts = 0;
      OrderedJson raw = {{"content", r->text},
                         {"finish_reason", r->finish_reason},
                         {"usage",
                          {{"prompt_tokens", r->prompt_tokens},
                           {"cached_prompt_tokens", r->cached_tokens},
                           {"completion_tokens", r->output_tokens}}}};
      response.raw_body = raw.dump();
      done(std::move(response));
    });
  }

  int Poll(int timeout_ms) override { return decoder_->Poll(timeout_ms); }
  double ComputeSeconds() const override {
    return decoder_->busy_seconds() + embedder_->busy_seconds();
  }

  // Synchronous: the callback runs before Embed returns.
  void Embed(EmbedRequest request, EmbedCallback done) override {
    done(embedder_->Embed(request.inputs));
  }

 private:
  Result<DecodeRequest> Prepare(const ChatRequest& request) {
    CENTAUR_ASSIGN_OR_RETURN(const common_chat_templates* templates,
                             Templates(request.chat_template));
    common_chat_templates_inputs inputs;
    inputs.use_jinja = true;
    inputs.add_generation_prompt = true;
    for (const ChatMessage& m : request.messages) {
      common_chat_msg msg;
      msg.role = m.role;
      msg.content = m.content;
      inputs.messages.push_back(std::move(msg));
    }
    std::string prompt;
    try {
      prompt = common_chat_templates_apply(templates, inputs).prompt;
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string("local model: the chat template failed: ") + e.what());
    }
    DecodeRequest out;
    out.prompt = common_tokenize(decoder_->model().vocab(), prompt, /*add_special=*/true,
                                 /*parse_special=*/true);
    if (request.schema) {
      CENTAUR_ASSIGN_OR_RETURN(out.grammar, Grammar(request.schema->text));
    }
    out.temperature = request.params.temperature;
    out.max_tokens = request.params.max_tokens;
    if (request.params.seed.has_value()) {
      out.seed = static_cast<uint32_t>(*request.params.seed);
    } else if (request.params.temperature > 0) {
      out.seed = std::random_device{}();
    }
    return out;
  }

  Result<const common_chat_templates*> Templates(const std::string& override_template) {
    auto it = templates_.find(override_template);
    if (it != templates_.end()) return it->second.get();
    const LocalModel& model = decoder_->model();
    if (override_template.empty() && model.chat_template().empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "local model " + model.path() +
                           " has no chat template: set `chat_template:` in the task to a Jinja "
                           "template that renders `messages`");
    }
    common_chat_templates_ptr t;
    try {
      t = common_chat_templates_init(model.model(), override_template);
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string("local model: the chat template does not parse: ") + e.what());
    }
    if (!t) return MakeError(ErrorCode::kInvalidArgument, "local model: no usable chat template");
    const common_chat_templates* raw = t.get();
    templates_.emplace(override_template, std::move(t));
    return raw;
  }

  Result<std::string> Grammar(const std::string& schema_text) {
    auto it = grammars_.find(schema_text);
    if (it != grammars_.end()) return it->second;
    CENTAUR_ASSIGN_OR_RETURN(LocalGrammar g, SchemaToGrammar(schema_text));
    for (const std::string& what : g.ignored) {
      spdlog::warn(
          "local model: decoding does not enforce {} of the output schema; validation still "
          "checks it after decoding",
          what);
    }
    grammars_.emplace(schema_text, g.gbnf);
    return g.gbnf;
  }

  std::string name_;
  std::unique_ptr<BatchDecoder> decoder_;
  std::unique_ptr<LocalEmbedder> embedder_;  // its context is created on first use
  std::map<std::string, common_chat_templates_ptr> templates_;
  std::map<std::string, std::string> grammars_;
};

}  // namespace

Result<std::unique_ptr<Provider>> NewLocalProvider(const std::string& model,
                                                   const DecoderOptions& options) {
  CENTAUR_ASSIGN_OR_RETURN(std::string path, ResolveLocalModel(model));
  CENTAUR_ASSIGN_OR_RETURN(std::shared_ptr<LocalModel> loaded, LocalModel::Load(path));
  EmbedderOptions embed;
  embed.threads = options.threads;
  auto embedder = std::make_unique<LocalEmbedder>(loaded, embed);
  CENTAUR_ASSIGN_OR_RETURN(std::unique_ptr<BatchDecoder> decoder,
                           BatchDecoder::Create(std::move(loaded), options));
  return std::unique_ptr<Provider>(
      new LocalProvider(model, std::move(decoder), std::move(embedder)));
}

}  // namespace centaur
