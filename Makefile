# cbpf: the two commands README.md promises (`make conform`, `make test`)
# and their parts. Everything installs what it needs first (`make deps`).
BUILD     ?= build
SAN_BUILD ?= build-asan
JOBS      ?= $(shell nproc)
PYTHON    ?= /usr/bin/python3
# The Python package cbpfconform (harness/cbpfconform/) is run as a module.
PYENV      = PYTHONPATH=$(CURDIR)/harness$${PYTHONPATH:+:$$PYTHONPATH}

# Debian packages the build, the tests and the conformance run need.
DEBS = cmake make gcc clang pkg-config libpcap-dev tcpdump libseccomp-dev python3-seccomp \
       python3 python3-pytest python3-hypothesis \
       golang-go golang-golang-x-net-dev golang-gvisor-gvisor-dev libdpdk-dev chromium
# Docker's own profiles/seccomp/default.json (harness/test_seccomp_policy.py),
# as Debian ships it in moby's source package: only that file is taken out
# of the .deb into the cache (installing the package would pull in about 230
# others). Skipped when it is installed.
DOCKER_DEB     = golang-github-docker-docker-dev
DOCKER_IN_DEB  = ./usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
DOCKER_PROFILE = $(HOME)/.cache/cbpf/docker/default.json
# The kernel matrix's end-to-end tests (harness/test_kernel_guest.py,
# test_kernel_triage.py) boot Debian's arm64 and armhf kernels under qemu
# with a cross-compiled guest oracle; installed without recommends (qemu's
# GUI and firmware are not needed).
GUEST_DEBS = qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
       gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
# Every kernel target of `make kernel-matrix` (docs/kernel-matrix.md).
MATRIX_DEBS = $(GUEST_DEBS) qemu-system-x86 qemu-system-ppc qemu-system-misc qemu-system-mips \
       gcc-i686-linux-gnu libc6-dev-i386-cross \
       gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross gcc-s390x-linux-gnu \
       libc6-dev-s390x-cross gcc-mips64el-linux-gnuabi64 libc6-dev-mips64el-cross
KERNEL_MATRIX = host debian-6.1/amd64:jit debian-6.1/amd64:interp \
       debian-6.1/i386:jit debian-6.1/i386:interp debian-6.1/arm64:jit debian-6.1/arm64:interp \
       debian-6.1/armhf:jit debian-6.1/armhf:interp debian-6.1/ppc64el:jit \
       debian-6.1/ppc64el:interp debian-6.1/s390x:interp debian-6.1/mips64el:jit \
       debian-6.1/mips64el:interp

.PHONY: deps matrix-deps kernel-matrix build test conform report-screenshot bench clean install-check fuzz fuzz-afl fuzz-smoke fuzz-bench fuzz-eval fuzz-coverage

# $(call install_debs,PACKAGES,APT-OPTIONS): apt-get installs those of
# PACKAGES that are not installed yet (nothing, not even an update, when
# all are).
define install_debs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq $(2) $$missing; \
	fi
endef

deps:
	$(call install_debs,$(DEBS),)
	$(call install_debs,$(GUEST_DEBS),--no-install-recommends)
	@test -f $(DOCKER_PROFILE) || test -f $(patsubst ./%,/%,$(DOCKER_IN_DEB)) || { \
	  d=$$(mktemp -d) && cd $$d && \
	  { apt-get download -qq $(DOCKER_DEB) 2>/dev/null || \
	    { apt-get update -qq && apt-get download -qq $(DOCKER_DEB); }; } && \
	  dpkg-deb --fsys-tarfile $(DOCKER_DEB)_*.deb | tar -x $(DOCKER_IN_DEB) && \
	  mkdir -p $(dir $(DOCKER_PROFILE)) && cp $(DOCKER_IN_DEB) $(DOCKER_PROFILE).tmp && \
	  mv $(DOCKER_PROFILE).tmp $(DOCKER_PROFILE) && echo "deps: $(DOCKER_PROFILE)"; \
	  rc=$$?; cd / && rm -rf $$d; exit $$rc; }

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# Unit, round-trip and live-kernel tests, under ASan and UBSan.
# The Release tree is built too, so `make build` (gcc -O2 -Werror) stays green.
# The fuzz targets are built before pytest, which runs some of them
# (test_fuzz_guest), and then each gets a short smoke run.
test: build
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCBPF_SANITIZE=ON >/dev/null
	cmake --build $(SAN_BUILD) -j$(JOBS)
	cd $(SAN_BUILD) && ctest --output-on-failure -j$(JOBS)
	$(MAKE) --no-print-directory fuzz
	CBPF_BUILD=$(SAN_BUILD) CBPF_FUZZ_BUILD=$(FUZZ_BUILD) $(PYENV) $(PYTHON) -m pytest -q -p no:cacheprovider harness/
	fuzz/smoke.sh $(FUZZ_BUILD)/libfuzzer $(FUZZ_TIME)

