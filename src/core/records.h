// Reading tabular input files: CSV (RFC 4180: quoted fields, doubled quotes,
// embedded newlines, CRLF) and JSONL. Both stream records to a callback so a
// large file is never held whole. Errors name file:line (and :col where
// there is one) and say what is wrong; invalid UTF-8 is an error.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace centaur {

struct Record {
  Json fields;   // object: column name -> value (CSV: strings; JSONL: any)
  int line = 0;  // 1-based line where the record starts
};

using RecordCallback = std::function<Status(const Record&)>;

// CSV with a header row. A row with more or fewer fields than the header,
// an unterminated quote, a stray quote inside an unquoted field, an empty
// or duplicate header name are errors (kInvalidArgument), e.g.
// "data.csv:7:12: unterminated quoted field", "data.csv:9: row has 3 fields,
// the header has 2"; columns count characters, 1-based. A UTF-8 BOM is
// skipped, blank lines are skipped, and field bytes are kept as written (a
// CRLF inside quotes stays CRLF). A missing file is kIo "PATH: cannot open:
// No such file or directory". An error from `on_record` stops reading and is
// returned as is.
Status ReadCsvFile(const std::string& path, const RecordCallback& on_record);
Status ParseCsv(std::string_view text, const std::string& path_for_errors,
                const RecordCallback& on_record);

// JSONL: one JSON object per non-blank line. Errors: "f.jsonl:3:7: invalid
// JSON: <nlohmann's message>", "f.jsonl:4: expected a JSON object, got array",
// "f.jsonl:5:2: invalid UTF-8".
Status ReadJsonlFile(const std::string& path, const RecordCallback& on_record);
Status ParseJsonl(std::string_view text, const std::string& path_for_errors,
                  const RecordCallback& on_record);

// Chooses by extension: .csv, .jsonl/.ndjson; anything else is an error.
Status ReadRecordsFile(const std::string& path, const RecordCallback& on_record);

// Reads a whole file; kIo naming the path on failure.
Result<std::string> ReadFileToString(const std::string& path);
// Writes atomically (temp file + rename); kIo naming the path on failure.
Status WriteFileAtomic(const std::string& path, std::string_view data);

}  // namespace centaur
