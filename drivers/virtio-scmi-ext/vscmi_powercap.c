// SPDX-License-Identifier: GPL-2.0
/*
 * Powercap protocol front-end: binds to virtio_scmi_ext.powercap and
 * presents each SCMI powercap domain as a powercap zone of the control
 * type "vscmi-N" (/sys/class/powercap/vscmi-N/vscmi-N:M...), nested as the
 * platform's parent ids say. A zone's power_uw comes from
 * POWERCAP_MEASUREMENTS_GET; its one constraint ("long_term") is the
 * domain's power cap (POWERCAP_CAP_GET/SET) over the averaging interval
 * (POWERCAP_PAI_GET/SET), within the domain's limits. Domains that count
 * in abstract units, not watts, are left out.
 */
#include <linux/auxiliary_bus.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/powercap.h>
#include <linux/slab.h>

#include "vscmi.h"

#define VSCMI_POWERCAP_DOMAIN_ATTRIBUTES	0x3
#define VSCMI_POWERCAP_CAP_GET			0x4
#define VSCMI_POWERCAP_CAP_SET			0x5
#define VSCMI_POWERCAP_PAI_GET			0x6
#define VSCMI_POWERCAP_PAI_SET			0x7
#define VSCMI_POWERCAP_MEASUREMENTS_GET		0x9

#define VSCMI_POWERCAP_CAP_CONFIG	BIT(27)
#define VSCMI_POWERCAP_MONITORING	BIT(26)
#define VSCMI_POWERCAP_PAI_CONFIG	BIT(25)
#define VSCMI_POWERCAP_UNIT		GENMASK(24, 23)	/* 1: uW, 2: mW */
#define VSCMI_POWERCAP_NO_PARENT	0xffffffff
#define VSCMI_POWERCAP_ATTRS_SIZE	56

/**
 * struct vscmi_pc_domain - one powercap domain and its zone
 * @zone: the powercap zone
 * @pc: the front-end
 * @id: domain id
 * @attrs: DOMAIN_ATTRIBUTES attributes
 * @name: domain name, printable
 * @mult: microwatts per platform power unit (1 or 1000)
 * @min_pai: shortest averaging interval, microseconds
 * @max_pai: longest averaging interval, microseconds
 * @min_cap: lowest power cap, platform units
 * @max_cap: highest power cap, platform units
 * @parent: parent domain id, or VSCMI_POWERCAP_NO_PARENT
 * @registered: @zone is registered
 */
struct vscmi_pc_domain {
	struct powercap_zone zone;
	struct vscmi_powercap *pc;
	u32 id;
	u32 attrs;
	char name[VSCMI_NAME_LEN + 1];
	u32 mult;
	u32 min_pai;
	u32 max_pai;
	u32 min_cap;
	u32 max_cap;
	u32 parent;
	bool registered;
};

/**
 * struct vscmi_powercap - the Powercap protocol of one agent
 * @vd: its auxiliary device
 * @ct: the powercap control type
 * @ct_name: its name
 * @num: number of domains
 * @domains: the domains
 */
struct vscmi_powercap {
	struct vscmi_device *vd;
	struct powercap_control_type *ct;
	char ct_name[24];
	unsigned int num;
	struct vscmi_pc_domain *domains;
};

static struct vscmi_pc_domain *to_domain(struct powercap_zone *zone)
{
	return container_of(zone, struct vscmi_pc_domain, zone);
}

/* A command on domain @d with an optional second parameter; one u32 back. */
static int vscmi_pc_cmd(struct vscmi_pc_domain *d, u8 msg, const u32 *arg, u32 *out)
{
	__le32 param[3] = { cpu_to_le32(d->id), 0, 0 }, rx[2];
	size_t tx_len = sizeof(__le32);
	int err;

	if (arg) {
		/* flags 0: synchronous, then the value */
		param[2] = cpu_to_le32(*arg);
		tx_len = sizeof(param);
	}
	err = vscmi_cmd(d->pc->vd->vscmi, VSCMI_PROTO_POWERCAP, msg, param, tx_len, rx,
			out ? sizeof(u32) : 0, sizeof(rx), NULL);
	if (!err && out)
		*out = le32_to_cpu(rx[0]);
	return err;
}

