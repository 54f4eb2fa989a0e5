/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences met by the virtio video driver (6.1 to 7.x).
 * Everything version-specific lives here; the driver itself is written for
 * the current mainline API.  The upstream submission drops this file.
 */
#ifndef _VIRTIO_VIDEO_COMPAT_H
#define _VIRTIO_VIDEO_COMPAT_H

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/virtio_config.h>
#include <media/v4l2-fh.h>
#include <media/v4l2-mem2mem.h>
#include <media/videobuf2-v4l2.h>

/*
 * 6.13 made the namespace of MODULE_IMPORT_NS() a string literal; the
 * KUnit suite imports the symbols the driver exports for it.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define VIRTIO_VIDEO_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#else
#define VIRTIO_VIDEO_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#endif

/*
 * 6.11 replaced the callbacks[]/names[] arguments of virtio_find_vqs() by
 * an array of struct virtqueue_info; older kernels get it translated.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
struct virtqueue_info {
	const char *name;
	vq_callback_t *callback;
	bool ctx;
};

static inline int virtio_video_compat_find_vqs(struct virtio_device *vdev,
					       unsigned int nvqs,
					       struct virtqueue *vqs[],
					       struct virtqueue_info vqs_info[],
					       struct irq_affinity *desc)
{
	vq_callback_t *callbacks[2];
	const char *names[2];
	unsigned int i;

	if (nvqs > ARRAY_SIZE(names))
		return -EINVAL;
	for (i = 0; i < nvqs; i++) {
		callbacks[i] = vqs_info[i].callback;
		names[i] = vqs_info[i].name;
	}
	return virtio_find_vqs(vdev, nvqs, vqs, callbacks, names, desc);
}

#define virtio_find_vqs(vdev, nvqs, vqs, info, desc) \
	virtio_video_compat_find_vqs(vdev, nvqs, vqs, info, desc)
#endif

/*
 * 6.18 gave v4l2_fh_add() and v4l2_fh_del() the file, and v4l2_fh_add()
 * sets file->private_data, which drivers did themselves before.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 18, 0)
static inline void virtio_video_fh_add(struct v4l2_fh *fh, struct file *file)
{
	file->private_data = fh;
	v4l2_fh_add(fh);
}

static inline void virtio_video_fh_del(struct v4l2_fh *fh, struct file *file)
{
	v4l2_fh_del(fh);
}
#else
#define virtio_video_fh_add(fh, file)	v4l2_fh_add(fh, file)
#define virtio_video_fh_del(fh, file)	v4l2_fh_del(fh, file)
#endif

/*
 * Before 6.13 videobuf2 dropped the queue lock around a blocking DQBUF
 * only through the wait_prepare/wait_finish ops; later kernels do it
 * themselves and then removed the ops.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define VIRTIO_VIDEO_VB2_WAIT_OPS \
	.wait_prepare = vb2_ops_wait_prepare, \
	.wait_finish = vb2_ops_wait_finish,
#else
#define VIRTIO_VIDEO_VB2_WAIT_OPS
#endif

/*
 * 6.8 let a queue have more than VB2_MAX_FRAME (32) buffers, and counts
 * them with vb2_get_num_buffers(); VIDIOC_REMOVE_BUFS came with 6.10.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define virtio_video_num_buffers(q)	((q)->num_buffers)
/* The driver's limit, 32 buffers, is VB2_MAX_FRAME there. */
static inline void virtio_video_set_max_buffers(struct vb2_queue *q,
						unsigned int n)
{
}
#else
#define virtio_video_num_buffers(q)	vb2_get_num_buffers(q)
#define virtio_video_set_max_buffers(q, n)	((q)->max_num_buffers = (n))
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
#define VIRTIO_VIDEO_REMOVE_BUFS_OP
#else
#define VIRTIO_VIDEO_REMOVE_BUFS_OP \
	.vidioc_remove_bufs = v4l2_m2m_ioctl_remove_bufs,
#endif

/*
 * Not a kernel version: a test rig whose VMM cannot present device ID 50
 * (QEMU 11.1) builds the driver to match a second ID as well.
 */
#ifdef VIRTIO_VIDEO_RIG_ID
#define VIRTIO_VIDEO_RIG_ID_ENTRY	{ VIRTIO_VIDEO_RIG_ID, VIRTIO_DEV_ANY_ID },
#else
#define VIRTIO_VIDEO_RIG_ID_ENTRY
#endif

/* 7.0 added typed allocation helpers; the driver passes its GFP flags. */
#ifndef kzalloc_obj
#define kzalloc_obj(obj, gfp)	kzalloc(sizeof(obj), gfp)
#endif

#endif /* _VIRTIO_VIDEO_COMPAT_H */
