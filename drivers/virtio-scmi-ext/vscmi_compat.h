/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences met by virtio-scmi-ext (6.1 to 7.x).
 * Everything version-specific lives here; the driver itself is written for
 * the current mainline API.  The upstream submission drops this file.
 */
#ifndef _VSCMI_COMPAT_H
#define _VSCMI_COMPAT_H

#include <linux/export.h>
#include <linux/module.h>
#include <linux/version.h>
#include <linux/virtio_config.h>

/* 6.12 moved the unaligned access helpers out of asm/. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#if IS_ENABLED(CONFIG_IIO)
#include <linux/iio/buffer.h>
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

/**
 * vscmi_compat_find_vqs() - virtio_find_vqs() with a virtqueue_info array
 * @vdev: the virtio device
 * @nvqs: number of queues (at most 2)
 * @vqs: filled with the queues
 * @vqs_info: name and callback of each queue
 * @desc: interrupt affinity, or NULL
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
static inline int vscmi_compat_find_vqs(struct virtio_device *vdev,
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
	vscmi_compat_find_vqs(vdev, nvqs, vqs, info, desc)
#endif

/*
 * 6.16 added iio_push_to_buffers_with_ts(), which also checks the size of
 * the sample buffer, and deprecated iio_push_to_buffers_with_timestamp().
 */
#if IS_ENABLED(CONFIG_IIO) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
static inline int iio_push_to_buffers_with_ts(struct iio_dev *indio_dev, void *data,
					      size_t data_total_len, s64 timestamp)
{
	return iio_push_to_buffers_with_timestamp(indio_dev, data, timestamp);
}
#endif

/* 6.13 made the state of iio_info.write_event_config() a bool. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define VSCMI_IIO_EVENT_STATE	int
#else
#define VSCMI_IIO_EVENT_STATE	bool
#endif

/* 7.0 added typed allocation helpers; the driver passes its GFP flags. */
#ifndef kzalloc_obj
#define kzalloc_obj(obj, gfp)	kzalloc(sizeof(obj), gfp)
#endif

/*
 * 6.13 turned symbol namespaces into string literals.  The core exports
 * its API in the VIRTIO_SCMI_EXT namespace; front-ends and the KUnit suite
 * import it.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define VSCMI_NS	VIRTIO_SCMI_EXT
#else
#define VSCMI_NS	"VIRTIO_SCMI_EXT"
#endif

#endif /* _VSCMI_COMPAT_H */
