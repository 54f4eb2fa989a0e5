// SPDX-License-Identifier: GPL-2.0
/*
 * System power protocol front-end: binds to virtio_scmi_ext.system_power,
 * subscribes to SYSTEM_POWER_STATE_NOTIFIER and turns the platform's
 * graceful requests into an orderly shutdown or reboot (user space's
 * poweroff_cmd, /sbin/reboot).  If the system is still up when the grace
 * period ends (the platform's timeout, or grace_ms when it gives none) the
 * kernel powers off or restarts by itself (devices are shut down; file
 * systems are not synced: user space had the grace period for that).
 * Forceful requests mean the platform acts on its own: they are logged.
 *
 * sysfs (on the auxiliary device): grace_ms (rw), last_request (ro).
 */
#include <linux/auxiliary_bus.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "vscmi.h"

#define VSCMI_SYSTEM_EVT_POWER_STATE	0x0

#define VSCMI_SYSTEM_FLAG_GRACEFUL	BIT(0)

enum vscmi_system_state {
	VSCMI_SYSTEM_SHUTDOWN = 0,
	VSCMI_SYSTEM_COLD_RESET = 1,
	VSCMI_SYSTEM_WARM_RESET = 2,
	VSCMI_SYSTEM_POWER_UP = 3,
	VSCMI_SYSTEM_SUSPEND = 4,
};

#define VSCMI_SYSPOWER_DEFAULT_GRACE_MS	30000

/**
 * struct vscmi_syspower - the System power protocol of one agent
 * @vd: its auxiliary device
 * @nb: the notification handler
 * @fallback: powers off or restarts when the grace period ends
 * @lock: protects @pending, @reboot and @last
 * @pending: a graceful request is being carried out; later ones are ignored
 * @reboot: the pending request is a reset, not a shutdown
 * @grace_ms: grace period when the platform gives no timeout (sysfs)
 * @last: the last request, as shown in sysfs
 */
struct vscmi_syspower {
	struct vscmi_device *vd;
	struct vscmi_event_nb nb;
	struct delayed_work fallback;
	spinlock_t lock;	/* @pending, @reboot, @last */
	bool pending;
	bool reboot;
	unsigned int grace_ms;
	char last[48];
};

static void vscmi_syspower_fallback(struct work_struct *work)
{
	struct vscmi_syspower *sp = container_of(to_delayed_work(work),
						 struct vscmi_syspower, fallback);
	bool reboot;

	spin_lock(&sp->lock);
	reboot = sp->reboot;
	spin_unlock(&sp->lock);
	dev_emerg(&sp->vd->adev.dev, "platform %s request: grace period over, forcing it\n",
		  reboot ? "reset" : "shutdown");
	if (reboot)
		kernel_restart(NULL);
	else
		kernel_power_off();
}

static const char *vscmi_state_name(u32 state)
{
	switch (state) {
	case VSCMI_SYSTEM_SHUTDOWN:
		return "shutdown";
	case VSCMI_SYSTEM_COLD_RESET:
		return "cold-reset";
	case VSCMI_SYSTEM_WARM_RESET:
		return "warm-reset";
	case VSCMI_SYSTEM_POWER_UP:
		return "power-up";
	case VSCMI_SYSTEM_SUSPEND:
		return "suspend";
	}
	return "unknown";
}

static void vscmi_syspower_notify(struct vscmi_event_nb *nb, u8 event,
				  const void *payload, size_t len, ktime_t t)
{
	struct vscmi_syspower *sp = container_of(nb, struct vscmi_syspower, nb);
	struct device *dev = &sp->vd->adev.dev;
	u32 flags, state, timeout = 0;
	bool graceful, act = false;
	unsigned int grace;

	/* agent_id, flags, system_state [, timeout (v2.0 and later)] */
	if (event != VSCMI_SYSTEM_EVT_POWER_STATE || len < 12) {
		dev_err_ratelimited(dev, "malformed notification (event %u, %zu bytes) dropped\n",
				    event, len);
		return;
	}
	flags = get_unaligned_le32((const u8 *)payload + 4);
	state = get_unaligned_le32((const u8 *)payload + 8);
	if (len >= 16)
		timeout = get_unaligned_le32((const u8 *)payload + 12);
	graceful = flags & VSCMI_SYSTEM_FLAG_GRACEFUL;

	spin_lock(&sp->lock);
	snprintf(sp->last, sizeof(sp->last), "%s %s %u\n",
		 graceful ? "graceful" : "forceful", vscmi_state_name(state), timeout);
	if (graceful && !sp->pending &&
	    (state == VSCMI_SYSTEM_SHUTDOWN || state == VSCMI_SYSTEM_COLD_RESET ||
	     state == VSCMI_SYSTEM_WARM_RESET)) {
		sp->pending = true;
		sp->reboot = state != VSCMI_SYSTEM_SHUTDOWN;
		act = true;
	}
	grace = timeout ? timeout : sp->grace_ms;
	spin_unlock(&sp->lock);

	if (!graceful) {
		dev_warn(dev, "platform announces a forceful %s\n", vscmi_state_name(state));
		return;
	}
	if (!act) {
		dev_info(dev, "platform %s request ignored (%s)\n", vscmi_state_name(state),
			 state == VSCMI_SYSTEM_POWER_UP || state == VSCMI_SYSTEM_SUSPEND ?
			 "not supported" : "one is in progress");
		return;
	}
	dev_notice(dev, "platform requests a %s within %u ms: starting an orderly %s\n",
		   vscmi_state_name(state), grace, sp->reboot ? "reboot" : "power-off");
	schedule_delayed_work(&sp->fallback, msecs_to_jiffies(grace));
	if (sp->reboot)
		orderly_reboot();
	else
		orderly_poweroff(false);
}

