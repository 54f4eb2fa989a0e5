// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: split virtqueue parsing, validation and notification.
 *
 * The test plays the driver: it writes descriptors and the avail ring into
 * a memfd-backed fake guest memory, and checks what the back-end side
 * (struct vhu_vq) makes of them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_common.h"

#define NUM	16
#define D(off)	g_gpa(G_DATA_OFF + (off))	/* a data buffer gpa */
#define IND_OFF	0x20000				/* indirect table offset */

static int setup(void **state)
{
	static struct guest g;

	if (guest_setup(&g, NUM))
		return -1;
	*state = &g;
	return 0;
}

static int teardown(void **state)
{
	guest_teardown(*state);
	return 0;
}

/* Pop expecting a guest error; returns the error code. */
static int pop_error(struct guest *g)
{
	struct vhu_elem *e;
	int err = 0;

	e = vhu_vq_pop(&g->vq, &err);
	assert_null(e);
	assert_true(err < 0);
	assert_true(g->vq.broken);
	return err;
}

static void test_valid_chain(void **state)
{
	struct guest *g = *state;
	struct vhu_elem *e;
	int err;

	memcpy(g->base + G_DATA_OFF, "request!", 8);
	g_desc(g, 3, D(0), 8, VRING_DESC_F_NEXT, 7);
	g_desc(g, 7, D(0x100), 32, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	g_desc(g, 1, D(0x200), 0, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);	/* empty */
	g_desc(g, 2, D(0x300), 16, VRING_DESC_F_WRITE, 0);
	g_avail_push(g, 3);

	e = vhu_vq_pop(&g->vq, &err);
	assert_non_null(e);
	assert_int_equal(err, 0);
	assert_int_equal(e->head, 3);
	assert_int_equal(e->out_num, 1);
	assert_int_equal(e->in_num, 2);
	assert_int_equal(e->out_len, 8);
	assert_int_equal(e->in_len, 48);
	/* the back-end's mapping is another view of the same guest memory */
	assert_memory_equal(e->out_sg[0].iov_base, "request!", 8);
	memcpy(e->in_sg[1].iov_base, "reply", 5);
	assert_memory_equal(g->base + G_DATA_OFF + 0x300, "reply", 5);

	/* nothing more */
	assert_null(vhu_vq_pop(&g->vq, &err));
	assert_int_equal(err, 0);

	assert_int_equal(vhu_vq_push(&g->vq, e, 40), 0);
	vhu_elem_free(e);
	assert_int_equal(g_used_idx(g), 1);
	assert_int_equal(g_used_elem(g, 0).id, 3);
	assert_int_equal(g_used_elem(g, 0).len, 40);
	assert_int_equal(g->vq.inflight, 0);
	assert_int_equal(g->log.errors, 0);
}

static void test_desc_outside_memory_refused(void **state)
{
	struct guest *g = *state;
	uint64_t bad = G_GPA + G_SIZE + 0x1000;
	char buf[1024] = { 0 };
	FILE *tmp = tmpfile();
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int saved, err;

	g->vq.err_fd = efd;
	g_desc(g, 0, D(0), 8, VRING_DESC_F_NEXT, 1);
	g_desc(g, 1, bad, 64, VRING_DESC_F_WRITE, 0);
	g_avail_push(g, 0);

	/* the refusal must be reported on stderr */
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	g->log.quiet = false;
	err = pop_error(g);
	g->log.quiet = true;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	assert_true(fread(buf, 1, sizeof(buf) - 1, tmp) > 0);
	fclose(tmp);

	assert_int_equal(err, -EFAULT);
	assert_non_null(strstr(buf, "test: guest address 0x40101000 len 0x40"));
	assert_non_null(strstr(buf, "is not inside one guest memory region"));
	assert_non_null(strstr(buf, "outside guest memory"));
	assert_non_null(strstr(g->log.last_error, "descriptor 1 (addr 0x40101000 len 64)"));
	/* nothing was consumed or returned, the error eventfd fired */
	assert_int_equal(g->vq.last_avail_idx, 0);
	assert_int_equal(g_used_idx(g), 0);
	assert_int_equal(eventfd_take(efd), 1);

	/* a broken queue is left alone even if the guest fixes it */
	g_desc(g, 1, D(0x100), 64, VRING_DESC_F_WRITE, 0);
	assert_null(vhu_vq_pop(&g->vq, &err));
	assert_int_equal(err, -EIO);
}

static void test_desc_straddling_end_refused(void **state)
{
	struct guest *g = *state;

	g_desc(g, 0, G_GPA + G_SIZE - 8, 16, VRING_DESC_F_WRITE, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EFAULT);
	assert_non_null(strstr(g->log.last_error, "outside guest memory"));
}

static void test_desc_addr_overflow_refused(void **state)
{
	struct guest *g = *state;

	g_desc(g, 0, UINT64_MAX - 16, 0x1000, VRING_DESC_F_WRITE, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EFAULT);
}

static void test_loop_refused(void **state)
{
	struct guest *g = *state;

	g_desc(g, 0, D(0), 8, VRING_DESC_F_NEXT, 1);
	g_desc(g, 1, D(8), 8, VRING_DESC_F_NEXT, 2);
	g_desc(g, 2, D(16), 8, VRING_DESC_F_NEXT, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -ELOOP);
	assert_non_null(strstr(g->log.last_error, "longer than the queue size"));
}

static void test_self_loop_refused(void **state)
{
	struct guest *g = *state;

	g_desc(g, 5, D(0), 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 5);
	g_avail_push(g, 5);
	assert_int_equal(pop_error(g), -ELOOP);
}

static void test_next_out_of_range_refused(void **state)
{
	struct guest *g = *state;

	g_desc(g, 0, D(0), 8, VRING_DESC_F_NEXT, NUM);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EINVAL);
	assert_non_null(strstr(g->log.last_error, "next index 16 out of range"));
}

