/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-video v10 wire protocol: the device's capabilities, parameter
 * TLVs, command building and event checking.  Nothing here touches a
 * virtqueue or V4L2, so that the next draft is a change to this file and
 * virtio_video_proto.c only.  Everything read from the device is checked
 * here before the rest of the driver sees it.
 */
#ifndef _VIRTIO_VIDEO_PROTO_H
#define _VIRTIO_VIDEO_PROTO_H

#include <linux/bitmap.h>
#include <linux/types.h>
#include <linux/virtio_video.h>

/* Limits the driver puts on what a device may describe. */
#define VIRTIO_VIDEO_CAPS_MAX_LEN	(64 * 1024)
#define VIRTIO_VIDEO_MAX_SETS		64	/* coded sets, and raw sets */
#define VIRTIO_VIDEO_MAX_CTRLS		16	/* V4L2 controls per coded set */
#define VIRTIO_VIDEO_NUM_STREAM_TYPES	2

/**
 * struct virtio_video_span - a decoded range: min + n * step <= max
 * @min: smallest value
 * @max: largest value
 * @step: distance between values; 1 when @min == @max
 */
struct virtio_video_span {
	u32 min;
	u32 max;
	u32 step;
};

/**
 * struct virtio_video_ctrl_caps - a V4L2 control a coded set supports
 * @id: V4L2_CID_*
 * @menu: a menu control (@mask valid), else an integer one (@range valid)
 * @mask: supported menu values, bit n for value n
 * @range: supported integer values
 */
struct virtio_video_ctrl_caps {
	u32 id;
	bool menu;
	union {
		u32 mask;
		struct virtio_video_span range;
	};
};

/**
 * struct virtio_video_coded_caps - one coded set of the capabilities
 * @format: VIRTIO_VIDEO_CODED_FORMAT_*
 * @num_resources: buffers the queue may have
 * @resource_size: size of one buffer in bytes
 * @guest_pages: guest pages can back the buffers
 * @virtio_object: virtio objects can back the buffers
 * @crop: a crop rectangle can be set
 * @num_ctrls: entries of @ctrls
 * @ctrls: the V4L2 controls of this format
 */
struct virtio_video_coded_caps {
	u32 format;
	struct virtio_video_span num_resources;
	struct virtio_video_span resource_size;
	bool guest_pages;
	bool virtio_object;
	bool crop;
	unsigned int num_ctrls;
	struct virtio_video_ctrl_caps ctrls[VIRTIO_VIDEO_MAX_CTRLS];
};

/**
 * struct virtio_video_raw_caps - one raw set of the capabilities
 * @layouts: VIRTIO_VIDEO_PLANES_LAYOUT_* mask
 * @fourcc: DRM fourcc
 * @modifier: DRM format modifier
 * @width: frame widths
 * @height: frame heights
 * @stride_align_mask: supported stride alignments (powers of two)
 * @height_align_mask: supported height alignments (powers of two)
 * @plane_align_mask: supported plane alignments (powers of two)
 * @num_resources: buffers the queue may have
 * @guest_pages: guest pages can back the buffers
 * @virtio_object: virtio objects can back the buffers
 * @crop: a crop rectangle can be set
 */
struct virtio_video_raw_caps {
	u32 layouts;
	u32 fourcc;
	u64 modifier;
	struct virtio_video_span width;
	struct virtio_video_span height;
	u32 stride_align_mask;
	u32 height_align_mask;
	u32 plane_align_mask;
	struct virtio_video_span num_resources;
	bool guest_pages;
	bool virtio_object;
	bool crop;
};

/**
 * struct virtio_video_caps - the device's capabilities, checked
 * @num_coded: entries of @coded
 * @num_raw: entries of @raw
 * @coded: coded sets, in the device's order
 * @raw: raw sets, in the device's order of preference
 * @links: per stream type (VIRTIO_VIDEO_STREAM_TYPE_*), a bitmap of
 *	@num_coded * @num_raw bits, bit (i * @num_raw + j) set when coded set
 *	i and raw set j work together; NULL when the device has no such link
 *
 * Read-only once parsed; freed with virtio_video_caps_free().
 */
