// SPDX-License-Identifier: GPL-2.0
/*
 * Sensor protocol front-end: binds to virtio_scmi_ext.sensor, enumerates
 * the platform's sensors (SENSOR_DESCRIPTION_GET, extended names), reads
 * them (SENSOR_READING_GET, asynchronously where the sensor says so), and
 * presents the scalar ones of hwmon's classes through hwmon.
 */
#include <linux/auxiliary_bus.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "vscmi_sensor_priv.h"

/* The longest reading: 63 axes of value and timestamp. */
#define VSCMI_READING_MAX	(VSCMI_SENSOR_MAX_AXES * 16)

/**
 * vscmi_sensor_read() - read axes of a sensor, all from one reading
 * @s: the sensors
 * @d: the sensor
 * @first: the first axis (0 for a scalar sensor)
 * @n: how many axes, from @first on (1 for a scalar sensor)
 * @values: the @n readings, in the sensor's unit and scale
 * @ts: if not NULL, the platform's timestamp of the reading (0 if it has
 *	none), in the sensor's timestamp unit
 *
 * One SENSOR_READING_GET returns every axis of the sensor at one instant;
 * the caller takes the ones it wants from it.
 *
 * Context: process; sleeps for the round trip.
 * Return: 0 or a negative errno.
 */
int vscmi_sensor_read(struct vscmi_sensors *s, const struct vscmi_sensor_desc *d,
		      unsigned int first, unsigned int n, s64 *values, u64 *ts)
{
	struct device *dev = &s->vd->adev.dev;
	struct vscmi_xfer *x;
	const u8 *rx;
	size_t len;
	int err;

	x = vscmi_xfer_get(s->vscmi, VSCMI_PROTO_SENSOR, VSCMI_SENSOR_READING_GET, 8);
	if (IS_ERR(x))
		return PTR_ERR(x);
	put_unaligned_le32(d->id, x->tx);
	put_unaligned_le32(d->async ? 1 : 0, (u8 *)x->tx + 4);
	if (d->async)
		err = vscmi_do_xfer_delayed(s->vscmi, x);
	else
		err = vscmi_do_xfer(s->vscmi, x);
	if (err)
		goto out;
	rx = x->rx;
	len = x->rx_len;
	if (d->async) {
		/* The delayed response names the sensor before its values. */
		if (len < 4 || get_unaligned_le32(rx) != d->id) {
			dev_err_ratelimited(dev, "sensor %u: delayed reading for another sensor\n",
					    d->id);
			err = -EPROTO;
			goto out;
		}
		rx += 4;
		len -= 4;
	}
	err = vscmi_sensor_parse_reading(rx, len, s->v3, first, n, values, ts);
	if (err)
		dev_err_ratelimited(dev, "sensor %u: reading of %zu bytes is too short for axis %u\n",
				    d->id, len, first + n - 1);
out:
	vscmi_xfer_put(s->vscmi, x);
	return err;
}

/**
 * vscmi_sensor_trips() - trip points the front-ends offer for a sensor
 * @d: the sensor
 *
 * Return: 0 to VSCMI_TRIPS; multi-axis sensors have none here.
 */
unsigned int vscmi_sensor_trips(const struct vscmi_sensor_desc *d)
{
	return d->num_axes ? 0 : min_t(unsigned int, d->num_trips, VSCMI_TRIPS);
}

/**
 * vscmi_sensor_trip_set() - SENSOR_TRIP_POINT_CONFIG
 * @s: the sensors
 * @d: the sensor
 * @trip: VSCMI_TRIP_RISING or VSCMI_TRIP_FALLING
 * @value: the threshold, in the sensor's unit and scale
 * @enable: arm the trip point (in its direction) or disarm it
 *
 * Return: 0 or a negative errno.
 */
int vscmi_sensor_trip_set(struct vscmi_sensors *s, const struct vscmi_sensor_desc *d,
			  unsigned int trip, s64 value, bool enable)
{
	struct vscmi_trips *t = &s->trips[d - s->desc];
	__le32 param[4];
	u32 ctrl;
	int err;

	if (trip >= vscmi_sensor_trips(d))
		return -EINVAL;
	/* direction [1:0]: 1 rising, 2 falling, 0 disabled; trip id [11:4] */
	ctrl = FIELD_PREP(GENMASK(11, 4), trip) |
	       (enable ? (trip == VSCMI_TRIP_RISING ? 1 : 2) : 0);
	param[0] = cpu_to_le32(d->id);
	param[1] = cpu_to_le32(ctrl);
	param[2] = cpu_to_le32(lower_32_bits(value));
	param[3] = cpu_to_le32(upper_32_bits(value));
	mutex_lock(&s->trip_lock);
	err = vscmi_cmd(s->vscmi, VSCMI_PROTO_SENSOR, VSCMI_SENSOR_TRIP_POINT_CONFIG,
			param, sizeof(param), NULL, 0, 0, NULL);
	if (!err) {
		t->value[trip] = value;
		t->set[trip] = true;
		t->enabled[trip] = enable;
		t->alarm[trip] = false;
	}
	mutex_unlock(&s->trip_lock);
	return err;
}

