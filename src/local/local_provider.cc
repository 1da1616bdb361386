#include "local/local_provider.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <map>
#include <random>
#include <set>

#include "chat.h"
#include "common.h"
#include "core/json.h"
#include "core/utf8.h"
#include "local/grammar.h"
#include "local/local_embedder.h"
#include "local/model_files.h"
#include "local/sharded_decoder.h"

namespace centaur {
namespace {

class LocalProvider : public Provider {
 public:
  LocalProvider(std::string name, std::unique_ptr<ShardedDecoder> decoder,
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
      // Token pieces can split a character, and a random or small model
      // can emit bytes that are never UTF-8: the text is made well-formed
      // here, so it can be stored, shown and sent back in a re-ask.
      response.text = utf8::Sanitize(r->text);
      response.usage.input_tokens = r->prompt_tokens;
      response.usage.output_tokens = r->output_tokens;
      response.finish_reason = r->finish_reason;
      response.latency_ms = r->latency_ms;
      response.http_attempts = 0;
      OrderedJson raw = {{"content", response.text},
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
    const LocalComputeTime c = Compute();
    return c.decode_s + c.tokenize_s + c.embed_s;
  }
  LocalComputeTime Compute() const {
    return {decoder_->busy_seconds(), tokenize_s_, embedder_->busy_seconds(), decoder_->shards()};
  }

  // Synchronous: the callback runs before Embed returns.
  void Embed(EmbedRequest request, EmbedCallback done) override {
    done(embedder_->Embed(request.inputs));
  }

 private:
  struct Frame;

  Result<DecodeRequest> Prepare(const ChatRequest& request) {
    const Frame* frame = nullptr;
    CENTAUR_ASSIGN_OR_RETURN(std::string prompt, Render(request, &frame));
    DecodeRequest out;
    if (frame != nullptr && frame->cut > 0) {
      out.prompt = frame->head;
      const std::vector<llama_token> tail = Tokenize(prompt.substr(frame->cut), false);
      out.prompt.insert(out.prompt.end(), tail.begin(), tail.end());
    } else {
      out.prompt = Tokenize(prompt, true);
    }
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

  // The prompt text of a conversation.
  //
  // Rendering the Jinja chat template costs about 2 ms a request, which was
  // nearly all of the engine's own time per item. The items of a run differ
  // only in their last message (the system prompt and the n-shot examples
  // are the same), so the template is rendered once per conversation with a
  // probe in place of the last message's content, and each request is the
  // text around the probe with its content in between. That is trusted for
  // a conversation only when the probe (edge whitespace, quotes, braces and
  // mixed case) comes out verbatim, once, and the text around it gives
  // exactly what the template gives for the first real content (a template
  // that trims, escapes or changes the content fails the check and is
  // rendered in full every time).
  Result<std::string> Render(const ChatRequest& request, const Frame** used) {
    if (request.messages.empty()) return RenderJinja(request.chat_template, request.messages);
    const std::string& last = request.messages.back().content;
    std::string key = request.chat_template;
    for (size_t i = 0; i + 1 < request.messages.size(); ++i) {
      const ChatMessage& m = request.messages[i];
      key += '\0' + m.role + '\0' + m.content;
    }
    key += '\0' + request.messages.back().role;
    auto it = frames_.find(key);
    if (it == frames_.end()) {
      CENTAUR_ASSIGN_OR_RETURN(std::string full,
                               RenderJinja(request.chat_template, request.messages));
      Frame frame = MakeFrame(request, last, full);
      if (frames_.size() >= kMaxFrames) frames_.clear();
      frames_.emplace(std::move(key), std::move(frame));
      return full;
    }
    if (!it->second.usable) return RenderJinja(request.chat_template, request.messages);
    *used = &it->second;
    return it->second.before + last + it->second.after;
  }

  // The text around the last message's content; `usable` when the probe
  // locates it and it renders `content` as `full`.
  //
  // Tokenizing the prompt was then most of the rest: the text before the
  // content is the same every time. llama.cpp splits a prompt at special
  // tokens and tokenizes the pieces between them on their own, so the
  // tokens of the text up to the last special token before the content are
  // kept (`head`) and only the text after it is tokenized per request; used
  // when that gives the full tokenization's tokens for the first content and
  // the probe.
  struct Frame {
    std::string before, after;
    bool usable = false;
    std::vector<llama_token> head;  // tokens of before[0, cut), BOS included
    size_t cut = 0;                 // 0: tokenize the whole prompt
  };
  Frame MakeFrame(const ChatRequest& request, const std::string& content, const std::string& full) {
    static const std::string kProbe = "  Probe: {\"a\"}\n'<b>' & MiXeD {{x}} \n ";
    Frame f;
    std::vector<ChatMessage> messages = request.messages;
    messages.back().content = kProbe;
    Result<std::string> probe = RenderJinja(request.chat_template, messages);
    if (!probe.ok()) return f;
    const size_t at = probe->find(kProbe);
    if (at == std::string::npos || probe->find(kProbe, at + 1) != std::string::npos) return f;
    f.before = probe->substr(0, at);
    f.after = probe->substr(at + kProbe.size());
    f.usable = f.before + content + f.after == full;
    if (f.usable) SplitTokens(&f, {full, *probe});
    return f;
  }

  // llama.cpp's tokenizer, its time counted (ComputeSeconds).
  std::vector<llama_token> Tokenize(const std::string& text, bool add_special) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<llama_token> tokens =
        common_tokenize(decoder_->model().vocab(), text, add_special, /*parse_special=*/true);
    tokenize_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return tokens;
  }

  // Sets f->head and f->cut (see Frame) when they give the whole prompt's
  // tokens for every one of `prompts`. Cuts are tried next to special tokens
  // (before or after each one, the latest first): a special token can strip
  // the whitespace beside it, so not every cut gives the same tokens.
  void SplitTokens(Frame* f, const std::vector<std::string>& prompts) {
    const llama_vocab* vocab = decoder_->model().vocab();
    const std::vector<llama_token> tokens = Tokenize(f->before, true);
    std::vector<std::vector<llama_token>> whole;
    for (const std::string& prompt : prompts) whole.push_back(Tokenize(prompt, true));
    // Where each special token's text is in `before`: found from the end,
    // as the pieces of other tokens need not spell the text (a space prefix).
    const bool bos =
        !tokens.empty() && llama_vocab_get_add_bos(vocab) && tokens[0] == llama_vocab_bos(vocab);
    constexpr int kTries = 6;
    int tries = 0;
    size_t limit = f->before.size();
    for (size_t i = tokens.size(); i-- > (bos ? 1 : 0) && tries < kTries;) {
      const auto attr = llama_vocab_get_attr(vocab, tokens[i]);
      if ((attr & (LLAMA_TOKEN_ATTR_CONTROL | LLAMA_TOKEN_ATTR_USER_DEFINED)) == 0) continue;
      const std::string piece = common_token_to_piece(vocab, tokens[i], /*special=*/true);
      if (piece.empty() || piece.size() > limit) return;
      const size_t at = f->before.rfind(piece, limit - piece.size());
      if (at == std::string::npos) return;
      limit = at;
      const std::pair<size_t, size_t> cuts[] = {{i + 1, at + piece.size()}, {i, at}};
      for (const auto& [k, cut] : cuts) {
        if (cut == 0 || tries++ >= kTries) continue;
        if (CutWorks(tokens, k, cut, prompts, whole)) {
          f->head.assign(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(k));
          f->cut = cut;
          return;
        }
      }
    }
  }

  bool CutWorks(const std::vector<llama_token>& tokens, size_t k, size_t cut,
                const std::vector<std::string>& prompts,
                const std::vector<std::vector<llama_token>>& whole) {
    for (size_t p = 0; p < prompts.size(); ++p) {
      std::vector<llama_token> split(tokens.begin(),
                                     tokens.begin() + static_cast<std::ptrdiff_t>(k));
      const std::vector<llama_token> tail = Tokenize(prompts[p].substr(cut), false);
      split.insert(split.end(), tail.begin(), tail.end());
      if (split != whole[p]) return false;
    }
    return true;
  }

  Result<std::string> RenderJinja(const std::string& chat_template,
                                  const std::vector<ChatMessage>& messages) {
    CENTAUR_ASSIGN_OR_RETURN(const common_chat_templates* templates, Templates(chat_template));
    common_chat_templates_inputs inputs;
    inputs.use_jinja = true;
    inputs.add_generation_prompt = true;
    for (const ChatMessage& m : messages) {
      common_chat_msg msg;
      msg.role = m.role;
      msg.content = m.content;
      inputs.messages.push_back(std::move(msg));
    }
    try {
      return common_chat_templates_apply(templates, inputs).prompt;
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string("local model: the chat template failed: ") + e.what());
    }
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
  std::unique_ptr<ShardedDecoder> decoder_;
  std::unique_ptr<LocalEmbedder> embedder_;  // its context is created on first use
  std::map<std::string, common_chat_templates_ptr> templates_;
  std::map<std::string, std::string> grammars_;
  double tokenize_s_ = 0;                // in llama.cpp's tokenizer (ComputeSeconds)
  std::map<std::string, Frame> frames_;  // Render: by the conversation but its last content
  static constexpr size_t kMaxFrames = 256;
};

}  // namespace

LocalComputeTime LocalCompute(const Provider& provider) {
  const auto* local = dynamic_cast<const LocalProvider*>(&provider);
  return local != nullptr ? local->Compute() : LocalComputeTime{};
}

Result<std::unique_ptr<Provider>> NewLocalProvider(const std::string& model,
                                                   const DecoderOptions& options) {
  CENTAUR_ASSIGN_OR_RETURN(std::string path, ResolveLocalModel(model));
  CENTAUR_ASSIGN_OR_RETURN(std::shared_ptr<LocalModel> loaded, LocalModel::Load(path));
  EmbedderOptions embed;
  embed.threads = options.threads;
  auto embedder = std::make_unique<LocalEmbedder>(loaded, embed);
  CENTAUR_ASSIGN_OR_RETURN(std::unique_ptr<ShardedDecoder> decoder,
                           ShardedDecoder::Create(std::move(loaded), options));
  return std::unique_ptr<Provider>(
      new LocalProvider(model, std::move(decoder), std::move(embedder)));
}

}  // namespace centaur
