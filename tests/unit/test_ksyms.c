// SPDX-License-Identifier: GPL-2.0
/*
 * The kallsyms symbolizer on fabricated /proc/kallsyms and /proc/modules:
 * an address resolves only inside kernel text or inside its module.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "fake_file.h"
#include "kernel/ksyms.h"

/* Core text, init text, then two modules and a BPF program. */
static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000100 T do_one\n"
	"ffffffff81000200 t helper\n"
	"ffffffff81e00000 T _etext\n"
	"ffffffff81e00010 D some_data\n"
	"ffffffff82000000 T _sinittext\n"
	"ffffffff82000100 t init_fn\n"
	"ffffffff82100000 T _einittext\n"
	"ffffffffc0001000 t bpf_prog_6deef7357e7b4530_page_init\t[bpf]\n"
	"ffffffffc0100000 t zl_alloc_page\t[zdev_leak]\n"
	"ffffffffc0100100 t zl_ioctl\t[zdev_leak]\n"
	"ffffffffc0200000 T other_fn\t[other]\n"
	"ffffffffc0300000 t stray_fn\t[other]\n";
static const char modules[] =
	"zdev_leak 16384 0 - Live 0xffffffffc0100000 (O)\n"
	"other 8192 1 zdev_leak, Live 0xffffffffc0200000\n";

static struct ksyms *load(const char *syms, const char *mods)
{
	int kfd = fake_file(syms), mfd = mods ? fake_file(mods) : -1;
	struct ksyms *ks = ksyms_load_fds(kfd, mfd);

	close(kfd);
	if (mfd >= 0)
		close(mfd);
	return ks;
}

static void expect(const struct ksyms *ks, uint64_t addr, const char *text)
{
	char buf[128];
	bool found = ksyms_format(ks, addr, buf, sizeof(buf));

	assert_string_equal(buf, text);
	assert_true(found == (strcmp(text, "?") != 0));
}

static void test_empty(void **state)
{
	struct ksyms *ks = load("", NULL);

	assert_non_null(ks);
	expect(ks, 0xffffffff81000100ULL, "?");
	assert_null(ksyms_module(ks, 0xffffffff81000100ULL));
	ksyms_free(ks);
	/* hidden addresses (kptr_restrict) make an empty table too */
	ks = load("0000000000000000 T do_one\n", NULL);
	expect(ks, 0x10, "?");
	ksyms_free(ks);
	expect(NULL, 0x10, "?");
}

static void test_plain_symbol(void **state)
{
	struct ksyms *ks = load(kallsyms, modules);

	expect(ks, 0xffffffff81000105ULL, "do_one+0x5");
	expect(ks, 0xffffffff81000300ULL, "helper+0x100");
	expect(ks, 0xffffffff82000180ULL, "init_fn+0x80");
	assert_null(ksyms_module(ks, 0xffffffff81000105ULL));
	expect(ks, 0xffffffff80000000ULL, "?"); /* below everything */
	ksyms_free(ks);
}

/* A function's extent: up to the next symbol; modules' are not found. */
static void test_extent(void **state)
{
	struct ksyms *ks = load(kallsyms, modules);
	uint64_t lo = 0, hi = 0;

	assert_true(ksyms_extent(ks, "do_one", &lo, &hi));
	assert_int_equal(lo, 0xffffffff81000100ULL);
	assert_int_equal(hi, 0xffffffff81000200ULL);
	assert_false(ksyms_extent(ks, "no_such_function", &lo, &hi));
	ksyms_free(ks);
}

/* Past _etext and past _einittext: no function there. */
static void test_past_the_end(void **state)
{
	struct ksyms *ks = load(kallsyms, modules);

	expect(ks, 0xffffffff81e00008ULL, "?");
	expect(ks, 0xffffffff81f00000ULL, "?");
	expect(ks, 0xffffffff82100000ULL, "?");
	expect(ks, 0xffffffffbc80a964ULL, "?");
	ksyms_free(ks);

	/* without _etext, the core's last symbol bounds nothing */
	ks = load("ffffffff81000100 T do_one\n", NULL);
	expect(ks, 0xffffffff81000105ULL, "?");
	ksyms_free(ks);
}