/**
 * vscmi_sensor_trip_get() - the threshold last written
 * @s: the sensors
 * @d: the sensor
 * @trip: VSCMI_TRIP_RISING or VSCMI_TRIP_FALLING
 * @value: the threshold
 * @enabled: whether it is armed
 *
 * Return: 0, or -ENODATA before the first write.
 */
int vscmi_sensor_trip_get(struct vscmi_sensors *s, const struct vscmi_sensor_desc *d,
			  unsigned int trip, s64 *value, bool *enabled)
{
	struct vscmi_trips *t = &s->trips[d - s->desc];
	int err = 0;

	if (trip >= vscmi_sensor_trips(d))
		return -EINVAL;
	mutex_lock(&s->trip_lock);
	if (t->set[trip]) {
		*value = t->value[trip];
		*enabled = t->enabled[trip];
	} else {
		err = -ENODATA;
	}
	mutex_unlock(&s->trip_lock);
	return err;
}

/**
 * vscmi_sensor_alarm_take() - read and clear a trip point's alarm
 * @s: the sensors
 * @d: the sensor
 * @trip: VSCMI_TRIP_RISING or VSCMI_TRIP_FALLING
 *
 * Return: true if the trip point fired since the last call.
 */
bool vscmi_sensor_alarm_take(struct vscmi_sensors *s, const struct vscmi_sensor_desc *d,
			     unsigned int trip)
{
	struct vscmi_trips *t = &s->trips[d - s->desc];
	bool alarm;

	if (trip >= vscmi_sensor_trips(d))
		return false;
	mutex_lock(&s->trip_lock);
	alarm = t->alarm[trip];
	t->alarm[trip] = false;
	mutex_unlock(&s->trip_lock);
	return alarm;
}

/* The sensor of platform id @id, or NULL. */
static const struct vscmi_sensor_desc *vscmi_sensor_find(struct vscmi_sensors *s, u32 id)
{
	unsigned int i;

	for (i = 0; i < s->num; i++)
		if (s->desc[i].id == id)
			return &s->desc[i];
	return NULL;
}

/* The IIO state of sensor @d, or NULL if it has no IIO device. */
static struct vscmi_iio *vscmi_sensor_iio(struct vscmi_sensors *s,
					  const struct vscmi_sensor_desc *d)
{
	return s->iio ? s->iio[d - s->desc] : NULL;
}

static void vscmi_sensor_trip_event(struct vscmi_sensors *s,
				    const struct vscmi_sensor_desc *d, const u8 *p,
				    size_t len, ktime_t rx_time)
{
	struct device *dev = &s->vd->adev.dev;
	struct vscmi_iio *v;
	unsigned int trip;
	u32 desc;

	/* trip_point_desc: trip id [7:0], direction [16] (1: rising) */
	if (len < 4) {
		dev_err_ratelimited(dev, "trip point event for sensor %u dropped\n", d->id);
		return;
	}
	desc = get_unaligned_le32(p);
	trip = desc & 0xff;
	if (trip >= vscmi_sensor_trips(d)) {
		dev_err_ratelimited(dev, "sensor %u: event for trip point %u, which is not set\n",
				    d->id, trip);
		return;
	}
	mutex_lock(&s->trip_lock);
	s->trips[d - s->desc].alarm[trip] = true;
	mutex_unlock(&s->trip_lock);
	dev_dbg(dev, "sensor %u: trip point %u crossed %s\n", d->id, trip,
		desc & BIT(16) ? "rising" : "falling");
	if (s->hwmon)
		vscmi_hwmon_trip(s, d, trip);
	v = vscmi_sensor_iio(s, d);
	if (v)
		vscmi_iio_trip(v, trip, rx_time);
}