static int vscmi_pc_get_max_power_range_uw(struct powercap_zone *zone, u64 *val)
{
	struct vscmi_pc_domain *d = to_domain(zone);

	*val = (u64)d->max_cap * d->mult;
	return 0;
}

static int vscmi_pc_get_power_uw(struct powercap_zone *zone, u64 *val)
{
	struct vscmi_pc_domain *d = to_domain(zone);
	u32 power;
	int err;

	if (!(d->attrs & VSCMI_POWERCAP_MONITORING))
		return -EOPNOTSUPP;
	/* MEASUREMENTS_GET: power, then the averaging interval in use */
	err = vscmi_pc_cmd(d, VSCMI_POWERCAP_MEASUREMENTS_GET, NULL, &power);
	if (!err)
		*val = (u64)power * d->mult;
	return err;
}

static int vscmi_pc_release(struct powercap_zone *zone)
{
	return 0;
}

static const struct powercap_zone_ops vscmi_pc_zone_ops = {
	.get_max_power_range_uw = vscmi_pc_get_max_power_range_uw,
	.get_power_uw = vscmi_pc_get_power_uw,
	.release = vscmi_pc_release,
};

static int vscmi_pc_set_power_limit_uw(struct powercap_zone *zone, int cid, u64 uw)
{
	struct vscmi_pc_domain *d = to_domain(zone);
	u64 cap = div_u64(uw, d->mult);
	u32 v;

	if (!(d->attrs & VSCMI_POWERCAP_CAP_CONFIG))
		return -EOPNOTSUPP;
	if (cap < d->min_cap || cap > d->max_cap)
		return -EINVAL;
	v = cap;
	return vscmi_pc_cmd(d, VSCMI_POWERCAP_CAP_SET, &v, NULL);
}

static int vscmi_pc_get_power_limit_uw(struct powercap_zone *zone, int cid, u64 *uw)
{
	struct vscmi_pc_domain *d = to_domain(zone);
	u32 cap;
	int err;

	err = vscmi_pc_cmd(d, VSCMI_POWERCAP_CAP_GET, NULL, &cap);
	if (!err)
		*uw = (u64)cap * d->mult;
	return err;
}

static int vscmi_pc_set_time_window_us(struct powercap_zone *zone, int cid, u64 us)
{
	struct vscmi_pc_domain *d = to_domain(zone);
	u32 v;

	if (!(d->attrs & VSCMI_POWERCAP_PAI_CONFIG))
		return -EOPNOTSUPP;
	if (us < d->min_pai || us > d->max_pai)
		return -EINVAL;
	v = us;
	return vscmi_pc_cmd(d, VSCMI_POWERCAP_PAI_SET, &v, NULL);
}

static int vscmi_pc_get_time_window_us(struct powercap_zone *zone, int cid, u64 *us)
{
	u32 pai;
	int err;

	err = vscmi_pc_cmd(to_domain(zone), VSCMI_POWERCAP_PAI_GET, NULL, &pai);
	if (!err)
		*us = pai;
	return err;
}

static int vscmi_pc_get_max_power_uw(struct powercap_zone *zone, int cid, u64 *uw)
{
	struct vscmi_pc_domain *d = to_domain(zone);

	*uw = (u64)d->max_cap * d->mult;
	return 0;
}

static int vscmi_pc_get_min_power_uw(struct powercap_zone *zone, int cid, u64 *uw)
{
	struct vscmi_pc_domain *d = to_domain(zone);

	*uw = (u64)d->min_cap * d->mult;
	return 0;
}

static int vscmi_pc_get_max_time_window_us(struct powercap_zone *zone, int cid, u64 *us)
{
	*us = to_domain(zone)->max_pai;
	return 0;
}

static int vscmi_pc_get_min_time_window_us(struct powercap_zone *zone, int cid, u64 *us)
{
	*us = to_domain(zone)->min_pai;
	return 0;
}

