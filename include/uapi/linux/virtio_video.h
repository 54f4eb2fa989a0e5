/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtio video device (virtio device ID 50): encoder and/or decoder, as in
 * the virtio-video draft v10 ("[PATCH v10 1/1] virtio-video", 2026-02-13).
 *
 * The draft is not part of a released VIRTIO specification and is expected
 * to change; everything here follows v10.  All fields are little-endian;
 * padding is zero in both directions.
 */
#ifndef _UAPI_LINUX_VIRTIO_VIDEO_H
#define _UAPI_LINUX_VIRTIO_VIDEO_H

#include <linux/types.h>
#include <linux/virtio_types.h>

#ifndef VIRTIO_ID_VIDEO
#define VIRTIO_ID_VIDEO				50
#endif

/* Feature bits */
#define VIRTIO_VIDEO_F_ENCODER			0
#define VIRTIO_VIDEO_F_DECODER			1
#define VIRTIO_VIDEO_F_RESOURCE_GUEST_PAGES	2
#define VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG	3	/* needs GUEST_PAGES */
#define VIRTIO_VIDEO_F_RESOURCE_VIRTIO_OBJECT	4
#define VIRTIO_VIDEO_F_V4L2_COMPATIBLE_LAST_BUFFER 5

/* Virtqueues */
#define VIRTIO_VIDEO_QUEUE_COMMANDQ		0
#define VIRTIO_VIDEO_QUEUE_EVENTQ		1

struct virtio_video_config {
	__le32 max_streams;	/* > 0 */
	__le32 caps_length;	/* size of the DEVICE_QUERY_CAPS response */
};

/* Commands */
#define VIRTIO_VIDEO_CMD_DEVICE_QUERY_CAPS	0x100
#define VIRTIO_VIDEO_CMD_STREAM_OPEN		0x200
#define VIRTIO_VIDEO_CMD_STREAM_CLOSE		0x201
#define VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS	0x202
#define VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS	0x203
#define VIRTIO_VIDEO_CMD_STREAM_UNBLOCK		0x204
#define VIRTIO_VIDEO_CMD_STREAM_DRAIN		0x205
#define VIRTIO_VIDEO_CMD_STREAM_QUEUE_RESET	0x206
#define VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE	0x207

/* Internal queues of a stream (queue_type) */
#define VIRTIO_VIDEO_QUEUE_TYPE_MAIN		0
#define VIRTIO_VIDEO_QUEUE_TYPE_INPUT		1
#define VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT		2

/* Stream types (STREAM_OPEN, LINK) */
#define VIRTIO_VIDEO_STREAM_TYPE_DECODER	0
#define VIRTIO_VIDEO_STREAM_TYPE_ENCODER	1

/* Result of DEVICE_QUERY_CAPS */
#define VIRTIO_VIDEO_RESULT_OK			0
#define VIRTIO_VIDEO_RESULT_ERROR		1

struct virtio_video_device_query_caps {
	__le32 type;		/* VIRTIO_VIDEO_CMD_DEVICE_QUERY_CAPS */
};

struct virtio_video_device_query_caps_resp {
	__le32 result;
	__u8 padding[4];
	/* TLVs follow, up to caps_length bytes in all */
};

struct virtio_video_stream_cmd_header {
	__le32 type;
	__le32 stream_id;
	__le32 queue_type;
	__le32 async_response_cookie;
};

/* Event flags */
#define VIRTIO_VIDEO_EVENT_FLAG_ERROR		0x01
#define VIRTIO_VIDEO_EVENT_FLAG_STANDALONE	0x02
#define VIRTIO_VIDEO_EVENT_FLAG_CANCELED	0x04
#define VIRTIO_VIDEO_EVENT_FLAG_BLOCKED		0x08

struct virtio_video_event_header {
	__le32 event_type;	/* the command answered */
	__le32 stream_id;
	__le32 async_response_cookie;
	__le32 event_flags;
};

struct virtio_video_stream_open {
	struct virtio_video_stream_cmd_header hdr;
	__le32 stream_type;
};

struct virtio_video_stream_queue_reset {
	struct virtio_video_stream_cmd_header hdr;
	__le32 reset_queue_type;	/* INPUT or OUTPUT */
};

#define VIRTIO_VIDEO_MAX_PLANES			8

/* Resource queue flags */
#define VIRTIO_VIDEO_QUEUE_FLAG_KEY_FRAME	0x01
#define VIRTIO_VIDEO_QUEUE_FLAG_P_FRAME		0x02
#define VIRTIO_VIDEO_QUEUE_FLAG_B_FRAME		0x04
#define VIRTIO_VIDEO_QUEUE_FLAG_V4L2_DPC_LAST	0x08
#define VIRTIO_VIDEO_QUEUE_FLAG_V4L2_DRAIN_LAST	0x10

struct virtio_video_resource_queue {
	struct virtio_video_stream_cmd_header hdr;
	__le32 resource_id;
	__le32 flags;
	__le64 timestamp;
	__le32 offsets[VIRTIO_VIDEO_MAX_PLANES];
	__le32 data_sizes[VIRTIO_VIDEO_MAX_PLANES];
};

