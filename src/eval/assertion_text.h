// How assertions show values in their reasons, and the text measures they
// share. Internal to eval/.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/json.h"

namespace centaur::eval_internal {

// Values longer than this many code points are cut in reasons.
constexpr size_t kShownChars = 80;

size_t CodePoints(std::string_view s);
// Whitespace-separated words.
size_t WordCount(std::string_view text);
// Compact JSON of `value`, cut to kShownChars code points ("..." after).
std::string Show(const Json& value);
// `["a", "b"]`: each element as Show() does.
std::string ShowList(const Json& list);
// A number with at most `decimals` decimals and no trailing zeros: 500,
// 812.4, 0.0023.
std::string Trim(double x, int decimals);
// The text a text assertion sees: a string as is, anything else as compact
// JSON.
std::string TextOf(const Json& value);
// Newlines replaced by "; " (multi-line errors in one-line reasons).
std::string OneLine(std::string text);

}  // namespace centaur::eval_internal
