#include "cli/common.h"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>

#include "core/secrets.h"

namespace centaur::cli {

int ReportError(const Error& error) {
  std::string message = Redact(error.message);
  std::fprintf(stderr, "centaur: error: %s\n", message.c_str());
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kParse:
    case ErrorCode::kValidation:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

Result<std::unique_ptr<Workspace>> OpenWorkspace(const GlobalOptions& globals) {
  WorkspaceOptions options;
  options.db = globals.db;
  options.config = globals.config;
  return Workspace::Open(options);
}

Result<OneCallProvider> OpenOneCallProvider(const GlobalOptions& globals, const ModelRef& model) {
  OneCallProvider out;
  CENTAUR_ASSIGN_OR_RETURN(out.ws, OpenWorkspace(globals));
  HttpOptions http;
  http.max_concurrency = 1;
  CENTAUR_ASSIGN_OR_RETURN(out.handle, out.ws->OpenProvider(model, http));
  return out;
}

std::string FormatCost(std::optional<double> cost) {
  if (!cost.has_value()) return "unknown";
  if (*cost == 0) return "$0";
  if (*cost < 0.01) return fmt::format("${:.6f}", *cost);
  return fmt::format("${:.4f}", *cost);
}

std::string FormatCount(int64_t n) {
  if (n < 1000) return std::to_string(n);
  if (n < 1000000) return fmt::format("{:.1f}k", n / 1e3);
  return fmt::format("{:.1f}M", n / 1e6);
}

std::string OneLine(const std::string& text, size_t width) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (chars == width) {
        // Drop back to leave room for the ellipsis.
        while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) {
          out.pop_back();
        }
        if (!out.empty()) out.pop_back();
        return out + "…";
      }
      ++chars;
    }
    if (c == '\n') {
      out += "⏎";
    } else if (c == '\r' || c == '\t') {
      out += ' ';
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string LocalTime(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Cell(const std::string& text, size_t width) {
  std::string out = OneLine(text, width);
  size_t chars = 0;
  for (unsigned char c : out) chars += (c & 0xC0) != 0x80;
  if (chars < width) out.append(width - chars, ' ');
  return out;
}

}  // namespace centaur::cli
