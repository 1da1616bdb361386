// The in-process local engine, measured (a plain main: bench/run_bench.py
// drives it and sets llama-server beside it).
//
//   local_bench decode MODEL.gguf TASK.yaml INPUTS.jsonl [--parallel N] [--ctx N]
//                      [--threads N] [--requests-out FILE] [--outputs-out FILE]
//     Constrained decoding throughput: every input's request is submitted to
//     the local provider at once and decoded N sequences at a time with
//     `--ctx` tokens of context per sequence. Prints one JSON object (items,
//     prompt/output tokens, wall and compute seconds, output tokens/s).
//     --requests-out writes each request as the OpenAI chat completions body
//     the `openai:` provider would send, one per line, so another server can
//     be given exactly the same prompts and schema. --outputs-out writes the
//     output texts, one JSON string per line in input order.
//
//   local_bench overhead MODEL.gguf TASK.yaml INPUTS.jsonl [--parallel N] [--ctx N]
//                        [--threads N]
//     Runner::Run over the inputs with a temporary SQLite store: the share of
//     the engine's work (rendering, parsing, validation, the store) in the
//     run. With one shard the engine and the model take turns on one thread:
//     overhead_fraction is the wall time of Run outside
//     Provider::ComputeSeconds() (llama_decode, sampling, the tokenizer) over
//     the wall time. When the model decodes on threads of its own
//     (sharded_decoder.h), the engine's work overlaps decoding and takes CPU
//     from it instead: overhead_fraction is the CPU time of the thread that
//     called Run, less the tokenizer's, over the whole process's.
//
// INPUTS.jsonl: one object of task inputs per line.
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "engine/runner.h"
#include "llm/pricing.h"
#include "local/local_provider.h"
#include "prompt/task.h"
#include "store/store.h"

namespace centaur {
namespace {

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "local_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.error().message);
  return std::move(r).value();
}

// CPU seconds of the calling thread, or of the whole process.
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

double SecondsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

struct Args {
  std::string mode, model, task, inputs, requests_out, outputs_out;
  int parallel = 8;
  int ctx = DecoderOptions::kDefaultContextPerSequence;
  int threads = 0;
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(s + " needs a value");
      return argv[++i];
    };
    if (s == "--parallel") {
      a.parallel = std::stoi(value());
    } else if (s == "--ctx") {
      a.ctx = std::stoi(value());
    } else if (s == "--threads") {
      a.threads = std::stoi(value());
    } else if (s == "--requests-out") {
      a.requests_out = value();
    } else if (s == "--outputs-out") {
      a.outputs_out = value();
    } else if (s.rfind("--", 0) == 0) {
      Die("unknown flag " + s);
    } else {
      positional.push_back(s);
    }
  }
  if (positional.size() != 4) {
    Die("usage: local_bench decode|overhead MODEL.gguf TASK.yaml INPUTS.jsonl [--parallel N] "
        "[--ctx N] [--threads N] [--requests-out FILE] [--outputs-out FILE]");
  }
  a.mode = positional[0];
  a.model = positional[1];
  a.task = positional[2];
  a.inputs = positional[3];
  return a;
}

std::vector<Json> ReadInputs(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  std::vector<Json> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) Die(path + ": a line is not a JSON object");
    out.push_back(std::move(j));
  }
  return out;
}

std::unique_ptr<Provider> OpenLocal(const Args& a) {
  DecoderOptions options;
  options.parallel = a.parallel;
  options.context_per_sequence = a.ctx;
  options.threads = a.threads;
  return Must(NewLocalProvider(a.model, options), "local provider");
}

// The chat completions body the openai: provider sends for `r` (json_schema
// response format).
OrderedJson OpenAIBody(const ChatRequest& r) {
  OrderedJson messages = OrderedJson::array();
  for (const ChatMessage& m : r.messages) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  OrderedJson body = {{"model", r.model},
                      {"messages", std::move(messages)},
                      {"temperature", r.params.temperature},
                      {"max_tokens", r.params.max_tokens}};
  if (r.params.seed.has_value()) body["seed"] = *r.params.seed;
  if (r.schema) {
    body["response_format"] = {
        {"type", "json_schema"},
        {"json_schema", {{"name", r.schema_name}, {"strict", true}, {"schema", r.schema->json}}}};
  }
  return body;
}

