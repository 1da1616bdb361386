// Mustache templates over JSON values, rendered by kainjow mustache with no
// HTML escaping. ParseTemplate finds the tags exactly as kainjow's parser
// does (set-delimiter tags included), so load-time checks and error
// positions agree with what rendering will do. Pure functions; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace centaur {

enum class TemplateTagKind {
  kVariable,      // {{name}}, {{{name}}}, {{&name}}
  kSection,       // {{#name}}
  kInverted,      // {{^name}}
  kSectionEnd,    // {{/name}}
  kComment,       // {{! ... }}
  kPartial,       // {{>name}}: not supported, a syntax problem
  kSetDelimiter,  // {{=<% %>=}}
};

struct TemplateTag {
  TemplateTagKind kind = TemplateTagKind::kVariable;
  std::string name;        // trimmed, as Mustache looks it up ("a.b", ".")
  size_t start = 0;        // offset of the opening delimiter
  size_t end = 0;          // offset just past the closing delimiter
  size_t name_offset = 0;  // offset of the name's first character
};

struct TemplateProblem {
  size_t offset = 0;  // into the template text
  std::string message;
};

struct ParsedTemplate {
  std::vector<TemplateTag> tags;
  std::optional<TemplateProblem> problem;  // the first syntax problem, if any
};

ParsedTemplate ParseTemplate(std::string_view text);

// The first tag whose top-level name (the part before the first '.') is not
// in `types` (name -> JSON Schema type), or null. "." is always allowed.
// Names inside a section over an array or object (or over a dotted name or
// ".") may refer to the element, so they are not checked.
const TemplateTag* FirstUndeclared(const ParsedTemplate& parsed,
                                   const std::map<std::string, std::string>& types);

// A template parsed once and rendered many times. Copies share the parsed
// form; Render may be called from several threads at once.
class Template {
 public:
  // A template with a syntax problem is kInvalidArgument "offset N: problem".
  static Result<Template> Compile(std::string_view text);

  // Renders with `context` (a JSON object). Variables: strings as they are,
  // null as nothing, anything else as compact JSON. Sections: false, null, ""
  // and [] are false; a list repeats the section for each element (the
  // element becomes the context, {{.}} is the element itself); any other
  // value is pushed as the context. A name that resolves to nothing renders
  // nothing.
  Result<std::string> Render(const Json& context) const;

  // Render by the general Mustache engine, even for a template of plain
  // variables that Render fills in directly (tests hold the two equal).
  Result<std::string> RenderGeneral(const Json& context) const;

  const std::string& text() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Compile(text) then Render(context).
Result<std::string> RenderTemplate(std::string_view text, const Json& context);

}  // namespace centaur