static void vscmi_sensor_ext_name(struct vscmi_sensors *s, struct vscmi_sensor_desc *d)
{
	u8 rx[4 + VSCMI_EXT_NAME_LEN];
	__le32 id = cpu_to_le32(d->id);

	/* Keep the short name when the long one cannot be had. */
	if (!vscmi_cmd(s->vscmi, VSCMI_PROTO_SENSOR, VSCMI_SENSOR_NAME_GET, &id,
		       sizeof(id), rx, sizeof(rx), sizeof(rx), NULL) && rx[4])
		vscmi_copy_name(d->name, rx + 4, VSCMI_EXT_NAME_LEN);
}

static int vscmi_sensor_axes(struct vscmi_sensors *s, struct vscmi_sensor_desc *d)
{
	struct device *dev = &s->vd->adev.dev;
	unsigned int have = 0, n, i;
	struct vscmi_xfer *x;
	const u8 *p;
	size_t left;
	int err, size;

	d->axes = devm_kcalloc(dev, d->num_axes, sizeof(*d->axes), GFP_KERNEL);
	if (!d->axes)
		return -ENOMEM;
	while (have < d->num_axes) {
		x = vscmi_xfer_get(s->vscmi, VSCMI_PROTO_SENSOR,
				   VSCMI_SENSOR_AXIS_DESCRIPTION_GET, 8);
		if (IS_ERR(x))
			return PTR_ERR(x);
		put_unaligned_le32(d->id, x->tx);
		put_unaligned_le32(have, (u8 *)x->tx + 4);
		err = vscmi_do_xfer(s->vscmi, x);
		if (!err) {
			err = -EPROTO;
			n = x->rx_len >= 4 ? get_unaligned_le32(x->rx) & 0x3f : 0;
			p = (const u8 *)x->rx + 4;
			left = x->rx_len - 4;
			for (i = 0; n && n <= d->num_axes - have && i < n; i++) {
				size = vscmi_sensor_parse_axis(p, left, &d->axes[have + i]);
				if (size < 0)
					break;
				p += size;
				left -= size;
			}
			if (n && i == n) {
				have += n;
				err = 0;
			} else {
				dev_err(dev, "sensor %u: AXIS_DESCRIPTION_GET (index %u): malformed reply of %zu bytes\n",
					d->id, have, x->rx_len);
			}
		}
		vscmi_xfer_put(s->vscmi, x);
		if (err)
			return err;
	}
	return 0;
}

/* The update intervals of a sensor with continuous updates (v3). */
static void vscmi_sensor_intervals(struct vscmi_sensors *s, struct vscmi_sensor_desc *d)
{
	__le32 param[2] = { cpu_to_le32(d->id), 0 };
	u32 lo, hi, step, us;
	u8 rx[4 + 4 * VSCMI_SENSOR_MAX_INTERVALS];
	unsigned int n, i;
	size_t len;

	if (vscmi_cmd(s->vscmi, VSCMI_PROTO_SENSOR, VSCMI_SENSOR_LIST_UPDATE_INTERVALS,
		      param, sizeof(param), rx, 4, sizeof(rx), &len))
		return;
	n = get_unaligned_le32(rx) & 0xfff;
	if (len < 4 + 4 * min_t(unsigned int, n, VSCMI_SENSOR_MAX_INTERVALS)) {
		dev_err(&s->vd->adev.dev, "sensor %u: LIST_UPDATE_INTERVALS reply of %zu bytes for %u intervals\n",
			d->id, len, n);
		return;
	}
	if (get_unaligned_le32(rx) & BIT(12)) {
		/* a segment: lowest, highest, step */
		if (n != 3)
			return;
		lo = vscmi_interval_to_us(get_unaligned_le32(rx + 4));
		hi = vscmi_interval_to_us(get_unaligned_le32(rx + 8));
		step = vscmi_interval_to_us(get_unaligned_le32(rx + 12));
		for (us = lo; us && us <= hi && d->num_intervals < VSCMI_SENSOR_MAX_INTERVALS;
		     us += max(step, 1U))
			d->intervals_us[d->num_intervals++] = us;
		return;
	}
	for (i = 0; i < n && i < VSCMI_SENSOR_MAX_INTERVALS; i++) {
		us = min_t(u64, vscmi_interval_to_us(get_unaligned_le32(rx + 4 + 4 * i)),
			   U32_MAX);
		if (us)
			d->intervals_us[d->num_intervals++] = us;
	}
}

