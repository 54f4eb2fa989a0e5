// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the virtio-video v10 protocol layer: capabilities
 * parsing with every rule a device can break, the TLV writer, parameter
 * responses and event checking.  The capabilities are built with the
 * driver's own TLV writer, so the writer is tested on the way.  A second
 * suite covers the mapping of the device's formats onto V4L2.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/videodev2.h>

#include "virtio_video_compat.h"
#include "virtio_video_fmt.h"
#include "virtio_video_proto.h"

VIRTIO_VIDEO_IMPORT_KUNIT_NS();

#define BUF_SIZE	4096
#define NV12		0x3231564e	/* DRM_FORMAT_NV12 */
#define YUV420		0x32315559	/* DRM_FORMAT_YUV420 */

struct caps_opts {
	bool repeat_format;	/* a coded set with two CODED_FORMATs */
	bool no_resources;	/* a raw set without RAW_RESOURCES */
	bool set_after_link;
	bool unknown_tlv;	/* a TLV type v10 does not know, to be skipped */
	bool bad_range;		/* width min > max */
	bool zero_step;		/* height min < max, step 0 */
	int link_extra_words;	/* LINK longer or shorter than the sets */
	bool link_beyond;	/* a bit for raw set 2 of 2 */
	bool link_twice;
	u32 link_type;		/* stream type of the first LINK */
};

static void put_range(struct virtio_video_range *r, u32 min, u32 max, u32 step)
{
	r->min = cpu_to_le32(min);
	r->max = cpu_to_le32(max);
	r->step = cpu_to_le32(step);
}

static void put_coded(struct virtio_video_tlv_writer *w, u32 format,
		      bool controls, const struct caps_opts *o)
{
	struct virtio_video_coded_resources_caps *res;
	struct virtio_video_control_enum_caps *menu;
	struct virtio_video_coded_format_caps *f;
	struct virtio_video_range *rate;
	size_t set, ctrls;

	set = virtio_video_tlv_open(w, VIRTIO_VIDEO_TLV_CODED_SET);
	f = virtio_video_tlv_put(w, VIRTIO_VIDEO_TLV_CODED_FORMAT, sizeof(*f));
	if (f)
		f->format = cpu_to_le32(format);
	if (o->repeat_format) {
		f = virtio_video_tlv_put(w, VIRTIO_VIDEO_TLV_CODED_FORMAT, sizeof(*f));
		if (f)
			f->format = cpu_to_le32(format);
	}
	res = virtio_video_tlv_put(w, VIRTIO_VIDEO_TLV_CODED_RESOURCES, sizeof(*res));
	if (res) {
		put_range(&res->num_resources_range, 1, 32, 1);
		put_range(&res->resource_size_range, 4096, 8 << 20, 4096);
	}
	virtio_video_tlv_put(w, VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES, 0);
	if (o->unknown_tlv)
		virtio_video_tlv_put(w, 0x7777, 12);
	if (controls) {
		ctrls = virtio_video_tlv_open(w, VIRTIO_VIDEO_TLV_V4L2_CONTROLS);
		menu = virtio_video_tlv_put(w, V4L2_CID_MPEG_VIDEO_H264_PROFILE,
					    sizeof(*menu));
		if (menu)
			menu->bitmask = cpu_to_le32(BIT(V4L2_MPEG_VIDEO_H264_PROFILE_MAIN) |
						    BIT(V4L2_MPEG_VIDEO_H264_PROFILE_HIGH));
		rate = virtio_video_tlv_put(w, V4L2_CID_MPEG_VIDEO_BITRATE,
					    sizeof(*rate));
		if (rate)
			put_range(rate, 1000, 40000000, 1);
		virtio_video_tlv_close(w, ctrls);
	}
	virtio_video_tlv_close(w, set);
}

