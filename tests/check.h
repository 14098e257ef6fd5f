/*
 * check.h - the unit-test harness: CHECK macros that report file, line and
 * both values, and a summary return code. A test program returns
 * CHECK_DONE(); ctest treats 77 as "skipped" (CHECK_SKIP).
 */
#ifndef CBPF_TEST_CHECK_H
#define CBPF_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static long check_count;

#define CHECK_FAIL_LIMIT 50

#define CHECK_REPORT_(...)                                                     \
	do {                                                                   \
		if (++check_failures <= CHECK_FAIL_LIMIT)                      \
			fprintf(stderr, __VA_ARGS__);                          \
	} while (0)

#define CHECK(cond)                                                            \
	do {                                                                   \
		check_count++;                                                 \
		if (!(cond))                                                   \
			CHECK_REPORT_("%s:%d: CHECK(%s) failed\n", __FILE__,   \
				      __LINE__, #cond);                        \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);               \
		check_count++;                                                 \
		if (a_ != b_)                                                  \
			CHECK_REPORT_("%s:%d: %s == %s failed: 0x%" PRIx64     \
				      " (%" PRIu64 ") != 0x%" PRIx64           \
				      " (%" PRIu64 ")\n",                      \
				      __FILE__, __LINE__, #a, #b, a_, a_, b_, b_); \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		check_count++;                                                 \
		if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)           \
			CHECK_REPORT_("%s:%d: %s == %s failed:\n  got:  %s\n"  \
				      "  want: %s\n", __FILE__, __LINE__, #a,  \
				      #b, a_ ? a_ : "(null)",                  \
				      b_ ? b_ : "(null)");                     \
	} while (0)

#define CHECK_SKIP 77

#define CHECK_DONE()                                                           \
	(fprintf(stderr, "%ld checks, %d failed\n", check_count,               \
		 check_failures),                                              \
	 check_failures ? 1 : 0)

#endif
