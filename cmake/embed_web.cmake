# Writes OUT: a C++ file holding every file under DIR (the built front end,
# web/dist) as a byte array, looked up by relative path through
# centaur::server::WebAssetData() (src/server/web_assets.h). Without a built
# front end it holds one page saying how to build it.
include(${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake)
file(GLOB_RECURSE files RELATIVE ${DIR} ${DIR}/*)
list(FILTER files EXCLUDE REGEX "(^|/)\\.")
list(SORT files)
set(placeholder "<!doctype html><meta charset=utf-8><title>centaur</title><p>The web UI was not built into this binary: run <code>scripts/web.sh</code> (needs npm) and build again.</p>\n")
embed_files(OUT ${OUT} DIR ${DIR} FILES ${files} HEADER server/web_assets.h
            NAMESPACE centaur::server FUNCTION WebAssetData
            EMPTY_NAME index.html EMPTY_TEXT "${placeholder}")
