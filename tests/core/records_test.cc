#include "core/records.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace centaur {
namespace {

// Records as "LINE: {json}" lines, or "error: MESSAGE".
std::string Collect(Status (*parse)(std::string_view, const std::string&, const RecordCallback&),
                    std::string_view text) {
  std::string out;
  Status st = parse(text, "in.csv", [&](const Record& r) -> Status {
    out += std::to_string(r.line) + ": " + r.fields.dump() + "\n";
    return OkStatus();
  });
  if (!st.ok()) return "error: " + st.error().message;
  return out;
}

struct Case {
  const char* name;
  std::string input;
  std::string expected;
};

const Case kCsvCases[] = {
    {"simple", "text,label\nhello,a\nbye,b\n",
     "2: {\"label\":\"a\",\"text\":\"hello\"}\n3: {\"label\":\"b\",\"text\":\"bye\"}\n"},
    {"no_trailing_newline", "text,label\nhello,a", "2: {\"label\":\"a\",\"text\":\"hello\"}\n"},
    {"blank_trailing_line", "text,label\nhello,a\n\n", "2: {\"label\":\"a\",\"text\":\"hello\"}\n"},
    {"blank_lines_skipped", "text,label\n\nhello,a\n\r\n\nbye,b\n",
     "3: {\"label\":\"a\",\"text\":\"hello\"}\n6: {\"label\":\"b\",\"text\":\"bye\"}\n"},
    {"crlf", "text,label\r\nhello,a\r\nbye,b\r\n",
     "2: {\"label\":\"a\",\"text\":\"hello\"}\n3: {\"label\":\"b\",\"text\":\"bye\"}\n"},
    {"lone_cr_ends_a_line", "text,label\rhello,a\r", "2: {\"label\":\"a\",\"text\":\"hello\"}\n"},
    {"bom", "\xEF\xBB\xBFtext,label\nhello,a\n", "2: {\"label\":\"a\",\"text\":\"hello\"}\n"},
    {"quoted_comma", "text,label\n\"a, b\",x\n", "2: {\"label\":\"x\",\"text\":\"a, b\"}\n"},
    {"doubled_quotes", "text,label\n\"say \"\"hi\"\"\",x\n",
     "2: {\"label\":\"x\",\"text\":\"say \\\"hi\\\"\"}\n"},
    {"only_doubled_quote", "text,label\n\"\"\"\",x\n", "2: {\"label\":\"x\",\"text\":\"\\\"\"}\n"},
    {"empty_fields", "a,b,c\n,,\n\"\",x,\n",
     "2: {\"a\":\"\",\"b\":\"\",\"c\":\"\"}\n3: {\"a\":\"\",\"b\":\"x\",\"c\":\"\"}\n"},
    {"trailing_empty_field_at_eof", "a,b\nx,", "2: {\"a\":\"x\",\"b\":\"\"}\n"},
    // BANKING77-style: a quoted message with an embedded newline; the next
    // record starts two lines later.
    {"banking77_embedded_newline",
     "text,category\n\"My card still hasn't arrived.\nWhat should I do?\",card_arrival\n"
     "How do I top up?,top_up\n",
     "2: {\"category\":\"card_arrival\",\"text\":\"My card still hasn't arrived.\\nWhat should I "
     "do?\"}\n4: {\"category\":\"top_up\",\"text\":\"How do I top up?\"}\n"},
    {"embedded_crlf_kept", "text,label\r\n\"a\r\nb\",x\r\nc,y\r\n",
     "2: {\"label\":\"x\",\"text\":\"a\\r\\nb\"}\n4: {\"label\":\"y\",\"text\":\"c\"}\n"},
    {"utf8", "text,label\n\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\",x\n",
     "2: {\"label\":\"x\",\"text\":\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"}\n"},
    {"spaces_kept", "a,b\n x , y \n", "2: {\"a\":\" x \",\"b\":\" y \"}\n"},
    {"header_only", "text,label\n", ""},
    {"header_only_no_newline", "text,label", ""},

    {"empty_file", "", "error: in.csv: empty file (no header row)"},
    {"only_bom", "\xEF\xBB\xBF", "error: in.csv: empty file (no header row)"},
    {"only_blank_lines", "\n\r\n\n", "error: in.csv: empty file (no header row)"},
    {"unterminated", "text,label\nok,a\n\"never closed,b\nmore\n",
     "error: in.csv:3:1: unterminated quoted field"},
    {"unterminated_second_field", "text,label\nok,\"x",
     "error: in.csv:2:4: unterminated quoted field"},
    {"after_closing_quote", "text,label\n\"abc\"d,x\n",
     "error: in.csv:2:6: unexpected character after closing quote"},
    {"space_after_closing_quote", "text,label\n\"abc\" ,x\n",
     "error: in.csv:2:6: unexpected character after closing quote"},
    {"quote_in_unquoted", "text,label\nab\"c,x\n",
     "error: in.csv:2:3: quote inside an unquoted field"},
    {"too_many_fields", "text,label\na,b\nc,d,e\n",
     "error: in.csv:3: row has 3 fields, the header has 2"},
    {"too_few_fields", "text,label\na\n", "error: in.csv:2: row has 1 field, the header has 2"},
    {"field_count_reports_record_start", "text,label\n\"multi\nline\",a,b\n",
     "error: in.csv:2: row has 3 fields, the header has 2"},
    {"empty_column_name", "text,,label\n", "error: in.csv:1:6: empty column name in header"},
    {"trailing_comma_in_header", "text,label,\n",
     "error: in.csv:1:12: empty column name in header"},
    {"duplicate_column", "text,label,text\n", "error: in.csv:1:12: duplicate column name \"text\""},
    {"invalid_utf8_lead", "text,label\nab\xFF,x\n", "error: in.csv:2:3: invalid UTF-8"},
    {"invalid_utf8_truncated", "text,label\n\"\xC3\",x\n", "error: in.csv:2:2: invalid UTF-8"},
    {"invalid_utf8_overlong", "text,label\n\xC0\xAF,x\n", "error: in.csv:2:1: invalid UTF-8"},
    {"invalid_utf8_surrogate", "text,label\nok,\xED\xA0\x80\n", "error: in.csv:2:4: invalid UTF-8"},
    {"invalid_utf8_at_eof", "text,label\nok,\xE2\x82", "error: in.csv:2:4: invalid UTF-8"},
    {"columns_count_characters", "text,label\n\xC3\xA9\xC3\xA9\"x,y\n",
     "error: in.csv:2:3: quote inside an unquoted field"},
    {"invalid_utf8_in_header", "te\x80xt\n", "error: in.csv:1:3: invalid UTF-8"},
};

TEST(CsvTest, Golden) {
  for (const Case& c : kCsvCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Collect(&ParseCsv, c.input), c.expected);
  }
}

