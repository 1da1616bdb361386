# embed_files(OUT DIR FILES HEADER NAMESPACE FUNCTION [EMPTY_NAME EMPTY_TEXT]):
# writes OUT, a C++ file holding FILES (paths relative to DIR) as byte arrays,
# looked up by path through NAMESPACE::FUNCTION(std::string_view), declared in
# HEADER. With no FILES and EMPTY_NAME given, it holds EMPTY_TEXT under that
# name instead. OUT is rewritten only when its text changes.
function(embed_files)
  cmake_parse_arguments(E "" "OUT;DIR;HEADER;NAMESPACE;FUNCTION;EMPTY_NAME;EMPTY_TEXT" "FILES" ${ARGN})
  set(body "#include <cstddef>\n#include <string_view>\n#include \"${E_HEADER}\"\nnamespace ${E_NAMESPACE} {\nnamespace {\n")
  set(table "")
  set(i 0)
  if(NOT E_FILES AND E_EMPTY_NAME)
    string(HEX "${E_EMPTY_TEXT}" hex)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
    string(APPEND body "const unsigned char k0[] = {${hex}0x00};\n")
    string(APPEND table "  {\"${E_EMPTY_NAME}\", std::string_view(reinterpret_cast<const char*>(k0), sizeof(k0) - 1)},\n")
  endif()
  foreach(f ${E_FILES})
    file(READ ${E_DIR}/${f} hex HEX)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
    string(APPEND body "const unsigned char k${i}[] = {${hex}0x00};\n")
    string(APPEND table "  {\"${f}\", std::string_view(reinterpret_cast<const char*>(k${i}), sizeof(k${i}) - 1)},\n")
    math(EXPR i "${i}+1")
  endforeach()
  string(APPEND body "struct Entry { std::string_view name; std::string_view data; };\nconst Entry kEntries[] = {\n${table}  {\"\", {}}};\n}  // namespace\n")
  string(APPEND body "std::optional<std::string_view> ${E_FUNCTION}(std::string_view name) {\n  for (const Entry& e : kEntries) {\n    if (!e.name.empty() && e.name == name) return e.data;\n  }\n  return std::nullopt;\n}\n}  // namespace ${E_NAMESPACE}\n")
  file(WRITE ${E_OUT}.tmp "${body}")
  file(COPY_FILE ${E_OUT}.tmp ${E_OUT} ONLY_IF_DIFFERENT)
endfunction()
