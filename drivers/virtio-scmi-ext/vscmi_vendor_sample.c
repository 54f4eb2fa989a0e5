// SPDX-License-Identifier: GPL-2.0
/*
 * A sample in-kernel vendor protocol plug-in: what a platform vendor writes
 * to drive its own SCMI protocol (0x80-0xff) through virtio-scmi-ext.
 *
 * Vendor protocol ids mean different things on different platforms, so the
 * plug-in binds to the protocol's auxiliary device (virtio_scmi_ext.
 * vendor_0x80) and then checks whose platform it is talking to before it
 * sends anything: here the sub-vendor "virtio-auto" (the rig's platform
 * model), major version 1 of the protocol, and the commands it needs.
 *
 * The protocol (version 1.0):
 *   0x3 ECHO  parameters: any bytes; return values: the same bytes
 *   0x4 ADD   parameters: u32 a, u32 b; return values: u32 a + b
 *
 * sysfs, on the auxiliary device:
 *   echo (rw)  writing sends ECHO with the bytes written (vscmi_xfer_get()
 *              and in-place parameters) and checks the platform returned
 *              them unchanged; reading shows the last reply
 *   add (rw)   writing "A B" sends ADD (vscmi_cmd()); reading shows the
 *              last sum
 */
#include <linux/auxiliary_bus.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vscmi.h"

#define VSAMPLE_PROTOCOL	0x80
#define VSAMPLE_SUB_VENDOR	"virtio-auto"
#define VSAMPLE_MAJOR		1
#define VSAMPLE_ECHO		0x3
#define VSAMPLE_ADD		0x4
#define VSAMPLE_ECHO_MAX	64

/**
 * struct vsample - the sample protocol on one SCMI device
 * @vd: its auxiliary device
 * @lock: serializes commands and protects @echo, @echo_len, @sum, @have_sum
 * @echo: the platform's last ECHO reply
 * @echo_len: bytes at @echo
 * @sum: the platform's last ADD result
 * @have_sum: @sum holds a result
 */
struct vsample {
	struct vscmi_device *vd;
	struct mutex lock;	/* the fields below */
	u8 echo[VSAMPLE_ECHO_MAX];
	size_t echo_len;
	u32 sum;
	bool have_sum;
};

static ssize_t echo_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vsample *vs = dev_get_drvdata(dev);
	ssize_t n;

	mutex_lock(&vs->lock);
	n = vs->echo_len;
	memcpy(buf, vs->echo, n);
	mutex_unlock(&vs->lock);
	return n;
}

static ssize_t echo_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct vsample *vs = dev_get_drvdata(dev);
	struct vscmi *vscmi = vs->vd->vscmi;
	struct vscmi_xfer *x;
	int err;

	if (!count || count > VSAMPLE_ECHO_MAX)
		return -EINVAL;
	x = vscmi_xfer_get(vscmi, VSAMPLE_PROTOCOL, VSAMPLE_ECHO, count);
	if (IS_ERR(x))
		return PTR_ERR(x);
	memcpy(x->tx, buf, count);
	mutex_lock(&vs->lock);
	err = vscmi_do_xfer(vscmi, x);
	if (!err && (x->rx_len != count || memcmp(x->rx, buf, count))) {
		/* The reply comes from the device: check it before use. */
		dev_err_ratelimited(dev, "ECHO of %zu bytes came back as %zu other bytes\n",
				    count, x->rx_len);
		err = -EPROTO;
	}
	if (!err) {
		memcpy(vs->echo, x->rx, count);
		vs->echo_len = count;
	}
	mutex_unlock(&vs->lock);
	vscmi_xfer_put(vscmi, x);
	return err ? err : count;
}
static DEVICE_ATTR_RW(echo);

static ssize_t add_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vsample *vs = dev_get_drvdata(dev);
	ssize_t n = -ENODATA;

	mutex_lock(&vs->lock);
	if (vs->have_sum)
		n = sysfs_emit(buf, "%u\n", vs->sum);
	mutex_unlock(&vs->lock);
	return n;
}

