// SPDX-License-Identifier: GPL-2.0
/*
 * IIO view of every SCMI sensor whose unit has an IIO channel type: one
 * IIO device per sensor, named after it, one channel per axis (X/Y/Z
 * modifiers for the first three axes of a vector quantity, indexed
 * channels otherwise), with _raw, _scale (the sensor's power of ten in
 * IIO's unit) and _offset (always 0), plus a timestamp.
 *
 * Buffered capture:
 * - sensors with continuous updates: a kfifo buffer fed by SENSOR_UPDATE
 *   notifications; enabling it sets the sensor's update interval
 *   (sampling_frequency, from SENSOR_LIST_UPDATE_INTERVALS) and subscribes,
 *   disabling it unsubscribes;
 * - the others: a triggered buffer whose handler polls SENSOR_READING_GET
 *   (any IIO trigger, e.g. iio-trig-sysfs or iio-trig-hrtimer).
 *
 * Trip points of scalar sensors are threshold events: rising (trip 0) and
 * falling (trip 1), with a value in raw units and an enable.
 *
 * Timestamps are the guest's by default: the time the event queue
 * interrupt arrived (notifications) or the trigger fired, in the IIO
 * device's clock (current_timestamp_clock).  For a sensor whose readings
 * carry platform timestamps, timestamp_source "platform" makes the
 * timestamp channel carry those instead, in nanoseconds of the platform's
 * own time base (which the guest cannot relate to its clocks).
 */
#include <linux/device.h>
#include <linux/iio/buffer.h>
#include <linux/iio/events.h>
#include <linux/iio/iio.h>
#include <linux/iio/kfifo_buf.h>
#include <linux/iio/sysfs.h>
#include <linux/iio/trigger_consumer.h>
#include <linux/iio/triggered_buffer.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "vscmi_sensor_priv.h"

/**
 * struct vscmi_iio - one sensor's IIO device
 * @s: the sensors
 * @d: the sensor
 * @indio: the IIO device
 * @lock: serialises configuration commands, @streaming and @platform_ts
 *	changes
 * @streaming: the kfifo buffer takes SENSOR_UPDATE samples (READ_ONCE in
 *	the notification handler, written under @lock)
 * @platform_ts: samples carry the platform's timestamps, not the guest's
 *	(READ_ONCE where samples are made, written under @lock)
 * @naxes: channels besides the timestamp
 * @scan_masks: the one scan mask offered (all axes); the core demuxes
 * @freq_avail: sampling_frequency_available, Hz and micro-Hz pairs
 * @pushed: samples pushed to the buffer
 * @scan: one sample: the axes, then the timestamp (8-byte aligned)
 */
struct vscmi_iio {
	struct vscmi_sensors *s;
	const struct vscmi_sensor_desc *d;
	struct iio_dev *indio;
	struct mutex lock;	/* config commands, @streaming, @platform_ts */
	bool streaming;
	bool platform_ts;
	unsigned int naxes;
	unsigned long scan_masks[2];
	int freq_avail[2 * VSCMI_SENSOR_MAX_INTERVALS];
	u64 pushed;
	s64 scan[VSCMI_SENSOR_MAX_AXES + 1] __aligned(8);
};

/* IIO channel type of a unit, and the power of ten of IIO's unit in SI. */
static int vscmi_iio_type(u8 unit, enum iio_chan_type *type, int *exp)
{
	static const struct {
		u8 unit;
		enum iio_chan_type type;
		int exp;
	} map[] = {
		{ VSCMI_UNIT_DEGC, IIO_TEMP, -3 },		/* milli degC */
		{ VSCMI_UNIT_VOLTS, IIO_VOLTAGE, -3 },		/* mV */
		{ VSCMI_UNIT_AMPS, IIO_CURRENT, -3 },		/* mA */
		{ VSCMI_UNIT_WATTS, IIO_POWER, -3 },		/* mW */
		{ VSCMI_UNIT_JOULES, IIO_ENERGY, 0 },		/* J */
		{ VSCMI_UNIT_LUX, IIO_LIGHT, 0 },		/* lux */
		{ VSCMI_UNIT_METERS, IIO_DISTANCE, 0 },		/* m */
		{ VSCMI_UNIT_RADIANS, IIO_ANGL, 0 },		/* rad */
		{ VSCMI_UNIT_GAUSS, IIO_MAGN, 0 },		/* Gauss */
		{ VSCMI_UNIT_PERCENT, IIO_HUMIDITYRELATIVE, -3 },	/* milli % */
		{ VSCMI_UNIT_PASCALS, IIO_PRESSURE, 3 },	/* kPa */
		{ VSCMI_UNIT_RAD_S, IIO_ANGL_VEL, 0 },		/* rad/s */
		{ VSCMI_UNIT_M_S2, IIO_ACCEL, 0 },		/* m/s^2 */
		{ VSCMI_UNIT_M_S, IIO_VELOCITY, 0 },		/* m/s */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(map); i++) {
		if (map[i].unit == unit) {
			*type = map[i].type;
			*exp = map[i].exp;
			return 0;
		}
	}
	return -EOPNOTSUPP;
}