static int vscmi_sensor_enumerate(struct vscmi_sensors *s)
{
	struct device *dev = &s->vd->adev.dev;
	unsigned int have = 0, rounds = 0, n, i, j;
	struct vscmi_xfer *x;
	const u8 *p;
	size_t left;
	int err, size;

	while (have < s->num) {
		if (++rounds > s->num)
			return -EPROTO;
		x = vscmi_xfer_get(s->vscmi, VSCMI_PROTO_SENSOR,
				   VSCMI_SENSOR_DESCRIPTION_GET, 4);
		if (IS_ERR(x))
			return PTR_ERR(x);
		put_unaligned_le32(have, x->tx);
		err = vscmi_do_xfer(s->vscmi, x);
		if (err)
			goto put;
		err = -EPROTO;
		if (x->rx_len < 4)
			goto bad;
		n = get_unaligned_le16(x->rx) & 0xfff;
		if (!n)
			goto bad;
		/* more than announced (or than we take): the rest is ignored */
		n = min(n, s->num - have);
		p = (const u8 *)x->rx + 4;
		left = x->rx_len - 4;
		for (i = 0; i < n; i++) {
			size = vscmi_sensor_parse_desc(p, left, s->v3, &s->desc[have + i]);
			if (size < 0)
				goto bad;
			p += size;
			left -= size;
			for (j = 0; j < have + i; j++)
				if (s->desc[j].id == s->desc[have + i].id)
					goto bad;
		}
		have += n;
		err = 0;
		goto put;
bad:
		dev_err(dev, "SENSOR_DESCRIPTION_GET (index %u): malformed reply of %zu bytes\n",
			have, x->rx_len);
put:
		vscmi_xfer_put(s->vscmi, x);
		if (err)
			return err;
	}
	for (i = 0; i < s->num; i++) {
		if (s->desc[i].ext_name)
			vscmi_sensor_ext_name(s, &s->desc[i]);
		if (s->desc[i].num_axes) {
			err = vscmi_sensor_axes(s, &s->desc[i]);
			if (err)
				return err;
		}
		if (s->desc[i].update_notify)
			vscmi_sensor_intervals(s, &s->desc[i]);
	}
	return 0;
}

static void vscmi_sensor_notify(struct vscmi_event_nb *nb, u8 event,
				const void *payload, size_t len, ktime_t rx_time)
{
	struct vscmi_sensors *s = container_of(nb, struct vscmi_sensors, nb);
	const struct vscmi_sensor_desc *d;
	struct vscmi_iio *v;
	u32 id;

	/* agent_id, sensor_id, then the event's data */
	if (len < 8) {
		dev_err_ratelimited(&s->vd->adev.dev, "notification %u of %zu bytes dropped\n",
				    event, len);
		return;
	}
	id = get_unaligned_le32((const u8 *)payload + 4);
	d = vscmi_sensor_find(s, id);
	switch (event) {
	case VSCMI_SENSOR_EVT_TRIP_POINT:
		if (d)
			vscmi_sensor_trip_event(s, d, (const u8 *)payload + 8, len - 8, rx_time);
		else
			dev_err_ratelimited(&s->vd->adev.dev,
					    "trip point event for sensor %u, which does not exist\n",
					    id);
		break;
	case VSCMI_SENSOR_EVT_UPDATE:
		v = d ? vscmi_sensor_iio(s, d) : NULL;
		if (v)
			vscmi_iio_update(v, (const u8 *)payload + 8, len - 8, rx_time);
		else
			dev_err_ratelimited(&s->vd->adev.dev,
					    "SENSOR_UPDATE for sensor %u, which streams nothing\n",
					    id);
		break;
	default:
		dev_dbg(&s->vd->adev.dev, "sensor event %u (sensor %u) ignored\n", event, id);
	}
}

/* Ask for TRIP_POINT_EVENT notifications of every sensor with trip points. */
static void vscmi_sensor_trip_notify(struct vscmi_sensors *s)
{
	__le32 param[2];
	unsigned int i;
	int err;

	for (i = 0; i < s->num; i++) {
		if (!vscmi_sensor_trips(&s->desc[i]))
			continue;
		param[0] = cpu_to_le32(s->desc[i].id);
		param[1] = cpu_to_le32(1);
		err = vscmi_cmd(s->vscmi, VSCMI_PROTO_SENSOR, VSCMI_SENSOR_TRIP_POINT_NOTIFY,
				param, sizeof(param), NULL, 0, 0, NULL);
		if (err)
			dev_warn(&s->vd->adev.dev, "sensor %u: no trip point events (%d)\n",
				 s->desc[i].id, err);
	}
}

