// The CSV reader is written by hand: no Debian package offers a streaming C++
// CSV reader that reports line:column errors, and RFC 4180 is small.
#include "core/records.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "core/utf8.h"

namespace centaur {
namespace {

// Big enough that per-read overhead vanishes, small enough not to matter.
constexpr size_t kChunkSize = size_t{1} << 20;

std::string ErrnoText(int err) {
  char buf[256];
  return strerror_r(err, buf, sizeof buf);  // GNU variant: returns the text
}

Error IoError(const std::string& path, const char* what, int err) {
  return MakeError(ErrorCode::kIo, path + ": " + what + ": " + ErrnoText(err));
}

Error InvalidAt(const std::string& path, int line, int col, std::string_view what) {
  std::string msg = path;
  msg += ':';
  msg += std::to_string(line);
  if (col > 0) {
    msg += ':';
    msg += std::to_string(col);
  }
  msg += ": ";
  msg += what;
  return MakeError(ErrorCode::kInvalidArgument, std::move(msg));
}

bool HasBom(std::string_view s) { return s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF"; }

// Incremental UTF-8 validation (Unicode table 3-7: no overlongs, surrogates
// or code points past U+10FFFF), fed one byte at a time across chunks.
class Utf8Checker {
 public:
  bool pending() const { return need_ > 0; }
  bool Step(unsigned char c) {
    if (need_ == 0) {
      utf8::Lead lead = utf8::LeadByte(c);
      if (lead.continuation < 0) return false;
      need_ = lead.continuation;
      lo_ = lead.lo;
      hi_ = lead.hi;
      return true;
    }
    if (c < lo_ || c > hi_) return false;
    --need_;
    lo_ = 0x80;
    hi_ = 0xBF;
    return true;
  }

 private:
  int need_ = 0;
  unsigned char lo_ = 0x80;
  unsigned char hi_ = 0xBF;
};

// 1-based column (in characters) of the character starting at byte `offset`
// of `line`, which is valid UTF-8 up to there.
int CharColumn(std::string_view line, size_t offset) {
  if (offset > line.size()) offset = line.size();
  int col = 1;
  for (size_t i = 0; i < offset; ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++col;
  }
  return col;
}

// Byte offset of the first invalid UTF-8 sequence, or npos.
size_t FindInvalidUtf8(std::string_view s) {
  Utf8Checker utf8;
  size_t lead = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!utf8.pending()) lead = i;
    if (!utf8.Step(static_cast<unsigned char>(s[i]))) return lead;
  }
  return utf8.pending() ? lead : std::string_view::npos;
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line
// 1, column 5: syntax error ..."; keep only what comes after the position.
std::string TrimJsonError(const std::string& what) {
  size_t col = what.find("column ");
  if (col != std::string::npos) {
    size_t colon = what.find(": ", col);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

const char* JsonTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "number";
  }
}

// Bytes that need no attention inside a field: plain ASCII other than the
// delimiters, quote and line breaks. Lets the scanner copy runs at once.
struct ByteClasses {
  bool plain_unquoted[256] = {};
  bool plain_quoted[256] = {};
  constexpr ByteClasses() {
    for (int c = 0; c < 0x80; ++c) {
      plain_quoted[c] = c != '"' && c != '\n' && c != '\r';
      plain_unquoted[c] = plain_quoted[c] && c != ',';
    }
  }
};
constexpr ByteClasses kClasses;

// RFC 4180 as a byte-at-a-time state machine, so input can arrive in chunks.
// Lines are counted at '\n', at '\r\n' once, and at a lone '\r'. Columns count
// characters, 1-based. Blank lines are skipped (as Python's DictReader does).
class CsvParser {
 public:
  CsvParser(const std::string& path, const RecordCallback& on_record)
      : path_(path), on_record_(on_record) {}

