# zdevmon: one static binary, built the way libbpf-tools builds its tools.
# Every intermediate goes under build/ (OUT), mirroring src/; ./zdevmon is
# the one product.
OUT := build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
CLANG_FORMAT ?= clang-format
VERSION := 0.1.0
# The BPF target architecture, from the machine's (as libbpf-tools does);
# vmlinux.h must be that architecture's.
ARCH ?= $(shell uname -m | sed 's/x86_64/x86/' \
			 | sed 's/arm.*/arm/' \
			 | sed 's/aarch64/arm64/' \
			 | sed 's/ppc64le/powerpc/' \
			 | sed 's/mips.*/mips/' \
			 | sed 's/riscv64/riscv/' \
			 | sed 's/loongarch64/loongarch/')

# include/zdev.h is the contract between the two halves: the BPF programs
# (bpf/) and the daemon (src/) both include it, and nothing else of each
# other. vmlinux.h comes from a kernel built with -fms-extensions (6.19 and
# later embed tagged structs anonymously, e.g. "struct ns_tree;" as a
# member): clang accepts that only with the same flag.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) \
	-mcpu=v3 -fms-extensions -Wno-microsoft-anon-tag -Wall -I. -Iinclude -Ibpf
CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -std=gnu11 -Isrc -Iinclude -I$(OUT) \
	-DZDEVMON_VERSION='"$(VERSION)"'
# a .d file beside every object: a header's change rebuilds its users
DEPFLAGS = -MMD -MP
# Unit tests run under ASan and UBSan, any finding fatal; their objects are
# built apart (build/asan) so the static release binary never gets them.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
ASAN := $(OUT)/asan
TEST_CFLAGS = $(CFLAGS) $(SAN_FLAGS)
LDLIBS := -l:libbpf.a -l:libelf.a -l:libz.a -l:libjson-c.a -l:libcap.a -lm
# libmicrohttpd.a pulls in GnuTLS; Debian has every static archive of it
# but p11-kit's (src/output/p11_kit_stubs.c stands in)
HTTP_LIBS := -l:libmicrohttpd.a -l:libgnutls.a -l:libhogweed.a \
	-l:libnettle.a -l:libgmp.a -l:libtasn1.a -l:libidn2.a \
	-l:libunistring.a -lpthread

# The pipeline, one folder a stage (README: Layout).
KERNEL_SRCS := src/kernel/probe.c src/kernel/kstate.c src/kernel/zone_layout.c \
	src/kernel/preempt.c \
	src/kernel/ksyms.c src/kernel/live_walk.c
MODEL_SRCS := src/model/tracker.c src/model/leaks.c src/model/pins.c \
	src/model/waits.c src/model/kallocs.c src/model/usage.c \
	src/model/intake.c src/model/setups.c
OUTPUT_SRCS := src/output/table.c src/output/objects.c src/output/report.c \
	src/output/metrics.c src/output/ndjson.c src/output/outfile.c \
	src/output/listen.c
HTTP_SRCS := src/output/http.c src/output/p11_kit_stubs.c
SYS_SRCS := src/sys/privs.c src/sys/runcmd.c src/sys/cgroup.c
CMD_SRCS := src/cmd/daemon.c src/cmd/run.c src/cmd/features.c src/cmd/replay.c
# A recording of what the session takes in, and its replay.
RECORD_SRCS := src/record/writer.c src/record/reader.c src/record/record.c \
	src/record/head.c src/record/replay.c
# The tracker and outputs know nothing of BPF: unit tests link them alone.
CORE_SRCS := $(MODEL_SRCS) $(OUTPUT_SRCS) src/sys/cgroup.c src/kernel/zone_layout.c \
	src/kernel/preempt.c \
	src/kernel/ksyms.c src/kernel/live_walk.c src/options.c $(RECORD_SRCS)
DAEMON_SRCS := src/main.c src/session.c src/options.c $(CMD_SRCS) \
	$(SYS_SRCS) $(KERNEL_SRCS) $(MODEL_SRCS) $(OUTPUT_SRCS) $(HTTP_SRCS) \
	$(RECORD_SRCS)

obj = $(patsubst src/%.c,$(OUT)/%.o,$(1))
asan_obj = $(patsubst src/%.c,$(ASAN)/%.o,$(1))