static void put_raw(struct virtio_video_tlv_writer *w, u32 fourcc,
		    const struct caps_opts *o)
{
	struct virtio_video_raw_resources_caps *res;
	struct virtio_video_raw_format_caps *f;
	size_t set;

	set = virtio_video_tlv_open(w, VIRTIO_VIDEO_TLV_RAW_SET);
	f = virtio_video_tlv_put(w, VIRTIO_VIDEO_TLV_RAW_FORMAT, sizeof(*f));
	if (f) {
		f->planes_layout_mask = cpu_to_le32(VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER);
		f->fourcc = cpu_to_le32(fourcc);
		if (o->bad_range)
			put_range(&f->width_range, 4096, 16, 2);
		else
			put_range(&f->width_range, 16, 4096, 2);
		put_range(&f->height_range, 16, 2304, o->zero_step ? 0 : 2);
		f->stride_align_mask = cpu_to_le32(16 | 32 | 64);
		f->height_align_mask = cpu_to_le32(1 | 16);
		f->plane_align_mask = cpu_to_le32(4096);
	}
	if (!o->no_resources) {
		res = virtio_video_tlv_put(w, VIRTIO_VIDEO_TLV_RAW_RESOURCES,
					   sizeof(*res));
		if (res)
			put_range(&res->num_resources_range, 2, 32, 1);
	}
	virtio_video_tlv_put(w, VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES, 0);
	virtio_video_tlv_put(w, VIRTIO_VIDEO_TLV_CROP, 0);
	virtio_video_tlv_close(w, set);
}

/* Two coded rows over two raw sets: one 64-bit word per row. */
static void put_link(struct virtio_video_tlv_writer *w, u32 type, u64 row0,
		     u64 row1, int extra_words)
{
	struct virtio_video_tlv_link *link;
	__le32 *half;

	link = virtio_video_tlv_put(w, VIRTIO_VIDEO_TLV_LINK,
				    sizeof(*link) + (2 + extra_words) * 8);
	if (!link)
		return;
	link->stream_type = cpu_to_le32(type);
	half = (__le32 *)link->links;
	half[0] = cpu_to_le32(lower_32_bits(row0));
	half[1] = cpu_to_le32(upper_32_bits(row0));
	if (extra_words >= -1) {
		half[2] = cpu_to_le32(lower_32_bits(row1));
		half[3] = cpu_to_le32(upper_32_bits(row1));
	}
}

/*
 * H.264 (with controls) and HEVC coded sets, NV12 and YUV420 raw sets; the
 * decoder links H.264 to NV12, HEVC to both.  @o breaks one rule.
 */
static size_t build_caps(struct kunit *test, u8 *buf, const struct caps_opts *o)
{
	struct caps_opts none = { };
	struct virtio_video_tlv_writer w;
	u64 row0 = BIT(0), row1 = BIT(0) | BIT(1);

	virtio_video_tlv_writer_init(&w, buf, BUF_SIZE);
	put_coded(&w, VIRTIO_VIDEO_CODED_FORMAT_H264, true, o);
	put_coded(&w, VIRTIO_VIDEO_CODED_FORMAT_HEVC, false, &none);
	put_raw(&w, NV12, o);
	if (!o->set_after_link)
		put_raw(&w, YUV420, &none);
	if (o->link_beyond)
		row0 |= BIT(2);
	put_link(&w, o->link_type, row0, row1, o->link_extra_words);
	if (o->link_twice)
		put_link(&w, o->link_type, row0, row1, 0);
	if (o->set_after_link)
		put_raw(&w, YUV420, &none);
	KUNIT_ASSERT_FALSE(test, w.overflow);
	return w.len;
}

static size_t build_good_caps(struct kunit *test, u8 *buf)
{
	struct caps_opts o = { };

	return build_caps(test, buf, &o);
}