static void test_head_out_of_range_refused(void **state)
{
	struct guest *g = *state;

	g_avail_push(g, NUM + 3);
	assert_int_equal(pop_error(g), -EINVAL);
	assert_non_null(strstr(g->log.last_error, "head index 19"));
}

static void test_avail_idx_runaway_refused(void **state)
{
	struct guest *g = *state;

	g_desc(g, 0, D(0), 8, VRING_DESC_F_WRITE, 0);
	g_avail_push(g, 0);
	/* the driver claims NUM + 1 new buffers */
	g->avail->idx = NUM + 1;
	assert_int_equal(pop_error(g), -EINVAL);
	assert_non_null(strstr(g->log.last_error, "ahead of last_avail_idx"));
}

static void test_avail_idx_full_ring_ok(void **state)
{
	struct guest *g = *state;
	struct vhu_elem *e;
	unsigned int i;
	int err;

	/* exactly NUM pending, with the 16-bit index wrapping */
	g->vq.last_avail_idx = 0xfff8;
	g->avail_idx = 0xfff8;
	for (i = 0; i < NUM; i++) {
		g_desc(g, i, D(i * 16), 16, VRING_DESC_F_WRITE, 0);
		g_avail_push(g, i);
	}
	for (i = 0; i < NUM; i++) {
		e = vhu_vq_pop(&g->vq, &err);
		assert_non_null(e);
		assert_int_equal(e->head, i);
		vhu_vq_push(&g->vq, e, 1);
		vhu_elem_free(e);
	}
	assert_null(vhu_vq_pop(&g->vq, &err));
	assert_int_equal(err, 0);
	assert_int_equal(g->vq.last_avail_idx, (uint16_t)(0xfff8 + NUM));
}