static ssize_t add_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	struct vsample *vs = dev_get_drvdata(dev);
	__le32 param[2], sum;
	u32 a, b;
	int err;

	if (sscanf(buf, "%u %u", &a, &b) != 2)
		return -EINVAL;
	param[0] = cpu_to_le32(a);
	param[1] = cpu_to_le32(b);
	mutex_lock(&vs->lock);
	/* exactly one u32 back, or the agent fails the command with -EPROTO */
	err = vscmi_cmd(vs->vd->vscmi, VSAMPLE_PROTOCOL, VSAMPLE_ADD, param,
			sizeof(param), &sum, sizeof(sum), sizeof(sum), NULL);
	if (!err) {
		vs->sum = le32_to_cpu(sum);
		vs->have_sum = true;
	}
	mutex_unlock(&vs->lock);
	return err ? err : count;
}
static DEVICE_ATTR_RW(add);

static struct attribute *vsample_attrs[] = {
	&dev_attr_echo.attr,
	&dev_attr_add.attr,
	NULL
};
ATTRIBUTE_GROUPS(vsample);

static int vsample_probe(struct auxiliary_device *adev,
			 const struct auxiliary_device_id *id)
{
	struct vscmi_device *vd = to_vscmi_device(adev);
	struct vscmi *vscmi = vd->vscmi;
	struct vsample *vs;
	int err;

	/* Protocol 0x80 is ours only on our platform. */
	if (strcmp(vscmi_sub_vendor(vscmi), VSAMPLE_SUB_VENDOR)) {
		dev_dbg(&adev->dev, "sub-vendor \"%s\": not our protocol\n",
			vscmi_sub_vendor(vscmi));
		return -ENODEV;
	}
	if (VSCMI_VERSION_MAJOR(vd->version) != VSAMPLE_MAJOR)
		return dev_err_probe(&adev->dev, -ENODEV, "protocol version 0x%08x unsupported\n",
				     vd->version);
	err = vscmi_protocol_message_supported(vscmi, VSAMPLE_PROTOCOL, VSAMPLE_ADD);
	if (err <= 0)
		return dev_err_probe(&adev->dev, err ? err : -ENODEV,
				     "the platform has no ADD command\n");
	err = vscmi_protocol_message_supported(vscmi, VSAMPLE_PROTOCOL, VSAMPLE_ECHO);
	if (err <= 0)
		return dev_err_probe(&adev->dev, err ? err : -ENODEV,
				     "the platform has no ECHO command\n");

	vs = devm_kzalloc(&adev->dev, sizeof(*vs), GFP_KERNEL);
	if (!vs)
		return -ENOMEM;
	vs->vd = vd;
	mutex_init(&vs->lock);
	dev_set_drvdata(&adev->dev, vs);
	dev_info(&adev->dev, "%s vendor protocol 0x%02x, version %u.%u\n",
		 vscmi_vendor(vscmi), VSAMPLE_PROTOCOL, VSCMI_VERSION_MAJOR(vd->version),
		 VSCMI_VERSION_MINOR(vd->version));
	return 0;
}

static const struct auxiliary_device_id vsample_ids[] = {
	{ .name = "virtio_scmi_ext.vendor_0x80" },
	{ }
};
MODULE_DEVICE_TABLE(auxiliary, vsample_ids);

static struct auxiliary_driver vsample_driver = {
	.name = "vendor_sample",
	.probe = vsample_probe,
	.id_table = vsample_ids,
	.driver.dev_groups = vsample_groups,
};
module_auxiliary_driver(vsample_driver);

MODULE_IMPORT_NS(VSCMI_NS);
MODULE_DESCRIPTION("Sample SCMI vendor protocol plug-in for virtio-scmi-ext");
MODULE_LICENSE("GPL");
