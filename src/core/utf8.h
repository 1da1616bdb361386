// UTF-8 well-formedness (Unicode table 3-7: no overlongs, surrogates or code
// points past U+10FFFF), shared by the record readers and the JSON reader.
#pragma once

#include <string>

namespace centaur::utf8 {

// What a lead byte allows: how many continuation bytes follow, and the
// range the first of them must fall in (later ones are always 0x80-0xBF).
struct Lead {
  int continuation = 0;  // -1: not a valid lead byte
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
};

inline Lead LeadByte(unsigned char c) {
  if (c < 0x80) return {0, 0x80, 0xBF};
  if (c >= 0xC2 && c <= 0xDF) return {1, 0x80, 0xBF};
  if (c == 0xE0) return {2, 0xA0, 0xBF};
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return {2, 0x80, 0xBF};
  if (c == 0xED) return {2, 0x80, 0x9F};
  if (c == 0xF0) return {3, 0x90, 0xBF};
  if (c >= 0xF1 && c <= 0xF3) return {3, 0x80, 0xBF};
  if (c == 0xF4) return {3, 0x80, 0x8F};
  return {-1, 0x80, 0xBF};
}

// `text` with every ill-formed sequence replaced by U+FFFD (one per maximal
// ill-formed subpart, as Unicode recommends); well-formed text unchanged.
inline std::string Sanitize(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const Lead lead = LeadByte(c);
    size_t n = 1;  // bytes of a well-formed sequence, or of the bad subpart
    bool ok = lead.continuation >= 0;
    for (int k = 1; ok && k <= lead.continuation; ++k) {
      if (i + k >= text.size()) {
        ok = false;
        break;
      }
      const auto b = static_cast<unsigned char>(text[i + k]);
      const unsigned char lo = k == 1 ? lead.lo : 0x80, hi = k == 1 ? lead.hi : 0xBF;
      if (b < lo || b > hi) {
        ok = false;
        break;
      }
      n = k + 1;
    }
    if (ok) {
      out.append(text, i, n);
    } else {
      out += "\xEF\xBF\xBD";
    }
    i += n;
  }
  return out;
}

}  // namespace centaur::utf8
