# llama.cpp as imported static libraries. scripts/llama.sh fetches and builds
# it once per machine into a cache keyed by its version (outside the clone);
# `make` runs it. Defines the target llama_cpp (llama + ggml + llama-common),
# LLAMA_SERVER_BIN (llama.cpp's own server, a peer in tests and benchmarks)
# and LLAMA_TINY_VOCAB (the vocab the tiny test model is built from).
set(CENTAUR_LLAMA_PREFIX "" CACHE PATH "llama.cpp prefix written by scripts/llama.sh")
if(NOT CENTAUR_LLAMA_PREFIX)
  execute_process(COMMAND ${CMAKE_SOURCE_DIR}/scripts/llama.sh --print-prefix
    OUTPUT_VARIABLE prefix OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  set(CENTAUR_LLAMA_PREFIX ${prefix} CACHE PATH "llama.cpp prefix written by scripts/llama.sh" FORCE)
endif()
set(P ${CENTAUR_LLAMA_PREFIX})
if(NOT EXISTS ${P}/ok)
  message(FATAL_ERROR "llama.cpp is not built at ${P}: run scripts/llama.sh (make does it)")
endif()

find_package(OpenMP REQUIRED)
add_library(llama_cpp INTERFACE)
# SYSTEM: llama.cpp's warnings are not ours.
target_include_directories(llama_cpp SYSTEM INTERFACE
  ${P}/src/include ${P}/src/ggml/include ${P}/src/common)
# Order matters for static archives: users before what they use.
target_link_libraries(llama_cpp INTERFACE
  ${P}/build/common/libllama-common.a
  ${P}/build/common/libllama-common-base.a
  ${P}/build/vendor/cpp-httplib/libcpp-httplib.a
  ${P}/build/src/libllama.a
  ${P}/build/ggml/src/libggml.a
  ${P}/build/ggml/src/libggml-cpu.a
  ${P}/build/ggml/src/libggml-base.a
  OpenMP::OpenMP_CXX Threads::Threads ${CMAKE_DL_LIBS})
set(LLAMA_SERVER_BIN ${P}/build/bin/llama-server)
set(LLAMA_TINY_VOCAB ${P}/src/models/ggml-vocab-phi-3.gguf)