static bool vscmi_iio_vector(enum iio_chan_type type)
{
	return type == IIO_ACCEL || type == IIO_ANGL_VEL || type == IIO_MAGN ||
	       type == IIO_VELOCITY;
}

/* Unit and scale of axis @i (a scalar sensor has one, the sensor's own). */
static void vscmi_iio_axis(const struct vscmi_sensor_desc *d, unsigned int i,
			   u8 *unit, int *scale)
{
	if (d->num_axes) {
		*unit = d->axes[i].type;
		*scale = d->axes[i].scale;
	} else {
		*unit = d->type;
		*scale = d->scale;
	}
}

/* 10^exp as an IIO value. */
static int vscmi_iio_pow10(int exp, int *val, int *val2)
{
	int i;

	if (exp >= 0) {
		if (exp > 9)
			return -ERANGE;
		for (*val = 1, i = 0; i < exp; i++)
			*val *= 10;
		return IIO_VAL_INT;
	}
	if (exp < -18)
		return -ERANGE;
	*val = 1;
	if (exp >= -9) {
		for (*val2 = 1, i = 0; i < -exp; i++)
			*val2 *= 10;
		return IIO_VAL_FRACTIONAL;
	}
	/* 10^exp = 10^(exp + 9) / 10^9 */
	for (*val2 = 1, i = 0; i < -exp - 9; i++)
		*val2 *= 10;
	*val = 0;
	*val2 = 1000000000 / *val2;
	return IIO_VAL_INT_PLUS_NANO;
}

static int vscmi_iio_get_interval(struct vscmi_iio *v, u64 *us)
{
	__le32 id = cpu_to_le32(v->d->id), config;
	int err;

	err = vscmi_cmd(v->s->vscmi, VSCMI_PROTO_SENSOR, VSCMI_SENSOR_CONFIG_GET, &id,
			sizeof(id), &config, sizeof(config), sizeof(config), NULL);
	if (err)
		return err;
	*us = vscmi_config_to_us(le32_to_cpu(config));
	if (!*us && v->d->num_intervals)
		*us = v->d->intervals_us[0];	/* the platform's default */
	return 0;
}

/* SENSOR_CONFIG_SET: @us (0: keep), enabled, platform timestamps if any. */
static int vscmi_iio_configure(struct vscmi_iio *v, u64 us)
{
	__le32 param[2];
	u32 config = BIT(0);
	int err;

	if (!us) {
		err = vscmi_iio_get_interval(v, &us);
		if (err)
			return err;
	}
	if (us)
		config |= vscmi_config_interval(us);
	if (v->d->timestamped)
		config |= BIT(1);
	param[0] = cpu_to_le32(v->d->id);
	param[1] = cpu_to_le32(config);
	return vscmi_cmd(v->s->vscmi, VSCMI_PROTO_SENSOR, VSCMI_SENSOR_CONFIG_SET,
			 param, sizeof(param), NULL, 0, 0, NULL);
}

