# galaxy-lab: two commands on a fresh Debian machine.
#   make reproduce [MODE=full]   set up what is missing, execute every notebook → target/reproduce/
#   make test                    set up what is missing, cargo test + notebooks in quick mode
# Other targets: setup (idempotent), lab (JupyterLab on notebooks/), bench, clean-reproduce.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
MODE ?= quick
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
TOOLS := $(CURDIR)/.tools
EVCXR := $(TOOLS)/bin/evcxr_jupyter
KERNEL := $(VENV)/share/jupyter/kernels/rust/kernel.json
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: setup system-deps test test-stages nb-check cargo-test notebooks-test runner-selftest reproduce lab bench clean-reproduce check-vulkan gpu-bundle gpu-check-here check-cuda-build

## ---- set-up (idempotent: each step runs only when its result is missing) ----
setup: system-deps $(VENV)/.installed $(EVCXR) $(KERNEL)

# libhdf5-dev for the hdf5-metno-sys build script; pkg-config to find it.
system-deps:
	@if [ -e /usr/include/hdf5/serial/hdf5.h ] && command -v pkg-config >/dev/null; then \
	  echo "system deps: libhdf5-dev present"; \
	else \
	  echo "system deps: installing libhdf5-dev pkg-config"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libhdf5-dev pkg-config; \
	fi

$(VENV)/.installed: scripts/requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r scripts/requirements.txt
	@touch $@

$(EVCXR):
	cargo install evcxr_jupyter --version 0.22.0 --locked --root $(TOOLS)

# Registers the `rust` kernel inside the venv (JUPYTER_PATH), not in the user's profile.
$(KERNEL): $(EVCXR) $(VENV)/.installed
	JUPYTER_PATH=$(VENV)/share/jupyter $(EVCXR) --install

## ---- tests ----
# `make test` runs its stages in this order, cheapest failures first, and ends with a table of
# each stage's wall time (and each notebook's), also written to target/test-times.json:
#   setup → fmt (cargo fmt --check) → nb-check (every notebook cell type-checked as one example,
#   which also builds the dependencies once for everything after it) → build (tests, the CLI,
#   examples; not the criterion benches: `make bench` builds and runs those) → cargo tests →
#   notebooks through the evcxr kernel (two kernels, each with its own build folder, the second
#   beside or after the first notebook, the notebooks split by the last run's times), then in the
#   first kernel the deliberately broken notebooks
#   of tests/notebooks/ (each must fail for its written-down reason) → h5py schema check → the
#   runner's self-test, which checks those broken notebooks' executed copies (no second kernel).
STAGE := python3 scripts/stage.py run

test:
	@python3 scripts/stage.py start
	@status=0; $(MAKE) --no-print-directory test-stages || status=$$?; \
	  python3 scripts/stage.py report; exit $$status

test-stages:
	$(STAGE) setup -- $(MAKE) --no-print-directory setup
	$(STAGE) fmt -- cargo fmt --check
	$(STAGE) nb-check -- $(MAKE) --no-print-directory nb-check
	$(STAGE) build -- cargo test --no-run --lib --bins --tests
	$(STAGE) build-examples -- cargo build --examples
	$(STAGE) cargo-test -- cargo test --lib --bins --tests
	$(STAGE) notebooks -- $(PY) scripts/run_notebooks.py --mode quick --out target/notebooks-test \
	  --jobs 2 --times target/test-times.tsv --expect-fail tests/notebooks $(NOTEBOOKS)
	$(STAGE) h5py-check -- $(PY) scripts/check_h5py.py data/generated/sersic_quick.h5
	$(STAGE) runner-selftest -- $(PY) scripts/test_runner.py --from target/notebooks-test

# Every notebook's code cells, type-checked by rustc in seconds (no kernel): a broken cell fails
# here, before any notebook runs.
nb-check: setup
	$(PY) scripts/nb_to_example.py --one $(NOTEBOOKS)
	cargo build --example nbcheck_all

cargo-test: system-deps
	cargo test --lib --bins --tests

# No `cargo build --bin galaxy-lab` here: no notebook calls the CLI.
notebooks-test: setup
	$(PY) scripts/run_notebooks.py --mode quick --out target/notebooks-test $(NOTEBOOKS)
	$(PY) scripts/check_h5py.py data/generated/sersic_quick.h5

