// SPDX-License-Identifier: GPL-2.0
/*
 * va_dt_overlay: a test rig helper, not a driver. A flattened device tree
 * overlay written to /sys/kernel/debug/va_dt_overlay/apply is applied to
 * the live device tree, where drivers find its nodes as if firmware had
 * described them; unloading the module removes it again. The rig gives an
 * x86 guest an "arm,scmi-virtio" node this way (since 6.8 every kernel with
 * OF has a device tree root, empty when firmware passed none).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

/* The most an overlay may be: the rig's are a few hundred bytes. */
#define VA_DT_OVERLAY_MAX	SZ_64K

static struct dentry *va_dt_dir;

/* Serialises writers; protects va_dt_ovcs_id (the applied changeset, or 0). */
static DEFINE_MUTEX(va_dt_lock);
static int va_dt_ovcs_id;

/* The whole overlay comes in one write, at offset 0. */
static ssize_t va_dt_apply_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	int id = 0;
	void *fdt;
	int err;

	if (*ppos || !len || len > VA_DT_OVERLAY_MAX)
		return -EINVAL;
	fdt = memdup_user(ubuf, len);
	if (IS_ERR(fdt))
		return PTR_ERR(fdt);

	mutex_lock(&va_dt_lock);
	if (va_dt_ovcs_id) {
		err = -EBUSY;
	} else {
		err = of_overlay_fdt_apply(fdt, len, &id, NULL);
		if (!err)
			va_dt_ovcs_id = id;
		else if (id)
			of_overlay_remove(&id);
	}
	mutex_unlock(&va_dt_lock);
	kfree(fdt);
	if (err) {
		pr_err("overlay of %zu bytes not applied: %d\n", len, err);
		return err;
	}
	pr_info("overlay of %zu bytes applied (changeset %d)\n", len, va_dt_ovcs_id);
	*ppos = len;
	return len;
}

static const struct file_operations va_dt_apply_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = va_dt_apply_write,
};

static int __init va_dt_init(void)
{
	va_dt_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("apply", 0200, va_dt_dir, NULL, &va_dt_apply_fops);
	return 0;
}
module_init(va_dt_init);

static void __exit va_dt_exit(void)
{
	debugfs_remove_recursive(va_dt_dir);
	mutex_lock(&va_dt_lock);
	if (va_dt_ovcs_id && of_overlay_remove(&va_dt_ovcs_id))
		pr_err("overlay changeset %d not removed\n", va_dt_ovcs_id);
	mutex_unlock(&va_dt_lock);
}
module_exit(va_dt_exit);

MODULE_DESCRIPTION("Test rig helper: apply a device tree overlay from debugfs");
MODULE_LICENSE("GPL");