static int vscmi_iio_read_raw(struct iio_dev *indio, struct iio_chan_spec const *chan,
			      int *val, int *val2, long mask)
{
	struct vscmi_iio *v = iio_priv(indio);
	enum iio_chan_type type;
	int scale, exp, err;
	s64 raw;
	u64 us;
	u8 unit;

	switch (mask) {
	case IIO_CHAN_INFO_RAW:
		err = vscmi_sensor_read(v->s, v->d, chan->address, 1, &raw, NULL);
		if (err)
			return err;
		if (raw > INT_MAX || raw < INT_MIN) {
			/* Beyond what IIO_VAL_INT holds: both halves. */
			*val = lower_32_bits(raw);
			*val2 = upper_32_bits(raw);
			return IIO_VAL_INT_64;
		}
		*val = raw;
		return IIO_VAL_INT;
	case IIO_CHAN_INFO_SCALE:
		vscmi_iio_axis(v->d, chan->address, &unit, &scale);
		if (vscmi_iio_type(unit, &type, &exp))
			return -EINVAL;
		return vscmi_iio_pow10(scale - exp, val, val2);
	case IIO_CHAN_INFO_OFFSET:
		*val = 0;
		return IIO_VAL_INT;
	case IIO_CHAN_INFO_SAMP_FREQ:
		mutex_lock(&v->lock);
		err = vscmi_iio_get_interval(v, &us);
		mutex_unlock(&v->lock);
		if (err)
			return err;
		if (!us)
			return -ENODATA;
		*val = 1000000;
		*val2 = min_t(u64, us, INT_MAX);
		return IIO_VAL_FRACTIONAL;
	}
	return -EINVAL;
}

static int vscmi_iio_write_raw(struct iio_dev *indio, struct iio_chan_spec const *chan,
			       int val, int val2, long mask)
{
	struct vscmi_iio *v = iio_priv(indio);
	u64 uhz, us, iv, best = 0, diff, best_diff = U64_MAX;
	unsigned int i;
	int err;

	if (mask != IIO_CHAN_INFO_SAMP_FREQ || val < 0 || val2 < 0)
		return -EINVAL;
	uhz = (u64)val * 1000000 + val2;
	if (!uhz)
		return -EINVAL;
	us = div64_u64(1000000000000ULL, uhz);
	/* the nearest interval the sensor offers */
	for (i = 0; i < v->d->num_intervals; i++) {
		iv = v->d->intervals_us[i];
		diff = us > iv ? us - iv : iv - us;
		if (diff < best_diff) {
			best_diff = diff;
			best = v->d->intervals_us[i];
		}
	}
	if (!best)
		return -EINVAL;
	mutex_lock(&v->lock);
	err = vscmi_iio_configure(v, best);
	mutex_unlock(&v->lock);
	return err;
}

static int vscmi_iio_read_avail(struct iio_dev *indio, struct iio_chan_spec const *chan,
				const int **vals, int *type, int *length, long mask)
{
	struct vscmi_iio *v = iio_priv(indio);

	if (mask != IIO_CHAN_INFO_SAMP_FREQ || !v->d->num_intervals)
		return -EINVAL;
	*vals = v->freq_avail;
	*type = IIO_VAL_INT_PLUS_MICRO;
	*length = 2 * v->d->num_intervals;
	return IIO_AVAIL_LIST;
}

static const struct iio_event_spec vscmi_iio_trip_events[VSCMI_TRIPS] = {
	[VSCMI_TRIP_RISING] = {
		.type = IIO_EV_TYPE_THRESH,
		.dir = IIO_EV_DIR_RISING,
		.mask_separate = BIT(IIO_EV_INFO_VALUE) | BIT(IIO_EV_INFO_ENABLE),
	},
	[VSCMI_TRIP_FALLING] = {
		.type = IIO_EV_TYPE_THRESH,
		.dir = IIO_EV_DIR_FALLING,
		.mask_separate = BIT(IIO_EV_INFO_VALUE) | BIT(IIO_EV_INFO_ENABLE),
	},
};

static unsigned int vscmi_iio_trip_of(enum iio_event_direction dir)
{
	return dir == IIO_EV_DIR_RISING ? VSCMI_TRIP_RISING : VSCMI_TRIP_FALLING;
}

static int vscmi_iio_read_event_value(struct iio_dev *indio,
				      const struct iio_chan_spec *chan,
				      enum iio_event_type type,
				      enum iio_event_direction dir,
				      enum iio_event_info info, int *val, int *val2)
{
	struct vscmi_iio *v = iio_priv(indio);
	bool enabled;
	s64 value;
	int err;

	err = vscmi_sensor_trip_get(v->s, v->d, vscmi_iio_trip_of(dir), &value, &enabled);
	if (err)
		return err;
	if (value > INT_MAX || value < INT_MIN)
		return -ERANGE;
	*val = value;
	return IIO_VAL_INT;
}

