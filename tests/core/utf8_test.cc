#include "core/utf8.h"

#include <gtest/gtest.h>

namespace centaur::utf8 {
namespace {

TEST(Utf8Test, SanitizeKeepsWellFormedTextAndReplacesEachBadSubpart) {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  struct Case {
    std::string in, out;
  } cases[] = {
      {"", ""},
      {"plain ascii", "plain ascii"},
      {"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80", "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"},
      {"a\xF8"
       "b\xF9",
       "a" + r + "b" + r},     // bytes that are never UTF-8
      {"x\xE2\x82", "x" + r},  // a character cut at the end
      {"\xE2\x82"
       "a",
       r + "a"},                            // cut before an ASCII byte
      {"\xC0\xAF", r + r},                  // overlong: two bad bytes
      {"\xED\xA0\x80", r + r + r},          // a surrogate
      {"\x80\x80", r + r},                  // stray continuation bytes
      {"\xF4\x90\x80\x80", r + r + r + r},  // past U+10FFFF
      {"{\"t\":\"\xF0\x9F\x98\"}", "{\"t\":\"" + r + "\"}"},
  };
  for (const Case& c : cases) EXPECT_EQ(Sanitize(c.in), c.out) << c.in;
}

}  // namespace
}  // namespace centaur::utf8