struct virtio_video_caps {
	unsigned int num_coded;
	unsigned int num_raw;
	struct virtio_video_coded_caps *coded;
	struct virtio_video_raw_caps *raw;
	unsigned long *links[VIRTIO_VIDEO_NUM_STREAM_TYPES];
};

/**
 * struct virtio_video_parse_error - why device data was refused
 * @what: a short, fixed description
 * @offset: byte offset of the offending item in the data
 */
struct virtio_video_parse_error {
	const char *what;
	size_t offset;
};

int virtio_video_caps_parse(struct virtio_video_caps *caps, const void *data,
			    size_t len, struct virtio_video_parse_error *err);
void virtio_video_caps_free(struct virtio_video_caps *caps);
bool virtio_video_caps_linked(const struct virtio_video_caps *caps,
			      unsigned int stream_type, unsigned int coded,
			      unsigned int raw);
bool virtio_video_span_has(const struct virtio_video_span *r, u32 v);
u32 virtio_video_span_clamp(const struct virtio_video_span *r, u32 v);

/**
 * struct virtio_video_tlv_writer - builds a TLV sequence in a buffer
 * @buf: the buffer
 * @size: its size
 * @len: bytes written so far
 * @overflow: a TLV did not fit; the content is incomplete
 */
struct virtio_video_tlv_writer {
	u8 *buf;
	size_t size;
	size_t len;
	bool overflow;
};

void virtio_video_tlv_writer_init(struct virtio_video_tlv_writer *w,
				  void *buf, size_t size);
void *virtio_video_tlv_put(struct virtio_video_tlv_writer *w, u32 type,
			   size_t len);
size_t virtio_video_tlv_open(struct virtio_video_tlv_writer *w, u32 type);
void virtio_video_tlv_close(struct virtio_video_tlv_writer *w, size_t start);

/**
 * struct virtio_video_raw_params - raw queue parameters from the device
 * @valid: which of the VIRTIO_VIDEO_PARAM_* below the device sent
 * @format: the frame layout
 * @num_resources: number of buffers
 * @crop: the crop rectangle (visible area)
 */
struct virtio_video_raw_params {
	unsigned long valid;
	struct {
		u32 planes_layout;
		u32 fourcc;
		u64 modifier;
		u32 width;
		u32 height;
		u32 stride_align;
		u32 height_align;
		u32 plane_align;
	} format;
	u32 num_resources;
	struct {
		u32 left;
		u32 top;
		u32 width;
		u32 height;
	} crop;
};

/**
 * struct virtio_video_coded_params - coded queue parameters from the device
 * @valid: which of the VIRTIO_VIDEO_PARAM_* below the device sent
 * @format: VIRTIO_VIDEO_CODED_FORMAT_*
 * @num_resources: number of buffers
 */
struct virtio_video_coded_params {
	unsigned long valid;
	u32 format;
	u32 num_resources;
};

#define VIRTIO_VIDEO_PARAM_FORMAT	BIT(0)
#define VIRTIO_VIDEO_PARAM_RESOURCES	BIT(1)
#define VIRTIO_VIDEO_PARAM_CROP		BIT(2)

int virtio_video_raw_params_parse(struct virtio_video_raw_params *p,
				  const void *data, size_t len,
				  struct virtio_video_parse_error *err);
int virtio_video_coded_params_parse(struct virtio_video_coded_params *p,
				    const void *data, size_t len,
				    struct virtio_video_parse_error *err);

/**
 * struct virtio_video_event - an eventq buffer, checked
 * @type: VIRTIO_VIDEO_CMD_STREAM_* the event answers
 * @stream_id: the stream
 * @cookie: the cookie of the command answered (meaningless if standalone)
 * @flags: VIRTIO_VIDEO_EVENT_FLAG_*
 * @body: what follows the header
 * @body_len: its length
 */
struct virtio_video_event {
	u32 type;
	u32 stream_id;
	u32 cookie;
	u32 flags;
	const void *body;
	size_t body_len;
};

int virtio_video_event_parse(struct virtio_video_event *ev, const void *data,
			     size_t len, u32 max_streams,
			     struct virtio_video_parse_error *err);

void virtio_video_cmd_header(struct virtio_video_stream_cmd_header *hdr,
			     u32 type, u32 stream_id, u32 queue_type,
			     u32 cookie);

#endif /* _VIRTIO_VIDEO_PROTO_H */
