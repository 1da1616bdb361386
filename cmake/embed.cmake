# Writes OUT: a C++ file holding every file of DIR as a byte array, looked up by
# name through centaur::EmbeddedFile() (src/core/embedded.h).
include(${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake)
file(GLOB files RELATIVE ${DIR} ${DIR}/*)
list(SORT files)
embed_files(OUT ${OUT} DIR ${DIR} FILES ${files} HEADER core/embedded.h NAMESPACE centaur
            FUNCTION EmbeddedFile)