struct virtio_video_resource_queue_async_resp {
	struct virtio_video_event_header hdr;
	__le32 flags;
	__u8 padding[4];
	__le64 timestamp;
	__le32 offsets[VIRTIO_VIDEO_MAX_PLANES];
	__le32 data_sizes[VIRTIO_VIDEO_MAX_PLANES];
};

/* TLVs: caps and parameters */
struct virtio_video_tlv {
	__le32 type;
	__le32 length;		/* of the value, a multiple of 4 */
	/* value follows */
};

#define VIRTIO_VIDEO_TLV_CODED_SET		1
#define VIRTIO_VIDEO_TLV_RAW_SET		2
#define VIRTIO_VIDEO_TLV_LINK			3
#define VIRTIO_VIDEO_TLV_CODED_FORMAT		4
#define VIRTIO_VIDEO_TLV_RAW_FORMAT		5
#define VIRTIO_VIDEO_TLV_CODED_RESOURCES	6
#define VIRTIO_VIDEO_TLV_RAW_RESOURCES		7
#define VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES	8
#define VIRTIO_VIDEO_TLV_RESOURCE_VIRTIO_OBJECT	9
#define VIRTIO_VIDEO_TLV_CROP			10
#define VIRTIO_VIDEO_TLV_V4L2_CONTROLS		11

/* Coded formats */
#define VIRTIO_VIDEO_CODED_FORMAT_MPEG2		1
#define VIRTIO_VIDEO_CODED_FORMAT_MPEG4		2
#define VIRTIO_VIDEO_CODED_FORMAT_H264		3
#define VIRTIO_VIDEO_CODED_FORMAT_HEVC		4
#define VIRTIO_VIDEO_CODED_FORMAT_VP8		5
#define VIRTIO_VIDEO_CODED_FORMAT_VP9		6
#define VIRTIO_VIDEO_CODED_FORMAT_FWHT		7

/* Raw planes layouts */
#define VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER	0x01
#define VIRTIO_VIDEO_PLANES_LAYOUT_MULTI_BUFFERS	0x02

/* x = min + n * step, min <= x <= max */
struct virtio_video_range {
	__le32 min;
	__le32 max;
	__le32 step;
	__u8 padding[4];
};

struct virtio_video_tlv_link {
	__le32 stream_type;
	__u8 padding[4];
	/*
	 * W = (n_raw + 63) / 64 little-endian 64-bit words per coded set:
	 * bit (j % 64) of links[i * W + j / 64] links coded set i and raw
	 * set j.
	 */
	__le64 links[];
};

struct virtio_video_coded_format_caps {
	__le32 format;
};

struct virtio_video_coded_resources_caps {
	struct virtio_video_range num_resources_range;
	struct virtio_video_range resource_size_range;
};

struct virtio_video_raw_format_caps {
	__le32 planes_layout_mask;
	__le32 fourcc;		/* DRM_FORMAT_* */
	__le64 modifier;	/* DRM_FORMAT_MOD_* */
	struct virtio_video_range width_range;
	struct virtio_video_range height_range;
	__le32 stride_align_mask;
	__le32 height_align_mask;
	__le32 plane_align_mask;
} __attribute__((packed));	/* 60 bytes */

struct virtio_video_raw_resources_caps {
	struct virtio_video_range num_resources_range;
};

/* Parameter values (SET_PARAMS / GET_PARAMS) */
struct virtio_video_coded_format {
	__le32 format;
};

struct virtio_video_resources {
	__le32 num_resources;	/* 0: detach all */
};

struct virtio_video_raw_format {
	__le32 planes_layout;
	__le32 fourcc;
	__le64 modifier;
	__le32 width;
	__le32 height;
	__le32 stride_align;
	__le32 height_align;
	__le32 plane_align;
} __attribute__((packed));	/* 36 bytes */

struct virtio_video_resource_guest_pages_entry {
	__le64 addr;		/* page aligned */
	__le32 length;		/* page aligned */
	__u8 padding[4];
};

struct virtio_video_resource_guest_pages {
	__le32 resource_id;
	__u8 padding[4];
	__le32 num_entries[VIRTIO_VIDEO_MAX_PLANES];
	struct virtio_video_resource_guest_pages_entry entries[];
};

struct virtio_video_resource_virtio_object {
	__le32 resource_id;
	__le32 num_objects;	/* <= VIRTIO_VIDEO_MAX_PLANES */
	__u8 uuids[][16];
};

struct virtio_video_crop {
	__le32 left;
	__le32 top;
	__le32 width;
	__le32 height;
};

/* V4L2_CONTROLS: integer controls carry a range, menus a bitmask */
struct virtio_video_control_enum_caps {
	__le32 bitmask;
};

struct virtio_video_control_int {
	__le32 value;
};

struct virtio_video_control_enum {
	__u8 value;
	__u8 padding[3];
};

#endif /* _UAPI_LINUX_VIRTIO_VIDEO_H */
