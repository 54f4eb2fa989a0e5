// SPDX-License-Identifier: GPL-2.0
/*
 * Base protocol discovery, per-protocol version negotiation, and the
 * read-only sysfs view of what was found:
 *
 *   /sys/bus/virtio/devices/virtioN/scmi/{version,vendor,sub_vendor,
 *	impl_version,num_agents,agent_id,agent_name,protocols,
 *	timeout_ms,delayed_timeout_ms}
 *   /sys/bus/virtio/devices/virtioN/scmi_stats/<counter>
 *
 * Discovery follows the order the SCMI specification gives (and Linux's
 * arm_scmi uses): Base version (negotiated down when newer than ours),
 * attributes, vendor strings, implementation version, the protocol list in
 * as many DISCOVER_LIST_PROTOCOLS rounds as it takes, then each listed
 * protocol's version.
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/sysfs.h>

#include "vscmi_priv.h"

/* The newest Base version this agent speaks. */
#define VSCMI_BASE_VERSION	VSCMI_VERSION(2, 1)

/* The newest version of each standard protocol a front-end here speaks. */
static u32 vscmi_supported_version(u8 protocol)
{
	switch (protocol) {
	case VSCMI_PROTO_SYSTEM:
		return VSCMI_VERSION(2, 1);
	case VSCMI_PROTO_SENSOR:
		return VSCMI_VERSION(3, 1);
	case VSCMI_PROTO_POWERCAP:
		return VSCMI_VERSION(2, 0);
	default:
		return 0;	/* no front-end: take what the platform has */
	}
}

/**
 * vscmi_protocol_message_supported() - PROTOCOL_MESSAGE_ATTRIBUTES probe
 * @vscmi: the agent
 * @protocol: protocol id
 * @id: message id
 *
 * Return: 1 if the platform implements the message, 0 if not (NOT_FOUND or
 * NOT_SUPPORTED), or a negative errno.
 */
int vscmi_protocol_message_supported(struct vscmi *vscmi, u8 protocol, u8 id)
{
	__le32 param = cpu_to_le32(id), attrs;
	int err;

	err = vscmi_cmd(vscmi, protocol, VSCMI_MSG_PROTOCOL_MESSAGE_ATTRIBUTES,
			&param, sizeof(param), &attrs, sizeof(attrs), sizeof(attrs),
			NULL);
	if (err == -ENOENT || err == -EOPNOTSUPP)
		return 0;
	return err ? err : 1;
}
EXPORT_SYMBOL_NS_GPL(vscmi_protocol_message_supported, VSCMI_NS);

/**
 * vscmi_version_negotiate() - read a protocol's version, negotiate it down
 * @vscmi: the agent
 * @protocol: protocol id
 * @ours: newest version we speak, 0 for any
 * @version: receives the version to use
 * @platform: receives the version the platform reported
 *
 * When the platform's version is newer than @ours, NEGOTIATE_PROTOCOL_VERSION
 * asks it to speak @ours; if it cannot, @ours is used anyway (newer minor
 * versions are meant to be backward compatible).
 *
 * Return: 0, or a negative errno if the version cannot be read.
 */
