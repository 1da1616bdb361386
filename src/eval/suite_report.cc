#include "eval/suite_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "core/utf8.h"

namespace centaur {

int CaseReport::passes() const {
  int n = 0;
  for (const SampleOutcome& s : samples) n += s.pass() ? 1 : 0;
  return n;
}

CaseStatus CaseReport::status() const {
  if (pass_all()) return CaseStatus::kPass;
  for (const SampleOutcome& s : samples) {
    if (s.error) return CaseStatus::kError;
  }
  return CaseStatus::kFail;
}

namespace {

// "1", "1, 2", "1-5", "1-3, 5": 1-based sample numbers, runs of three or
// more as ranges.
std::string SampleList(const std::vector<int>& numbers) {
  std::string out;
  for (size_t i = 0; i < numbers.size();) {
    size_t j = i;
    while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    if (j - i >= 2) {
      out += std::to_string(numbers[i]) + "-" + std::to_string(numbers[j]);
      i = j + 1;
    } else {
      out += std::to_string(numbers[i]);
      ++i;
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> CaseReport::Problems() const {
  // Each distinct problem once, in first-seen order, with the samples it hit.
  std::vector<std::pair<std::string, std::vector<int>>> seen;
  for (const SampleOutcome& s : samples) {
    std::vector<std::string> lines;
    if (s.error) {
      lines.push_back("call failed: " + s.error_message);
    } else if (!s.evaluation.pass) {
      lines = s.evaluation.reasons;
    }
    for (std::string& line : lines) {
      auto it = std::find_if(seen.begin(), seen.end(),
                             [&line](const auto& entry) { return entry.first == line; });
      if (it == seen.end()) {
        seen.emplace_back(std::move(line), std::vector<int>{});
        it = seen.end() - 1;
      }
      it->second.push_back(s.sample_index + 1);
    }
  }
  std::vector<std::string> out;
  for (const auto& [line, numbers] : seen) {
    if (samples.size() <= 1) {
      out.push_back(line);
    } else {
      out.push_back((numbers.size() == 1 ? "sample " : "samples ") + SampleList(numbers) + ": " +
                    line);
    }
  }
  return out;
}

SuiteSummary Summarize(const SuiteReport& report) {
  SuiteSummary s;
  s.cases = static_cast<int>(report.cases.size());
  s.cost = 0.0;
  int samples = 0, sample_passes = 0, any = 0;
  for (const CaseReport& c : report.cases) {
    switch (c.status()) {
      case CaseStatus::kPass:
        ++s.passed;
        break;
      case CaseStatus::kFail:
        ++s.failed;
        break;
      case CaseStatus::kError:
        ++s.errors;
        break;
    }
    any += c.pass_any() ? 1 : 0;
    for (const SampleOutcome& o : c.samples) {
      ++samples;
      sample_passes += o.pass() ? 1 : 0;
      s.calls += o.calls;
      s.cache_hits += o.cache_hit ? 1 : 0;
      if (s.cost.has_value() && o.cost.has_value()) {
        *s.cost += *o.cost;
      } else {
        s.cost.reset();
      }
    }
  }
  s.pass_rate = s.cases > 0 ? static_cast<double>(s.passed) / s.cases : 0;
  s.pass_at_k = s.cases > 0 ? static_cast<double>(any) / s.cases : 0;
  s.sample_rate = samples > 0 ? static_cast<double>(sample_passes) / samples : 0;
  constexpr double kEpsilon = 1e-9;
  s.meets_threshold = s.cases > 0 && s.pass_rate + kEpsilon >= report.threshold;
  return s;
}

namespace {

// XML 1.0 text: escapes markup, keeps tab/newline (as &#10; etc. in
// attributes), replaces other control characters and invalid UTF-8.
std::string Escape(std::string_view text, bool attribute) {
  static const char* const kReplacement = "\xEF\xBF\xBD";
  std::string out;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    utf8::Lead lead = utf8::LeadByte(c);
    if (c >= 0x80) {
      bool ok = lead.continuation > 0 && i + lead.continuation < text.size();
      for (int k = 1; ok && k <= lead.continuation; ++k) {
        unsigned char next = static_cast<unsigned char>(text[i + k]);
        ok = k == 1 ? (next >= lead.lo && next <= lead.hi) : (next >= 0x80 && next <= 0xBF);
      }
      // U+FFFE and U+FFFF are not XML characters either.
      if (ok && c == 0xEF && static_cast<unsigned char>(text[i + 1]) == 0xBF &&
          static_cast<unsigned char>(text[i + 2]) >= 0xBE) {
        ok = false;
      }
      if (ok) {
        out.append(text.substr(i, lead.continuation + 1));
        i += lead.continuation + 1;
      } else {
        out += kReplacement;
        ++i;
      }
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      default:
        if (c < 0x20) {
          out += kReplacement;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  return out;
}

std::string Seconds(double s) { return fmt::format("{:.3f}", s); }

}  // namespace

std::string JUnitXml(const SuiteReport& report) {
  SuiteSummary s = Summarize(report);
  std::string name = Escape(report.name, true);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">\n", name,
      s.cases, s.failed, s.errors, Seconds(report.elapsed_s));
  out += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" "
      "time=\"{}\">\n",
      name, s.cases, s.failed, s.errors, Seconds(report.elapsed_s));
  out += "    <properties>\n";
  auto property = [&out](std::string_view key, const std::string& value) {
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", key, Escape(value, true));
  };
  property("task", report.task);
  property("task_version", report.task_version);
  property("model", report.model);
  property("repeat", std::to_string(report.repeat));
  property("threshold", fmt::format("{}", report.threshold));
  out += "    </properties>\n";
  for (const CaseReport& c : report.cases) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", name,
                       Escape(c.name, true), Seconds(c.elapsed_s));
    CaseStatus status = c.status();
    if (status == CaseStatus::kPass) {
      out += "/>\n";
      continue;
    }
    std::vector<std::string> problems = c.Problems();
    std::string body;
    for (const std::string& p : problems) body += p + "\n";
    const char* tag = status == CaseStatus::kError ? "error" : "failure";
    std::string message;
    for (const std::string& p : problems) message += (message.empty() ? "" : "; ") + p;
    if (report.repeat > 1) {
      message = fmt::format("{}/{} samples passed: {}", c.passes(), c.samples.size(), message);
    }
    out += fmt::format(">\n      <{} message=\"{}\" type=\"{}\">{}</{}>\n    </testcase>\n", tag,
                       Escape(message, true), status == CaseStatus::kError ? "call" : "assertion",
                       Escape(body, false), tag);
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace centaur
