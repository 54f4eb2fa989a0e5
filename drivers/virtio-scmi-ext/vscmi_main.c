// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_scmi_ext: an arch-neutral SCMI agent for the virtio SCMI device
 * (ID 32) that needs no firmware description.
 *
 * Probe sets up the transport, runs Base discovery, and creates one
 * auxiliary device per listed protocol, named virtio_scmi_ext.<protocol>.N;
 * the front-ends (hwmon/IIO sensors, system power, ...) are auxiliary
 * drivers in their own modules.  When the device tree describes the SCMI
 * device (an available "arm,scmi-virtio" node) upstream's arm_scmi owns it
 * and this module refuses to load: it never registers its virtio driver, so
 * no device is probed, reset or marked failed on arm_scmi's behalf.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/auxiliary_bus.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <uapi/linux/virtio_scmi.h>

#include "vscmi_priv.h"

static DEFINE_IDA(vscmi_ida);

static bool __init vscmi_dt_owned(void)
{
	struct device_node *np;
	bool owned;

	np = of_find_compatible_node(NULL, NULL, "arm,scmi-virtio");
	owned = np && of_device_is_available(np);
	of_node_put(np);
	return owned;
}

static const char *vscmi_protocol_name(u8 protocol, char *buf, size_t len)
{
	switch (protocol) {
	case VSCMI_PROTO_POWER:
		return "power_domain";
	case VSCMI_PROTO_SYSTEM:
		return "system_power";
	case VSCMI_PROTO_PERF:
		return "perf";
	case VSCMI_PROTO_CLOCK:
		return "clock";
	case VSCMI_PROTO_SENSOR:
		return "sensor";
	case VSCMI_PROTO_RESET:
		return "reset";
	case VSCMI_PROTO_VOLTAGE:
		return "voltage";
	case VSCMI_PROTO_POWERCAP:
		return "powercap";
	case VSCMI_PROTO_PINCTRL:
		return "pinctrl";
	}
	snprintf(buf, len, "%s_0x%02x",
		 protocol >= VSCMI_PROTO_VENDOR_MIN ? "vendor" : "protocol", protocol);
	return buf;
}

static ssize_t protocol_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "0x%02x\n",
			  to_vscmi_device(to_auxiliary_dev(dev))->protocol);
}
static DEVICE_ATTR_RO(protocol);

static ssize_t version_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	u32 v = to_vscmi_device(to_auxiliary_dev(dev))->version;

	return sysfs_emit(buf, "%u.%u\n", VSCMI_VERSION_MAJOR(v), VSCMI_VERSION_MINOR(v));
}
static DEVICE_ATTR_RO(version);

static struct attribute *vscmi_adev_attrs[] = {
	&dev_attr_protocol.attr,
	&dev_attr_version.attr,
	NULL
};
ATTRIBUTE_GROUPS(vscmi_adev);

static void vscmi_adev_release(struct device *dev)
{
	kfree(to_vscmi_device(to_auxiliary_dev(dev)));
}

static void vscmi_adevs_destroy(struct vscmi *vscmi)
{
	unsigned int i = vscmi->num_adevs;

	/* In reverse, so later protocols' users go first. */
	while (i--) {
		auxiliary_device_delete(&vscmi->adevs[i]->adev);
		auxiliary_device_uninit(&vscmi->adevs[i]->adev);
	}
	kfree(vscmi->adevs);
	vscmi->adevs = NULL;
	vscmi->num_adevs = 0;
}

static int vscmi_adevs_create(struct vscmi *vscmi)
{
	struct vscmi_info *info = &vscmi->info;
	struct vscmi_device *vd;
	unsigned int i;
	int err;

	vscmi->adevs = kcalloc(info->num_protocols, sizeof(*vscmi->adevs), GFP_KERNEL);
	if (!vscmi->adevs && info->num_protocols)
		return -ENOMEM;
	for (i = 0; i < info->num_protocols; i++) {
		if (!info->versions[i])
			continue;	/* its version could not be read */
		vd = kzalloc_obj(*vd, GFP_KERNEL);
		if (!vd) {
			err = -ENOMEM;
			goto fail;
		}
		vd->vscmi = vscmi;
		vd->protocol = info->protocols[i];
		vd->version = info->versions[i];
		vd->adev.name = vscmi_protocol_name(vd->protocol, vd->name, sizeof(vd->name));
		vd->adev.id = vscmi->id;
		vd->adev.dev.parent = &vscmi->vdev->dev;
		vd->adev.dev.release = vscmi_adev_release;
		vd->adev.dev.groups = vscmi_adev_groups;
		err = auxiliary_device_init(&vd->adev);
		if (err) {
			kfree(vd);
			goto fail;
		}
		err = auxiliary_device_add(&vd->adev);
		if (err) {
			auxiliary_device_uninit(&vd->adev);
			goto fail;
		}
		vscmi->adevs[vscmi->num_adevs++] = vd;
	}
	return 0;
fail:
	dev_err(&vscmi->vdev->dev, "protocol 0x%02x: no auxiliary device: %d\n",
		info->protocols[i], err);
	vscmi_adevs_destroy(vscmi);
	return err;
}

