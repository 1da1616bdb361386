// The JSON reader behind ParseModelJson() (see json_reader.h). The fast
// reader gives up on anything it is not sure of (a syntax error, a duplicate
// key, a number that overflows, a lone surrogate, deep nesting) and nlohmann
// parses the text again. tests/core/schema_test.cc checks the two agree on
// mutated input.
#include "core/json_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "core/utf8.h"

namespace centaur {
namespace {

// String bytes that need no attention: printable ASCII but '"' and '\\'.
struct PlainStringBytes {
  bool plain[256] = {};
  constexpr PlainStringBytes() {
    for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  }
};
constexpr PlainStringBytes kPlainStringBytes;

class FastJsonReader {
 public:
  FastJsonReader(const char* begin, const char* end) : p_(begin), end_(end) {}

  bool Read(Json* out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 64;

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Value(Json* out, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return Object(out, depth);
      case '[':
        return Array(out, depth);
      case '"': {
        std::string s;
        if (!String(&s)) return false;
        *out = std::move(s);
        return true;
      }
      case 't':
        *out = true;
        return Literal("true");
      case 'f':
        *out = false;
        return Literal("false");
      case 'n':
        *out = nullptr;
        return Literal("null");
      default:
        return Number(out);
    }
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  bool Object(Json* out, int depth) {
    if (depth >= kMaxDepth) return false;
    ++p_;
    *out = Json::object();
    auto& object = out->get_ref<Json::object_t&>();
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    std::string key;
    while (true) {
      SkipSpace();
      if (p_ == end_ || *p_ != '"') return false;
      key.clear();
      if (!String(&key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      auto [it, inserted] = object.emplace(std::move(key), nullptr);
      if (!inserted) return false;  // nlohmann's rule for duplicates applies
      if (!Value(&it->second, depth + 1)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != '}') return false;
      ++p_;
      return true;
    }
  }

  bool Array(Json* out, int depth) {
    if (depth >= kMaxDepth) return false;
    ++p_;
    *out = Json::array();
    auto& array = out->get_ref<Json::array_t&>();
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      SkipSpace();
      array.emplace_back();
      if (!Value(&array.back(), depth + 1)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != ']') return false;
      ++p_;
      return true;
    }
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool Hex4(unsigned* out) {
    if (end_ - p_ < 4) return false;
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = Hex(p_[i]);
      if (h < 0) return false;
      v = v * 16 + static_cast<unsigned>(h);
    }
    p_ += 4;
    *out = v;
    return true;
  }

  static void AppendUtf8(unsigned cp, std::string* s) {
    if (cp < 0x80) {
      s->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      s->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      s->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      s->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Length of the well-formed UTF-8 sequence at p_ (Unicode table 3-7), or 0.
  size_t Utf8Sequence() const {
    const auto* u = reinterpret_cast<const unsigned char*>(p_);
    const size_t left = static_cast<size_t>(end_ - p_);
    const utf8::Lead lead = utf8::LeadByte(u[0]);
    if (lead.continuation <= 0) return 0;
    const size_t n = static_cast<size_t>(lead.continuation) + 1;
    const unsigned char lo = lead.lo, hi = lead.hi;
    if (left < n || u[1] < lo || u[1] > hi) return 0;
    for (size_t i = 2; i < n; ++i) {
      if (u[i] < 0x80 || u[i] > 0xBF) return 0;
    }
    return n;
  }

  bool String(std::string* s) {
    ++p_;  // the opening quote
    while (true) {
      const char* run = p_;
      while (p_ < end_ && kPlainStringBytes.plain[static_cast<unsigned char>(*p_)]) ++p_;
      s->append(run, static_cast<size_t>(p_ - run));
      if (p_ == end_) return false;
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (++p_ == end_) return false;
        const char e = *p_++;
        switch (e) {
          case '"':
            s->push_back('"');
            break;
          case '\\':
            s->push_back('\\');
            break;
          case '/':
            s->push_back('/');
            break;
          case 'b':
            s->push_back('\b');
            break;
          case 'f':
            s->push_back('\f');
            break;
          case 'n':
            s->push_back('\n');
            break;
          case 'r':
            s->push_back('\r');
            break;
          case 't':
            s->push_back('\t');
            break;
          case 'u': {
            unsigned cp;
            if (!Hex4(&cp)) return false;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              unsigned low;
              if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
              p_ += 2;
              if (!Hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            AppendUtf8(cp, s);
            break;
          }
          default:
            return false;
        }
        continue;
      }
      if (c < 0x20) return false;
      const size_t n = Utf8Sequence();
      if (n == 0) return false;
      s->append(p_, n);
      p_ += n;
    }
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  // RFC 8259 number grammar; integers become int64 (negative) or uint64,
  // as in nlohmann; an integer that overflows is left to nlohmann.
  bool Number(Json* out) {
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    } else {
      return false;
    }
    bool is_float = false;
    if (p_ < end_ && *p_ == '.') {
      is_float = true;
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_float = true;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (is_float) {
      double d;
      auto [ptr, ec] = std::from_chars(start, p_, d);
      if (ec != std::errc() || ptr != p_ || !std::isfinite(d)) return false;
      *out = d;
    } else if (*start == '-') {
      int64_t i;
      auto [ptr, ec] = std::from_chars(start, p_, i);
      if (ec != std::errc() || ptr != p_) return false;
      *out = i;
    } else {
      uint64_t u;
      auto [ptr, ec] = std::from_chars(start, p_, u);
      if (ec != std::errc() || ptr != p_) return false;
      *out = u;
    }
    return true;
  }

  const char* p_;
  const char* end_;
};

// Where the JSON starts and ends in model output: surrounding whitespace and
// one ``` fence (with any info string, e.g. ```json) are skipped.
std::pair<size_t, size_t> JsonBounds(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {text.size(), text.size()};
  size_t end = text.find_last_not_of(kSpace) + 1;
  if (text.substr(begin, 3) == "```") {
    size_t nl = text.find('\n', begin);
    if (nl != std::string_view::npos && nl < end &&
        text.substr(begin + 3, nl - begin - 3).find('`') == std::string_view::npos) {
      begin = nl + 1;
      if (end >= begin + 3 && text.substr(end - 3, 3) == "```") end -= 3;
    }
  }
  return {begin, std::max(begin, end)};
}

// "line L, column C: " for byte `at` of `text`; columns count characters.
std::string Position(std::string_view text, size_t at) {
  if (at > text.size()) at = text.size();
  int line = 1;
  int col = 1;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col) + ": ";
}

std::string TrimJsonError(const std::string& what) {
  size_t col = what.find("column ");
  if (col != std::string::npos) {
    size_t colon = what.find(": ", col);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

}  // namespace

Result<Json> ParseModelJson(std::string_view text) {
  const auto [begin, end] = JsonBounds(text);
  Json value;
  try {
    if (!FastJsonReader(text.data() + begin, text.data() + end).Read(&value)) {
      value = Json::parse(text.data() + begin, text.data() + end);
    }
  } catch (const Json::parse_error& e) {
    // e.byte counts the bytes read, so the one at fault is e.byte - 1.
    const size_t at = begin + (e.byte > 0 ? e.byte - 1 : 0);
    return MakeError(ErrorCode::kParse, Position(text, at) + TrimJsonError(e.what()));
  } catch (const std::exception& e) {
    // "number overflow parsing '1e400'" carries no position: find the number.
    std::string what = TrimJsonError(e.what());
    size_t open = what.find('\'');
    size_t close = what.rfind('\'');
    if (open != std::string::npos && close > open + 1) {
      std::string_view token = std::string_view(what).substr(open + 1, close - open - 1);
      size_t at = text.substr(0, end).find(token, begin);
      if (at != std::string_view::npos) {
        return MakeError(ErrorCode::kParse, Position(text, at) + what);
      }
    }
    return MakeError(ErrorCode::kParse, what);
  }
  return value;
}

}  // namespace centaur