int vscmi_version_negotiate(struct vscmi *vscmi, u8 protocol, u32 ours,
			    u32 *version, u32 *platform)
{
	__le32 raw, want;
	int err;

	err = vscmi_cmd(vscmi, protocol, VSCMI_MSG_PROTOCOL_VERSION, NULL, 0,
			&raw, sizeof(raw), sizeof(raw), NULL);
	if (err)
		return err;
	*platform = le32_to_cpu(raw);
	*version = *platform;
	if (!ours || *platform <= ours)
		return 0;

	*version = ours;
	want = cpu_to_le32(ours);
	err = vscmi_protocol_message_supported(vscmi, protocol,
					       VSCMI_MSG_NEGOTIATE_PROTOCOL_VERSION);
	if (err > 0)
		err = vscmi_cmd(vscmi, protocol, VSCMI_MSG_NEGOTIATE_PROTOCOL_VERSION,
				&want, sizeof(want), NULL, 0, 0, NULL);
	else if (!err)
		err = -EOPNOTSUPP;
	if (err)
		dev_info(vscmi_dev(vscmi),
			 "protocol 0x%02x: platform version %u.%u is newer than %u.%u and was not negotiated (%d); speaking %u.%u\n",
			 protocol, VSCMI_VERSION_MAJOR(*platform),
			 VSCMI_VERSION_MINOR(*platform), VSCMI_VERSION_MAJOR(ours),
			 VSCMI_VERSION_MINOR(ours), err, VSCMI_VERSION_MAJOR(ours),
			 VSCMI_VERSION_MINOR(ours));
	return 0;
}

static void vscmi_discover_name(struct vscmi *vscmi, u8 id, char *name)
{
	u8 raw[VSCMI_NAME_LEN];

	if (!vscmi_cmd(vscmi, VSCMI_PROTO_BASE, id, NULL, 0, raw, sizeof(raw),
		       sizeof(raw), NULL))
		vscmi_copy_name(name, raw, sizeof(raw));
}

static int vscmi_discover_protocols(struct vscmi *vscmi)
{
	struct vscmi_info *info = &vscmi->info;
	unsigned int have = 0, rounds = 0;
	struct vscmi_xfer *x;
	int n;

	while (have < info->num_protocols) {
		/* Each round returns at least one id: bounded by the count. */
		if (++rounds > info->num_protocols)
			return -EPROTO;
		x = vscmi_xfer_get(vscmi, VSCMI_PROTO_BASE,
				   VSCMI_BASE_DISCOVER_LIST_PROTOCOLS, sizeof(__le32));
		if (IS_ERR(x))
			return PTR_ERR(x);
		put_unaligned_le32(have, x->tx);
		n = vscmi_do_xfer(vscmi, x);
		if (!n) {
			n = vscmi_parse_protocol_list(x->rx, x->rx_len, info->protocols,
						      have, info->num_protocols);
			if (n < 0)
				dev_err(vscmi_dev(vscmi),
					"DISCOVER_LIST_PROTOCOLS (skip %u): malformed reply of %zu bytes\n",
					have, x->rx_len);
		}
		vscmi_xfer_put(vscmi, x);
		if (n < 0)
			return n;
		have += n;
	}
	return 0;
}

/**
 * vscmi_discover() - Base discovery and every listed protocol's version
 * @vscmi: the agent, transport started
 *
 * Return: 0, or a negative errno if the platform does not answer the
 * mandatory commands correctly.
 */