static void caps_parse_ok(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, BUF_SIZE, GFP_KERNEL);
	struct virtio_video_parse_error err = { };
	struct virtio_video_caps caps;
	const struct virtio_video_ctrl_caps *ctrl;
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = build_good_caps(test, buf);
	KUNIT_ASSERT_EQ(test, virtio_video_caps_parse(&caps, buf, len, &err), 0);

	KUNIT_EXPECT_EQ(test, caps.num_coded, 2);
	KUNIT_EXPECT_EQ(test, caps.num_raw, 2);
	KUNIT_EXPECT_EQ(test, caps.coded[0].format, VIRTIO_VIDEO_CODED_FORMAT_H264);
	KUNIT_EXPECT_EQ(test, caps.coded[1].format, VIRTIO_VIDEO_CODED_FORMAT_HEVC);
	KUNIT_EXPECT_EQ(test, caps.coded[0].num_resources.max, 32);
	KUNIT_EXPECT_EQ(test, caps.coded[0].resource_size.step, 4096);
	KUNIT_EXPECT_TRUE(test, caps.coded[0].guest_pages);
	KUNIT_EXPECT_FALSE(test, caps.coded[0].virtio_object);
	KUNIT_ASSERT_EQ(test, caps.coded[0].num_ctrls, 2);
	ctrl = &caps.coded[0].ctrls[0];
	KUNIT_EXPECT_EQ(test, ctrl->id, V4L2_CID_MPEG_VIDEO_H264_PROFILE);
	KUNIT_EXPECT_TRUE(test, ctrl->menu);
	KUNIT_EXPECT_EQ(test, ctrl->mask, BIT(V4L2_MPEG_VIDEO_H264_PROFILE_MAIN) |
			BIT(V4L2_MPEG_VIDEO_H264_PROFILE_HIGH));
	ctrl = &caps.coded[0].ctrls[1];
	KUNIT_EXPECT_FALSE(test, ctrl->menu);
	KUNIT_EXPECT_EQ(test, ctrl->range.max, 40000000);
	KUNIT_EXPECT_EQ(test, caps.coded[1].num_ctrls, 0);

	KUNIT_EXPECT_EQ(test, caps.raw[0].fourcc, NV12);
	KUNIT_EXPECT_EQ(test, caps.raw[1].fourcc, YUV420);
	KUNIT_EXPECT_EQ(test, caps.raw[0].width.min, 16);
	KUNIT_EXPECT_EQ(test, caps.raw[0].height.max, 2304);
	KUNIT_EXPECT_EQ(test, caps.raw[0].num_resources.min, 2);
	KUNIT_EXPECT_TRUE(test, caps.raw[0].crop);

	KUNIT_EXPECT_TRUE(test, virtio_video_caps_linked(&caps, 0, 0, 0));
	KUNIT_EXPECT_FALSE(test, virtio_video_caps_linked(&caps, 0, 0, 1));
	KUNIT_EXPECT_TRUE(test, virtio_video_caps_linked(&caps, 0, 1, 0));
	KUNIT_EXPECT_TRUE(test, virtio_video_caps_linked(&caps, 0, 1, 1));
	KUNIT_EXPECT_FALSE(test, virtio_video_caps_linked(&caps, 0, 2, 0));
	/* No encoder LINK: nothing links for the encoder. */
	KUNIT_EXPECT_FALSE(test, virtio_video_caps_linked(&caps, 1, 0, 0));
	virtio_video_caps_free(&caps);
}

/* Every prefix of good capabilities is refused, none is read past. */
static void caps_parse_truncated(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, BUF_SIZE, GFP_KERNEL);
	struct virtio_video_caps caps;
	u8 *copy;
	size_t len, i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = build_good_caps(test, buf);
	for (i = 0; i < len; i++) {
		/* An exact-size copy, so that KASAN sees any overread. */
		copy = kmemdup(buf, i ? i : 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, copy);
		KUNIT_EXPECT_EQ_MSG(test, virtio_video_caps_parse(&caps, copy, i, NULL),
				    -EPROTO, "prefix of %zu bytes", i);
		virtio_video_caps_free(&caps);
		kfree(copy);
	}
}

struct caps_bad_case {
	const char *name;
	struct caps_opts o;
	const char *what;
};

static const struct caps_bad_case caps_bad_cases[] = {
	{ "repeated format", { .repeat_format = true }, "TLV repeated in a set" },
	{ "no raw resources", { .no_resources = true },
	  "raw set without format or resources" },
	{ "set after link", { .set_after_link = true }, "set after a LINK" },
	{ "width min > max", { .bad_range = true }, "bad RAW_FORMAT value" },
	{ "step 0", { .zero_step = true }, "bad RAW_FORMAT value" },
	{ "link too long", { .link_extra_words = 1 },
	  "LINK size does not match the sets" },
	{ "link too short", { .link_extra_words = -1 },
	  "LINK size does not match the sets" },
	{ "link beyond raw sets", { .link_beyond = true },
	  "LINK names a raw set that does not exist" },
	{ "two links", { .link_twice = true }, "two LINKs for one stream type" },
	{ "link type", { .link_type = 2 }, "LINK of an unknown stream type" },
};