/* After a device reset: trip points, their events and streams again. */
static void vscmi_sensor_restored(struct vscmi_event_nb *nb)
{
	struct vscmi_sensors *s = container_of(nb, struct vscmi_sensors, nb);
	struct vscmi_trips t;
	struct vscmi_iio *v;
	unsigned int i, trip;

	vscmi_sensor_trip_notify(s);
	for (i = 0; i < s->num; i++) {
		mutex_lock(&s->trip_lock);
		t = s->trips[i];
		mutex_unlock(&s->trip_lock);
		for (trip = 0; trip < VSCMI_TRIPS; trip++)
			if (t.set[trip] &&
			    vscmi_sensor_trip_set(s, &s->desc[i], trip, t.value[trip],
						  t.enabled[trip]))
				dev_err(&s->vd->adev.dev, "sensor %u: trip point %u lost\n",
					s->desc[i].id, trip);
		v = vscmi_sensor_iio(s, &s->desc[i]);
		if (v)
			vscmi_iio_restored(v);
	}
}

static void vscmi_sensor_unregister(void *data)
{
	struct vscmi_sensors *s = data;

	vscmi_event_unregister(s->vscmi, &s->nb);
}

static int vscmi_sensor_probe(struct auxiliary_device *adev,
			      const struct auxiliary_device_id *id)
{
	struct vscmi_device *vd = to_vscmi_device(adev);
	struct device *dev = &adev->dev;
	struct vscmi_sensors *s;
	u8 attrs[4];
	int err;

	s = devm_kzalloc(dev, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->vd = vd;
	s->vscmi = vd->vscmi;
	s->v3 = VSCMI_VERSION_MAJOR(vd->version) >= 3;

	err = vscmi_cmd(s->vscmi, VSCMI_PROTO_SENSOR, VSCMI_MSG_PROTOCOL_ATTRIBUTES,
			NULL, 0, attrs, sizeof(attrs), sizeof(attrs), NULL);
	if (err)
		return dev_err_probe(dev, err, "PROTOCOL_ATTRIBUTES failed\n");
	s->num = get_unaligned_le16(attrs);
	s->max_pending_async = attrs[2];
	if (s->num > VSCMI_SENSOR_MAX_SENSORS) {
		/* each costs a descriptor and round trips: bound what a device asks */
		dev_warn(dev, "platform has %u sensors, using the first %u\n", s->num,
			 VSCMI_SENSOR_MAX_SENSORS);
		s->num = VSCMI_SENSOR_MAX_SENSORS;
	}
	s->desc = devm_kcalloc(dev, s->num, sizeof(*s->desc), GFP_KERNEL);
	s->trips = devm_kcalloc(dev, s->num, sizeof(*s->trips), GFP_KERNEL);
	if ((!s->desc || !s->trips) && s->num)
		return -ENOMEM;
	mutex_init(&s->trip_lock);
	err = vscmi_sensor_enumerate(s);
	if (err)
		return dev_err_probe(dev, err, "sensor enumeration failed\n");
	dev_set_drvdata(dev, s);

	err = vscmi_hwmon_register(s);
	if (err)
		return dev_err_probe(dev, err, "hwmon registration failed\n");
	err = vscmi_iio_register(s);
	if (err)
		return err;
	/* After the IIO devices: devres unregisters it before they go. */
	if (vscmi_has_p2a(s->vscmi)) {
		s->nb.protocol = VSCMI_PROTO_SENSOR;
		s->nb.notify = vscmi_sensor_notify;
		s->nb.restored = vscmi_sensor_restored;
		err = vscmi_event_register(s->vscmi, &s->nb);
		if (err)
			return err;
		err = devm_add_action_or_reset(dev, vscmi_sensor_unregister, s);
		if (err)
			return err;
		vscmi_sensor_trip_notify(s);
	}
	dev_info(dev, "%u sensors (protocol %u.%u)\n", s->num,
		 VSCMI_VERSION_MAJOR(vd->version), VSCMI_VERSION_MINOR(vd->version));
	return 0;
}

static const struct auxiliary_device_id vscmi_sensor_ids[] = {
	{ .name = "virtio_scmi_ext.sensor" },
	{ }
};
MODULE_DEVICE_TABLE(auxiliary, vscmi_sensor_ids);

static struct auxiliary_driver vscmi_sensor_driver = {
	.name = "sensor",
	.probe = vscmi_sensor_probe,
	.id_table = vscmi_sensor_ids,
};
module_auxiliary_driver(vscmi_sensor_driver);

MODULE_IMPORT_NS(VSCMI_NS);
MODULE_DESCRIPTION("SCMI Sensor protocol over virtio-scmi-ext: hwmon and IIO");
MODULE_LICENSE("GPL");