int vscmi_discover(struct vscmi *vscmi)
{
	struct vscmi_info *info = &vscmi->info;
	struct device *dev = vscmi_dev(vscmi);
	u8 attrs[4], agent[4 + VSCMI_NAME_LEN];
	__le32 raw, all = cpu_to_le32(U32_MAX);
	unsigned int i;
	u32 platform;
	int err;

	err = vscmi_version_negotiate(vscmi, VSCMI_PROTO_BASE, VSCMI_BASE_VERSION,
				      &info->version, &info->platform_version);
	if (err) {
		dev_err(dev, "Base PROTOCOL_VERSION failed: %d\n", err);
		return err;
	}
	err = vscmi_cmd(vscmi, VSCMI_PROTO_BASE, VSCMI_MSG_PROTOCOL_ATTRIBUTES,
			NULL, 0, attrs, sizeof(attrs), sizeof(attrs), NULL);
	if (err) {
		dev_err(dev, "Base PROTOCOL_ATTRIBUTES failed: %d\n", err);
		return err;
	}
	info->num_protocols = attrs[0];
	info->num_agents = attrs[1];
	if (info->num_protocols > VSCMI_MAX_PROTOCOLS) {
		dev_err(dev, "platform announces %u protocols, at most %u exist\n",
			info->num_protocols, VSCMI_MAX_PROTOCOLS);
		return -EPROTO;
	}

	/* Optional: a platform without them is still usable. */
	vscmi_discover_name(vscmi, VSCMI_BASE_DISCOVER_VENDOR, info->vendor);
	vscmi_discover_name(vscmi, VSCMI_BASE_DISCOVER_SUB_VENDOR, info->sub_vendor);
	if (!vscmi_cmd(vscmi, VSCMI_PROTO_BASE, VSCMI_BASE_DISCOVER_IMPL_VERSION,
		       NULL, 0, &raw, sizeof(raw), sizeof(raw), NULL))
		info->impl_version = le32_to_cpu(raw);

	err = vscmi_discover_protocols(vscmi);
	if (err) {
		dev_err(dev, "protocol discovery failed: %d\n", err);
		return err;
	}

	if (!vscmi_cmd(vscmi, VSCMI_PROTO_BASE, VSCMI_BASE_DISCOVER_AGENT, &all,
		       sizeof(all), agent, sizeof(agent), sizeof(agent), NULL)) {
		info->agent_id = get_unaligned_le32(agent);
		vscmi_copy_name(info->agent_name, agent + 4, VSCMI_NAME_LEN);
	}

	for (i = 0; i < info->num_protocols; i++) {
		u8 p = info->protocols[i];

		err = vscmi_version_negotiate(vscmi, p, vscmi_supported_version(p),
					      &info->versions[i], &platform);
		if (err) {
			dev_warn(dev, "protocol 0x%02x: PROTOCOL_VERSION failed (%d), left out\n",
				 p, err);
			info->versions[i] = 0;
		}
	}
	return 0;
}

/**
 * vscmi_protocol_version() - the version in use of a discovered protocol
 * @vscmi: the agent
 * @protocol: protocol id
 *
 * Return: the version, or 0 if the protocol was not discovered.
 */
u32 vscmi_protocol_version(struct vscmi *vscmi, u8 protocol)
{
	unsigned int i;

	if (protocol == VSCMI_PROTO_BASE)
		return vscmi->info.version;
	for (i = 0; i < vscmi->info.num_protocols; i++)
		if (vscmi->info.protocols[i] == protocol)
			return vscmi->info.versions[i];
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vscmi_protocol_version, VSCMI_NS);

/**
 * vscmi_vendor() - the platform's vendor name
 * @vscmi: the agent
 *
 * Return: the name (empty if the platform did not report one).
 */
const char *vscmi_vendor(struct vscmi *vscmi)
{
	return vscmi->info.vendor;
}
EXPORT_SYMBOL_NS_GPL(vscmi_vendor, VSCMI_NS);

/**
 * vscmi_sub_vendor() - the platform's sub-vendor name
 * @vscmi: the agent
 *
 * Return: the name (empty if the platform did not report one).
 */
const char *vscmi_sub_vendor(struct vscmi *vscmi)
{
	return vscmi->info.sub_vendor;
}
EXPORT_SYMBOL_NS_GPL(vscmi_sub_vendor, VSCMI_NS);

/**
 * vscmi_impl_version() - the platform's implementation version
 * @vscmi: the agent
 *
 * With the vendor names, what a vendor protocol plug-in checks before it
 * speaks a vendor protocol (ids 0x80 to 0xff mean different things on
 * different platforms).
 *
 * Return: the version (0 if the platform did not report one).
 */
u32 vscmi_impl_version(struct vscmi *vscmi)
{
	return vscmi->info.impl_version;
}
EXPORT_SYMBOL_NS_GPL(vscmi_impl_version, VSCMI_NS);

/* sysfs */

static struct vscmi *to_vscmi(struct device *dev)
{
	return dev_to_virtio(dev)->priv;
}

