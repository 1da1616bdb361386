// The body of an OpenAI-compatible embeddings answer (POST {base}/embeddings),
// as OpenAI, vLLM, llama.cpp server and Ollama send it:
//   {"data": [{"index": 0, "embedding": [0.1, ...]}, ...],
//    "usage": {"prompt_tokens": 5, "total_tokens": 5}}
// Items are placed by their index (servers need not list them in order); an
// item without one takes its position.
#include <string>
#include <utility>
#include <vector>

#include "llm/openai_provider.h"

namespace centaur {
namespace provider_internal {
namespace {

std::string At(size_t i) { return "data[" + std::to_string(i) + "]"; }

// The numbers of data[i].embedding; an error reason when it is not a
// non-empty array of numbers.
Result<std::vector<float>> Vector(const OJson& item, size_t i) {
  const OJson* embedding = Field(item, "embedding");
  if (embedding == nullptr || !embedding->is_array()) {
    return MakeError(ErrorCode::kParse, At(i) + ".embedding is not an array of numbers");
  }
  if (embedding->empty()) return MakeError(ErrorCode::kParse, At(i) + ".embedding is empty");
  std::vector<float> v;
  v.reserve(embedding->size());
  for (const OJson& x : *embedding) {
    if (!x.is_number()) {
      return MakeError(ErrorCode::kParse, At(i) + ".embedding is not an array of numbers");
    }
    v.push_back(x.get<float>());
  }
  return v;
}

}  // namespace

Result<EmbedResponse> ParseOpenAIEmbeddings(const std::string& name, const std::string& raw,
                                            size_t inputs) {
  OJson body = OJson::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return MalformedBody(name, "not JSON");
  const OJson* data = Field(body, "data");
  if (data == nullptr || !data->is_array()) {
    const OJson* error = Field(body, "error");
    std::string why = error == nullptr     ? ""
                      : error->is_string() ? error->get<std::string>()
                                           : StringField(*error, "message");
    return MalformedBody(name,
                         why.empty() ? "no data array" : "no data array (error: " + why + ")");
  }
  if (data->size() != inputs) {
    return MalformedBody(name, "data has " + std::to_string(data->size()) + " embeddings for " +
                                   std::to_string(inputs) + " inputs");
  }
  EmbedResponse out;
  out.vectors.resize(inputs);
  for (size_t i = 0; i < inputs; ++i) {
    const OJson& item = (*data)[i];
    const OJson* index = Field(item, "index");
    size_t slot = i;
    if (index != nullptr) {
      if (!index->is_number_integer() || index->get<int64_t>() < 0 ||
          index->get<uint64_t>() >= inputs) {
        return MalformedBody(name, At(i) + ".index " + index->dump() +
                                       " is not an input index (0 to " +
                                       std::to_string(inputs - 1) + ")");
      }
      slot = index->get<size_t>();
    }
    if (!out.vectors[slot].empty()) {
      return MalformedBody(name, At(i) + ".index " + std::to_string(slot) + " appears twice");
    }
    Result<std::vector<float>> v = Vector(item, i);
    if (!v.ok()) return MalformedBody(name, v.error().message);
    out.vectors[slot] = std::move(v).value();
  }
  for (size_t i = 0; i < inputs; ++i) {
    if (out.vectors[i].size() != out.vectors[0].size()) {
      return MalformedBody(
          name, "embedding " + std::to_string(i) + " has " + std::to_string(out.vectors[i].size()) +
                    " dimensions, embedding 0 has " + std::to_string(out.vectors[0].size()));
    }
    if (!L2Normalize(&out.vectors[i])) {
      return MalformedBody(name, "embedding " + std::to_string(i) +
                                     " cannot be scaled to unit length (zero or infinite)");
    }
  }
  if (const OJson* usage = Field(body, "usage")) {
    out.usage.input_tokens = IntField(*usage, "prompt_tokens");
  }
  return out;
}

}  // namespace provider_internal
}  // namespace centaur