static void caps_bad_desc(const struct caps_bad_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(caps_bad, caps_bad_cases, caps_bad_desc);

/* Each broken rule is refused with its own reason. */
static void caps_parse_bad(struct kunit *test)
{
	const struct caps_bad_case *c = test->param_value;
	u8 *buf = kunit_kzalloc(test, BUF_SIZE, GFP_KERNEL);
	struct virtio_video_parse_error err = { };
	struct virtio_video_caps caps;
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = build_caps(test, buf, &c->o);
	KUNIT_EXPECT_EQ(test, virtio_video_caps_parse(&caps, buf, len, &err), -EPROTO);
	KUNIT_EXPECT_STREQ(test, err.what ? err.what : "(none)", c->what);
	KUNIT_EXPECT_LT(test, err.offset, len);
	virtio_video_caps_free(&caps);
}

/* Framing errors: odd length, length past the end. */
static void caps_parse_framing(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, BUF_SIZE, GFP_KERNEL);
	struct virtio_video_parse_error err = { };
	struct virtio_video_caps caps;
	struct virtio_video_tlv *first = (void *)buf;
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = build_good_caps(test, buf);
	first->length = cpu_to_le32(le32_to_cpu(first->length) + 2);
	KUNIT_EXPECT_EQ(test, virtio_video_caps_parse(&caps, buf, len, &err), -EPROTO);
	KUNIT_EXPECT_STREQ(test, err.what, "TLV length not a multiple of 4");
	virtio_video_caps_free(&caps);

	first->length = cpu_to_le32(0xfffffff0);
	KUNIT_EXPECT_EQ(test, virtio_video_caps_parse(&caps, buf, len, &err), -EPROTO);
	KUNIT_EXPECT_STREQ(test, err.what, "TLV longer than its container");
	virtio_video_caps_free(&caps);

	KUNIT_EXPECT_EQ(test, virtio_video_caps_parse(&caps, buf,
						      VIRTIO_VIDEO_CAPS_MAX_LEN + 4,
						      &err), -EPROTO);
	virtio_video_caps_free(&caps);
}

/* A TLV type newer than v10 inside a set is skipped. */
static void caps_parse_unknown_skipped(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, BUF_SIZE, GFP_KERNEL);
	struct caps_opts o = { .unknown_tlv = true };
	struct virtio_video_caps caps;
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = build_caps(test, buf, &o);
	KUNIT_EXPECT_EQ(test, virtio_video_caps_parse(&caps, buf, len, NULL), 0);
	KUNIT_EXPECT_EQ(test, caps.num_coded, 2);
	virtio_video_caps_free(&caps);
}

static void tlv_writer_overflow(struct kunit *test)
{
	struct virtio_video_tlv_writer w;
	u8 buf[24];
	size_t set;

	virtio_video_tlv_writer_init(&w, buf, sizeof(buf));
	set = virtio_video_tlv_open(&w, VIRTIO_VIDEO_TLV_RAW_SET);
	/* 3 bytes become 4: 8 + 8 + 4 = 20 fit. */
	KUNIT_EXPECT_NOT_NULL(test, virtio_video_tlv_put(&w, 5, 3));
	virtio_video_tlv_close(&w, set);
	KUNIT_EXPECT_EQ(test, w.len, 20);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(((struct virtio_video_tlv *)buf)->length), 12);
	KUNIT_EXPECT_FALSE(test, w.overflow);
	KUNIT_EXPECT_NULL(test, virtio_video_tlv_put(&w, 5, 0));
	KUNIT_EXPECT_TRUE(test, w.overflow);
	/* Once overflowed, nothing more is written. */
	KUNIT_EXPECT_NULL(test, virtio_video_tlv_put(&w, 5, 0));
	KUNIT_EXPECT_EQ(test, w.len, 20);
}