static ssize_t version_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	u32 v = to_vscmi(dev)->info.version;

	return sysfs_emit(buf, "%u.%u\n", VSCMI_VERSION_MAJOR(v), VSCMI_VERSION_MINOR(v));
}
static DEVICE_ATTR_RO(version);

static ssize_t vendor_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", to_vscmi(dev)->info.vendor);
}
static DEVICE_ATTR_RO(vendor);

static ssize_t sub_vendor_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%s\n", to_vscmi(dev)->info.sub_vendor);
}
static DEVICE_ATTR_RO(sub_vendor);

static ssize_t impl_version_show(struct device *dev, struct device_attribute *attr,
				 char *buf)
{
	return sysfs_emit(buf, "0x%08x\n", to_vscmi(dev)->info.impl_version);
}
static DEVICE_ATTR_RO(impl_version);

static ssize_t num_agents_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%u\n", to_vscmi(dev)->info.num_agents);
}
static DEVICE_ATTR_RO(num_agents);

static ssize_t agent_id_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%u\n", to_vscmi(dev)->info.agent_id);
}
static DEVICE_ATTR_RO(agent_id);

static ssize_t agent_name_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%s\n", to_vscmi(dev)->info.agent_name);
}
static DEVICE_ATTR_RO(agent_name);

static ssize_t protocols_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct vscmi_info *info = &to_vscmi(dev)->info;
	unsigned int i;
	int len = 0;

	for (i = 0; i < info->num_protocols; i++)
		len += sysfs_emit_at(buf, len, "%s0x%02x", i ? " " : "",
				     info->protocols[i]);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}
static DEVICE_ATTR_RO(protocols);

static ssize_t vscmi_ms_store(unsigned int *ms, const char *buf, size_t count)
{
	unsigned int v;
	int err;

	err = kstrtouint(buf, 0, &v);
	if (err)
		return err;
	if (v < 1 || v > 600000)
		return -ERANGE;
	WRITE_ONCE(*ms, v);
	return count;
}

static ssize_t timeout_ms_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_vscmi(dev)->timeout_ms));
}

static ssize_t timeout_ms_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t count)
{
	return vscmi_ms_store(&to_vscmi(dev)->timeout_ms, buf, count);
}
static DEVICE_ATTR_RW(timeout_ms);

static ssize_t delayed_timeout_ms_show(struct device *dev,
				       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_vscmi(dev)->dly_timeout_ms));
}

static ssize_t delayed_timeout_ms_store(struct device *dev,
					struct device_attribute *attr,
					const char *buf, size_t count)
{
	return vscmi_ms_store(&to_vscmi(dev)->dly_timeout_ms, buf, count);
}
static DEVICE_ATTR_RW(delayed_timeout_ms);

