/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Sensor protocol front-end (virtio_scmi_ext_sensor.ko): the sensors
 * discovered on one SCMI agent, and the subsystem views of them.
 */
#ifndef _VSCMI_SENSOR_PRIV_H
#define _VSCMI_SENSOR_PRIV_H

#include <linux/kconfig.h>
#include <linux/ktime.h>
#include <linux/types.h>

#include "vscmi_sensor.h"

/*
 * Trip points the front-ends use: trip 0 fires rising (hwmon *_max, IIO
 * rising threshold), trip 1 falling (*_min, falling threshold).
 */
#define VSCMI_TRIPS		2
#define VSCMI_TRIP_RISING	0
#define VSCMI_TRIP_FALLING	1

/**
 * struct vscmi_trips - what the agent set up on a sensor's trip points
 * @value: the threshold written last, in the sensor's unit and scale
 * @set: @value was written (the platform cannot be asked)
 * @enabled: the trip point is armed
 * @alarm: a TRIP_POINT_EVENT arrived and was not read yet
 */
struct vscmi_trips {
	s64 value[VSCMI_TRIPS];
	bool set[VSCMI_TRIPS];
	bool enabled[VSCMI_TRIPS];
	bool alarm[VSCMI_TRIPS];
};

/**
 * struct vscmi_sensors - the Sensor protocol of one agent
 * @vd: its auxiliary device
 * @vscmi: the agent
 * @v3: the protocol version in use is 3.0 or newer
 * @max_pending_async: asynchronous reads the platform accepts at once
 * @num: number of sensors
 * @desc: the sensors' descriptors, read-only after probe
 * @hwmon: the hwmon device of the scalar sensors, or NULL
 * @iio: per sensor (index of @desc), its IIO state, or NULL
 * @nb: SENSOR_UPDATE and trip point notifications
 * @trip_lock: protects @trips
 * @trips: per sensor, its trip points
 */
struct vscmi_sensors {
	struct vscmi_device *vd;
	struct vscmi *vscmi;
	bool v3;
	unsigned int max_pending_async;
	unsigned int num;
	struct vscmi_sensor_desc *desc;
	struct device *hwmon;
	struct vscmi_iio **iio;
	struct vscmi_event_nb nb;
	struct mutex trip_lock;		/* @trips */
	struct vscmi_trips *trips;
};

struct vscmi_iio;

int vscmi_sensor_read(struct vscmi_sensors *s, const struct vscmi_sensor_desc *d,
		      unsigned int first, unsigned int n, s64 *values, u64 *ts);
unsigned int vscmi_sensor_trips(const struct vscmi_sensor_desc *d);
int vscmi_sensor_trip_set(struct vscmi_sensors *s, const struct vscmi_sensor_desc *d,
			  unsigned int trip, s64 value, bool enable);
int vscmi_sensor_trip_get(struct vscmi_sensors *s, const struct vscmi_sensor_desc *d,
			  unsigned int trip, s64 *value, bool *enabled);
bool vscmi_sensor_alarm_take(struct vscmi_sensors *s, const struct vscmi_sensor_desc *d,
			     unsigned int trip);

#if IS_REACHABLE(CONFIG_HWMON)
int vscmi_hwmon_register(struct vscmi_sensors *s);
void vscmi_hwmon_trip(struct vscmi_sensors *s, const struct vscmi_sensor_desc *d,
		      unsigned int trip);
#else
static inline int vscmi_hwmon_register(struct vscmi_sensors *s)
{
	return 0;
}

static inline void vscmi_hwmon_trip(struct vscmi_sensors *s,
				    const struct vscmi_sensor_desc *d,
				    unsigned int trip)
{
}
#endif

#if IS_REACHABLE(CONFIG_IIO_TRIGGERED_BUFFER)
int vscmi_iio_register(struct vscmi_sensors *s);
void vscmi_iio_update(struct vscmi_iio *v, const u8 *payload, size_t len,
		      ktime_t rx_time);
void vscmi_iio_trip(struct vscmi_iio *v, unsigned int trip, ktime_t rx_time);
void vscmi_iio_restored(struct vscmi_iio *v);
#else
static inline int vscmi_iio_register(struct vscmi_sensors *s)
{
	return 0;
}

static inline void vscmi_iio_update(struct vscmi_iio *v, const u8 *payload,
				    size_t len, ktime_t rx_time)
{
}

static inline void vscmi_iio_trip(struct vscmi_iio *v, unsigned int trip,
				  ktime_t rx_time)
{
}

static inline void vscmi_iio_restored(struct vscmi_iio *v)
{
}
#endif

#endif /* _VSCMI_SENSOR_PRIV_H */