static size_t build_raw_params(u8 *buf, u32 width, u32 height,
			       const struct virtio_video_crop *crop)
{
	struct virtio_video_raw_format *f;
	struct virtio_video_resources *r;
	struct virtio_video_crop *c;
	struct virtio_video_tlv_writer w;
	size_t set;

	virtio_video_tlv_writer_init(&w, buf, BUF_SIZE);
	set = virtio_video_tlv_open(&w, VIRTIO_VIDEO_TLV_RAW_SET);
	f = virtio_video_tlv_put(&w, VIRTIO_VIDEO_TLV_RAW_FORMAT, sizeof(*f));
	f->planes_layout = cpu_to_le32(VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER);
	f->fourcc = cpu_to_le32(NV12);
	f->width = cpu_to_le32(width);
	f->height = cpu_to_le32(height);
	f->stride_align = cpu_to_le32(16);
	f->height_align = cpu_to_le32(16);
	f->plane_align = cpu_to_le32(4096);
	r = virtio_video_tlv_put(&w, VIRTIO_VIDEO_TLV_RAW_RESOURCES, sizeof(*r));
	r->num_resources = cpu_to_le32(5);
	if (crop) {
		c = virtio_video_tlv_put(&w, VIRTIO_VIDEO_TLV_CROP, sizeof(*c));
		*c = *crop;
	}
	/* A backing TLV shortened to the resource id, as in responses. */
	virtio_video_tlv_put(&w, VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES, 8);
	virtio_video_tlv_close(&w, set);
	return w.len;
}

static void raw_params(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, BUF_SIZE, GFP_KERNEL);
	struct virtio_video_crop crop = {
		.width = cpu_to_le32(1920), .height = cpu_to_le32(1080),
	};
	struct virtio_video_parse_error err = { };
	struct virtio_video_raw_params p;
	struct virtio_video_coded_params cp;
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = build_raw_params(buf, 1920, 1088, &crop);
	KUNIT_ASSERT_EQ(test, virtio_video_raw_params_parse(&p, buf, len, &err), 0);
	KUNIT_EXPECT_EQ(test, p.valid, VIRTIO_VIDEO_PARAM_FORMAT |
			VIRTIO_VIDEO_PARAM_RESOURCES | VIRTIO_VIDEO_PARAM_CROP);
	KUNIT_EXPECT_EQ(test, p.format.width, 1920);
	KUNIT_EXPECT_EQ(test, p.format.height, 1088);
	KUNIT_EXPECT_EQ(test, p.num_resources, 5);
	KUNIT_EXPECT_EQ(test, p.crop.height, 1080);

	/* The wrong container for the queue. */
	KUNIT_EXPECT_EQ(test, virtio_video_coded_params_parse(&cp, buf, len, &err),
			-EPROTO);
	KUNIT_EXPECT_STREQ(test, err.what, "parameters of the wrong queue");

	/* Bytes after the container. */
	KUNIT_EXPECT_EQ(test, virtio_video_raw_params_parse(&p, buf, len + 8, &err),
			-EPROTO);

	/* A crop rectangle reaching out of the frame. */
	crop.left = cpu_to_le32(8);
	len = build_raw_params(buf, 1920, 1088, &crop);
	KUNIT_EXPECT_EQ(test, virtio_video_raw_params_parse(&p, buf, len, &err),
			-EPROTO);
	KUNIT_EXPECT_STREQ(test, err.what, "crop rectangle outside the frame");

	/* A zero-sized frame. */
	len = build_raw_params(buf, 0, 1088, NULL);
	KUNIT_EXPECT_EQ(test, virtio_video_raw_params_parse(&p, buf, len, &err),
			-EPROTO);
	KUNIT_EXPECT_STREQ(test, err.what, "bad RAW_FORMAT value");
}

struct event_case {
	const char *name;
	u32 type;
	u32 stream;
	u32 flags;
	size_t len;
	int ret;
};

#define RQ_RESP_LEN	sizeof(struct virtio_video_resource_queue_async_resp)
#define EV_HDR_LEN	sizeof(struct virtio_video_event_header)

