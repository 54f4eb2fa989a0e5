// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-video: mapping the device's coded formats (a v10 enum) and raw
 * formats (DRM fourcc and plane layout) to V4L2 pixel formats, and the
 * layout of a raw frame in a buffer.
 */
#include <kunit/visibility.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/videodev2.h>

#include "virtio_video_fmt.h"

/* DRM fourccs, as include/uapi/drm/drm_fourcc.h defines them */
#define VV_DRM_FOURCC(a, b, c, d) \
	((u32)(a) | ((u32)(b) << 8) | ((u32)(c) << 16) | ((u32)(d) << 24))
#define VV_DRM_NV12	VV_DRM_FOURCC('N', 'V', '1', '2')
#define VV_DRM_YUV420	VV_DRM_FOURCC('Y', 'U', '1', '2')

static const struct {
	u32 format;
	u32 v4l2;
} virtio_video_coded_map[] = {
	{ VIRTIO_VIDEO_CODED_FORMAT_MPEG2, V4L2_PIX_FMT_MPEG2 },
	{ VIRTIO_VIDEO_CODED_FORMAT_MPEG4, V4L2_PIX_FMT_MPEG4 },
	{ VIRTIO_VIDEO_CODED_FORMAT_H264, V4L2_PIX_FMT_H264 },
	{ VIRTIO_VIDEO_CODED_FORMAT_HEVC, V4L2_PIX_FMT_HEVC },
	{ VIRTIO_VIDEO_CODED_FORMAT_VP8, V4L2_PIX_FMT_VP8 },
	{ VIRTIO_VIDEO_CODED_FORMAT_VP9, V4L2_PIX_FMT_VP9 },
	{ VIRTIO_VIDEO_CODED_FORMAT_FWHT, V4L2_PIX_FMT_FWHT },
};

/**
 * virtio_video_coded_to_v4l2() - the V4L2 pixel format of a coded format
 * @format: VIRTIO_VIDEO_CODED_FORMAT_*
 *
 * Return: V4L2_PIX_FMT_*, or 0 for a format this driver does not know.
 */
u32 virtio_video_coded_to_v4l2(u32 format)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(virtio_video_coded_map); i++)
		if (virtio_video_coded_map[i].format == format)
			return virtio_video_coded_map[i].v4l2;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_coded_to_v4l2);

/**
 * virtio_video_raw_to_v4l2() - the V4L2 pixel format of a raw format
 * @drm_fourcc: the device's DRM fourcc
 * @planes_layout: the VIRTIO_VIDEO_PLANES_LAYOUT_* it would be used with
 *
 * Only formats whose planes lie in one buffer, as the V4L2 single-buffer
 * formats want them, are mapped for now.
 *
 * Return: V4L2_PIX_FMT_*, or 0.
 */