static int vscmi_syspower_subscribe(struct vscmi_syspower *sp, bool on)
{
	__le32 enable = cpu_to_le32(on);

	return vscmi_cmd(sp->vd->vscmi, VSCMI_PROTO_SYSTEM, VSCMI_SYSTEM_POWER_STATE_NOTIFY,
			 &enable, sizeof(enable), NULL, 0, 0, NULL);
}

static void vscmi_syspower_restored(struct vscmi_event_nb *nb)
{
	struct vscmi_syspower *sp = container_of(nb, struct vscmi_syspower, nb);
	int err;

	err = vscmi_syspower_subscribe(sp, true);
	if (err)
		dev_err(&sp->vd->adev.dev, "cannot subscribe again after restore: %d\n", err);
}

static ssize_t grace_ms_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct vscmi_syspower *sp = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(sp->grace_ms));
}

static ssize_t grace_ms_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct vscmi_syspower *sp = dev_get_drvdata(dev);
	unsigned int v;
	int err;

	err = kstrtouint(buf, 0, &v);
	if (err)
		return err;
	if (v < 100 || v > 3600000)
		return -ERANGE;
	WRITE_ONCE(sp->grace_ms, v);
	return count;
}
static DEVICE_ATTR_RW(grace_ms);

static ssize_t last_request_show(struct device *dev, struct device_attribute *attr,
				 char *buf)
{
	struct vscmi_syspower *sp = dev_get_drvdata(dev);
	ssize_t n;

	spin_lock(&sp->lock);
	n = sysfs_emit(buf, "%s", sp->last[0] ? sp->last : "none\n");
	spin_unlock(&sp->lock);
	return n;
}
static DEVICE_ATTR_RO(last_request);

static struct attribute *vscmi_syspower_attrs[] = {
	&dev_attr_grace_ms.attr,
	&dev_attr_last_request.attr,
	NULL
};
ATTRIBUTE_GROUPS(vscmi_syspower);

static int vscmi_syspower_probe(struct auxiliary_device *adev,
				const struct auxiliary_device_id *id)
{
	struct vscmi_device *vd = to_vscmi_device(adev);
	struct vscmi_syspower *sp;
	int err;

	if (!vscmi_has_p2a(vd->vscmi))
		return dev_err_probe(&adev->dev, -EOPNOTSUPP,
				     "the device has no event queue: no power requests\n");
	sp = kzalloc_obj(*sp, GFP_KERNEL);
	if (!sp)
		return -ENOMEM;
	sp->vd = vd;
	sp->grace_ms = VSCMI_SYSPOWER_DEFAULT_GRACE_MS;
	spin_lock_init(&sp->lock);
	INIT_DELAYED_WORK(&sp->fallback, vscmi_syspower_fallback);
	sp->nb.protocol = VSCMI_PROTO_SYSTEM;
	sp->nb.notify = vscmi_syspower_notify;
	sp->nb.restored = vscmi_syspower_restored;
	dev_set_drvdata(&adev->dev, sp);

	err = vscmi_event_register(vd->vscmi, &sp->nb);
	if (err)
		goto free;
	err = vscmi_syspower_subscribe(sp, true);
	if (err) {
		dev_err(&adev->dev, "SYSTEM_POWER_STATE_NOTIFY failed: %d\n", err);
		goto unregister;
	}
	return 0;

unregister:
	vscmi_event_unregister(vd->vscmi, &sp->nb);
free:
	kfree(sp);
	return err;
}

static void vscmi_syspower_remove(struct auxiliary_device *adev)
{
	struct vscmi_syspower *sp = dev_get_drvdata(&adev->dev);

	vscmi_syspower_subscribe(sp, false);
	vscmi_event_unregister(sp->vd->vscmi, &sp->nb);
	cancel_delayed_work_sync(&sp->fallback);
	kfree(sp);
}

static const struct auxiliary_device_id vscmi_syspower_ids[] = {
	{ .name = "virtio_scmi_ext.system_power" },
	{ }
};
MODULE_DEVICE_TABLE(auxiliary, vscmi_syspower_ids);

static struct auxiliary_driver vscmi_syspower_driver = {
	.name = "system_power",
	.probe = vscmi_syspower_probe,
	.remove = vscmi_syspower_remove,
	.id_table = vscmi_syspower_ids,
	.driver.dev_groups = vscmi_syspower_groups,
};
module_auxiliary_driver(vscmi_syspower_driver);

MODULE_IMPORT_NS(VSCMI_NS);
MODULE_DESCRIPTION("SCMI System power protocol over virtio-scmi-ext: orderly power-off and reboot");
MODULE_LICENSE("GPL");
