// UTF-8 well-formedness (Unicode table 3-7: no overlongs, surrogates or code
// points past U+10FFFF), shared by the record readers and the JSON reader.
#pragma once

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

}  // namespace centaur::utf8