static int vscmi_probe(struct virtio_device *vdev)
{
	struct vscmi *vscmi;
	int err;

	vscmi = kzalloc_obj(*vscmi, GFP_KERNEL);
	if (!vscmi)
		return -ENOMEM;
	vscmi->vdev = vdev;
	vdev->priv = vscmi;
	vscmi->id = ida_alloc(&vscmi_ida, GFP_KERNEL);
	if (vscmi->id < 0) {
		err = vscmi->id;
		goto free;
	}

	err = vscmi_transport_init(vscmi);
	if (err)
		goto free_id;
	vscmi_transport_start(vscmi);

	err = vscmi_discover(vscmi);
	if (err)
		goto stop;
	/* The user channel: vendor protocols until the administrator says. */
	bitmap_set(vscmi->user_allow, VSCMI_PROTO_VENDOR_MIN, 256 - VSCMI_PROTO_VENDOR_MIN);
	err = vscmi_cdev_create(vscmi);
	if (err)
		goto stop;
	err = vscmi_adevs_create(vscmi);
	if (err)
		goto cdev;

	dev_info(&vdev->dev,
		 "SCMI %u.%u platform \"%s\" \"%s\" 0x%08x: %u protocols, %u command channels%s\n",
		 VSCMI_VERSION_MAJOR(vscmi->info.version),
		 VSCMI_VERSION_MINOR(vscmi->info.version), vscmi->info.vendor,
		 vscmi->info.sub_vendor, vscmi->info.impl_version,
		 vscmi->info.num_protocols, vscmi->num_slots,
		 vscmi->evtq ? ", event queue" : "");
	return 0;

cdev:
	vscmi_cdev_destroy(vscmi);
stop:
	vscmi_transport_stop(vscmi);
	vscmi_transport_free(vscmi);
free_id:
	ida_free(&vscmi_ida, vscmi->id);
free:
	vdev->priv = NULL;
	kfree(vscmi);
	return err;
}

static void vscmi_remove(struct virtio_device *vdev)
{
	struct vscmi *vscmi = vdev->priv;

	vscmi_cdev_destroy(vscmi);
	vscmi_adevs_destroy(vscmi);
	vscmi_transport_stop(vscmi);
	vscmi_transport_free(vscmi);
	ida_free(&vscmi_ida, vscmi->id);
	vdev->priv = NULL;
	kfree(vscmi);
}

#ifdef CONFIG_PM_SLEEP
static int vscmi_freeze(struct virtio_device *vdev)
{
	vscmi_transport_stop(vdev->priv);
	return 0;
}

static int vscmi_restore(struct virtio_device *vdev)
{
	struct vscmi *vscmi = vdev->priv;
	int err;

	err = vscmi_transport_restart(vscmi);
	if (err)
		return err;
	/* Subscriptions may not survive a reset: the front-ends renew them. */
	vscmi_events_restored(vscmi);
	return 0;
}
#endif

static const struct virtio_device_id vscmi_id_table[] = {
	{ VIRTIO_ID_SCMI, VIRTIO_DEV_ANY_ID },
	{ 0 },
};
MODULE_DEVICE_TABLE(virtio, vscmi_id_table);

static unsigned int vscmi_features[] = {
	VIRTIO_SCMI_F_P2A_CHANNELS,
};

static struct virtio_driver vscmi_driver = {
	.driver.name = KBUILD_MODNAME,
	.driver.dev_groups = vscmi_groups,
	.id_table = vscmi_id_table,
	.feature_table = vscmi_features,
	.feature_table_size = ARRAY_SIZE(vscmi_features),
	.probe = vscmi_probe,
	.remove = vscmi_remove,
#ifdef CONFIG_PM_SLEEP
	.freeze = vscmi_freeze,
	.restore = vscmi_restore,
#endif
};

static int __init vscmi_init(void)
{
	if (vscmi_dt_owned()) {
		pr_info("an arm,scmi-virtio device tree node exists: leaving SCMI to arm_scmi\n");
		return -ENODEV;
	}
	return register_virtio_driver(&vscmi_driver);
}
module_init(vscmi_init);

static void __exit vscmi_exit(void)
{
	unregister_virtio_driver(&vscmi_driver);
}
module_exit(vscmi_exit);

MODULE_DESCRIPTION("SCMI agent for the virtio SCMI device, without firmware tables");
MODULE_LICENSE("GPL");