static int vscmi_iio_write_event_value(struct iio_dev *indio,
				       const struct iio_chan_spec *chan,
				       enum iio_event_type type,
				       enum iio_event_direction dir,
				       enum iio_event_info info, int val, int val2)
{
	struct vscmi_iio *v = iio_priv(indio);
	unsigned int trip = vscmi_iio_trip_of(dir);
	bool enabled = false;
	s64 old;

	/* a new value keeps the trip point armed if it was */
	if (vscmi_sensor_trip_get(v->s, v->d, trip, &old, &enabled))
		enabled = false;
	return vscmi_sensor_trip_set(v->s, v->d, trip, val, enabled);
}

static int vscmi_iio_read_event_config(struct iio_dev *indio,
				       const struct iio_chan_spec *chan,
				       enum iio_event_type type,
				       enum iio_event_direction dir)
{
	struct vscmi_iio *v = iio_priv(indio);
	bool enabled;
	s64 value;

	if (vscmi_sensor_trip_get(v->s, v->d, vscmi_iio_trip_of(dir), &value, &enabled))
		return 0;
	return enabled;
}

static int vscmi_iio_write_event_config(struct iio_dev *indio,
					const struct iio_chan_spec *chan,
					enum iio_event_type type,
					enum iio_event_direction dir,
					VSCMI_IIO_EVENT_STATE state)
{
	struct vscmi_iio *v = iio_priv(indio);
	unsigned int trip = vscmi_iio_trip_of(dir);
	bool enabled;
	s64 value;

	/* without a value there is nothing to arm */
	if (vscmi_sensor_trip_get(v->s, v->d, trip, &value, &enabled))
		return state ? -EINVAL : 0;
	return vscmi_sensor_trip_set(v->s, v->d, trip, value, state);
}

/*
 * The timestamp policy: a sample or event is stamped with the time the
 * guest received it (@rx_time, CLOCK_BOOTTIME, taken in the interrupt),
 * moved into the clock the IIO device's user chose.  The move uses the
 * timekeeper's offsets between clocks, not two clock reads (whose gap
 * would jitter, and could order samples of one interrupt backwards).
 */
static s64 vscmi_iio_rx_ts(struct iio_dev *indio, ktime_t rx_time)
{
	ktime_t mono = ktime_sub(rx_time, ktime_mono_to_any(0, TK_OFFS_BOOT));

	switch (iio_device_get_clock(indio)) {
	case CLOCK_BOOTTIME:
		return ktime_to_ns(rx_time);
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_COARSE:
		return ktime_to_ns(mono);
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return ktime_to_ns(ktime_mono_to_real(mono));
	case CLOCK_TAI:
		return ktime_to_ns(ktime_mono_to_any(mono, TK_OFFS_TAI));
	default:
		/* CLOCK_MONOTONIC_RAW runs at another rate: no fixed offset */
		return iio_get_time_ns(indio) -
		       ktime_to_ns(ktime_sub(ktime_get_boottime(), rx_time));
	}
}

/*
 * The timestamp of a sample: the guest's receive time, or with
 * timestamp_source "platform" the platform's timestamp @platform (in the
 * sensor's timestamp unit) in nanoseconds.  Return: false if the
 * platform's timestamp does not fit in nanoseconds (the sample is dropped).
 */
static bool vscmi_iio_sample_ts(struct vscmi_iio *v, u64 platform,
				ktime_t rx_time, s64 *ts)
{
	if (!READ_ONCE(v->platform_ts)) {
		*ts = vscmi_iio_rx_ts(v->indio, rx_time);
		return true;
	}
	if (platform <= S64_MAX &&
	    !vscmi_scale_value((s64)platform, v->d->ts_exp + 9, ts))
		return true;
	dev_err_ratelimited(&v->indio->dev, "platform timestamp %llu (10^%d s) out of range: sample dropped\n",
			    platform, v->d->ts_exp);
	return false;
}

static const char * const vscmi_iio_ts_sources[] = { "guest", "platform" };

static ssize_t timestamp_source_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct vscmi_iio *v = iio_priv(dev_to_iio_dev(dev));

	return sysfs_emit(buf, "%s\n", vscmi_iio_ts_sources[READ_ONCE(v->platform_ts)]);
}

