// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: guest memory table and address translation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_common.h"

#define PAGE		4096u
#define R0_GPA		0x100000ull
#define R1_GPA		0x200000ull	/* directly after R0 in gpa space */
#define R_SIZE		0x100000ull
#define R0_UA		0x7f0000000000ull
#define R1_UA		0x7f0000100000ull

struct fixture {
	int fd;
	uint8_t *view;
	struct vhu_log log;
	struct vhu_mem mem;
};

/* Two adjacent 1 MiB regions backed by one 2 MiB memfd. */
static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.fd = memfd_create("vhu-test-mem", MFD_CLOEXEC);
	if (f.fd < 0 || ftruncate(f.fd, 2 * R_SIZE) < 0)
		return -1;
	f.view = mmap(NULL, 2 * R_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0);
	if (f.view == MAP_FAILED)
		return -1;
	vhu_log_init(&f.log, "test_mem");
	f.log.quiet = true;
	vhu_mem_init(&f.mem, &f.log);
	if (vhu_mem_add(&f.mem, R0_GPA, R_SIZE, R0_UA, 0, f.fd) ||
	    vhu_mem_add(&f.mem, R1_GPA, R_SIZE, R1_UA, R_SIZE, f.fd))
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vhu_mem_clear(&f->mem);
	munmap(f->view, 2 * R_SIZE);
	close(f->fd);
	return 0;
}

static void test_inside_region(void **state)
{
	struct fixture *f = *state;
	uint8_t *p;

	p = vhu_gpa_to_va(&f->mem, R0_GPA + 0x10, 16);
	assert_non_null(p);
	f->view[0x10] = 0xab;
	assert_int_equal(p[0], 0xab);

	/* second region maps the second half of the fd (mmap_offset) */
	p = vhu_gpa_to_va(&f->mem, R1_GPA, R_SIZE);
	assert_non_null(p);
	f->view[R_SIZE + 5] = 0xcd;
	assert_int_equal(p[5], 0xcd);

	/* the last byte of a region */
	assert_non_null(vhu_gpa_to_va(&f->mem, R1_GPA + R_SIZE - 1, 1));
	assert_int_equal(f->log.errors, 0);
}

static void test_user_addresses(void **state)
{
	struct fixture *f = *state;
	uint8_t *p = vhu_uva_to_va(&f->mem, R1_UA + 0x20, 8);

	assert_non_null(p);
	f->view[R_SIZE + 0x20] = 0x5a;
	assert_int_equal(p[0], 0x5a);
	/* a user address is not a guest address */
	assert_null(vhu_gpa_to_va(&f->mem, R1_UA + 0x20, 8));
	assert_null(vhu_uva_to_va(&f->mem, R0_GPA, 8));
}

static void test_straddle_refused(void **state)
{
	struct fixture *f = *state;

	/* adjacent in gpa space, but still two regions: refused */
	assert_null(vhu_gpa_to_va(&f->mem, R1_GPA - 8, 16));
	assert_non_null(strstr(f->log.last_error, "0x1ffff8"));
	assert_non_null(strstr(f->log.last_error, "len 0x10"));
	assert_non_null(strstr(f->log.last_error, "not inside one guest memory region"));
	assert_null(vhu_uva_to_va(&f->mem, R0_UA + R_SIZE - 1, 2));
}

static void test_past_end_refused(void **state)
{
	struct fixture *f = *state;
	unsigned long errs = f->log.errors;

	assert_null(vhu_gpa_to_va(&f->mem, R1_GPA + R_SIZE, 1));
	assert_null(vhu_gpa_to_va(&f->mem, R1_GPA + R_SIZE - 4, 8));
	assert_null(vhu_gpa_to_va(&f->mem, R0_GPA - 1, 1));
	assert_null(vhu_gpa_to_va(&f->mem, 0, 1));
	assert_null(vhu_gpa_to_va(&f->mem, R0_GPA, 2 * R_SIZE + 1));
	assert_int_equal(f->log.errors, errs + 5);
}

