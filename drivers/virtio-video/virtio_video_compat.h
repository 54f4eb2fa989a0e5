/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences met by the virtio video driver (6.1 to 7.x).
 * Everything version-specific lives here; the driver itself is written for
 * the current mainline API.  The upstream submission drops this file.
 */
#ifndef _VIRTIO_VIDEO_COMPAT_H
#define _VIRTIO_VIDEO_COMPAT_H

#include <linux/module.h>
#include <linux/version.h>

/*
 * 6.13 made the namespace of MODULE_IMPORT_NS() a string literal; the
 * KUnit suite imports the symbols the driver exports for it.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define VIRTIO_VIDEO_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#else
#define VIRTIO_VIDEO_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#endif

#endif /* _VIRTIO_VIDEO_COMPAT_H */