static ssize_t timestamp_source_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t len)
{
	struct vscmi_iio *v = iio_priv(dev_to_iio_dev(dev));
	int i;

	i = sysfs_match_string(vscmi_iio_ts_sources, buf);
	if (i < 0 || (i && !v->d->timestamped))
		return -EINVAL;
	mutex_lock(&v->lock);
	WRITE_ONCE(v->platform_ts, i);
	mutex_unlock(&v->lock);
	return len;
}
static IIO_DEVICE_ATTR_RW(timestamp_source, 0);

static ssize_t timestamp_source_available_show(struct device *dev,
					       struct device_attribute *attr,
					       char *buf)
{
	struct vscmi_iio *v = iio_priv(dev_to_iio_dev(dev));

	return sysfs_emit(buf, v->d->timestamped ? "guest platform\n" : "guest\n");
}
static IIO_DEVICE_ATTR_RO(timestamp_source_available, 0);

static struct attribute *vscmi_iio_attrs[] = {
	&iio_dev_attr_timestamp_source.dev_attr.attr,
	&iio_dev_attr_timestamp_source_available.dev_attr.attr,
	NULL
};

static const struct attribute_group vscmi_iio_attr_group = {
	.attrs = vscmi_iio_attrs,
};

/**
 * vscmi_iio_trip() - a trip point fired: an IIO threshold event
 * @v: the sensor's IIO state
 * @trip: VSCMI_TRIP_RISING or VSCMI_TRIP_FALLING
 * @rx_time: guest time (CLOCK_BOOTTIME) the event interrupt arrived
 */
void vscmi_iio_trip(struct vscmi_iio *v, unsigned int trip, ktime_t rx_time)
{
	struct iio_dev *indio = v->indio;
	enum iio_chan_type type = indio->channels[0].type;
	enum iio_event_direction dir;
	s64 ts;

	dir = trip == VSCMI_TRIP_RISING ? IIO_EV_DIR_RISING : IIO_EV_DIR_FALLING;
	ts = vscmi_iio_rx_ts(indio, rx_time);
	iio_push_event(indio, IIO_UNMOD_EVENT_CODE(type, 0, IIO_EV_TYPE_THRESH, dir), ts);
}

static const struct iio_info vscmi_iio_info = {
	.read_raw = vscmi_iio_read_raw,
	.write_raw = vscmi_iio_write_raw,
	.read_avail = vscmi_iio_read_avail,
	.read_event_value = vscmi_iio_read_event_value,
	.write_event_value = vscmi_iio_write_event_value,
	.read_event_config = vscmi_iio_read_event_config,
	.write_event_config = vscmi_iio_write_event_config,
	.attrs = &vscmi_iio_attr_group,
};

static int vscmi_iio_notify_onoff(struct vscmi_iio *v, bool on)
{
	__le32 param[2] = { cpu_to_le32(v->d->id), cpu_to_le32(on) };

	return vscmi_cmd(v->s->vscmi, VSCMI_PROTO_SENSOR,
			 VSCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY, param, sizeof(param),
			 NULL, 0, 0, NULL);
}

/* Continuous updates: configure, then subscribe (in that order). */
static int vscmi_iio_postenable(struct iio_dev *indio)
{
	struct vscmi_iio *v = iio_priv(indio);
	int err;

	mutex_lock(&v->lock);
	err = vscmi_iio_configure(v, 0);
	if (!err) {
		WRITE_ONCE(v->streaming, true);
		err = vscmi_iio_notify_onoff(v, true);
		if (err)
			WRITE_ONCE(v->streaming, false);
	}
	mutex_unlock(&v->lock);
	return err;
}

static int vscmi_iio_predisable(struct iio_dev *indio)
{
	struct vscmi_iio *v = iio_priv(indio);
	int err;

	mutex_lock(&v->lock);
	WRITE_ONCE(v->streaming, false);
	err = vscmi_iio_notify_onoff(v, false);
	mutex_unlock(&v->lock);
	return err;
}

/**
 * vscmi_iio_restored() - after a device reset, resume a running stream
 * @v: the sensor's IIO state
 */