UNIT_TESTS := $(addprefix $(OUT)/tests/unit/,test_tracker test_output \
	test_leaks test_options test_http test_ndjson test_privs test_ksyms \
	test_records test_recording)

.PHONY: all clean test unit-test vm-test demo format check-format bench
# the sanitized objects are intermediates of a pattern chain: keep them
.SECONDARY: $(call asan_obj,$(sort $(DAEMON_SRCS))) $(ASAN)/webpage.o

all: zdevmon

# the BPF programs and their skeleton
$(OUT)/zdev.bpf.o: bpf/zdev.bpf.c vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@

# the loader includes the skeleton: there before its first compile
$(call obj,src/kernel/probe.c) $(call obj,src/kernel/kstate.c): $(OUT)/zdev.skel.h

$(OUT)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(call obj,src/output/p11_kit_stubs.c): CFLAGS += -I/usr/include/p11-kit-1
$(call asan_obj,src/output/p11_kit_stubs.c): CFLAGS += -I/usr/include/p11-kit-1

# the page served at /, as a C string
$(OUT)/webpage.c: src/output/web/index.html
	@mkdir -p $(@D)
	{ echo '#include "output/webpage.h"'; \
	  echo 'const char webpage_html[] ='; \
	  sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t"/; s/$$/\\n"/' $<; \
	  echo ';'; } > $@

$(OUT)/webpage.o: $(OUT)/webpage.c
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(ASAN)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(ASAN)/webpage.o: $(OUT)/webpage.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -c $< -o $@

zdevmon: $(call obj,$(DAEMON_SRCS)) $(OUT)/webpage.o
	$(CC) $(CFLAGS) -static -o $@ $^ $(HTTP_LIBS) $(LDLIBS)

# Unit tests, not -static: the sanitizer runtimes want a dynamic executable
$(OUT)/tests/unit/%: tests/unit/%.c $(call asan_obj,$(CORE_SRCS))
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) $(TEST_LDFLAGS) -Itests/unit -o $@ $< \
		$(call asan_obj,$(CORE_SRCS)) -lcmocka $(LDLIBS)

# a short write on demand: a disk filling up mid-line
$(OUT)/tests/unit/test_ndjson: TEST_LDFLAGS := -Wl,--wrap=writev -Wl,--wrap=rename

# capabilities and identity, libcap alone
$(OUT)/tests/unit/test_privs: tests/unit/test_privs.c $(call asan_obj,src/sys/privs.c)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -o $@ $< $(filter %.o,$^) \
		-lcmocka -l:libcap.a -lpthread

# the HTTP server alone, with its libraries and the page it serves
HTTP_TEST_SRCS := $(HTTP_SRCS) src/options.c src/output/listen.c \
	src/output/ndjson.c src/output/outfile.c
$(OUT)/tests/unit/test_http: tests/unit/test_http.c \
		$(call asan_obj,$(HTTP_TEST_SRCS)) $(ASAN)/webpage.o
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -o $@ $< $(filter %.o,$^) \
		-lcmocka $(HTTP_LIBS) $(LDLIBS)

# the HTTP endpoint serving a captured snapshot: the page's browser test
$(OUT)/webserve: tests/web/webserve.c $(call obj,$(HTTP_TEST_SRCS)) \
		$(OUT)/webpage.o
	$(CC) $(CFLAGS) $(DEPFLAGS) -o $@ $< $(filter %.o,$^) \
		$(HTTP_LIBS) $(LDLIBS)

# libFuzzer harnesses (tests/fuzz), clang's, under ASan and UBSan; their
# objects apart again (build/fuzz), instrumented for coverage
FUZZ := $(OUT)/fuzz
FUZZ_FLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
fuzz_obj = $(patsubst src/%.c,$(FUZZ)/%.o,$(1))
FUZZERS := $(FUZZ)/fuzz_options $(FUZZ)/fuzz_ksyms $(FUZZ)/fuzz_http \
	$(FUZZ)/fuzz_replay
.SECONDARY: $(call fuzz_obj,$(sort $(DAEMON_SRCS)))
$(call fuzz_obj,src/kernel/probe.c src/kernel/kstate.c): $(OUT)/zdev.skel.h

