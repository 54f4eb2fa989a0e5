/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-video: the device's formats as V4L2 sees them.  Pure functions
 * over the parsed capabilities, so that the KUnit suite covers them.
 */
#ifndef _VIRTIO_VIDEO_FMT_H
#define _VIRTIO_VIDEO_FMT_H

#include <linux/types.h>

#include "virtio_video_proto.h"

/**
 * struct virtio_video_raw_layout - how a raw frame lies in one buffer
 * @num_planes: colour planes
 * @bytesperline: of the first plane
 * @height: rows of the first plane (the coded height, aligned)
 * @offset: where each plane starts
 * @size: bytes of each plane
 * @sizeimage: bytes of the whole buffer
 */
struct virtio_video_raw_layout {
	unsigned int num_planes;
	u32 bytesperline;
	u32 height;
	u32 offset[3];
	u32 size[3];
	u32 sizeimage;
};

u32 virtio_video_coded_to_v4l2(u32 format);
u32 virtio_video_raw_to_v4l2(u32 drm_fourcc, u32 planes_layout);
int virtio_video_raw_layout(u32 v4l2_fourcc, u32 width, u32 height,
			    u32 stride_align, u32 height_align,
			    u32 plane_align,
			    struct virtio_video_raw_layout *l);
u32 virtio_video_min_align(u32 mask);
int virtio_video_find_coded(const struct virtio_video_caps *caps,
			    u32 v4l2_fourcc);
int virtio_video_find_raw(const struct virtio_video_caps *caps,
			  unsigned int stream_type, int coded,
			  u32 v4l2_fourcc);
int virtio_video_nth_raw(const struct virtio_video_caps *caps,
			 unsigned int stream_type, int coded,
			 unsigned int n);
int virtio_video_nth_coded(const struct virtio_video_caps *caps,
			   unsigned int stream_type, unsigned int n);

#endif /* _VIRTIO_VIDEO_FMT_H */