static void test_overflow_refused(void **state)
{
	struct fixture *f = *state;

	assert_null(vhu_gpa_to_va(&f->mem, R0_GPA, UINT64_MAX));
	assert_non_null(strstr(f->log.last_error, "wraps"));
	assert_null(vhu_gpa_to_va(&f->mem, UINT64_MAX - 3, 8));
	assert_non_null(strstr(f->log.last_error, "wraps"));
	assert_null(vhu_gpa_to_va(&f->mem, R0_GPA + 16, UINT64_MAX - 15));
	assert_null(vhu_uva_to_va(&f->mem, R0_UA, UINT64_MAX));
}

static void test_zero_regions_refused(void **state)
{
	struct vhu_log log;
	struct vhu_mem mem;

	(void)state;
	vhu_log_init(&log, "test_mem");
	log.quiet = true;
	vhu_mem_init(&mem, &log);
	assert_null(vhu_gpa_to_va(&mem, 0x1000, 1));
	assert_non_null(strstr(log.last_error, "0 regions"));
	assert_null(vhu_uva_to_va(&mem, 0x1000, 0));
	assert_int_equal(log.errors, 2);
}

static void test_bad_regions_refused(void **state)
{
	struct fixture *f = *state;
	unsigned int n = f->mem.nregions;

	/* overlapping gpa */
	assert_int_not_equal(vhu_mem_add(&f->mem, R0_GPA + PAGE, PAGE, 0x1000, 0, f->fd), 0);
	/* zero size, wrapping, no fd */
	assert_int_not_equal(vhu_mem_add(&f->mem, 0x10000000, 0, 0x1000, 0, f->fd), 0);
	assert_int_not_equal(vhu_mem_add(&f->mem, UINT64_MAX - PAGE + 1, 2 * PAGE,
					 0x1000, 0, f->fd), 0);
	assert_int_not_equal(vhu_mem_add(&f->mem, 0x10000000, PAGE, 0x1000, 0, -1), 0);
	assert_int_equal(f->mem.nregions, n);
}

static void test_unaligned_mmap_offset(void **state)
{
	struct fixture *f = *state;
	uint8_t *p;

	/* a region starting in the middle of a page of the fd */
	assert_int_equal(vhu_mem_add(&f->mem, 0x10000000, PAGE, 0x7e0000000000ull,
				     PAGE + 0x123, f->fd), 0);
	f->view[PAGE + 0x123] = 0x77;
	p = vhu_gpa_to_va(&f->mem, 0x10000000, 1);
	assert_non_null(p);
	assert_int_equal(*p, 0x77);
	assert_int_equal(vhu_mem_remove(&f->mem, 0x10000000, PAGE, 0x7e0000000000ull), 0);
	assert_null(vhu_gpa_to_va(&f->mem, 0x10000000, 1));
}

static void test_remove_region(void **state)
{
	struct fixture *f = *state;

	assert_int_not_equal(vhu_mem_remove(&f->mem, R0_GPA, R_SIZE, R0_UA + 1), 0);
	assert_int_equal(vhu_mem_remove(&f->mem, R0_GPA, R_SIZE, R0_UA), 0);
	assert_int_equal(f->mem.nregions, 1);
	assert_null(vhu_gpa_to_va(&f->mem, R0_GPA, 1));
	assert_non_null(vhu_gpa_to_va(&f->mem, R1_GPA, 1));
}

static void test_error_goes_to_stderr(void **state)
{
	struct fixture *f = *state;
	char buf[512] = { 0 };
	FILE *tmp = tmpfile();
	int saved;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	f->log.quiet = false;
	assert_null(vhu_gpa_to_va(&f->mem, 0xdead0000, 0x40));
	f->log.quiet = true;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	assert_true(fread(buf, 1, sizeof(buf) - 1, tmp) > 0);
	fclose(tmp);
	assert_non_null(strstr(buf, "test_mem: guest address 0xdead0000 len 0x40"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inside_region, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_straddle_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_past_end_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_refused, setup, teardown),
		cmocka_unit_test(test_zero_regions_refused),
		cmocka_unit_test_setup_teardown(test_bad_regions_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unaligned_mmap_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_region, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_goes_to_stderr, setup, teardown),
	};

	return cmocka_run_group_tests_name("vhu_mem", tests, NULL, NULL);
}
