// SPDX-License-Identifier: GPL-2.0
/*
 * hwmon view of the scalar SCMI sensors whose unit hwmon knows: degrees
 * Celsius (temp), volts (in), amperes (curr), watts (power) and joules
 * (energy).  Values are converted from the sensor's power-of-ten scale to
 * hwmon's units (millidegrees, millivolts, milliamperes, microwatts,
 * microjoules); labels are the sensors' names.
 */
#include <linux/device.h>
#include <linux/hwmon.h>
#include <linux/slab.h>

#include "vscmi_sensor_priv.h"

static const struct {
	u8 unit;
	enum hwmon_sensor_types type;
	u32 input;
	u32 label;
	int exp;	/* power of ten of hwmon's unit */
} vscmi_hwmon_map[] = {
	{ VSCMI_UNIT_DEGC, hwmon_temp, HWMON_T_INPUT, HWMON_T_LABEL, -3 },
	{ VSCMI_UNIT_VOLTS, hwmon_in, HWMON_I_INPUT, HWMON_I_LABEL, -3 },
	{ VSCMI_UNIT_AMPS, hwmon_curr, HWMON_C_INPUT, HWMON_C_LABEL, -3 },
	{ VSCMI_UNIT_WATTS, hwmon_power, HWMON_P_INPUT, HWMON_P_LABEL, -6 },
	{ VSCMI_UNIT_JOULES, hwmon_energy, HWMON_E_INPUT, HWMON_E_LABEL, -6 },
};

/**
 * struct vscmi_hwmon - the hwmon device's private data
 * @s: the sensors
 * @chans: per map entry, the sensors of that class in channel order
 * @nchans: per map entry, the number of channels
 * @info: hwmon channel descriptions, NULL-terminated
 * @chip: hwmon chip description
 */
struct vscmi_hwmon {
	struct vscmi_sensors *s;
	const struct vscmi_sensor_desc **chans[ARRAY_SIZE(vscmi_hwmon_map)];
	unsigned int nchans[ARRAY_SIZE(vscmi_hwmon_map)];
	const struct hwmon_channel_info *info[ARRAY_SIZE(vscmi_hwmon_map) + 1];
	struct hwmon_chip_info chip;
};

static int vscmi_hwmon_class(enum hwmon_sensor_types type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vscmi_hwmon_map); i++)
		if (vscmi_hwmon_map[i].type == type)
			return i;
	return -1;
}

static const struct vscmi_sensor_desc *
vscmi_hwmon_sensor(struct vscmi_hwmon *h, enum hwmon_sensor_types type, int channel)
{
	int c = vscmi_hwmon_class(type);

	if (c < 0 || channel < 0 || channel >= h->nchans[c])
		return NULL;
	return h->chans[c][channel];
}

static umode_t vscmi_hwmon_is_visible(const void *data, enum hwmon_sensor_types type,
				      u32 attr, int channel)
{
	return 0444;
}

static int vscmi_hwmon_read(struct device *dev, enum hwmon_sensor_types type,
			    u32 attr, int channel, long *val)
{
	struct vscmi_hwmon *h = dev_get_drvdata(dev);
	const struct vscmi_sensor_desc *d = vscmi_hwmon_sensor(h, type, channel);
	int c = vscmi_hwmon_class(type);
	s64 raw, v;
	int err;

	if (!d)
		return -EOPNOTSUPP;
	err = vscmi_sensor_read(h->s, d, 0, &raw);
	if (err)
		return err;
	err = vscmi_scale_value(raw, d->scale - vscmi_hwmon_map[c].exp, &v);
	if (err || v > LONG_MAX || v < LONG_MIN)
		return -ERANGE;
	*val = v;
	return 0;
}

static int vscmi_hwmon_read_string(struct device *dev, enum hwmon_sensor_types type,
				   u32 attr, int channel, const char **str)
{
	struct vscmi_hwmon *h = dev_get_drvdata(dev);
	const struct vscmi_sensor_desc *d = vscmi_hwmon_sensor(h, type, channel);

	if (!d)
		return -EOPNOTSUPP;
	*str = d->name;
	return 0;
}

static const struct hwmon_ops vscmi_hwmon_ops = {
	.is_visible = vscmi_hwmon_is_visible,
	.read = vscmi_hwmon_read,
	.read_string = vscmi_hwmon_read_string,
};

static bool vscmi_hwmon_wants(const struct vscmi_sensor_desc *d, int c)
{
	return !d->num_axes && d->type == vscmi_hwmon_map[c].unit;
}

/**
 * vscmi_hwmon_register() - a hwmon device for the scalar sensors
 * @s: the sensors, enumerated
 *
 * Nothing is registered when no sensor suits hwmon.  Device-managed: it
 * goes away with the auxiliary device.
 *
 * Return: 0 or a negative errno.
 */
int vscmi_hwmon_register(struct vscmi_sensors *s)
{
	struct device *dev = &s->vd->adev.dev;
	struct hwmon_channel_info *ci;
	struct vscmi_hwmon *h;
	unsigned int c, i, n, total = 0, ninfo = 0;
	u32 *config;

	h = devm_kzalloc(dev, sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->s = s;
	for (c = 0; c < ARRAY_SIZE(vscmi_hwmon_map); c++) {
		for (i = 0, n = 0; i < s->num; i++)
			n += vscmi_hwmon_wants(&s->desc[i], c);
		if (!n)
			continue;
		h->chans[c] = devm_kcalloc(dev, n, sizeof(*h->chans[c]), GFP_KERNEL);
		config = devm_kcalloc(dev, n + 1, sizeof(*config), GFP_KERNEL);
		ci = devm_kzalloc(dev, sizeof(*ci), GFP_KERNEL);
		if (!h->chans[c] || !config || !ci)
			return -ENOMEM;
		for (i = 0, n = 0; i < s->num; i++) {
			if (!vscmi_hwmon_wants(&s->desc[i], c))
				continue;
			h->chans[c][n] = &s->desc[i];
			config[n++] = vscmi_hwmon_map[c].input | vscmi_hwmon_map[c].label;
		}
		h->nchans[c] = n;
		ci->type = vscmi_hwmon_map[c].type;
		ci->config = config;
		h->info[ninfo++] = ci;
		total += n;
	}
	if (!total)
		return 0;
	h->chip.ops = &vscmi_hwmon_ops;
	h->chip.info = h->info;
	s->hwmon = devm_hwmon_device_register_with_info(dev, "vscmi_sensors", h,
							&h->chip, NULL);
	if (IS_ERR(s->hwmon))
		return PTR_ERR(s->hwmon);
	return 0;
}