static ssize_t user_protocols_show(struct device *dev, struct device_attribute *attr,
				   char *buf)
{
	struct vscmi *vscmi = to_vscmi(dev);
	DECLARE_BITMAP(allow, 256);
	unsigned int lo, hi;
	int len = 0;

	spin_lock_irq(&vscmi->lock);
	bitmap_copy(allow, vscmi->user_allow, 256);
	spin_unlock_irq(&vscmi->lock);
	for_each_set_bitrange(lo, hi, allow, 256) {
		if (hi - lo == 1)
			len += sysfs_emit_at(buf, len, "%s0x%02x", len ? " " : "", lo);
		else
			len += sysfs_emit_at(buf, len, "%s0x%02x-0x%02x", len ? " " : "",
					     lo, hi - 1);
	}
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

/* "0x80-0xff", "0x15 0x80,0x81", "none": protocol ids and ranges. */
static ssize_t user_protocols_store(struct device *dev, struct device_attribute *attr,
				    const char *buf, size_t count)
{
	struct vscmi *vscmi = to_vscmi(dev);
	DECLARE_BITMAP(allow, 256);
	char *copy, *p, *tok, *dash;
	u8 lo, hi;
	int err = 0;

	bitmap_zero(allow, 256);
	copy = kstrndup(buf, count, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	p = strim(copy);
	if (strcmp(p, "none")) {
		while ((tok = strsep(&p, " ,\t\n"))) {
			if (!*tok)
				continue;
			dash = strchr(tok, '-');
			if (dash)
				*dash++ = '\0';
			err = kstrtou8(tok, 0, &lo);
			if (!err)
				err = dash ? kstrtou8(dash, 0, &hi) : (hi = lo, 0);
			if (!err && (hi < lo || lo < VSCMI_PROTO_BASE))
				err = -EINVAL;
			if (err)
				break;
			bitmap_set(allow, lo, hi - lo + 1);
		}
	}
	kfree(copy);
	if (err)
		return err;
	spin_lock_irq(&vscmi->lock);
	bitmap_copy(vscmi->user_allow, allow, 256);
	spin_unlock_irq(&vscmi->lock);
	return count;
}
static DEVICE_ATTR_RW(user_protocols);

static struct attribute *vscmi_attrs[] = {
	&dev_attr_version.attr,
	&dev_attr_vendor.attr,
	&dev_attr_sub_vendor.attr,
	&dev_attr_impl_version.attr,
	&dev_attr_num_agents.attr,
	&dev_attr_agent_id.attr,
	&dev_attr_agent_name.attr,
	&dev_attr_protocols.attr,
	&dev_attr_timeout_ms.attr,
	&dev_attr_delayed_timeout_ms.attr,
	&dev_attr_user_protocols.attr,
	NULL
};

static const struct attribute_group vscmi_group = {
	.name = "scmi",
	.attrs = vscmi_attrs,
};

static ssize_t vscmi_stat_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	struct dev_ext_attribute *ea = container_of(attr, struct dev_ext_attribute, attr);
	struct vscmi *vscmi = to_vscmi(dev);
	unsigned long v;

	spin_lock_irq(&vscmi->lock);
	v = vscmi->stats[(uintptr_t)ea->var];
	spin_unlock_irq(&vscmi->lock);
	return sysfs_emit(buf, "%lu\n", v);
}

#define VSCMI_STAT_ATTR(_name, _stat)					\
	static struct dev_ext_attribute vscmi_stat_##_name = {		\
		__ATTR(_name, 0444, vscmi_stat_show, NULL), (void *)(_stat) \
	}

VSCMI_STAT_ATTR(timeouts, VSCMI_STAT_TIMEOUTS);
VSCMI_STAT_ATTR(late_responses, VSCMI_STAT_LATE_RESPONSES);
VSCMI_STAT_ATTR(bad_responses, VSCMI_STAT_BAD_RESPONSES);
VSCMI_STAT_ATTR(bad_events, VSCMI_STAT_BAD_EVENTS);
VSCMI_STAT_ATTR(unexpected_delayed, VSCMI_STAT_UNEXPECTED_DELAYED);
VSCMI_STAT_ATTR(notifications, VSCMI_STAT_NOTIFICATIONS);
VSCMI_STAT_ATTR(unhandled_notifications, VSCMI_STAT_UNHANDLED_NOTIFICATIONS);

static struct attribute *vscmi_stat_attrs[] = {
	&vscmi_stat_timeouts.attr.attr,
	&vscmi_stat_late_responses.attr.attr,
	&vscmi_stat_bad_responses.attr.attr,
	&vscmi_stat_bad_events.attr.attr,
	&vscmi_stat_unexpected_delayed.attr.attr,
	&vscmi_stat_notifications.attr.attr,
	&vscmi_stat_unhandled_notifications.attr.attr,
	NULL
};

static const struct attribute_group vscmi_stat_group = {
	.name = "scmi_stats",
	.attrs = vscmi_stat_attrs,
};

const struct attribute_group *vscmi_groups[] = {
	&vscmi_group,
	&vscmi_stat_group,
	NULL
};
