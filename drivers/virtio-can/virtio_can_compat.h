/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences met by the virtio CAN driver (6.1 to 7.x).
 * Everything version-specific lives here; the driver itself is written for
 * the current mainline API.  The upstream submission drops this file.
 */
#ifndef _VIRTIO_CAN_COMPAT_H
#define _VIRTIO_CAN_COMPAT_H

#include <linux/can/dev.h>
#include <linux/can/netlink.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/virtio_config.h>

/*
 * 6.11 replaced the callbacks[]/names[] arguments of virtio_find_vqs() by
 * an array of struct virtqueue_info.  The driver describes its queues with
 * a struct virtqueue_info array; older kernels get it translated.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
struct virtqueue_info {
	const char *name;
	vq_callback_t *callback;
	bool ctx;
};

/**
 * virtio_can_compat_find_vqs() - virtio_find_vqs() with a virtqueue_info array
 * @vdev: the virtio device
 * @nvqs: number of queues
 * @vqs: filled with the queues
 * @vqs_info: name and callback of each queue
 * @desc: interrupt affinity, or NULL
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
static inline int virtio_can_compat_find_vqs(struct virtio_device *vdev,
					     unsigned int nvqs,
					     struct virtqueue *vqs[],
					     struct virtqueue_info vqs_info[],
					     struct irq_affinity *desc)
{
	vq_callback_t *callbacks[8];
	const char *names[8];
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
	virtio_can_compat_find_vqs(vdev, nvqs, vqs, info, desc)
#endif

/*
 * 6.16 grouped the CAN FD data bit timing fields of struct can_priv
 * (data_bittiming, data_bitrate_const, ...) under can_priv.fd; the driver
 * reaches them through virtio_can_fd_params(&priv->can)->field.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
#define virtio_can_fd_params(priv)	(priv)
#else
#define virtio_can_fd_params(priv)	(&(priv)->fd)
#endif

/*
 * Until the CAN core learnt CAN XL it left MTU policing to the driver
 * (ndo_change_mtu = can_change_mtu); since then the core derives min_mtu
 * and max_mtu from the control mode and can_change_mtu() is gone.
 */
#ifndef CAN_CTRLMODE_XL
#define VIRTIO_CAN_NDO_CHANGE_MTU	.ndo_change_mtu = can_change_mtu,
#else
#define VIRTIO_CAN_NDO_CHANGE_MTU
#endif

/* 7.0 added typed allocation helpers; the driver passes its GFP flags. */
#ifndef kzalloc_obj
#define kzalloc_obj(obj, gfp)	kzalloc(sizeof(obj), gfp)
#endif

/*
 * 6.13 turned symbol namespaces into string literals; KUnit test modules
 * import the namespace of EXPORT_SYMBOL_IF_KUNIT() with this.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define VIRTIO_CAN_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#else
#define VIRTIO_CAN_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#endif

#endif /* _VIRTIO_CAN_COMPAT_H */
