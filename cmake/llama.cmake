# llama.cpp as imported static libraries. scripts/llama.sh fetches and builds
# it once per machine into a cache keyed by its version (outside the clone);
# `make` runs it. Defines the target llama_cpp (llama + ggml + llama-common),
# LLAMA_SERVER_BIN (llama.cpp's own server, a peer in tests and benchmarks)
# and LLAMA_TINY_VOCAB (the vocab the tiny test model is built from).
set(CENTAUR_LLAMA_PREFIX "" CACHE PATH "llama.cpp prefix (empty: the one scripts/llama.sh builds)")
if(CENTAUR_LLAMA_PREFIX)
  set(P ${CENTAUR_LLAMA_PREFIX})
else()
  execute_process(COMMAND ${CMAKE_SOURCE_DIR}/scripts/llama.sh --print-prefix
    OUTPUT_VARIABLE P OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
endif()
if(NOT EXISTS ${P}/ok)
  message(FATAL_ERROR "llama.cpp is not built at ${P}: run scripts/llama.sh (make does it)")
endif()

# scripts/llama.sh builds ggml without OpenMP; an older prefix built with it
# still links.
find_package(OpenMP)
add_library(llama_cpp INTERFACE)
# SYSTEM: llama.cpp's warnings are not ours.
target_include_directories(llama_cpp SYSTEM INTERFACE
  ${P}/src/include ${P}/src/ggml/include ${P}/src/common)
# llama.cpp's internal headers (llama-grammar.h): for src/local/grammar_cursor.cc only.
set(LLAMA_INTERNAL_INCLUDE ${P}/src/src)
# Order matters for static archives: users before what they use.
target_link_libraries(llama_cpp INTERFACE
  ${P}/build/common/libllama-common.a
  ${P}/build/common/libllama-common-base.a
  ${P}/build/vendor/cpp-httplib/libcpp-httplib.a
  ${P}/build/src/libllama.a
  ${P}/build/ggml/src/libggml.a
  ${P}/build/ggml/src/libggml-cpu.a
  ${P}/build/ggml/src/libggml-base.a
  Threads::Threads ${CMAKE_DL_LIBS})
if(OpenMP_CXX_FOUND)
  target_link_libraries(llama_cpp INTERFACE OpenMP::OpenMP_CXX)
endif()
set(LLAMA_SERVER_BIN ${P}/build/bin/llama-server)
set(LLAMA_TINY_VOCAB ${P}/src/models/ggml-vocab-phi-3.gguf)