void vscmi_iio_restored(struct vscmi_iio *v)
{
	int err = 0;

	mutex_lock(&v->lock);
	if (v->streaming) {
		err = vscmi_iio_configure(v, 0);
		if (!err)
			err = vscmi_iio_notify_onoff(v, true);
	}
	mutex_unlock(&v->lock);
	if (err)
		dev_err(&v->indio->dev, "cannot resume the stream: %d\n", err);
}

static const struct iio_buffer_setup_ops vscmi_iio_notify_ops = {
	.postenable = vscmi_iio_postenable,
	.predisable = vscmi_iio_predisable,
};

/* Triggered fallback: poll the sensor when the trigger fires. */
static irqreturn_t vscmi_iio_trigger_handler(int irq, void *p)
{
	struct iio_poll_func *pf = p;
	struct iio_dev *indio = pf->indio_dev;
	struct vscmi_iio *v = iio_priv(indio);
	ktime_t now = ktime_get_boottime();
	u64 platform;
	s64 ts;

	/* one READING_GET: every axis of the sample from the same instant */
	if (!vscmi_sensor_read(v->s, v->d, 0, v->naxes, v->scan, &platform) &&
	    vscmi_iio_sample_ts(v, platform, now, &ts)) {
		iio_push_to_buffers_with_ts(indio, v->scan, sizeof(v->scan), ts);
		v->pushed++;
	}
	iio_trigger_notify_done(indio->trig);
	return IRQ_HANDLED;
}

/**
 * vscmi_iio_update() - a SENSOR_UPDATE notification for an IIO sensor
 * @v: the sensor's IIO state
 * @payload: the notification after agent and sensor id: the readings
 * @len: bytes at @payload
 * @rx_time: guest time (CLOCK_BOOTTIME) the event interrupt arrived
 *
 * Context: process (the agent's event work).
 */
void vscmi_iio_update(struct vscmi_iio *v, const u8 *payload, size_t len,
		      ktime_t rx_time)
{
	struct iio_dev *indio = v->indio;
	unsigned int i, n = v->d->num_axes ? v->d->num_axes : 1;
	s64 ts;

	if (!READ_ONCE(v->streaming))
		return;
	if (len < (size_t)n * 16) {
		dev_err_ratelimited(&indio->dev, "SENSOR_UPDATE of %zu bytes for %u axes dropped\n",
				    len, n);
		return;
	}
	for (i = 0; i < n; i++)
		v->scan[i] = (s64)get_unaligned_le64(payload + 16 * i);
	/* each axis has a timestamp; they are one reading: take the first */
	if (!vscmi_iio_sample_ts(v, get_unaligned_le64(payload + 8), rx_time, &ts))
		return;
	iio_push_to_buffers_with_ts(indio, v->scan, sizeof(v->scan), ts);
	v->pushed++;
}

static int vscmi_iio_channels(struct device *dev, struct vscmi_iio *v,
			      struct iio_chan_spec **out)
{
	unsigned int i, j, nvec;
	struct iio_chan_spec *chans, *c;
	enum iio_chan_type type;
	int scale, exp;
	u8 unit;

	chans = devm_kcalloc(dev, v->naxes + 1, sizeof(*chans), GFP_KERNEL);
	if (!chans)
		return -ENOMEM;
	for (i = 0; i < v->naxes; i++) {
		c = &chans[i];
		vscmi_iio_axis(v->d, i, &unit, &scale);
		if (vscmi_iio_type(unit, &type, &exp))
			return -EOPNOTSUPP;
		c->type = type;
		for (j = 0, nvec = 0; j < i; j++)
			nvec += chans[j].type == type && chans[j].modified;
		if (v->d->num_axes && vscmi_iio_vector(type) && nvec < 3) {
			c->modified = 1;
			c->channel2 = IIO_MOD_X + nvec;
		} else if (v->d->num_axes) {
			c->indexed = 1;
			c->channel = i;
		}
		c->address = i;
		c->info_mask_separate = BIT(IIO_CHAN_INFO_RAW) | BIT(IIO_CHAN_INFO_SCALE) |
					BIT(IIO_CHAN_INFO_OFFSET);
		if (v->d->update_notify && v->d->num_intervals) {
			c->info_mask_shared_by_all = BIT(IIO_CHAN_INFO_SAMP_FREQ);
			c->info_mask_shared_by_all_available = BIT(IIO_CHAN_INFO_SAMP_FREQ);
		}
		if (!v->d->num_axes && vscmi_sensor_trips(v->d)) {
			c->event_spec = vscmi_iio_trip_events;
			c->num_event_specs = vscmi_sensor_trips(v->d);
		}
		c->scan_index = i;
		c->scan_type.sign = 's';
		c->scan_type.realbits = 64;
		c->scan_type.storagebits = 64;
		c->scan_type.endianness = IIO_CPU;
	}
	c = &chans[v->naxes];
	c->type = IIO_TIMESTAMP;
	c->channel = -1;
	c->scan_index = v->naxes;
	c->scan_type.sign = 's';
	c->scan_type.realbits = 64;
	c->scan_type.storagebits = 64;
	*out = chans;
	return 0;
}