static const struct event_case event_cases[] = {
	{ "resource done", VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, 3, 0, RQ_RESP_LEN, 0 },
	{ "resource short", VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, 3, 0,
	  RQ_RESP_LEN - 4, -EPROTO },
	{ "resource cancelled", VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, 0,
	  VIRTIO_VIDEO_EVENT_FLAG_CANCELED, RQ_RESP_LEN, 0 },
	{ "header short", VIRTIO_VIDEO_CMD_STREAM_DRAIN, 0, 0, EV_HDR_LEN - 1, -EPROTO },
	{ "drain", VIRTIO_VIDEO_CMD_STREAM_DRAIN, 0, 0, EV_HDR_LEN, 0 },
	{ "query caps on eventq", VIRTIO_VIDEO_CMD_DEVICE_QUERY_CAPS, 0, 0,
	  EV_HDR_LEN, -EPROTO },
	{ "unknown command", 0x208, 0, 0, EV_HDR_LEN, -EPROTO },
	{ "stream beyond max", VIRTIO_VIDEO_CMD_STREAM_DRAIN, 4, 0, EV_HDR_LEN, -EPROTO },
	{ "unknown flag", VIRTIO_VIDEO_CMD_STREAM_DRAIN, 0, BIT(4), EV_HDR_LEN, -EPROTO },
	{ "DPC", VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, 1,
	  VIRTIO_VIDEO_EVENT_FLAG_STANDALONE | VIRTIO_VIDEO_EVENT_FLAG_BLOCKED,
	  EV_HDR_LEN + 8, 0 },
	{ "DPC without values", VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, 1,
	  VIRTIO_VIDEO_EVENT_FLAG_STANDALONE, EV_HDR_LEN, -EPROTO },
	{ "failed set params", VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, 1,
	  VIRTIO_VIDEO_EVENT_FLAG_ERROR, EV_HDR_LEN, 0 },
	{ "stream error", VIRTIO_VIDEO_CMD_STREAM_CLOSE, 2,
	  VIRTIO_VIDEO_EVENT_FLAG_STANDALONE | VIRTIO_VIDEO_EVENT_FLAG_ERROR,
	  EV_HDR_LEN, 0 },
	{ "standalone close without error", VIRTIO_VIDEO_CMD_STREAM_CLOSE, 2,
	  VIRTIO_VIDEO_EVENT_FLAG_STANDALONE, EV_HDR_LEN, -EPROTO },
	{ "standalone drain", VIRTIO_VIDEO_CMD_STREAM_DRAIN, 0,
	  VIRTIO_VIDEO_EVENT_FLAG_STANDALONE, EV_HDR_LEN, -EPROTO },
	{ "standalone cancelled", VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, 0,
	  VIRTIO_VIDEO_EVENT_FLAG_STANDALONE | VIRTIO_VIDEO_EVENT_FLAG_CANCELED,
	  EV_HDR_LEN + 8, -EPROTO },
	{ "blocked drain", VIRTIO_VIDEO_CMD_STREAM_DRAIN, 0,
	  VIRTIO_VIDEO_EVENT_FLAG_BLOCKED, EV_HDR_LEN, -EPROTO },
};