  Status Feed(std::string_view chunk) {
    if (!started_) {
      started_ = true;
      if (HasBom(chunk)) chunk.remove_prefix(3);
    }
    const char* p = chunk.data();
    const char* end = p + chunk.size();
    while (p < end) {
      const unsigned char c = static_cast<unsigned char>(*p);
      // Fast path: copy a run of plain bytes into the current field.
      if (state_ == State::kUnquoted || state_ == State::kQuoted) {
        const bool* plain =
            state_ == State::kQuoted ? kClasses.plain_quoted : kClasses.plain_unquoted;
        if (plain[c] && !utf8_.pending()) {
          const char* run = p;
          while (p < end && plain[static_cast<unsigned char>(*p)]) ++p;
          field_.append(run, p - run);
          col_ += static_cast<int>(p - run);
          prev_cr_ = false;
          continue;
        }
      }
      CENTAUR_RETURN_IF_ERROR(Step(c));
      ++p;
    }
    return OkStatus();
  }

  Status Finish() {
    if (utf8_.pending()) return InvalidAt(path_, utf8_line_, utf8_col_, "invalid UTF-8");
    switch (state_) {
      case State::kQuoted:
        return InvalidAt(path_, field_line_, field_col_, "unterminated quoted field");
      case State::kFieldStart:
      case State::kUnquoted:
      case State::kQuotedQuote:
        CENTAUR_RETURN_IF_ERROR(EndField());
        CENTAUR_RETURN_IF_ERROR(EndRecord());
        break;
      case State::kRecordStart:
      case State::kAfterCr:
        break;
    }
    if (!have_header_) {
      return MakeError(ErrorCode::kInvalidArgument, path_ + ": empty file (no header row)");
    }
    return OkStatus();
  }

 private:
  enum class State { kRecordStart, kFieldStart, kUnquoted, kQuoted, kQuotedQuote, kAfterCr };

  Status Step(unsigned char c) {
    // Position bookkeeping: a continuation byte belongs to the character
    // already counted.
    if (!utf8_.pending()) {
      ++col_;
      if (c >= 0x80) {
        utf8_line_ = line_;
        utf8_col_ = col_;
      }
    }
    if (!utf8_.Step(c)) return InvalidAt(path_, utf8_line_, utf8_col_, "invalid UTF-8");
    if (utf8_.pending() && c < 0x80) {
      return InvalidAt(path_, utf8_line_, utf8_col_, "invalid UTF-8");
    }
    CENTAUR_RETURN_IF_ERROR(Dispatch(c));
    if (c == '\n') {
      if (!prev_cr_) ++line_;
      col_ = 0;
      prev_cr_ = false;
    } else if (c == '\r') {
      ++line_;
      col_ = 0;
      prev_cr_ = true;
    } else {
      prev_cr_ = false;
    }
    return OkStatus();
  }

  Status Dispatch(unsigned char c) {
    switch (state_) {
      case State::kAfterCr:
        state_ = State::kRecordStart;
        if (c == '\n') return OkStatus();  // the LF of a CRLF
        [[fallthrough]];
      case State::kRecordStart:
        if (c == '\n') return OkStatus();  // blank line
        if (c == '\r') {
          state_ = State::kAfterCr;
          return OkStatus();
        }
        record_line_ = line_;
        field_count_ = 0;
        state_ = State::kFieldStart;
        [[fallthrough]];
      case State::kFieldStart:
        field_line_ = line_;
        field_col_ = col_;
        field_.clear();
        switch (c) {
          case '"':
            state_ = State::kQuoted;
            return OkStatus();
          case ',':
            return EndField();
          case '\n':
          case '\r':
            return EndLine(c);
          default:
            field_.push_back(static_cast<char>(c));
            state_ = State::kUnquoted;
            return OkStatus();
        }
      case State::kUnquoted:
        switch (c) {
          case ',':
            state_ = State::kFieldStart;
            return EndField();
          case '\n':
          case '\r':
            return EndLine(c);
          case '"':
            return InvalidAt(path_, line_, col_, "quote inside an unquoted field");
          default:
            field_.push_back(static_cast<char>(c));
            return OkStatus();
        }
      case State::kQuoted:
        if (c == '"') {
          state_ = State::kQuotedQuote;
        } else {
          field_.push_back(static_cast<char>(c));
        }
        return OkStatus();
      case State::kQuotedQuote:
        switch (c) {
          case '"':
            field_.push_back('"');
            state_ = State::kQuoted;
            return OkStatus();
          case ',':
            state_ = State::kFieldStart;
            return EndField();
          case '\n':
          case '\r':
            return EndLine(c);
          default:
            return InvalidAt(path_, line_, col_, "unexpected character after closing quote");
        }
    }
    return OkStatus();
  }