TEST(CsvTest, ErrorsAreInvalidArgument) {
  Status st = ParseCsv("a\n\"x", "f.csv", [](const Record&) { return OkStatus(); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
}

TEST(CsvTest, CallbackErrorStopsReading) {
  int calls = 0;
  Status st = ParseCsv("a\n1\n2\n3\n", "f.csv", [&](const Record&) -> Status {
    ++calls;
    return MakeError(ErrorCode::kNotFound, "stop");
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(st.error().message, "stop");
  EXPECT_EQ(calls, 1);
}

const Case kJsonlCases[] = {
    {"simple", "{\"text\":\"a\",\"n\":1}\n{\"text\":\"b\",\"tags\":[1,2]}\n",
     "1: {\"n\":1,\"text\":\"a\"}\n2: {\"tags\":[1,2],\"text\":\"b\"}\n"},
    {"blank_lines_skipped", "\n{\"a\":1}\n   \n\t\n{\"a\":2}", "2: {\"a\":1}\n5: {\"a\":2}\n"},
    {"crlf", "{\"a\":1}\r\n{\"a\":2}\r\n", "1: {\"a\":1}\n2: {\"a\":2}\n"},
    {"bom", "\xEF\xBB\xBF{\"a\":1}\n", "1: {\"a\":1}\n"},
    {"empty", "", ""},
    {"not_object", "{\"a\":1}\n[1,2]\n", "error: in.csv:2: expected a JSON object, got array"},
    {"string_line", "\"hi\"\n", "error: in.csv:1: expected a JSON object, got string"},
    {"number_line", "3\n", "error: in.csv:1: expected a JSON object, got number"},
    {"bad_literal", "{\"a\":1}\n{\"a\": tru}\n",
     "error: in.csv:2:10: invalid JSON: syntax error while parsing value - invalid literal; last "
     "read: '\"a\": tru}'"},
    {"truncated", "{\"a\":",
     "error: in.csv:1:6: invalid JSON: syntax error while parsing value - unexpected end of "
     "input; expected '[', '{', or a literal"},
    {"column_in_characters", "{\"\xC3\xA9\": x}",
     "error: in.csv:1:7: invalid JSON: syntax error while parsing value - invalid literal; last "
     "read: '\"\xC3\xA9\": x'"},
    {"trailing_garbage", "{\"a\":1} x\n",
     "error: in.csv:1:9: invalid JSON: syntax error while parsing value - invalid literal; "
     "last read: '1} x'; expected end of input"},
    {"invalid_utf8", "{\"a\":\"ok\"}\n{\"a\":\"\xFF\"}\n", "error: in.csv:2:7: invalid UTF-8"},
};

TEST(JsonlTest, Golden) {
  for (const Case& c : kJsonlCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Collect(&ParseJsonl, c.input), c.expected);
  }
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "centaur_records_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteRaw(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::vector<Record> ReadAll(const std::string& path, Status* st) {
  std::vector<Record> out;
  *st = ReadRecordsFile(path, [&](const Record& r) {
    out.push_back(r);
    return OkStatus();
  });
  return out;
}

TEST(RecordsFileTest, PicksReaderByExtension) {
  TempDir dir;
  WriteRaw(dir.File("a.csv"), "text\nhi\n");
  WriteRaw(dir.File("a.jsonl"), "{\"text\":\"hi\"}\n");
  WriteRaw(dir.File("a.ndjson"), "{\"text\":\"hi\"}\n");
  WriteRaw(dir.File("A.CSV"), "text\nhi\n");
  for (const char* name : {"a.csv", "a.jsonl", "a.ndjson", "A.CSV"}) {
    SCOPED_TRACE(name);
    Status st;
    std::vector<Record> records = ReadAll(dir.File(name), &st);
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].fields, Json({{"text", "hi"}}));
    EXPECT_EQ(records[0].line, 1 + (std::string(name).find("sv") != std::string::npos ||
                                    std::string(name).find("SV") != std::string::npos));
  }
}

TEST(RecordsFileTest, Errors) {
  TempDir dir;
  WriteRaw(dir.File("data.txt"), "x");
  Status st;
  ReadAll(dir.File("data.txt"), &st);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.error().message,
            dir.File("data.txt") + ": unsupported file type (expected .csv or .jsonl)");

  ReadAll(dir.File("missing.csv"), &st);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_EQ(st.error().message,
            dir.File("missing.csv") + ": cannot open: No such file or directory");

  ReadAll(dir.File("missing.jsonl"), &st);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            dir.File("missing.jsonl") + ": cannot open: No such file or directory");

  WriteRaw(dir.File("bad.csv"), "a,b\n1,2\n3\n");
  ReadAll(dir.File("bad.csv"), &st);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, dir.File("bad.csv") + ":3: row has 1 field, the header has 2");
}