static void test_write_before_read_refused(void **state)
{
	struct guest *g = *state;

	g_desc(g, 0, D(0), 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	g_desc(g, 1, D(8), 8, 0, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EINVAL);
	assert_non_null(strstr(g->log.last_error, "readable descriptor after a writable"));
}

static void test_indirect_valid(void **state)
{
	struct guest *g = *state;
	struct vhu_elem *e;
	int err;

	g->vq.indirect = true;
	g_desc_at(g, IND_OFF, 0, D(0), 4, VRING_DESC_F_NEXT, 2);
	g_desc_at(g, IND_OFF, 2, D(0x10), 20, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	g_desc_at(g, IND_OFF, 1, D(0x40), 12, VRING_DESC_F_WRITE, 0);
	g_desc(g, 9, g_gpa(IND_OFF), 3 * 16, VRING_DESC_F_INDIRECT, 0);
	g_avail_push(g, 9);

	e = vhu_vq_pop(&g->vq, &err);
	assert_non_null(e);
	assert_int_equal(e->head, 9);
	assert_int_equal(e->out_num, 1);
	assert_int_equal(e->in_num, 2);
	assert_int_equal(e->in_len, 32);
	memcpy(e->in_sg[1].iov_base, "ind", 3);
	assert_memory_equal(g->base + G_DATA_OFF + 0x40, "ind", 3);
	vhu_vq_push(&g->vq, e, 32);
	vhu_elem_free(e);
	assert_int_equal(g_used_elem(g, 0).id, 9);
}

static void test_indirect_after_direct_valid(void **state)
{
	struct guest *g = *state;
	struct vhu_elem *e;
	int err;

	g->vq.indirect = true;
	g_desc_at(g, IND_OFF, 0, D(0x10), 20, VRING_DESC_F_WRITE, 0);
	g_desc(g, 0, D(0), 4, VRING_DESC_F_NEXT, 1);
	g_desc(g, 1, g_gpa(IND_OFF), 16, VRING_DESC_F_INDIRECT, 0);
	g_avail_push(g, 0);
	e = vhu_vq_pop(&g->vq, &err);
	assert_non_null(e);
	assert_int_equal(e->out_num, 1);
	assert_int_equal(e->in_num, 1);
	vhu_elem_free(e);
}

static void test_indirect_bad_len_refused(void **state)
{
	struct guest *g = *state;

	g->vq.indirect = true;
	g_desc(g, 0, g_gpa(IND_OFF), 24, VRING_DESC_F_INDIRECT, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EINVAL);
	assert_non_null(strstr(g->log.last_error, "invalid length 24"));
}

static void test_indirect_zero_len_refused(void **state)
{
	struct guest *g = *state;

	g->vq.indirect = true;
	g_desc(g, 0, g_gpa(IND_OFF), 0, VRING_DESC_F_INDIRECT, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EINVAL);
}

static void test_indirect_nested_refused(void **state)
{
	struct guest *g = *state;

	g->vq.indirect = true;
	g_desc_at(g, IND_OFF, 0, D(0), 8, VRING_DESC_F_NEXT, 1);
	g_desc_at(g, IND_OFF, 1, g_gpa(IND_OFF + 0x100), 16, VRING_DESC_F_INDIRECT, 0);
	g_desc_at(g, IND_OFF + 0x100, 0, D(0x10), 8, VRING_DESC_F_WRITE, 0);
	g_desc(g, 0, g_gpa(IND_OFF), 32, VRING_DESC_F_INDIRECT, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EINVAL);
	assert_non_null(strstr(g->log.last_error, "nested indirect"));
}

static void test_indirect_out_of_bounds_refused(void **state)
{
	struct guest *g = *state;

	g->vq.indirect = true;
	/* the table itself runs past the end of guest memory */
	g_desc(g, 0, G_GPA + G_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EFAULT);
	assert_non_null(strstr(g->log.last_error, "indirect table"));
}

static void test_indirect_entry_out_of_bounds_refused(void **state)
{
	struct guest *g = *state;

	g->vq.indirect = true;
	g_desc_at(g, IND_OFF, 0, 0x1000, 8, VRING_DESC_F_WRITE, 0);
	g_desc(g, 0, g_gpa(IND_OFF), 16, VRING_DESC_F_INDIRECT, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EFAULT);
}

static void test_indirect_next_out_of_table_refused(void **state)
{
	struct guest *g = *state;

	g->vq.indirect = true;
	/* next 2 is a valid ring index but outside the 2-entry table */
	g_desc_at(g, IND_OFF, 0, D(0), 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	g_desc_at(g, IND_OFF, 1, D(8), 8, VRING_DESC_F_WRITE, 0);
	g_desc(g, 0, g_gpa(IND_OFF), 32, VRING_DESC_F_INDIRECT, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EINVAL);
	assert_non_null(strstr(g->log.last_error, "(2 entries)"));
}

static void test_indirect_loop_refused(void **state)
{
	struct guest *g = *state;

	g->vq.indirect = true;
	g_desc_at(g, IND_OFF, 0, D(0), 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	g_desc_at(g, IND_OFF, 1, D(8), 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	g_desc(g, 0, g_gpa(IND_OFF), 32, VRING_DESC_F_INDIRECT, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -ELOOP);
}

static void test_indirect_too_big_refused(void **state)
{
	struct guest *g = *state;

	g->vq.indirect = true;
	g_desc(g, 0, g_gpa(IND_OFF), (NUM + 1) * 16, VRING_DESC_F_INDIRECT, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EINVAL);
}

static void test_indirect_with_next_refused(void **state)
{
	struct guest *g = *state;

	g->vq.indirect = true;
	g_desc_at(g, IND_OFF, 0, D(0), 8, VRING_DESC_F_WRITE, 0);
	g_desc(g, 0, g_gpa(IND_OFF), 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	g_desc(g, 1, D(8), 8, VRING_DESC_F_WRITE, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EINVAL);
}

static void test_indirect_not_negotiated_refused(void **state)
{
	struct guest *g = *state;

	g->vq.indirect = false;
	g_desc_at(g, IND_OFF, 0, D(0), 8, VRING_DESC_F_WRITE, 0);
	g_desc(g, 0, g_gpa(IND_OFF), 16, VRING_DESC_F_INDIRECT, 0);
	g_avail_push(g, 0);
	assert_int_equal(pop_error(g), -EINVAL);
	assert_non_null(strstr(g->log.last_error, "not negotiated"));
}

static void complete_one(struct guest *g, uint16_t head)
{
	struct vhu_elem *e;
	int err;

	g_desc(g, head, D(head * 16), 16, VRING_DESC_F_WRITE, 0);
	g_avail_push(g, head);
	e = vhu_vq_pop(&g->vq, &err);
	assert_non_null(e);
	vhu_vq_push(&g->vq, e, 16);
	vhu_elem_free(e);
}

static void test_need_event(void **state)
{
	(void)state;
	/* used_event 5: notify when the index moves past 5 */
	assert_true(vhu_vring_need_event(5, 6, 5));
	assert_true(vhu_vring_need_event(5, 8, 3));
	assert_false(vhu_vring_need_event(5, 5, 4));
	assert_false(vhu_vring_need_event(5, 9, 6));
	assert_false(vhu_vring_need_event(5, 6, 6));
	/* across the 16-bit wrap */
	assert_true(vhu_vring_need_event(0xffff, 0, 0xffff));
	assert_true(vhu_vring_need_event(0xfffe, 2, 0xfff0));
	assert_false(vhu_vring_need_event(3, 2, 0xfff0));
}

static void test_event_idx_notify(void **state)
{
	struct guest *g = *state;
	int call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	g->vq.call_fd = call;
	g->vq.event_idx = true;

	/* first notification always goes out */
	g_set_used_event(g, 0);
	complete_one(g, 0);
	assert_true(vhu_vq_notify(&g->vq));
	assert_int_equal(eventfd_take(call), 1);

	/* driver wants an interrupt only after used idx passes 2 */
	g_set_used_event(g, 2);
	complete_one(g, 1);	/* used idx 2: 2 does not pass 2 */
	assert_false(vhu_vq_notify(&g->vq));
	assert_int_equal(eventfd_take(call), 0);
	complete_one(g, 2);	/* used idx 3: crossed used_event 2 */
	assert_true(vhu_vq_notify(&g->vq));
	assert_int_equal(eventfd_take(call), 1);

	/* nothing new pushed: no notification */
	assert_false(vhu_vq_notify(&g->vq));

	/* NO_INTERRUPT is ignored with event idx */
	g->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	g_set_used_event(g, 3);
	complete_one(g, 3);
	assert_true(vhu_vq_notify(&g->vq));

	/* avail_event tracks what was consumed */
	assert_int_equal(g_avail_event(g), g->vq.last_avail_idx);
	assert_int_equal(g_avail_event(g), 4);
}

static void test_no_interrupt_flag(void **state)
{
	struct guest *g = *state;
	int call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	g->vq.call_fd = call;
	g->vq.event_idx = false;

	g->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	complete_one(g, 0);
	assert_false(vhu_vq_notify(&g->vq));
	assert_int_equal(eventfd_take(call), 0);

	g->avail->flags = 0;
	complete_one(g, 1);
	assert_true(vhu_vq_notify(&g->vq));
	assert_int_equal(eventfd_take(call), 1);
	/* avail_event is not written without event idx */
	assert_int_equal(g_avail_event(g), 0);
}

static void test_ring_outside_memory_refused(void **state)
{
	struct guest *g = *state;

	/* used ring runs past the end of the region */
	assert_int_equal(vhu_vq_set_addr(&g->vq, g_uaddr(G_DESC_OFF), g_uaddr(G_AVAIL_OFF),
					 G_UADDR + G_SIZE - 8), 0);
	assert_int_not_equal(vhu_vq_map(&g->vq), 0);
	assert_false(vhu_vq_ready(&g->vq));
	/* a guest-physical address is not a ring address */
	assert_int_equal(vhu_vq_set_addr(&g->vq, g_gpa(G_DESC_OFF), g_gpa(G_AVAIL_OFF),
					 g_gpa(G_USED_OFF)), 0);
	assert_int_not_equal(vhu_vq_map(&g->vq), 0);
}

/* Only a started and enabled queue is the driver's: models use no other. */
static void test_live_needs_started_and_enabled(void **state)
{
	struct guest *g = *state;

	assert_true(vhu_vq_ready(&g->vq));
	g->vq.started = false;
	g->vq.enabled = true;
	assert_false(vhu_vq_live(&g->vq));
	g->vq.started = true;
	g->vq.enabled = false;
	assert_false(vhu_vq_live(&g->vq));
	g->vq.enabled = true;
	assert_true(vhu_vq_live(&g->vq));
	g->vq.broken = true;
	assert_false(vhu_vq_live(&g->vq));
}

static void test_bad_queue_size_refused(void **state)
{
	struct guest *g = *state;

	assert_int_not_equal(vhu_vq_set_num(&g->vq, 0), 0);
	assert_int_not_equal(vhu_vq_set_num(&g->vq, 3), 0);
	assert_int_not_equal(vhu_vq_set_num(&g->vq, 65536), 0);
	assert_int_not_equal(vhu_vq_set_num(&g->vq, 32768 + 1), 0);
	assert_int_equal(vhu_vq_set_num(&g->vq, 32768), 0);
	assert_int_equal(vhu_vq_set_num(&g->vq, 1), 0);
}

static void test_push_len_clamped(void **state)
{
	struct guest *g = *state;
	struct vhu_elem *e;
	int err;

	g_desc(g, 0, D(0), 16, VRING_DESC_F_WRITE, 0);
	g_avail_push(g, 0);
	e = vhu_vq_pop(&g->vq, &err);
	assert_non_null(e);
	vhu_vq_push(&g->vq, e, 1000);
	vhu_elem_free(e);
	assert_int_equal(g_used_elem(g, 0).len, 16);
}

static void test_iov_copy(void **state)
{
	char a[3], b[5], out[8] = { 0 };
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };

	(void)state;
	assert_int_equal(vhu_iov_from_buf(iov, 2, 0, "abcdefgh", 8), 8);
	assert_memory_equal(a, "abc", 3);
	assert_memory_equal(b, "defgh", 5);
	assert_int_equal(vhu_iov_to_buf(iov, 2, 2, out, 8), 6);
	assert_memory_equal(out, "cdefgh", 6);
	assert_int_equal(vhu_iov_from_buf(iov, 2, 7, "XYZ", 3), 1);
	assert_int_equal(b[4], 'X');
	assert_int_equal(vhu_iov_to_buf(iov, 2, 9, out, 8), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid_chain),
		T(test_desc_outside_memory_refused),
		T(test_desc_straddling_end_refused),
		T(test_desc_addr_overflow_refused),
		T(test_loop_refused),
		T(test_self_loop_refused),
		T(test_next_out_of_range_refused),
		T(test_head_out_of_range_refused),
		T(test_avail_idx_runaway_refused),
		T(test_avail_idx_full_ring_ok),
		T(test_write_before_read_refused),
		T(test_indirect_valid),
		T(test_indirect_after_direct_valid),
		T(test_indirect_bad_len_refused),
		T(test_indirect_zero_len_refused),
		T(test_indirect_nested_refused),
		T(test_indirect_out_of_bounds_refused),
		T(test_indirect_entry_out_of_bounds_refused),
		T(test_indirect_next_out_of_table_refused),
		T(test_indirect_loop_refused),
		T(test_indirect_too_big_refused),
		T(test_indirect_with_next_refused),
		T(test_indirect_not_negotiated_refused),
		cmocka_unit_test(test_need_event),
		T(test_event_idx_notify),
		T(test_no_interrupt_flag),
		T(test_ring_outside_memory_refused),
		T(test_live_needs_started_and_enabled),
		T(test_bad_queue_size_refused),
		T(test_push_len_clamped),
		cmocka_unit_test(test_iov_copy),
	};

	return cmocka_run_group_tests_name("vhu_vring", tests, NULL, NULL);
}