  Status EndLine(unsigned char c) {
    CENTAUR_RETURN_IF_ERROR(EndField());
    state_ = c == '\r' ? State::kAfterCr : State::kRecordStart;
    return EndRecord();
  }

  Status EndField() {
    state_ = State::kFieldStart;
    if (!have_header_) {
      header_pos_.emplace_back(field_line_, field_col_);
    }
    if (field_count_ < fields_.size()) {
      fields_[field_count_].swap(field_);
    } else {
      fields_.push_back(std::move(field_));
    }
    field_.clear();
    ++field_count_;
    return OkStatus();
  }

  Status EndRecord() {
    if (!have_header_) return TakeHeader();
    if (field_count_ != names_.size()) {
      std::string what = "row has " + std::to_string(field_count_) +
                         (field_count_ == 1 ? " field" : " fields") + ", the header has " +
                         std::to_string(names_.size());
      return InvalidAt(path_, record_line_, 0, what);
    }
    Record record;
    record.fields = Json::object();
    auto& object = record.fields.get_ref<Json::object_t&>();
    for (size_t i = 0; i < field_count_; ++i) {
      object.emplace(names_[i], std::move(fields_[i]));
      fields_[i].clear();
    }
    record.line = record_line_;
    return on_record_(record);
  }

  Status TakeHeader() {
    std::unordered_set<std::string_view> seen;
    for (size_t i = 0; i < field_count_; ++i) {
      const auto [line, col] = header_pos_[i];
      if (fields_[i].empty()) return InvalidAt(path_, line, col, "empty column name in header");
      if (!seen.insert(fields_[i]).second) {
        return InvalidAt(path_, line, col, "duplicate column name \"" + fields_[i] + "\"");
      }
    }
    names_.assign(fields_.begin(), fields_.begin() + static_cast<std::ptrdiff_t>(field_count_));
    have_header_ = true;
    header_pos_.clear();
    return OkStatus();
  }

  const std::string& path_;
  const RecordCallback& on_record_;
  bool started_ = false;
  State state_ = State::kRecordStart;
  int line_ = 1;
  int col_ = 0;  // column of the last character consumed
  bool prev_cr_ = false;
  Utf8Checker utf8_;
  int utf8_line_ = 0;
  int utf8_col_ = 0;
  int record_line_ = 0;
  int field_line_ = 0;
  int field_col_ = 0;
  std::string field_;
  std::vector<std::string> fields_;  // reused across rows to keep their buffers
  size_t field_count_ = 0;
  bool have_header_ = false;
  std::vector<std::string> names_;
  std::vector<std::pair<int, int>> header_pos_;
};

// JSONL: lines are cut at '\n' (a trailing '\r' is dropped) and parsed one by
// one; only a partial last line is carried between chunks.
class JsonlParser {
 public:
  JsonlParser(const std::string& path, const RecordCallback& on_record)
      : path_(path), on_record_(on_record) {}