// Larger than one read chunk (1 MiB), with quoted fields, multi-byte
// characters and CRLFs falling on chunk boundaries somewhere.
TEST(RecordsFileTest, StreamsAcrossChunks) {
  TempDir dir;
  std::string csv = "id,text,label\r\n";
  std::string jsonl;
  const int kRows = 40000;
  for (int i = 0; i < kRows; ++i) {
    std::string text = "row " + std::to_string(i) + " caf\xC3\xA9 \xF0\x9F\x98\x80";
    csv += std::to_string(i) + ",\"" + text + ",\"\"quoted\"\"\nsecond line\"," +
           (i % 2 ? "a" : "b") + "\r\n";
    jsonl += Json({{"id", i}, {"text", text}}).dump() + "\n";
  }
  ASSERT_GT(csv.size(), 2u << 20);
  WriteRaw(dir.File("big.csv"), csv);
  WriteRaw(dir.File("big.jsonl"), jsonl);

  int count = 0;
  auto start = std::chrono::steady_clock::now();
  Status st = ReadRecordsFile(dir.File("big.csv"), [&](const Record& r) -> Status {
    if (r.line != 2 + 2 * count)
      return MakeError(ErrorCode::kInternal, "line " + std::to_string(r.line));
    std::string want =
        "row " + std::to_string(count) + " caf\xC3\xA9 \xF0\x9F\x98\x80,\"quoted\"\nsecond line";
    if (r.fields["text"] != want || r.fields["id"] != std::to_string(count)) {
      return MakeError(ErrorCode::kInternal, "row " + r.fields.dump());
    }
    ++count;
    return OkStatus();
  });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(count, kRows);
  RecordProperty("csv_mb_per_s", std::to_string(csv.size() / seconds / 1e6));

  count = 0;
  st = ReadRecordsFile(dir.File("big.jsonl"), [&](const Record& r) -> Status {
    if (r.line != count + 1 || r.fields["id"] != count) {
      return MakeError(ErrorCode::kInternal, "row " + r.fields.dump());
    }
    ++count;
    return OkStatus();
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(count, kRows);
}

TEST(FileTest, WriteAtomicThenRead) {
  TempDir dir;
  const std::string path = dir.File("out.txt");
  ASSERT_TRUE(WriteFileAtomic(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomic(path, std::string("second\0bin", 10)).ok());
  Result<std::string> text = ReadFileToString(path);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, std::string("second\0bin", 10));
  // No temp files left behind.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.File(""))) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(FileTest, Errors) {
  TempDir dir;
  Result<std::string> text = ReadFileToString(dir.File("nope.txt"));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, ErrorCode::kIo);
  EXPECT_EQ(text.error().message,
            dir.File("nope.txt") + ": cannot open: No such file or directory");

  Status st = WriteFileAtomic(dir.File("no/such/dir/out.txt"), "x");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_EQ(st.error().message,
            dir.File("no/such/dir/out.txt") + ": cannot write: No such file or directory");

  EXPECT_TRUE(ReadFileToString(dir.File("")).ok() == false);
}

TEST(FileTest, EmptyFile) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.File("empty"), "").ok());
  Result<std::string> text = ReadFileToString(dir.File("empty"));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "");
}

}  // namespace
}  // namespace centaur