static const char *vscmi_pc_get_name(struct powercap_zone *zone, int cid)
{
	return "long_term";
}

static const struct powercap_zone_constraint_ops vscmi_pc_constraint_ops = {
	.set_power_limit_uw = vscmi_pc_set_power_limit_uw,
	.get_power_limit_uw = vscmi_pc_get_power_limit_uw,
	.set_time_window_us = vscmi_pc_set_time_window_us,
	.get_time_window_us = vscmi_pc_get_time_window_us,
	.get_max_power_uw = vscmi_pc_get_max_power_uw,
	.get_min_power_uw = vscmi_pc_get_min_power_uw,
	.get_max_time_window_us = vscmi_pc_get_max_time_window_us,
	.get_min_time_window_us = vscmi_pc_get_min_time_window_us,
	.get_name = vscmi_pc_get_name,
};

/* POWERCAP_DOMAIN_ATTRIBUTES; -EOPNOTSUPP for a domain left out. */
static int vscmi_pc_domain_init(struct vscmi_powercap *pc, struct vscmi_pc_domain *d)
{
	struct device *dev = &pc->vd->adev.dev;
	__le32 id = cpu_to_le32(d->id);
	u8 rx[VSCMI_POWERCAP_ATTRS_SIZE];
	int err;

	err = vscmi_cmd(pc->vd->vscmi, VSCMI_PROTO_POWERCAP, VSCMI_POWERCAP_DOMAIN_ATTRIBUTES,
			&id, sizeof(id), rx, sizeof(rx), sizeof(rx), NULL);
	if (err)
		return err;
	/* attributes, name[16], pai min/max/step, cap min/max/step, ... parent */
	d->attrs = get_unaligned_le32(rx);
	vscmi_copy_name(d->name, rx + 4, VSCMI_NAME_LEN);
	d->min_pai = get_unaligned_le32(rx + 20);
	d->max_pai = get_unaligned_le32(rx + 24);
	d->min_cap = get_unaligned_le32(rx + 32);
	d->max_cap = get_unaligned_le32(rx + 36);
	d->parent = get_unaligned_le32(rx + 52);
	switch (FIELD_GET(VSCMI_POWERCAP_UNIT, d->attrs)) {
	case 1:
		d->mult = 1;
		break;
	case 2:
		d->mult = 1000;
		break;
	default:
		dev_info(dev, "domain %u (%s): abstract power units, left out\n", d->id, d->name);
		return -EOPNOTSUPP;
	}
	if (d->min_pai > d->max_pai || d->min_cap > d->max_cap ||
	    d->parent == d->id || (d->parent != VSCMI_POWERCAP_NO_PARENT &&
				   d->parent >= pc->num)) {
		dev_err(dev, "domain %u: inconsistent attributes, left out\n", d->id);
		return -EPROTO;
	}
	return 0;
}

static void vscmi_pc_unregister(struct vscmi_powercap *pc)
{
	unsigned int i, left;

	/* children first: a zone goes once no registered zone names it parent */
	do {
		left = 0;
		for (i = 0; i < pc->num; i++) {
			struct vscmi_pc_domain *d = &pc->domains[i];
			unsigned int j;
			bool busy = false;

			if (!d->registered)
				continue;
			for (j = 0; j < pc->num; j++)
				busy |= pc->domains[j].registered && pc->domains[j].parent == d->id;
			if (busy) {
				left++;
				continue;
			}
			powercap_unregister_zone(pc->ct, &d->zone);
			d->registered = false;
		}
	} while (left);
	powercap_unregister_control_type(pc->ct);
}