u32 virtio_video_raw_to_v4l2(u32 drm_fourcc, u32 planes_layout)
{
	if (!(planes_layout & VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER))
		return 0;
	switch (drm_fourcc) {
	case VV_DRM_NV12:
		return V4L2_PIX_FMT_NV12;
	case VV_DRM_YUV420:
		return V4L2_PIX_FMT_YUV420;
	default:
		return 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_raw_to_v4l2);

/**
 * virtio_video_min_align() - the smallest alignment of a mask
 * @mask: bit n set when an alignment of 2^n is supported
 *
 * Return: the alignment in bytes (or rows), 0 if @mask is empty.
 */
u32 virtio_video_min_align(u32 mask)
{
	return mask ? 1U << __ffs(mask) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_min_align);

/**
 * virtio_video_raw_layout() - where the planes of a raw frame lie
 * @v4l2_fourcc: V4L2_PIX_FMT_NV12 or V4L2_PIX_FMT_YUV420
 * @width: frame width
 * @height: frame height
 * @stride_align: alignment of a row, a power of two
 * @height_align: alignment of the number of rows, a power of two
 * @plane_align: alignment of a plane's start, a power of two
 * @l: filled
 *
 * The device writes the planes where these alignments put them; V4L2's
 * single-buffer formats need each plane right after the one before.
 *
 * Return: 0, or -EINVAL when the alignments leave a gap V4L2 cannot
 * describe or the frame does not fit 32 bits.
 */
int virtio_video_raw_layout(u32 v4l2_fourcc, u32 width, u32 height,
			    u32 stride_align, u32 height_align,
			    u32 plane_align, struct virtio_video_raw_layout *l)
{
	u64 bpl, rows, luma, chroma, total;
	unsigned int i;

	if (!width || !height || !is_power_of_2(stride_align) ||
	    !is_power_of_2(height_align) || !is_power_of_2(plane_align))
		return -EINVAL;
	bpl = ALIGN((u64)width, stride_align);
	rows = ALIGN((u64)height, height_align);
	if (bpl & 1 || rows & 1)
		return -EINVAL;
	luma = bpl * rows;
	switch (v4l2_fourcc) {
	case V4L2_PIX_FMT_NV12:
		l->num_planes = 2;
		chroma = luma / 2;
		break;
	case V4L2_PIX_FMT_YUV420:
		l->num_planes = 3;
		chroma = luma / 4;
		break;
	default:
		return -EINVAL;
	}
	total = luma + chroma * (l->num_planes - 1);
	if (total > U32_MAX)
		return -EINVAL;
	l->bytesperline = bpl;
	l->height = rows;
	for (i = 0; i < l->num_planes; i++) {
		l->offset[i] = i ? l->offset[i - 1] + l->size[i - 1] : 0;
		l->size[i] = i ? chroma : luma;
		if (!IS_ALIGNED(l->offset[i], plane_align))
			return -EINVAL;
	}
	l->sizeimage = total;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_raw_layout);

/**
 * virtio_video_find_coded() - the coded set of a V4L2 pixel format
 * @caps: the capabilities
 * @v4l2_fourcc: V4L2_PIX_FMT_*
 *
 * Return: the coded set's index, or -EINVAL.
 */
int virtio_video_find_coded(const struct virtio_video_caps *caps,
			    u32 v4l2_fourcc)
{
	unsigned int i;

	for (i = 0; i < caps->num_coded; i++)
		if (virtio_video_coded_to_v4l2(caps->coded[i].format) ==
		    v4l2_fourcc)
			return i;
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_find_coded);

static bool virtio_video_raw_usable(const struct virtio_video_caps *caps,
				    unsigned int stream_type, int coded,
				    unsigned int raw)
{
	const struct virtio_video_raw_caps *r = &caps->raw[raw];

	if (!virtio_video_raw_to_v4l2(r->fourcc, r->layouts) || r->modifier)
		return false;
	if (coded >= 0)
		return virtio_video_caps_linked(caps, stream_type, coded, raw);
	return true;
}

/**
 * virtio_video_find_raw() - the raw set of a V4L2 pixel format
 * @caps: the capabilities
 * @stream_type: VIRTIO_VIDEO_STREAM_TYPE_*
 * @coded: only raw sets linked to this coded set; -1 for any
 * @v4l2_fourcc: V4L2_PIX_FMT_*
 *
 * Return: the raw set's index, or -EINVAL.
 */
int virtio_video_find_raw(const struct virtio_video_caps *caps,
			  unsigned int stream_type, int coded,
			  u32 v4l2_fourcc)
{
	const struct virtio_video_raw_caps *r;
	unsigned int i;

	for (i = 0; i < caps->num_raw; i++) {
		r = &caps->raw[i];
		if (virtio_video_raw_usable(caps, stream_type, coded, i) &&
		    virtio_video_raw_to_v4l2(r->fourcc, r->layouts) ==
		    v4l2_fourcc)
			return i;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_find_raw);

/**
 * virtio_video_nth_raw() - the n-th raw set V4L2 can use
 * @caps: the capabilities
 * @stream_type: VIRTIO_VIDEO_STREAM_TYPE_*
 * @coded: only raw sets linked to this coded set; -1 for any
 * @n: which one, from 0, in the device's order of preference
 *
 * Return: the raw set's index, or -EINVAL.
 */
int virtio_video_nth_raw(const struct virtio_video_caps *caps,
			 unsigned int stream_type, int coded, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < caps->num_raw; i++)
		if (virtio_video_raw_usable(caps, stream_type, coded, i) &&
		    !n--)
			return i;
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_nth_raw);

/**
 * virtio_video_nth_coded() - the n-th coded set V4L2 can use
 * @caps: the capabilities
 * @stream_type: VIRTIO_VIDEO_STREAM_TYPE_*
 * @n: which one, from 0
 *
 * A coded set is usable when V4L2 knows its format and it is linked to
 * a raw set V4L2 can use.
 *
 * Return: the coded set's index, or -EINVAL.
 */
int virtio_video_nth_coded(const struct virtio_video_caps *caps,
			   unsigned int stream_type, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < caps->num_coded; i++) {
		if (!virtio_video_coded_to_v4l2(caps->coded[i].format) ||
		    virtio_video_nth_raw(caps, stream_type, i, 0) < 0)
			continue;
		if (!n--)
			return i;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(virtio_video_nth_coded);