# The conformance suite (corpus/README.md): every case on every available
# implementation, the live kernel as reference; reports in reports/out/.
# Options go in CONFORM_ARGS, e.g. CONFORM_ARGS="--only pcap/ --impl vm,kernel".
# KERNELS="host debian-6.1/arm64:jit ..." runs the corpus on those kernels
# instead (qemu guests, docs/kernel-matrix.md).
conform: build
	$(PYENV) $(PYTHON) -m cbpfconform run --build $(BUILD) \
	  $(if $(strip $(KERNELS)),--kernels "$(KERNELS)") $(CONFORM_ARGS)

# A screenshot of the report in headless Chromium (a CI artifact), of the
# explorer's view SCREENSHOT_VIEW (a URL fragment such as impl=libpcap&op=ldx).
SCREENSHOT_VIEW ?=
report-screenshot:
	$(PYENV) $(PYTHON) -m cbpfconform.report.screenshot reports/out/index.html \
	  reports/out/index.png $(if $(SCREENSHOT_VIEW),--view '$(SCREENSHOT_VIEW)')

# The whole kernel matrix: every Debian 6.1 target, JIT and interpreter.
matrix-deps:
	$(call install_debs,$(MATRIX_DEBS),--no-install-recommends)

kernel-matrix: matrix-deps
	$(MAKE) --no-print-directory conform KERNELS="$(KERNEL_MATRIX)"

# Each fuzz target's exec/s (fuzz-bench, below), the kernel oracle against
# raw attaches, and last the VM against libpcap, whose final line is
# `cbpf/libpcap speedup: X.XX`.
bench: build
	$(MAKE) --no-print-directory fuzz-bench
	cmake --build $(BUILD) -j$(JOBS) --target $$(cd bench && ls bench_*.c 2>/dev/null | sed 's/\.c$$//')
	@for b in $(BUILD)/bench/bench_*; do echo "== $$b"; $$b || exit 1; done

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD) reports/out

# Fuzzing (fuzz/README.md): every target built with clang, libFuzzer and
# ASan+UBSan through fuzz/oss-fuzz/build.sh (OSS-Fuzz's variables, set
# here), in $(FUZZ_BUILD)/libfuzzer; the AFL++ build (and its cmplog twin)
# in $(FUZZ_BUILD)/afl. Run one with fuzz/run.sh TARGET [--time S] [--jobs N].
FUZZ_BUILD  ?= build-fuzz
FUZZ_TIME   ?= 20
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS ?= -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link

fuzz: deps
	OUT=$(FUZZ_BUILD)/libfuzzer CC=clang CFLAGS="$(FUZZ_CFLAGS)" \
	  LIB_FUZZING_ENGINE=-fsanitize=fuzzer PYTHON=$(PYTHON) fuzz/oss-fuzz/build.sh

fuzz-afl: deps
	@command -v afl-clang-fast >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++; }
	OUT=$(FUZZ_BUILD)/afl CC=afl-clang-fast CFLAGS="-O1 -g $(FUZZ_SAN)" \
	  LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a PYTHON=$(PYTHON) fuzz/oss-fuzz/build.sh
	AFL_LLVM_CMPLOG=1 OUT=$(FUZZ_BUILD)/afl/cmplog CC=afl-clang-fast CFLAGS="-O1 -g" \
	  LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a PYTHON=$(PYTHON) fuzz/oss-fuzz/build.sh

# A short run of every target (seed corpus, then FUZZ_TIME seconds each,
# both cores); fails on any crash or unexplained divergence.
fuzz-smoke: fuzz
	fuzz/smoke.sh $(FUZZ_BUILD)/libfuzzer $(FUZZ_TIME)

# exec/s of every target next to the raw kernel rates (not a test).
fuzz-bench: fuzz
	$(PYTHON) fuzz/bench.py --build $(FUZZ_BUILD)/libfuzzer

# The planted-bug benchmark (fuzz/mutants/README.md; not part of `make test`):
# every mutant x its targets x {structure-aware, plain libFuzzer, AFL++}, one
# fuzz process at a time, results cached in $(FUZZ_BUILD)/eval (resumable).
# FUZZ_EVAL_ARGS: e.g. --mutants ID,... --engines structure --budget 60 --force.
fuzz-eval: fuzz fuzz-afl
	nice -n 10 $(PYTHON) fuzz/eval.py --dir $(FUZZ_BUILD)/eval --fuzz-build $(FUZZ_BUILD) \
	  --cflags "$(FUZZ_CFLAGS)" --afl-cflags "-O1 -g $(FUZZ_SAN)" $(FUZZ_EVAL_ARGS)

# Source-based coverage of lib/ and kernel_cmp/ by each target's seeds and a
# fuzzed corpus (fuzz/coverage.py): FUZZ_COVERAGE_ARGS="--corpus CAMPAIGN/corpus"
# or "--minutes 10"; report in $(FUZZ_BUILD)/coverage/report.md.
fuzz-coverage: fuzz
	OUT=$(FUZZ_BUILD)/coverage CC=clang CFLAGS="-O1 -g -fprofile-instr-generate -fcoverage-mapping" \
	  LIB_FUZZING_ENGINE=-fsanitize=fuzzer PYTHON=$(PYTHON) fuzz/oss-fuzz/build.sh
	nice -n 10 $(PYTHON) fuzz/coverage.py --build $(FUZZ_BUILD)/coverage \
	  --fuzz-build $(FUZZ_BUILD)/libfuzzer $(FUZZ_COVERAGE_ARGS)
