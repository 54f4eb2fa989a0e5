// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the video model's v10 wire format: the sizes of the UAPI
 * structures against the draft, the capabilities the model offers (read
 * back TLV by TLV), and the checks on the parameters a driver sends.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../models/video/video-proto.h"

#define NV12	0x3231564e

static void sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct virtio_video_config), 8);
	assert_int_equal(sizeof(struct virtio_video_stream_cmd_header), 16);
	assert_int_equal(sizeof(struct virtio_video_event_header), 16);
	assert_int_equal(sizeof(struct virtio_video_resource_queue), 96);
	assert_int_equal(sizeof(struct virtio_video_resource_queue_async_resp), 96);
	assert_int_equal(sizeof(struct virtio_video_range), 16);
	assert_int_equal(sizeof(struct virtio_video_coded_resources_caps), 32);
	assert_int_equal(sizeof(struct virtio_video_raw_format_caps), 60);
	assert_int_equal(sizeof(struct virtio_video_raw_format), 36);
	assert_int_equal(sizeof(struct virtio_video_resource_guest_pages), 40);
	assert_int_equal(sizeof(struct virtio_video_resource_guest_pages_entry), 16);
	assert_int_equal(offsetof(struct virtio_video_resource_queue, timestamp), 24);
	assert_int_equal(offsetof(struct virtio_video_resource_queue_async_resp,
				  data_sizes), 64);
}

static const struct vm_coded_desc coded[] = {
	{ VIRTIO_VIDEO_CODED_FORMAT_H264, 1, 32, 4096, 8 << 20 },
	{ VIRTIO_VIDEO_CODED_FORMAT_VP9, 1, 32, 4096, 8 << 20 },
};

static const struct vm_raw_desc raw[] = {
	{ NV12, 16, 4096, 2, 16, 2304, 2, 2, 32 },
};

static const uint64_t links[] = { 1, 1 };