int Decode(const Args& a) {
  Task task = Must(LoadTask(a.task), "task");
  std::vector<ChatRequest> requests;
  for (const Json& input : ReadInputs(a.inputs)) {
    requests.push_back(Must(BuildRequest(task, input, "bench"), "request"));
  }
  if (!a.requests_out.empty()) {
    std::ofstream out(a.requests_out);
    for (const ChatRequest& r : requests) out << OpenAIBody(r).dump() << "\n";
    if (!out) Die("cannot write " + a.requests_out);
  }
  std::unique_ptr<Provider> provider = OpenLocal(a);

  int64_t prompt_tokens = 0, output_tokens = 0;
  int ok = 0, failed = 0;
  std::vector<std::string> texts(requests.size());
  const auto start = SteadyClock::now();
  for (size_t i = 0; i < requests.size(); ++i) {
    provider->Submit(std::move(requests[i]), [&, i](Result<ChatResponse> resp) {
      if (!resp.ok()) {
        ++failed;
        std::fprintf(stderr, "local_bench: %s\n", resp.error().message.c_str());
        return;
      }
      ++ok;
      prompt_tokens += resp->usage.input_tokens;
      output_tokens += resp->usage.output_tokens;
      texts[i] = std::move(resp->text);
    });
  }
  while (provider->Poll(1000) > 0) {
  }
  const double wall = SecondsSince(start);
  OrderedJson out = {{"items", ok},
                     {"failed", failed},
                     {"parallel", a.parallel},
                     {"ctx_per_sequence", a.ctx},
                     {"prompt_tokens", prompt_tokens},
                     {"output_tokens", output_tokens},
                     {"wall_s", wall},
                     {"compute_s", provider->ComputeSeconds()},
                     {"output_tokens_per_s", static_cast<double>(output_tokens) / wall}};
  std::puts(out.dump().c_str());
  if (!a.outputs_out.empty()) {
    std::ofstream f(a.outputs_out);
    for (const std::string& t : texts) f << Json(t).dump() << "\n";
    if (!f) Die("cannot write " + a.outputs_out);
  }
  return failed == 0 ? 0 : 1;
}

int Overhead(const Args& a) {
  Task task = Must(LoadTask(a.task), "task");
  std::vector<Item> items;
  for (const Json& input : ReadInputs(a.inputs)) {
    Item item;
    item.id = fmt::format("i{}", items.size());
    item.input = input;
    item.split = "val";
    items.push_back(std::move(item));
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "centaur_bench_XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp failed");
  const std::string dir = tmpl;
  int rc = 0;
  {
    std::unique_ptr<Store> store = Must(OpenSqliteStore(dir + "/bench.db"), "store");
    DatasetInfo dataset = Must(store->CreateDataset("bench", a.inputs, items), "dataset");
    std::unique_ptr<Provider> provider = OpenLocal(a);
    PriceTable prices = PriceTable::Default();
    Runner runner(store.get(), provider.get(), &prices, RealClock());
    ModelRef model{"local", a.model};
    RunOptions options;
    options.concurrency = a.parallel;
    const auto start = SteadyClock::now();
    const double thread_cpu0 = ThreadCpuSeconds(), process_cpu0 = ProcessCpuSeconds();
    RunSummary summary = Must(runner.Run(task, model, dataset, options), "run");
    const double wall = SecondsSince(start);
    const double thread_cpu = ThreadCpuSeconds() - thread_cpu0;
    const double process_cpu = ProcessCpuSeconds() - process_cpu0;
    const double compute = provider->ComputeSeconds();
    // The model's seconds on the thread that called Run: decoding too when
    // it is not on threads of its own.
    const LocalComputeTime split = LocalCompute(*provider);
    const double caller_model =
        split.tokenize_s + split.embed_s + (split.shards == 1 ? split.decode_s : 0);
    const double engine_cpu = thread_cpu - caller_model;
    const int64_t n = summary.progress.succeeded + summary.progress.failed;
    // Sharded, the engine's work overlaps decoding: its cost is the CPU it
    // takes from the shards, and the model's stalls are the wall time when
    // no shard decoded.
    const bool sharded = split.shards > 1;
    const double stall = wall - (sharded ? split.decode_s : compute);
    const double engine_s = sharded ? engine_cpu : wall - compute;
    OrderedJson out = {{"items", n},
                       {"succeeded", summary.progress.succeeded},
                       {"calls", summary.progress.calls},
                       {"parallel", a.parallel},
                       {"shards", split.shards},
                       {"output_tokens", summary.progress.output_tokens},
                       {"wall_s", wall},
                       {"compute_s", compute},
                       {"stall_fraction", stall / wall},
                       {"engine_cpu_s", engine_s},
                       {"process_cpu_s", process_cpu},
                       {"overhead_fraction", sharded ? engine_cpu / process_cpu : stall / wall},
                       {"overhead_ms_per_item", n > 0 ? 1000 * engine_s / n : 0.0}};
    std::puts(out.dump().c_str());
    if (summary.progress.succeeded != static_cast<int64_t>(items.size())) rc = 1;
  }
  std::filesystem::remove_all(dir);
  return rc;
}

}  // namespace
}  // namespace centaur

int main(int argc, char** argv) {
  centaur::Args a = centaur::ParseArgs(argc, argv);
  if (a.mode == "decode") return centaur::Decode(a);
  if (a.mode == "overhead") return centaur::Overhead(a);
  centaur::Die("unknown mode " + a.mode + " (decode or overhead)");
}