static int vscmi_pc_register(struct vscmi_powercap *pc)
{
	struct device *dev = &pc->vd->adev.dev;
	struct powercap_zone *z, *parent;
	unsigned int i, done, pass;
	bool usable[256];

	for (i = 0; i < pc->num; i++)
		usable[i] = !vscmi_pc_domain_init(pc, &pc->domains[i]);
	/* parents before children; as many passes as the tree is deep */
	for (pass = 0, done = 1; done && pass <= pc->num; pass++) {
		done = 0;
		for (i = 0; i < pc->num; i++) {
			struct vscmi_pc_domain *d = &pc->domains[i];

			if (!usable[i] || d->registered)
				continue;
			parent = NULL;
			if (d->parent != VSCMI_POWERCAP_NO_PARENT) {
				if (!pc->domains[d->parent].registered)
					continue;
				parent = &pc->domains[d->parent].zone;
			}
			z = powercap_register_zone(&d->zone, pc->ct, d->name, parent,
						   &vscmi_pc_zone_ops, 1, &vscmi_pc_constraint_ops);
			if (IS_ERR(z)) {
				dev_err(dev, "domain %u: no powercap zone: %pe\n", d->id, z);
				usable[i] = false;
				continue;
			}
			d->registered = true;
			done++;
		}
	}
	for (i = 0; i < pc->num; i++)
		if (usable[i] && !pc->domains[i].registered)
			dev_err(dev, "domain %u: its parent %u has no zone, left out\n",
				pc->domains[i].id, pc->domains[i].parent);
	return 0;
}

static int vscmi_powercap_probe(struct auxiliary_device *adev,
				const struct auxiliary_device_id *id)
{
	struct vscmi_device *vd = to_vscmi_device(adev);
	struct device *dev = &adev->dev;
	struct vscmi_powercap *pc;
	__le32 attrs;
	unsigned int i;
	int err;

	pc = devm_kzalloc(dev, sizeof(*pc), GFP_KERNEL);
	if (!pc)
		return -ENOMEM;
	pc->vd = vd;
	err = vscmi_cmd(vd->vscmi, VSCMI_PROTO_POWERCAP, VSCMI_MSG_PROTOCOL_ATTRIBUTES,
			NULL, 0, &attrs, sizeof(attrs), sizeof(attrs), NULL);
	if (err)
		return dev_err_probe(dev, err, "PROTOCOL_ATTRIBUTES failed\n");
	/* domain ids index an array here: at most 256 */
	pc->num = min_t(u32, le32_to_cpu(attrs) & 0xffff, 256);
	pc->domains = devm_kcalloc(dev, pc->num, sizeof(*pc->domains), GFP_KERNEL);
	if (!pc->domains && pc->num)
		return -ENOMEM;
	for (i = 0; i < pc->num; i++) {
		pc->domains[i].pc = pc;
		pc->domains[i].id = i;
	}
	snprintf(pc->ct_name, sizeof(pc->ct_name), "vscmi-%d", adev->id);
	pc->ct = powercap_register_control_type(NULL, pc->ct_name, NULL);
	if (IS_ERR(pc->ct))
		return dev_err_probe(dev, PTR_ERR(pc->ct), "no powercap control type\n");
	err = vscmi_pc_register(pc);
	if (err) {
		vscmi_pc_unregister(pc);
		return err;
	}
	dev_set_drvdata(dev, pc);
	dev_info(dev, "%u powercap domains as %s\n", pc->num, pc->ct_name);
	return 0;
}

static void vscmi_powercap_remove(struct auxiliary_device *adev)
{
	vscmi_pc_unregister(dev_get_drvdata(&adev->dev));
}

static const struct auxiliary_device_id vscmi_powercap_ids[] = {
	{ .name = "virtio_scmi_ext.powercap" },
	{ }
};
MODULE_DEVICE_TABLE(auxiliary, vscmi_powercap_ids);

static struct auxiliary_driver vscmi_powercap_driver = {
	.name = "powercap",
	.probe = vscmi_powercap_probe,
	.remove = vscmi_powercap_remove,
	.id_table = vscmi_powercap_ids,
};
module_auxiliary_driver(vscmi_powercap_driver);

MODULE_IMPORT_NS(VSCMI_NS);
MODULE_DESCRIPTION("SCMI Powercap protocol over virtio-scmi-ext: powercap zones");
MODULE_LICENSE("GPL");
