# zdevmon: one static binary (libbpf-bootstrap layout).
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
CLANG_FORMAT ?= clang-format
ARCH := x86
VERSION := 0.1.0

OUT := build
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) \
	-fms-extensions -Wno-microsoft-anon-tag -Wall -I. -Isrc -Ibpf
CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -std=gnu11 -Isrc -I$(OUT) \
	-DZDEVMON_VERSION='"$(VERSION)"'
# Unit tests run under ASan and UBSan, any finding fatal; their objects are
# built apart (build/asan) so the static release binary never gets them.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
ASAN := $(OUT)/asan
TEST_CFLAGS = $(CFLAGS) $(SAN_FLAGS)
LDLIBS := -l:libbpf.a -l:libelf.a -l:libz.a -l:libjson-c.a -l:libcap.a -lm
# libmicrohttpd.a pulls in GnuTLS; Debian has every static archive of it
# but p11-kit's (src/p11_kit_stubs.c stands in)
HTTP_LIBS := -l:libmicrohttpd.a -l:libgnutls.a -l:libhogweed.a \
	-l:libnettle.a -l:libgmp.a -l:libtasn1.a -l:libidn2.a \
	-l:libunistring.a -lpthread

# The tracker and outputs know nothing of BPF: unit tests link them alone.
CORE_SRCS := src/tracker.c src/output.c src/zone_layout.c src/options.c \
	src/leaks.c src/report.c src/ksyms.c src/metrics.c src/ndjson.c \
	src/outfile.c
DAEMON_SRCS := src/zdevmon.c src/run.c src/runcmd.c src/probe.c src/http.c \
	src/privs.c \
	src/p11_kit_stubs.c $(CORE_SRCS)
UNIT_TESTS := tests/unit/test_tracker tests/unit/test_output tests/unit/test_leaks \
	tests/unit/test_options tests/unit/test_http tests/unit/test_ndjson \
	tests/unit/test_privs tests/unit/test_ksyms

.PHONY: all clean test unit-test vm-test demo format check-format bench
# the sanitized objects are intermediates of a pattern chain: keep them
.SECONDARY: $(patsubst src/%.c,$(ASAN)/%.o,$(DAEMON_SRCS)) $(ASAN)/webpage.o

all: zdevmon

$(OUT):
	mkdir -p $@

$(OUT)/zdev.bpf.o: bpf/zdev.bpf.c bpf/compat.bpf.h src/zdev.h vmlinux.h | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/zdev.skel.h: $(OUT)/zdev.bpf.o
	$(BPFTOOL) gen skeleton $< name zdev > $@

$(OUT)/probe.o: $(OUT)/zdev.skel.h

$(OUT)/%.o: src/%.c src/*.h | $(OUT)
	$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/p11_kit_stubs.o: src/p11_kit_stubs.c | $(OUT)
	$(CC) $(CFLAGS) -I/usr/include/p11-kit-1 -c $< -o $@

# the page served at /, as a C string
$(OUT)/webpage.c: src/web/index.html | $(OUT)
	{ echo '#include "webpage.h"'; echo 'const char webpage_html[] ='; \
	  sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t"/; s/$$/\\n"/' $<; \
	  echo ';'; } > $@

$(OUT)/webpage.o: $(OUT)/webpage.c
	$(CC) $(CFLAGS) -c $< -o $@

$(ASAN):
	mkdir -p $@

$(ASAN)/%.o: src/%.c src/*.h | $(ASAN)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

$(ASAN)/p11_kit_stubs.o: src/p11_kit_stubs.c | $(ASAN)
	$(CC) $(TEST_CFLAGS) -I/usr/include/p11-kit-1 -c $< -o $@

$(ASAN)/webpage.o: $(OUT)/webpage.c | $(ASAN)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

zdevmon: $(patsubst src/%.c,$(OUT)/%.o,$(DAEMON_SRCS)) $(OUT)/webpage.o
	$(CC) $(CFLAGS) -static -o $@ $^ $(HTTP_LIBS) $(LDLIBS)

# not -static: the sanitizer runtimes want a dynamic executable
tests/unit/%: tests/unit/%.c $(patsubst src/%.c,$(ASAN)/%.o,$(CORE_SRCS)) tests/unit/events.h
	$(CC) $(TEST_CFLAGS) $(TEST_LDFLAGS) -Itests/unit -o $@ $< \
		$(patsubst src/%.c,$(ASAN)/%.o,$(CORE_SRCS)) -lcmocka $(LDLIBS)

# a short write on demand: a disk filling up mid-line
tests/unit/test_ndjson: TEST_LDFLAGS := -Wl,--wrap=writev -Wl,--wrap=rename

# capabilities and identity, libcap alone
tests/unit/test_privs: tests/unit/test_privs.c $(ASAN)/privs.o
	$(CC) $(TEST_CFLAGS) -o $@ $^ -lcmocka -l:libcap.a -lpthread

# the HTTP server alone, with its libraries and the page it serves
tests/unit/test_http: tests/unit/test_http.c $(ASAN)/http.o $(ASAN)/options.o \
		$(ASAN)/ndjson.o $(ASAN)/outfile.o $(ASAN)/webpage.o \
		$(ASAN)/p11_kit_stubs.o
	$(CC) $(TEST_CFLAGS) -o $@ $^ -lcmocka $(HTTP_LIBS) $(LDLIBS)

# the HTTP endpoint serving a captured snapshot: the page's browser test
$(OUT)/webserve: tests/web/webserve.c $(OUT)/http.o $(OUT)/options.o \
		$(OUT)/ndjson.o $(OUT)/outfile.o $(OUT)/webpage.o $(OUT)/p11_kit_stubs.o
	$(CC) $(CFLAGS) -o $@ $^ $(HTTP_LIBS) $(LDLIBS)

unit-test: $(UNIT_TESTS)
	@tests/run-unit.sh $(UNIT_TESTS)

vm-test: zdevmon $(OUT)/migcount
	@tests/vm/run.sh

# The README's test command: unit tests, then every guest scenario.
test: zdevmon $(UNIT_TESTS) $(OUT)/webserve $(OUT)/migcount
	@tests/run-all.sh $(UNIT_TESTS)

demo: zdevmon $(OUT)/migcount
	@tests/vm/run.sh --demo

# make bench's reference: a bare fentry counter (tests/bench)
$(OUT)/barecount.bpf.o: tests/bench/barecount.bpf.c vmlinux.h | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/barecount.skel.h: $(OUT)/barecount.bpf.o
	$(BPFTOOL) gen skeleton $< name barecount > $@

$(OUT)/barecount: tests/bench/barecount.c $(OUT)/barecount.skel.h
	$(CC) $(CFLAGS) -static -o $@ $< $(LDLIBS)

# the guest tests' second, minimal counter of device-private traffic
$(OUT)/migcount.bpf.o: tests/vm/truth/migcount.bpf.c vmlinux.h | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/migcount.skel.h: $(OUT)/migcount.bpf.o
	$(BPFTOOL) gen skeleton $< name migcount > $@

$(OUT)/migcount: tests/vm/truth/migcount.c $(OUT)/migcount.skel.h
	$(CC) $(CFLAGS) -static -o $@ $< $(LDLIBS)

bench: zdevmon $(OUT)/barecount $(OUT)/migcount
	@tests/vm/run.sh --bench

format:
	$(CLANG_FORMAT) -i src/*.c src/*.h bpf/*.c bpf/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf $(OUT) zdevmon $(UNIT_TESTS)
