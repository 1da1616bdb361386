#include "prompt/template.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <kainjow/mustache.hpp>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace centaur {
namespace {

namespace mstch = kainjow::mustache;
using Data = mstch::data;

// Prefixed to variable names before kainjow sees them, so the context can
// tell {{x}} (render as text) from {{#x}} (structure) for the same name.
constexpr char kVariableMarker = '\x1f';

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

size_t LeadingSpace(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

std::string_view Trim(std::string_view s) {
  s.remove_prefix(LeadingSpace(s));
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// kainjow's rules: "=BEGIN END=", neither containing whitespace or '='.
bool ParseDelimiters(std::string_view contents, std::string* begin, std::string* end) {
  if (contents.size() < 5 || contents.back() != '=') return false;
  std::string_view inner = Trim(contents.substr(1, contents.size() - 2));
  size_t space = inner.find(' ');
  if (space == std::string_view::npos) return false;
  std::string_view b = inner.substr(0, space);
  std::string_view e = Trim(inner.substr(space + 1));
  auto valid = [](std::string_view d) {
    if (d.empty()) return false;
    for (char c : d) {
      if (c == '=' || IsSpace(c)) return false;
    }
    return true;
  };
  if (!valid(b) || !valid(e)) return false;
  *begin = b;
  *end = e;
  return true;
}

TemplateTagKind KindOf(char sigil) {
  switch (sigil) {
    case '#':
      return TemplateTagKind::kSection;
    case '^':
      return TemplateTagKind::kInverted;
    case '/':
      return TemplateTagKind::kSectionEnd;
    case '>':
      return TemplateTagKind::kPartial;
    case '!':
      return TemplateTagKind::kComment;
    default:
      return TemplateTagKind::kVariable;  // '&' and plain names
  }
}

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// `name` ("a" or "a.b.c") looked up in `scope`. *found_first (if given):
// whether the first part is there (then the name belongs to this scope even
// when the rest does not resolve).
const Json* Lookup(const Json& scope, std::string_view name, bool* found_first = nullptr) {
  if (found_first != nullptr) *found_first = false;
  if (!scope.is_object()) return nullptr;
  size_t dot = name.find('.');
  auto it = scope.find(std::string(name.substr(0, dot)));
  if (it == scope.end()) return nullptr;
  if (found_first != nullptr) *found_first = true;
  const Json* value = &*it;
  while (dot != std::string_view::npos) {
    size_t next = name.find('.', dot + 1);
    std::string part(name.substr(dot + 1, next == std::string_view::npos ? next : next - dot - 1));
    if (!value->is_object()) return nullptr;
    auto child = value->find(part);
    if (child == value->end()) return nullptr;
    value = &*child;
    dot = next;
  }
  return value;
}

// A variable's text: strings as they are, null as nothing, the rest as
// compact JSON.
void AppendText(std::string* out, const Json& value) {
  if (value.is_string()) {
    *out += value.get_ref<const std::string&>();
  } else if (!value.is_null()) {
    *out += Dump(value);
  }
}

// Resolves names against JSON values. kainjow pushes the data pointers get()
// returned; each maps back to the JSON value it stands for.
class JsonContext final : public mstch::basic_context<std::string> {
 public:
  explicit JsonContext(const Json* root) { push(Structured(root)); }

  void push(const Data* data) override { stack_.insert(stack_.begin(), data); }
  void pop() override { stack_.erase(stack_.begin()); }

  const Data* get(const std::string& name) const override {
    bool as_text = !name.empty() && name[0] == kVariableMarker;
    const Json* value = Resolve(as_text ? std::string_view(name).substr(1) : name);
    if (value == nullptr) return nullptr;
    return as_text ? Text(*value) : Structured(value);
  }

  const Data* get_partial(const std::string&) const override { return nullptr; }

 private:
  const Json* JsonOf(const Data* data) const {
    auto it = source_.find(data);
    return it == source_.end() ? nullptr : it->second;
  }

  const Json* Resolve(std::string_view name) const {
    if (name == ".") return stack_.empty() ? nullptr : JsonOf(stack_.front());
    for (const Data* data : stack_) {
      const Json* scope = JsonOf(data);
      bool found_first = false;
      const Json* value = scope == nullptr ? nullptr : Lookup(*scope, name, &found_first);
      // Mustache: once the first part is found, the rest must resolve from it.
      if (found_first) return value;
    }
    return nullptr;
  }

  const Data* Own(std::unique_ptr<Data> data) const {
    owned_.push_back(std::move(data));
    return owned_.back().get();
  }

  const Data* Text(const Json& value) const {
    std::string text;
    AppendText(&text, value);
    return Own(std::make_unique<Data>(std::move(text)));
  }

  const Data* Structured(const Json* value) const {
    std::unique_ptr<Data> data;
    bool is_false = value->is_null() || (value->is_boolean() && !value->get<bool>()) ||
                    (value->is_string() && value->get_ref<const std::string&>().empty());
    if (is_false) {
      data = std::make_unique<Data>(false);
    } else if (value->is_array()) {
      data = std::make_unique<Data>(Data::type::list);
      for (size_t i = 0; i < value->size(); ++i) data->push_back(Data(Data::type::object));
    } else {
      // Objects, numbers, true and strings: pushed as the context; lookups
      // go through the JSON value, so the data itself stays empty.
      data = std::make_unique<Data>(Data::type::object);
    }
    const Data* raw = Own(std::move(data));
    source_[raw] = value;
    if (value->is_array()) {
      const mstch::list& items = raw->list_value();
      for (size_t i = 0; i < items.size(); ++i) source_[&items[i]] = &(*value)[i];
    }
    return raw;
  }

  std::vector<const Data*> stack_;  // innermost first
  mutable std::vector<std::unique_ptr<Data>> owned_;
  mutable std::unordered_map<const Data*, const Json*> source_;
};

std::string MarkVariables(std::string_view text, const ParsedTemplate& parsed) {
  std::string out;
  out.reserve(text.size() + parsed.tags.size());
  size_t copied = 0;
  for (const TemplateTag& tag : parsed.tags) {
    if (tag.kind != TemplateTagKind::kVariable) continue;
    out.append(text.substr(copied, tag.name_offset - copied));
    out.push_back(kVariableMarker);
    copied = tag.name_offset;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace

ParsedTemplate ParseTemplate(std::string_view text) {
  ParsedTemplate out;
  std::string begin = "{{";
  std::string end = "}}";
  std::vector<size_t> open;  // indices of open sections in out.tags
  auto fail = [&out](size_t offset, std::string message) {
    out.problem = TemplateProblem{offset, std::move(message)};
    return out;
  };
  for (size_t pos = 0;;) {
    size_t start = text.find(begin, pos);
    if (start == std::string_view::npos) break;
    size_t contents = start + begin.size();
    bool triple = begin == "{{" && end == "}}" && contents < text.size() && text[contents] == '{';
    std::string close = triple ? "}}}" : end;
    if (triple) ++contents;
    size_t stop = text.find(close, contents);
    if (stop == std::string_view::npos) {
      return fail(start, "unclosed tag \"" + begin + "\" (no \"" + close + "\" after it)");
    }
    std::string_view raw = text.substr(contents, stop - contents);
    std::string_view trimmed = Trim(raw);
    TemplateTag tag;
    tag.start = start;
    tag.end = stop + close.size();
    tag.name_offset = contents + LeadingSpace(raw);
    if (!trimmed.empty() && trimmed[0] == '=') {
      if (!ParseDelimiters(trimmed, &begin, &end)) {
        return fail(start, "invalid set-delimiter tag (write it as {{=<% %>=}})");
      }
      tag.kind = TemplateTagKind::kSetDelimiter;
    } else if (triple || trimmed.empty()) {
      tag.name = trimmed;
    } else {
      tag.kind = KindOf(trimmed[0]);
      std::string_view name = trimmed;
      if (tag.kind != TemplateTagKind::kVariable || trimmed[0] == '&') {
        std::string_view rest = trimmed.substr(1);
        tag.name_offset += 1 + LeadingSpace(rest);
        name = Trim(rest);
      }
      tag.name = name;
    }
    pos = tag.end;
    if (tag.kind == TemplateTagKind::kPartial) {
      return fail(tag.start, "partials ({{>name}}) are not supported");
    }
    bool named =
        tag.kind != TemplateTagKind::kComment && tag.kind != TemplateTagKind::kSetDelimiter;
    if (named && tag.name.empty()) return fail(tag.start, "empty tag");
    if (tag.kind == TemplateTagKind::kSection || tag.kind == TemplateTagKind::kInverted) {
      open.push_back(out.tags.size());
    } else if (tag.kind == TemplateTagKind::kSectionEnd) {
      if (open.empty()) {
        return fail(tag.name_offset,
                    "closing tag for \"" + tag.name + "\" without an open section");
      }
      const std::string& open_name = out.tags[open.back()].name;
      if (open_name != tag.name) {
        return fail(tag.name_offset, "closing tag for \"" + tag.name +
                                         "\" does not match the open section \"" + open_name +
                                         "\"");
      }
      open.pop_back();
    }
    out.tags.push_back(std::move(tag));
  }
  if (!open.empty()) {
    const TemplateTag& tag = out.tags[open.back()];
    return fail(tag.name_offset, "section \"" + tag.name + "\" is never closed");
  }
  return out;
}

const TemplateTag* FirstUndeclared(const ParsedTemplate& parsed,
                                   const std::map<std::string, std::string>& types) {
  int unchecked_depth = 0;   // > 0 inside a section whose names may be the element's
  std::vector<bool> scopes;  // per open section: did it start an unchecked scope?
  for (const TemplateTag& tag : parsed.tags) {
    switch (tag.kind) {
      case TemplateTagKind::kVariable:
      case TemplateTagKind::kSection:
      case TemplateTagKind::kInverted: {
        std::string top = tag.name.substr(0, tag.name.find('.'));
        auto type = types.find(top);
        if (unchecked_depth == 0 && tag.name != "." && type == types.end()) return &tag;
        if (tag.kind == TemplateTagKind::kVariable) break;
        bool element_scope =
            tag.kind == TemplateTagKind::kSection &&
            (unchecked_depth > 0 || tag.name == "." || tag.name.find('.') != std::string::npos ||
             (type != types.end() && (type->second == "array" || type->second == "object")));
        if (element_scope) ++unchecked_depth;
        scopes.push_back(element_scope);
        break;
      }
      case TemplateTagKind::kSectionEnd:
        if (!scopes.empty()) {
          if (scopes.back()) --unchecked_depth;
          scopes.pop_back();
        }
        break;
      default:
        break;
    }
  }
  return nullptr;
}

struct Template::Impl {
  std::string text;
  // Every tag is a plain variable ({{x}}, {{{x}}}, {{&x}}, dotted or "."),
  // or there are none: rendered directly, without kainjow (most prompts
  // are like this, and it is most of the cost of building a request).
  bool direct = false;
  std::vector<TemplateTag> tags;
  std::mutex mu;  // kainjow's render is not const; it only reads in practice
  mstch::mustache parsed;
  explicit Impl(std::string_view t, const std::string& marked) : text(t), parsed(marked) {}

  std::string RenderDirect(const Json& context) const {
    std::string out;
    out.reserve(text.size() + 64);
    size_t copied = 0;
    for (const TemplateTag& tag : tags) {
      out.append(text, copied, tag.start - copied);
      copied = tag.end;
      const Json* value = tag.name == "." ? &context : Lookup(context, tag.name);
      if (value != nullptr) AppendText(&out, *value);
    }
    out.append(text, copied, std::string::npos);
    return out;
  }
};

Result<Template> Template::Compile(std::string_view text) {
  ParsedTemplate parsed = ParseTemplate(text);
  if (parsed.problem.has_value()) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "offset " + std::to_string(parsed.problem->offset) + ": " + parsed.problem->message);
  }
  try {
    Template out;
    out.impl_ = std::make_shared<Impl>(text, MarkVariables(text, parsed));
    out.impl_->direct =
        std::all_of(parsed.tags.begin(), parsed.tags.end(),
                    [](const TemplateTag& tag) { return tag.kind == TemplateTagKind::kVariable; });
    if (out.impl_->direct) out.impl_->tags = std::move(parsed.tags);
    if (!out.impl_->parsed.is_valid()) {
      return MakeError(ErrorCode::kInvalidArgument, out.impl_->parsed.error_message());
    }
    out.impl_->parsed.set_custom_escape([](const std::string& s) { return s; });
    return out;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("parsing a template: ") + e.what());
  }
}

Result<std::string> Template::Render(const Json& context) const {
  if (impl_ != nullptr && impl_->direct) {
    try {
      return impl_->RenderDirect(context);
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInternal, std::string("rendering a template: ") + e.what());
    }
  }
  return RenderGeneral(context);
}

Result<std::string> Template::RenderGeneral(const Json& context) const {
  if (impl_ == nullptr) return std::string();
  try {
    JsonContext ctx(&context);
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::string rendered = impl_->parsed.render(ctx);
    if (!impl_->parsed.is_valid()) {
      return MakeError(ErrorCode::kInvalidArgument, impl_->parsed.error_message());
    }
    return rendered;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("rendering a template: ") + e.what());
  }
}

const std::string& Template::text() const {
  static const std::string kEmpty;
  return impl_ == nullptr ? kEmpty : impl_->text;
}

Result<std::string> RenderTemplate(std::string_view text, const Json& context) {
  CENTAUR_ASSIGN_OR_RETURN(Template tmpl, Template::Compile(text));
  return tmpl.Render(context);
}

}  // namespace centaur