static const struct vm_caps_desc desc = {
	coded, 2, raw, 1, links,
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

/* Read the caps back: two coded sets, one raw set, one decoder LINK. */
static void caps_layout(void **state)
{
	uint8_t buf[1024];
	size_t len = vm_caps_build(&desc, buf, sizeof(buf)), left = len, inleft;
	const uint8_t *p = buf, *in;
	struct vm_tlv t, sub;
	unsigned int n = 0, inner;

	(void)state;
	assert_true(len > 0);
	while (vm_tlv_next(&p, &left, &t) == 1) {
		in = t.val;
		inleft = t.len;
		inner = 0;
		switch (n) {
		case 0:
		case 1:
			assert_int_equal(t.type, VIRTIO_VIDEO_TLV_CODED_SET);
			while (vm_tlv_next(&in, &inleft, &sub) == 1) {
				if (sub.type == VIRTIO_VIDEO_TLV_CODED_FORMAT) {
					assert_int_equal(sub.len, 4);
					assert_int_equal(rd32(sub.val), coded[n].format);
				}
				if (sub.type == VIRTIO_VIDEO_TLV_CODED_RESOURCES) {
					assert_int_equal(sub.len, 32);
					assert_int_equal(rd32(sub.val + 4), 32);	/* max */
				}
				inner++;
			}
			assert_int_equal(inner, 3);
			break;
		case 2:
			assert_int_equal(t.type, VIRTIO_VIDEO_TLV_RAW_SET);
			while (vm_tlv_next(&in, &inleft, &sub) == 1) {
				if (sub.type == VIRTIO_VIDEO_TLV_RAW_FORMAT) {
					assert_int_equal(sub.len, 60);
					assert_int_equal(rd32(sub.val + 4), NV12);
					/* width_range.min */
					assert_int_equal(rd32(sub.val + 16), 16);
				}
				inner++;
			}
			assert_int_equal(inner, 4);
			break;
		case 3:
			assert_int_equal(t.type, VIRTIO_VIDEO_TLV_LINK);
			assert_int_equal(t.len, 8 + 2 * 8);
			assert_int_equal(rd32(t.val), VIRTIO_VIDEO_STREAM_TYPE_DECODER);
			assert_int_equal(rd32(t.val + 8), 1);
			assert_int_equal(rd32(t.val + 16), 1);
			break;
		}
		if (t.type != VIRTIO_VIDEO_TLV_LINK)
			assert_int_equal(inleft, 0);	/* the set's TLVs fill it */
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(left, 0);
	/* Too small a buffer: nothing, not a truncated set. */
	assert_int_equal(vm_caps_build(&desc, buf, len - 4), 0);
}

static void put32(struct vm_tlvw *w, uint32_t type, uint32_t v)
{
	void *dst = vm_tlv_put(w, type, 4);

	v = htole32(v);
	if (dst)
		memcpy(dst, &v, 4);
}

/* A guest-pages TLV for @id with @n entries of a page, starting at @addr. */
static void put_pages(struct vm_tlvw *w, uint32_t id, unsigned int n,
		      uint64_t addr, uint32_t count_plane0)
{
	uint8_t *v = vm_tlv_put(w, VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES, 40 + 16 * n);
	uint32_t x;
	unsigned int i;

	if (!v)
		return;
	x = htole32(id);
	memcpy(v, &x, 4);
	x = htole32(count_plane0);
	memcpy(v + 8, &x, 4);
	for (i = 0; i < n; i++) {
		uint64_t a = htole64(addr + 4096ull * i);

		x = htole32(4096);
		memcpy(v + 40 + 16 * i, &a, 8);
		memcpy(v + 40 + 16 * i + 8, &x, 4);
	}
}

static size_t coded_params(uint8_t *buf, size_t size, uint32_t count_plane0,
			   uint64_t addr, bool twice)
{
	struct vm_tlvw w;
	size_t set;

	vm_tlvw_init(&w, buf, size);
	set = vm_tlv_open(&w, VIRTIO_VIDEO_TLV_CODED_SET);
	put32(&w, VIRTIO_VIDEO_TLV_CODED_FORMAT, VIRTIO_VIDEO_CODED_FORMAT_H264);
	put32(&w, VIRTIO_VIDEO_TLV_CODED_RESOURCES, 2);
	put_pages(&w, 0, 3, addr, count_plane0);
	put_pages(&w, twice ? 0 : 1, 2, addr + 0x10000, 2);
	vm_tlv_close(&w, set);
	return w.overflow ? 0 : w.len;
}

static void params_ok(void **state)
{
	uint8_t buf[512];
	size_t len = coded_params(buf, sizeof(buf), 3, 0x100000, false);
	struct vm_params p;
	const char *why = NULL;
	uint64_t addr;
	uint32_t plen;

	(void)state;
	assert_int_equal(vm_params_parse(buf, len, &p, &why), 0);
	assert_int_equal(p.set_type, VIRTIO_VIDEO_TLV_CODED_SET);
	assert_true(p.has_format);
	assert_int_equal(p.coded_format, VIRTIO_VIDEO_CODED_FORMAT_H264);
	assert_int_equal(p.num_resources, 2);
	assert_int_equal(p.num_pages, 2);
	assert_int_equal(p.pages[0].total, 3);
	assert_int_equal(p.pages[1].resource_id, 1);
	vm_guest_page(&p.pages[0], 2, &addr, &plen);
	assert_int_equal(addr, 0x102000);
	assert_int_equal(plen, 4096);
}

static void params_bad(void **state)
{
	uint8_t buf[512];
	struct vm_params p;
	const char *why = NULL;
	size_t len, i;

	(void)state;
	/* More entries counted than present, and fewer. */
	len = coded_params(buf, sizeof(buf), 4, 0x100000, false);
	assert_int_equal(vm_params_parse(buf, len, &p, &why), -1);
	assert_string_equal(why, "RESOURCE_GUEST_PAGES entry count too large");
	len = coded_params(buf, sizeof(buf), 2, 0x100000, false);
	assert_int_equal(vm_params_parse(buf, len, &p, &why), -1);
	assert_string_equal(why, "RESOURCE_GUEST_PAGES size does not match its entries");
	/* Not page aligned. */
	len = coded_params(buf, sizeof(buf), 3, 0x100800, false);
	assert_int_equal(vm_params_parse(buf, len, &p, &why), -1);
	assert_string_equal(why, "guest page entry not page aligned");
	/* Backing given twice for resource 0. */
	len = coded_params(buf, sizeof(buf), 3, 0x100000, true);
	assert_int_equal(vm_params_parse(buf, len, &p, &why), -1);
	assert_string_equal(why, "backing given twice for one resource");
	/* Every prefix fails. */
	len = coded_params(buf, sizeof(buf), 3, 0x100000, false);
	for (i = 0; i < len; i++)
		assert_int_equal(vm_params_parse(buf, i, &p, &why), -1);
	/* Trailing bytes. */
	assert_int_equal(vm_params_parse(buf, len + 4, &p, &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test(caps_layout),
		cmocka_unit_test(params_ok),
		cmocka_unit_test(params_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