static void event_desc(const struct event_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(event, event_cases, event_desc);

static void event_parse(struct kunit *test)
{
	const struct event_case *c = test->param_value;
	struct virtio_video_event_header *hdr;
	struct virtio_video_parse_error err = { };
	struct virtio_video_event ev;
	u8 *buf;

	/* Exactly as long as the device wrote, for KASAN. */
	buf = kunit_kzalloc(test, max_t(size_t, c->len, 1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	hdr = (void *)buf;
	if (c->len >= EV_HDR_LEN) {
		hdr->event_type = cpu_to_le32(c->type);
		hdr->stream_id = cpu_to_le32(c->stream);
		hdr->async_response_cookie = cpu_to_le32(0xc00c1e);
		hdr->event_flags = cpu_to_le32(c->flags);
	}
	KUNIT_ASSERT_EQ(test, virtio_video_event_parse(&ev, buf, c->len, 4, &err),
			c->ret);
	if (c->ret) {
		KUNIT_EXPECT_NOT_NULL(test, err.what);
		return;
	}
	KUNIT_EXPECT_EQ(test, ev.type, c->type);
	KUNIT_EXPECT_EQ(test, ev.stream_id, c->stream);
	KUNIT_EXPECT_EQ(test, ev.cookie, 0xc00c1e);
	KUNIT_EXPECT_EQ(test, ev.flags, c->flags);
	KUNIT_EXPECT_EQ(test, ev.body_len, c->len - EV_HDR_LEN);
}

static void span(struct kunit *test)
{
	struct virtio_video_span r = { .min = 16, .max = 4096, .step = 16 };

	KUNIT_EXPECT_TRUE(test, virtio_video_span_has(&r, 16));
	KUNIT_EXPECT_TRUE(test, virtio_video_span_has(&r, 1920));
	KUNIT_EXPECT_FALSE(test, virtio_video_span_has(&r, 1921));
	KUNIT_EXPECT_FALSE(test, virtio_video_span_has(&r, 4112));
	KUNIT_EXPECT_EQ(test, virtio_video_span_clamp(&r, 1), 16);
	KUNIT_EXPECT_EQ(test, virtio_video_span_clamp(&r, 1921), 1920);
	KUNIT_EXPECT_EQ(test, virtio_video_span_clamp(&r, 99999), 4096);
}

static void cmd_header(struct kunit *test)
{
	struct virtio_video_stream_cmd_header hdr;
	static const u8 want[] = {
		0x07, 0x02, 0, 0,	/* RESOURCE_QUEUE */
		0x03, 0, 0, 0,		/* stream 3 */
		0x02, 0, 0, 0,		/* OUTPUT */
		0x44, 0x33, 0x22, 0x11,	/* cookie */
	};

	virtio_video_cmd_header(&hdr, VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, 3,
				VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, 0x11223344);
	KUNIT_EXPECT_EQ(test, memcmp(&hdr, want, sizeof(want)), 0);
}

static struct kunit_case virtio_video_proto_cases[] = {
	KUNIT_CASE(caps_parse_ok),
	KUNIT_CASE(caps_parse_truncated),
	KUNIT_CASE_PARAM(caps_parse_bad, caps_bad_gen_params),
	KUNIT_CASE(caps_parse_framing),
	KUNIT_CASE(caps_parse_unknown_skipped),
	KUNIT_CASE(tlv_writer_overflow),
	KUNIT_CASE(raw_params),
	KUNIT_CASE_PARAM(event_parse, event_gen_params),
	KUNIT_CASE(span),
	KUNIT_CASE(cmd_header),
	{ }
};

static struct kunit_suite virtio_video_proto_suite = {
	.name = "virtio_video_proto",
	.test_cases = virtio_video_proto_cases,
};

static void fmt_map(struct kunit *test)
{
	const u32 single = VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER;
	const u32 multi = VIRTIO_VIDEO_PLANES_LAYOUT_MULTI_BUFFERS;

	KUNIT_EXPECT_EQ(test, virtio_video_coded_to_v4l2(VIRTIO_VIDEO_CODED_FORMAT_H264),
			V4L2_PIX_FMT_H264);
	KUNIT_EXPECT_EQ(test, virtio_video_coded_to_v4l2(VIRTIO_VIDEO_CODED_FORMAT_VP9),
			V4L2_PIX_FMT_VP9);
	KUNIT_EXPECT_EQ(test, virtio_video_coded_to_v4l2(0), 0);
	KUNIT_EXPECT_EQ(test, virtio_video_coded_to_v4l2(99), 0);
	KUNIT_EXPECT_EQ(test, virtio_video_raw_to_v4l2(NV12, single),
			V4L2_PIX_FMT_NV12);
	KUNIT_EXPECT_EQ(test, virtio_video_raw_to_v4l2(YUV420, single),
			V4L2_PIX_FMT_YUV420);
	/* Planes in separate buffers have no single-buffer V4L2 format. */
	KUNIT_EXPECT_EQ(test, virtio_video_raw_to_v4l2(NV12, multi), 0);
	KUNIT_EXPECT_EQ(test, virtio_video_raw_to_v4l2(0x34325258, single), 0);
	KUNIT_EXPECT_EQ(test, virtio_video_min_align(16 | 32 | 64), 16);
	KUNIT_EXPECT_EQ(test, virtio_video_min_align(0), 0);
}

static void fmt_layout(struct kunit *test)
{
	struct virtio_video_raw_layout l;

	/* 1920x1080 NV12, rows of 64 bytes, 16-row planes */
	KUNIT_ASSERT_EQ(test, virtio_video_raw_layout(V4L2_PIX_FMT_NV12, 1920,
						      1080, 64, 16, 1, &l), 0);
	KUNIT_EXPECT_EQ(test, l.num_planes, 2);
	KUNIT_EXPECT_EQ(test, l.bytesperline, 1920);
	KUNIT_EXPECT_EQ(test, l.height, 1088);
	KUNIT_EXPECT_EQ(test, l.offset[1], 1920 * 1088);
	KUNIT_EXPECT_EQ(test, l.size[1], 1920 * 1088 / 2);
	KUNIT_EXPECT_EQ(test, l.sizeimage, 1920 * 1088 * 3 / 2);

	/* A width that is not a multiple of 16 gets padded rows. */
	KUNIT_ASSERT_EQ(test, virtio_video_raw_layout(V4L2_PIX_FMT_YUV420, 174,
						      144, 32, 1, 1, &l), 0);
	KUNIT_EXPECT_EQ(test, l.num_planes, 3);
	KUNIT_EXPECT_EQ(test, l.bytesperline, 192);
	KUNIT_EXPECT_EQ(test, l.offset[2], 192 * 144 + 192 * 144 / 4);
	KUNIT_EXPECT_EQ(test, l.sizeimage, 192 * 144 * 3 / 2);

	/* A plane alignment V4L2 cannot describe, odd rows, no alignment */
	KUNIT_EXPECT_EQ(test, virtio_video_raw_layout(V4L2_PIX_FMT_NV12, 176,
						      144, 16, 1, 4096, &l), -EINVAL);
	KUNIT_EXPECT_EQ(test, virtio_video_raw_layout(V4L2_PIX_FMT_NV12, 176,
						      143, 16, 1, 1, &l), -EINVAL);
	KUNIT_EXPECT_EQ(test, virtio_video_raw_layout(V4L2_PIX_FMT_NV12, 176,
						      144, 0, 1, 1, &l), -EINVAL);
	KUNIT_EXPECT_EQ(test, virtio_video_raw_layout(V4L2_PIX_FMT_H264, 176,
						      144, 16, 1, 1, &l), -EINVAL);
	/* Nothing overflows 32 bits. */
	KUNIT_EXPECT_EQ(test, virtio_video_raw_layout(V4L2_PIX_FMT_NV12,
						      0x80000000, 0x10000, 1, 1, 1,
						      &l), -EINVAL);
}

static void fmt_sets(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, BUF_SIZE, GFP_KERNEL);
	struct virtio_video_caps caps;
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = build_good_caps(test, buf);
	KUNIT_ASSERT_EQ(test, virtio_video_caps_parse(&caps, buf, len, NULL), 0);

	KUNIT_EXPECT_EQ(test, virtio_video_find_coded(&caps, V4L2_PIX_FMT_HEVC), 1);
	KUNIT_EXPECT_EQ(test, virtio_video_find_coded(&caps, V4L2_PIX_FMT_VP8),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, virtio_video_nth_coded(&caps, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, virtio_video_nth_coded(&caps, 0, 1), 1);
	KUNIT_EXPECT_EQ(test, virtio_video_nth_coded(&caps, 0, 2), -EINVAL);
	/* No encoder LINK: no coded set is usable for the encoder. */
	KUNIT_EXPECT_EQ(test, virtio_video_nth_coded(&caps, 1, 0), -EINVAL);

	/* H.264 decodes to NV12 only; HEVC to both, in the device's order. */
	KUNIT_EXPECT_EQ(test, virtio_video_nth_raw(&caps, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, virtio_video_nth_raw(&caps, 0, 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, virtio_video_nth_raw(&caps, 0, 1, 1), 1);
	KUNIT_EXPECT_EQ(test, virtio_video_find_raw(&caps, 0, 0,
						    V4L2_PIX_FMT_YUV420), -EINVAL);
	KUNIT_EXPECT_EQ(test, virtio_video_find_raw(&caps, 0, 1,
						    V4L2_PIX_FMT_YUV420), 1);
	KUNIT_EXPECT_EQ(test, virtio_video_find_raw(&caps, 0, -1,
						    V4L2_PIX_FMT_YUV420), 1);
	virtio_video_caps_free(&caps);
}

static struct kunit_case virtio_video_fmt_cases[] = {
	KUNIT_CASE(fmt_map),
	KUNIT_CASE(fmt_layout),
	KUNIT_CASE(fmt_sets),
	{ }
};

static struct kunit_suite virtio_video_fmt_suite = {
	.name = "virtio_video_fmt",
	.test_cases = virtio_video_fmt_cases,
};

kunit_test_suites(&virtio_video_proto_suite, &virtio_video_fmt_suite);

MODULE_DESCRIPTION("KUnit tests for the virtio-video protocol layer and formats");
MODULE_LICENSE("GPL");