static void test_module_symbol(void **state)
{
	struct ksyms *ks = load(kallsyms, modules);

	expect(ks, 0xffffffffc0100046ULL, "zl_alloc_page+0x46 [zdev_leak]");
	expect(ks, 0xffffffffc0103fffULL, "zl_ioctl+0x3eff [zdev_leak]");
	assert_string_equal(ksyms_module(ks, 0xffffffffc0100146ULL),
			    "zdev_leak");
	/* BPF is no module of /proc/modules: up to the next symbol */
	expect(ks, 0xffffffffc0001010ULL,
	       "bpf_prog_6deef7357e7b4530_page_init+0x10 [bpf]");
	assert_string_equal(ksyms_module(ks, 0xffffffffc0001010ULL), "bpf");
	ksyms_free(ks);
}

/* [address, address + size) of /proc/modules bounds its symbols. */
static void test_module_bound(void **state)
{
	struct ksyms *ks = load(kallsyms, modules);

	expect(ks, 0xffffffffc0104000ULL, "?"); /* zdev_leak ends here */
	assert_null(ksyms_module(ks, 0xffffffffc0104000ULL));
	expect(ks, 0xffffffffc0202000ULL, "?"); /* other ends here */
	expect(ks, 0xffffffffc0300010ULL, "?"); /* a symbol past its module */
	ksyms_free(ks);

	/* no extents known: the last symbol reaches nowhere known */
	ks = load(kallsyms, NULL);
	expect(ks, 0xffffffffc0104000ULL, "zl_ioctl+0x3f00 [zdev_leak]");
	expect(ks, 0xffffffffc0300010ULL, "?");
	ksyms_free(ks);
}

/*
 * Lines that are not "addr type name[\t[module]]" are skipped, the rest
 * kept; modules listed before the kernel's own symbols are sorted in.
 */
static void test_malformed_and_unsorted(void **state)
{
	struct ksyms *ks = load("ffffffffc0200000 T other_fn\t[other]\n"
				"zzzz T not_hex\n"
				"ffffffff81000300\n"
				"ffffffff81000400 T\n"
				"ffffffff81000500 Tx glued\n"
				"ffffffff81000000 T _stext\n"
				"ffffffff81000100 T do_one\n"
				"ffffffff81e00000 T _etext\n",
				modules);

	expect(ks, 0xffffffff81000105ULL, "do_one+0x5");
	/* the glued line is no symbol: do_one still reaches past it */
	expect(ks, 0xffffffff81000505ULL, "do_one+0x405");
	expect(ks, 0xffffffffc0200004ULL, "other_fn+0x4 [other]");
	ksyms_free(ks);
}

/* The kernel's own "%pS", in ksyms_format()'s form. */
static void test_from_pS(void **state)
{
	char buf[64];

	assert_true(ksyms_from_pS("dmirror_devmem_fault+0x0/0x1e0 [test_hmm]",
				  buf, sizeof(buf)));
	assert_string_equal(buf, "dmirror_devmem_fault+0x0 [test_hmm]");
	assert_true(ksyms_from_pS("do_sys_open+0x5/0x90", buf, sizeof(buf)));
	assert_string_equal(buf, "do_sys_open+0x5");
	/* no symbol there: the address itself */
	assert_false(ksyms_from_pS("0xffffffffc0201000", buf, sizeof(buf)));
	assert_false(ksyms_from_pS("", buf, sizeof(buf)));
	assert_false(ksyms_from_pS("odd+name", buf, sizeof(buf)));
	/* cut to the buffer, terminated */
	assert_true(ksyms_from_pS("a_long_name+0x10/0x20 [mod]", buf, 8));
	assert_string_equal(buf, "a_long_");
}

/* Loaded twice from the same fds, which stay open, from their start. */
static void test_reload_fds(void **state)
{
	int kfd = fake_file(kallsyms), mfd = fake_file(modules);
	struct ksyms *ks = ksyms_load_fds(kfd, mfd);

	assert_non_null(ks);
	ksyms_free(ks);
	ks = ksyms_load_fds(kfd, mfd);
	assert_non_null(ks);
	expect(ks, 0xffffffffc0100046ULL, "zl_alloc_page+0x46 [zdev_leak]");
	expect(ks, 0xffffffffc0104000ULL, "?");
	ksyms_free(ks);
	assert_int_equal(close(kfd), 0);
	assert_int_equal(close(mfd), 0);
	assert_null(ksyms_load_fds(-1, -1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_plain_symbol),
		cmocka_unit_test(test_extent),
		cmocka_unit_test(test_past_the_end),
		cmocka_unit_test(test_module_symbol),
		cmocka_unit_test(test_module_bound),
		cmocka_unit_test(test_malformed_and_unsorted),
		cmocka_unit_test(test_from_pS),
		cmocka_unit_test(test_reload_fds),
	};

	return cmocka_run_group_tests_name("ksyms", tests, NULL, NULL);
}
