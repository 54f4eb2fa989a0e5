// SPDX-License-Identifier: GPL-2.0
/*
 * hwmon view of the scalar SCMI sensors whose unit hwmon knows: degrees
 * Celsius (temp), volts (in), amperes (curr), watts (power) and joules
 * (energy).  Values are converted from the sensor's power-of-ten scale to
 * hwmon's units (millidegrees, millivolts, milliamperes, microwatts,
 * microjoules); labels are the sensors' names.  Trip points 0 and 1 are
 * *_max and *_min (thresholds, read back as written) with *_max_alarm and
 * *_min_alarm, set by the platform's TRIP_POINT_EVENT and cleared when
 * read; pollers of the alarm files are woken.
 */
#include <linux/device.h>
#include <linux/hwmon.h>
#include <linux/slab.h>

#include "vscmi_sensor_priv.h"

/*
 * Per class: the channel flags, the power of ten of hwmon's unit, and the
 * attributes of trip points (rising: max, falling: min; energy has none).
 */
static const struct {
	u8 unit;
	enum hwmon_sensor_types type;
	u32 flags;
	int exp;
	u32 trip_flags[VSCMI_TRIPS];
	u32 limit[VSCMI_TRIPS];
	u32 alarm[VSCMI_TRIPS];
} vscmi_hwmon_map[] = {
	{ VSCMI_UNIT_DEGC, hwmon_temp, HWMON_T_INPUT | HWMON_T_LABEL, -3,
	  { HWMON_T_MAX | HWMON_T_MAX_ALARM, HWMON_T_MIN | HWMON_T_MIN_ALARM },
	  { hwmon_temp_max, hwmon_temp_min },
	  { hwmon_temp_max_alarm, hwmon_temp_min_alarm } },
	{ VSCMI_UNIT_VOLTS, hwmon_in, HWMON_I_INPUT | HWMON_I_LABEL, -3,
	  { HWMON_I_MAX | HWMON_I_MAX_ALARM, HWMON_I_MIN | HWMON_I_MIN_ALARM },
	  { hwmon_in_max, hwmon_in_min },
	  { hwmon_in_max_alarm, hwmon_in_min_alarm } },
	{ VSCMI_UNIT_AMPS, hwmon_curr, HWMON_C_INPUT | HWMON_C_LABEL, -3,
	  { HWMON_C_MAX | HWMON_C_MAX_ALARM, HWMON_C_MIN | HWMON_C_MIN_ALARM },
	  { hwmon_curr_max, hwmon_curr_min },
	  { hwmon_curr_max_alarm, hwmon_curr_min_alarm } },
	{ VSCMI_UNIT_WATTS, hwmon_power, HWMON_P_INPUT | HWMON_P_LABEL, -6,
	  { HWMON_P_MAX | HWMON_P_MAX_ALARM, HWMON_P_MIN | HWMON_P_MIN_ALARM },
	  { hwmon_power_max, hwmon_power_min },
	  { hwmon_power_max_alarm, hwmon_power_min_alarm } },
	{ VSCMI_UNIT_JOULES, hwmon_energy, HWMON_E_INPUT | HWMON_E_LABEL, -6 },
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

/* The trip point an attribute belongs to, and whether it is the alarm. */
static int vscmi_hwmon_trip_of(int c, u32 attr, bool *alarm)
{
	unsigned int t;

	for (t = 0; t < VSCMI_TRIPS; t++) {
		if (!vscmi_hwmon_map[c].trip_flags[t])
			continue;
		if (attr == vscmi_hwmon_map[c].limit[t] || attr == vscmi_hwmon_map[c].alarm[t]) {
			*alarm = attr == vscmi_hwmon_map[c].alarm[t];
			return t;
		}
	}
	return -1;
}

static umode_t vscmi_hwmon_is_visible(const void *data, enum hwmon_sensor_types type,
				      u32 attr, int channel)
{
	int c = vscmi_hwmon_class(type);
	bool alarm;

	/* thresholds are writable; input, label and alarms read-only */
	if (c >= 0 && vscmi_hwmon_trip_of(c, attr, &alarm) >= 0 && !alarm)
		return 0644;
	return 0444;
}

/* hwmon units to the sensor's, and back */
static int vscmi_hwmon_to_hwmon(const struct vscmi_sensor_desc *d, int c, s64 raw,
				long *val)
{
	s64 v;

	if (vscmi_scale_value(raw, d->scale - vscmi_hwmon_map[c].exp, &v) ||
	    v > LONG_MAX || v < LONG_MIN)
		return -ERANGE;
	*val = v;
	return 0;
}

static int vscmi_hwmon_read(struct device *dev, enum hwmon_sensor_types type,
			    u32 attr, int channel, long *val)
{
	struct vscmi_hwmon *h = dev_get_drvdata(dev);
	const struct vscmi_sensor_desc *d = vscmi_hwmon_sensor(h, type, channel);
	int c = vscmi_hwmon_class(type), trip, err;
	bool alarm, enabled;
	s64 raw;

	if (!d)
		return -EOPNOTSUPP;
	trip = vscmi_hwmon_trip_of(c, attr, &alarm);
	if (trip >= 0 && alarm) {
		*val = vscmi_sensor_alarm_take(h->s, d, trip);
		return 0;
	}
	if (trip >= 0)
		err = vscmi_sensor_trip_get(h->s, d, trip, &raw, &enabled);
	else
		err = vscmi_sensor_read(h->s, d, 0, 1, &raw, NULL);
	if (err)
		return err;
	return vscmi_hwmon_to_hwmon(d, c, raw, val);
}

static int vscmi_hwmon_write(struct device *dev, enum hwmon_sensor_types type,
			     u32 attr, int channel, long val)
{
	struct vscmi_hwmon *h = dev_get_drvdata(dev);
	const struct vscmi_sensor_desc *d = vscmi_hwmon_sensor(h, type, channel);
	int c = vscmi_hwmon_class(type), trip;
	bool alarm;
	s64 raw;

	if (!d)
		return -EOPNOTSUPP;
	trip = vscmi_hwmon_trip_of(c, attr, &alarm);
	if (trip < 0 || alarm)
		return -EOPNOTSUPP;
	if (vscmi_scale_value(val, vscmi_hwmon_map[c].exp - d->scale, &raw))
		return -ERANGE;
	return vscmi_sensor_trip_set(h->s, d, trip, raw, true);
}

/**
 * vscmi_hwmon_trip() - a trip point fired: wake pollers of its alarm file
 * @s: the sensors
 * @d: the sensor
 * @trip: VSCMI_TRIP_RISING or VSCMI_TRIP_FALLING
 */
void vscmi_hwmon_trip(struct vscmi_sensors *s, const struct vscmi_sensor_desc *d,
		      unsigned int trip)
{
	struct vscmi_hwmon *h = dev_get_drvdata(s->hwmon);
	unsigned int c, ch;

	for (c = 0; c < ARRAY_SIZE(vscmi_hwmon_map); c++)
		for (ch = 0; ch < h->nchans[c]; ch++)
			if (h->chans[c][ch] == d && vscmi_hwmon_map[c].trip_flags[trip])
				hwmon_notify_event(s->hwmon, vscmi_hwmon_map[c].type,
						   vscmi_hwmon_map[c].alarm[trip], ch);
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
	.write = vscmi_hwmon_write,
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
	unsigned int c, i, n, t, total = 0, ninfo = 0;
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
			config[n] = vscmi_hwmon_map[c].flags;
			for (t = 0; t < vscmi_sensor_trips(&s->desc[i]); t++)
				config[n] |= vscmi_hwmon_map[c].trip_flags[t];
			n++;
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