/* The micro-Hz part of the frequency of an interval of @us microseconds. */
static int vscmi_iio_freq_micro_hz(u32 us)
{
	return div_u64(1000000000000ULL, us) % 1000000;
}

static int vscmi_iio_register_one(struct vscmi_sensors *s, unsigned int idx)
{
	const struct vscmi_sensor_desc *d = &s->desc[idx];
	struct device *dev = &s->vd->adev.dev;
	struct iio_chan_spec *chans;
	struct iio_dev *indio;
	struct vscmi_iio *v;
	unsigned int i;
	u32 us;
	int err;

	indio = devm_iio_device_alloc(dev, sizeof(*v));
	if (!indio)
		return -ENOMEM;
	v = iio_priv(indio);
	v->s = s;
	v->d = d;
	v->indio = indio;
	v->naxes = d->num_axes ? d->num_axes : 1;
	mutex_init(&v->lock);
	for (i = 0; i < d->num_intervals; i++) {
		us = d->intervals_us[i];
		v->freq_avail[2 * i] = 1000000 / us;
		v->freq_avail[2 * i + 1] = vscmi_iio_freq_micro_hz(us);
	}
	err = vscmi_iio_channels(dev, v, &chans);
	if (err)
		return err;
	v->scan_masks[0] = GENMASK(v->naxes - 1, 0);
	indio->name = d->name;
	indio->info = &vscmi_iio_info;
	indio->channels = chans;
	indio->num_channels = v->naxes + 1;
	indio->available_scan_masks = v->scan_masks;
	indio->modes = INDIO_DIRECT_MODE;

	if (d->update_notify && vscmi_has_p2a(s->vscmi))
		err = devm_iio_kfifo_buffer_setup(dev, indio, &vscmi_iio_notify_ops);
	else
		err = devm_iio_triggered_buffer_setup(dev, indio, NULL,
						      vscmi_iio_trigger_handler, NULL);
	if (err)
		return err;
	err = devm_iio_device_register(dev, indio);
	if (err)
		return err;
	s->iio[idx] = v;
	return 0;
}

/**
 * vscmi_iio_register() - an IIO device for each sensor IIO has a type for
 * @s: the sensors, enumerated
 *
 * Device-managed.  Sensors of units IIO does not know are left out (and
 * named in the log).
 *
 * Return: 0 or a negative errno.
 */
int vscmi_iio_register(struct vscmi_sensors *s)
{
	struct device *dev = &s->vd->adev.dev;
	enum iio_chan_type type;
	unsigned int i, a;
	int err, exp, scale;
	u8 unit;

	s->iio = devm_kcalloc(dev, s->num, sizeof(*s->iio), GFP_KERNEL);
	if (!s->iio && s->num)
		return -ENOMEM;
	for (i = 0; i < s->num; i++) {
		const struct vscmi_sensor_desc *d = &s->desc[i];

		for (a = 0; a < (d->num_axes ? d->num_axes : 1); a++) {
			vscmi_iio_axis(d, a, &unit, &scale);
			if (vscmi_iio_type(unit, &type, &exp))
				break;
		}
		if (a < (d->num_axes ? d->num_axes : 1)) {
			dev_info(dev, "sensor %u (%s): unit 0x%02x has no IIO channel type\n",
				 d->id, d->name, unit);
			continue;
		}
		err = vscmi_iio_register_one(s, i);
		if (err)
			return dev_err_probe(dev, err, "sensor %u: IIO registration failed\n",
					     d->id);
	}
	return 0;
}