$(FUZZ)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CLANG) $(filter-out -Werror,$(CFLAGS)) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer-no-link $(DEPFLAGS) -c $< -o $@

$(call fuzz_obj,src/output/p11_kit_stubs.c): CFLAGS += -I/usr/include/p11-kit-1

$(FUZZ)/fuzz_options: tests/fuzz/fuzz_options.c \
		$(call fuzz_obj,src/options.c src/output/listen.c \
		src/output/ndjson.c src/output/outfile.c)
	$(CLANG) $(filter-out -Werror,$(CFLAGS)) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer $(DEPFLAGS) -o $@ $< $(filter %.o,$^)

$(FUZZ)/fuzz_ksyms: tests/fuzz/fuzz_ksyms.c $(call fuzz_obj,src/kernel/ksyms.c)
	$(CLANG) $(filter-out -Werror,$(CFLAGS)) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer $(DEPFLAGS) -o $@ $< $(filter %.o,$^)

$(FUZZ)/fuzz_http: tests/fuzz/fuzz_http.c \
		$(call fuzz_obj,$(HTTP_TEST_SRCS)) $(OUT)/webpage.o
	$(CLANG) $(filter-out -Werror,$(CFLAGS)) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer $(DEPFLAGS) -o $@ $< $(filter %.o,$^) \
		$(HTTP_LIBS) $(LDLIBS)

# the whole replay: every object of the daemon but main's
$(FUZZ)/fuzz_replay: tests/fuzz/fuzz_replay.c \
		$(call fuzz_obj,$(filter-out src/main.c,$(DAEMON_SRCS))) \
		$(OUT)/webpage.o
	$(CLANG) $(filter-out -Werror,$(CFLAGS)) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer $(DEPFLAGS) -o $@ $< $(filter %.o,$^) \
		$(HTTP_LIBS) $(LDLIBS)

# A bounded run of each (make test: FUZZ_SECONDS each), its crashes and
# committed regressions replayed; make fuzz: five minutes each.
fuzz: $(FUZZERS)
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} tests/fuzz/run.sh $(FUZZERS)

# the cmocka tests, then recordings of guest scenarios replayed
unit-test: $(UNIT_TESTS) zdevmon
	@tests/run-unit.sh $(UNIT_TESTS) && tests/host/fixtures.sh

vm-test: zdevmon $(OUT)/migcount
	@tests/vm/test.sh

# The README's test command: unit tests, then every guest scenario.
test: zdevmon $(UNIT_TESTS) $(FUZZERS) $(OUT)/webserve $(OUT)/migcount
	@tests/run-all.sh $(UNIT_TESTS)

demo: zdevmon $(OUT)/migcount
	@tests/vm/demo.sh

# make bench's reference: a bare fentry counter (tests/bench)
$(OUT)/barecount.bpf.o: tests/bench/barecount.bpf.c vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUT)/barecount: tests/bench/barecount.c $(OUT)/barecount.skel.h \
		$(call obj,src/kernel/zone_layout.c)
	$(CC) $(CFLAGS) $(DEPFLAGS) -static -o $@ $< $(filter %.o,$^) $(LDLIBS)

# the guest tests' second, minimal counter of device-private traffic
$(OUT)/migcount.bpf.o: tests/vm/truth/migcount.bpf.c vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUT)/migcount: tests/vm/truth/migcount.c $(OUT)/migcount.skel.h
	$(CC) $(CFLAGS) $(DEPFLAGS) -static -o $@ $< $(LDLIBS)

bench: zdevmon $(OUT)/barecount $(OUT)/migcount $(OUT)/mkrecording
	@tests/bench/replay.sh
	@tests/vm/bench.sh

# make bench's replay workload: a recording made without a kernel
$(OUT)/mkrecording: tests/bench/mkrecording.c $(call obj,src/record/writer.c \
		src/record/head.c src/output/outfile.c)
	$(CC) $(CFLAGS) $(DEPFLAGS) -o $@ $< $(filter %.o,$^) $(LDLIBS)

# .clang-format (the kernel's style) over every C file we own
FORMAT_FILES = $(shell find src include bpf tests/unit tests/fuzz -name '*.[ch]')

format:
	$(CLANG_FORMAT) -i $(FORMAT_FILES)

check-format:
	$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf $(OUT) zdevmon

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
