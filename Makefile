# The two commands of the README, and the pieces they are made of.
#   make demo  - install what is missing, build, run the demo
#   make test  - install what is missing, build with sanitizers, run every test
# Warnings are errors in the test build (CI keeps them at zero); release
# builds only show them, so a compiler's false positive at -O2 (GCC 12 has
# several in libstdc++) cannot stop a user's build.
BUILD      ?= build
TEST_BUILD ?= build-test
BENCH_BUILD ?= build-bench
CMAKE_GEN  ?= -G Ninja

.PHONY: all build setup test demo bench format clean

all: build

# Debian packages, then llama.cpp (built once per machine into a versioned
# cache outside the clone; a no-op when already there).
setup:
	@scripts/setup.sh
	@scripts/llama.sh >/dev/null

build: setup
	@cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DCENTAUR_WERROR=OFF -DCENTAUR_TESTS=OFF -DCENTAUR_BENCH=OFF >/dev/null
	@cmake --build $(BUILD) --target centaur fixture_llm_server

test: setup
	@cmake -S . -B $(TEST_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1 -g" \
	  -DCENTAUR_SANITIZE=ON -DCENTAUR_BENCH=OFF >/dev/null
	@cmake --build $(TEST_BUILD)
	@cd $(TEST_BUILD) && ctest --output-on-failure --timeout 600 -j2

demo: build
	@scripts/demo.sh $(BUILD)

bench: setup
	@cmake -S . -B $(BENCH_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DCENTAUR_WERROR=OFF -DCENTAUR_TESTS=OFF >/dev/null
	@cmake --build $(BENCH_BUILD)
	@scripts/bench.sh $(BENCH_BUILD)

format:
	@clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(BENCH_BUILD)