  Status Feed(std::string_view chunk) {
    while (!chunk.empty()) {
      size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        carry_.append(chunk);
        return OkStatus();
      }
      if (carry_.empty()) {
        CENTAUR_RETURN_IF_ERROR(Line(chunk.substr(0, nl)));
      } else {
        carry_.append(chunk.substr(0, nl));
        CENTAUR_RETURN_IF_ERROR(Line(carry_));
        carry_.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
    return OkStatus();
  }

  Status Finish() {
    if (!carry_.empty()) CENTAUR_RETURN_IF_ERROR(Line(carry_));
    return OkStatus();
  }

 private:
  Status Line(std::string_view line) {
    const int line_no = ++line_no_;
    if (line_no == 1 && HasBom(line)) line.remove_prefix(3);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return OkStatus();
    size_t bad = FindInvalidUtf8(line);
    if (bad != std::string_view::npos) {
      return InvalidAt(path_, line_no, CharColumn(line, bad), "invalid UTF-8");
    }
    Record record;
    try {
      record.fields = Json::parse(line.begin(), line.end());
    } catch (const Json::parse_error& e) {
      // e.byte counts bytes read, so the offending one is at e.byte - 1.
      const size_t at = e.byte > 0 ? e.byte - 1 : 0;
      return InvalidAt(path_, line_no, CharColumn(line, at),
                       "invalid JSON: " + TrimJsonError(e.what()));
    } catch (const std::exception& e) {
      return InvalidAt(path_, line_no, 0, std::string("invalid JSON: ") + e.what());
    }
    if (!record.fields.is_object()) {
      return InvalidAt(path_, line_no, 0,
                       std::string("expected a JSON object, got ") + JsonTypeName(record.fields));
    }
    record.line = line_no;
    return on_record_(record);
  }

  const std::string& path_;
  const RecordCallback& on_record_;
  std::string carry_;
  int line_no_ = 0;
};

// Streams the file at `path` through `parser` in chunks.
template <typename Parser>
Status ReadChunked(const std::string& path, Parser& parser) {
  std::FILE* f = std::fopen(path.c_str(), "rbe");  // e: O_CLOEXEC (glibc)
  if (f == nullptr) return IoError(path, "cannot open", errno);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(f, &std::fclose);
  std::string buf(kChunkSize, '\0');
  while (true) {
    size_t n = std::fread(buf.data(), 1, buf.size(), f);
    if (n > 0) CENTAUR_RETURN_IF_ERROR(parser.Feed(std::string_view(buf.data(), n)));
    if (n < buf.size()) {
      if (std::ferror(f)) return IoError(path, "read failed", errno);
      break;
    }
  }
  return parser.Finish();
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char c = s[s.size() - suffix.size() + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

}  // namespace

Status ParseCsv(std::string_view text, const std::string& path_for_errors,
                const RecordCallback& on_record) {
  CsvParser parser(path_for_errors, on_record);
  CENTAUR_RETURN_IF_ERROR(parser.Feed(text));
  return parser.Finish();
}

Status ReadCsvFile(const std::string& path, const RecordCallback& on_record) {
  CsvParser parser(path, on_record);
  return ReadChunked(path, parser);
}

Status ParseJsonl(std::string_view text, const std::string& path_for_errors,
                  const RecordCallback& on_record) {
  JsonlParser parser(path_for_errors, on_record);
  CENTAUR_RETURN_IF_ERROR(parser.Feed(text));
  return parser.Finish();
}

Status ReadJsonlFile(const std::string& path, const RecordCallback& on_record) {
  JsonlParser parser(path, on_record);
  return ReadChunked(path, parser);
}

Status ReadRecordsFile(const std::string& path, const RecordCallback& on_record) {
  if (EndsWith(path, ".csv")) return ReadCsvFile(path, on_record);
  if (EndsWith(path, ".jsonl") || EndsWith(path, ".ndjson")) return ReadJsonlFile(path, on_record);
  return MakeError(ErrorCode::kInvalidArgument,
                   path + ": unsupported file type (expected .csv or .jsonl)");
}

Result<std::string> ReadFileToString(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(path, "cannot open", errno);
  std::string out;
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return IoError(path, "read failed", err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  // The temp file lives next to the target so rename() stays on one file
  // system and is atomic; open() with 0666 lets the umask decide the mode.
  static std::atomic<uint64_t> counter{0};
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100; ++attempt) {
    tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) break;
  }
  if (fd < 0) return IoError(path, "cannot write", errno);
  auto fail = [&](const char* what, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return IoError(path, what, err);
  };
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write failed", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) return fail("fsync failed", errno);
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return IoError(path, "write failed", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return IoError(path, "cannot rename into place", err);
  }
  // Make the rename itself durable; failing here loses nothing written.
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return OkStatus();
}

}  // namespace centaur