runner-selftest: setup
	$(PY) scripts/run_notebooks.py --help >/dev/null
	$(PY) scripts/test_runner.py

## ---- the main job ----
reproduce: setup
	cargo build --bin galaxy-lab
	$(PY) scripts/run_notebooks.py --mode $(MODE) --out target/reproduce $(NOTEBOOKS)
	@echo "executed notebooks, HTML and figures: target/reproduce/ (open target/reproduce/index.html)"

lab: setup
	@$(PY) -c 'import jupyterlab' 2>/dev/null || $(PY) -m pip install -q jupyterlab
	cd notebooks && $(VENV)/bin/jupyter lab

bench: setup
	cargo build --bin galaxy-lab
	$(PY) bench/sersic_vs_numpy.py
	@if $(PY) -c 'import torch' 2>/dev/null; then $(PY) bench/torch_reference.py; \
	else echo "bench: PyTorch not in .venv (\`.venv/bin/pip install torch\`): skipping the q-network step comparison"; fi
	cargo bench --profile dev --bench sersic_render --bench pair_sim

## ---- GPU (environment.md, GPU) ----
# The `vulkan` feature builds offline; it gets its own target folder so that the CPU build in
# target/ stays warm. Not part of `make test` (a cold check compiles wgpu and cubecl).
VULKAN_TARGET := $(CURDIR)/target/vulkan
check-vulkan: system-deps
	CARGO_TARGET_DIR=$(VULKAN_TARGET) cargo check --features vulkan --lib --bins --tests

# The binary with `vulkan`, stripped, with the shared libraries it needs and the Vulkan loader,
# as one archive under 64 MiB: target/gpu-bundle/galaxy-lab-gpu.tar.xz (scripts/gpu_bundle.sh).
gpu-bundle: system-deps
	CARGO_TARGET_DIR=$(VULKAN_TARGET) cargo build --features vulkan --bin galaxy-lab
	scripts/gpu_bundle.sh $(VULKAN_TARGET)/debug/galaxy-lab target/gpu-bundle

# The GPU check's own test on a machine without a GPU: the unpacked bundle, every step on the
# CPU (GPU_CHECK_DEVICE=vulkan asks for Vulkan, which falls back with a note where there is no
# Vulkan GPU), PyTorch on the CPU where installed (a failed step is recorded, not fatal).
GPU_CHECK_DEVICE ?= cpu
gpu-check-here: gpu-bundle
	rm -rf target/gpu-check-here && mkdir -p target/gpu-check-here
	tar -C target/gpu-check-here -xJf target/gpu-bundle/galaxy-lab-gpu.tar.xz
	DEVICE=$(GPU_CHECK_DEVICE) TORCH_DEVICE=cpu EPOCHS=1 PYTHON=$(PY) target/gpu-check-here/galaxy-lab-gpu/scripts/gpu_check.sh \
	  target/gpu-check-here/out || true
	@echo "results: target/gpu-check-here/out/summary.json"

# `cuda` needs cubecl-llvm's prebuilt LLVM/MLIR bundle, which its build script downloads from
# GitHub (tracel-llvm v23.1.0-4, linux-x64.tar.xz, cached in ~/.cache/tracel and unpacked to
# ~/.local/share/tracel). Checks first, and says so, instead of failing deep in the build.
TRACEL_LLVM := $(HOME)/.local/share/tracel/tracel-llvm-23.1.0-4/.tracel-llvm-installed
TRACEL_URL := https://github.com/tracel-ai/tracel-llvm/releases/download/v23.1.0-4/linux-x64.checksums.json
check-cuda-build:
	@if [ -e "$(TRACEL_LLVM)" ]; then echo "cuda: LLVM bundle already unpacked ($(TRACEL_LLVM))"; \
	elif curl -fsIL --max-time 15 -o /dev/null "$(TRACEL_URL)"; then echo "cuda: the LLVM bundle's download is reachable"; \
	else echo "cuda: cannot build here: \`--features cuda\` needs cubecl-llvm's prebuilt LLVM/MLIR bundle, which its build script downloads from $(dir $(TRACEL_URL)) and this machine cannot reach. Use \`--features vulkan\` (builds offline), or unpack the bundle so that $(TRACEL_LLVM) exists."; exit 1; fi

clean-reproduce:
	rm -rf target/reproduce target/notebooks-test target/runner-selftest
