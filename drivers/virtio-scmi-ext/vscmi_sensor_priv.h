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
};

struct vscmi_iio;

int vscmi_sensor_read(struct vscmi_sensors *s, const struct vscmi_sensor_desc *d,
		      unsigned int axis, s64 *value);

#if IS_REACHABLE(CONFIG_HWMON)
int vscmi_hwmon_register(struct vscmi_sensors *s);
#else
static inline int vscmi_hwmon_register(struct vscmi_sensors *s)
{
	return 0;
}
#endif

#if IS_REACHABLE(CONFIG_IIO_TRIGGERED_BUFFER)
int vscmi_iio_register(struct vscmi_sensors *s);
struct vscmi_iio *vscmi_iio_find(struct vscmi_sensors *s, u32 id);
void vscmi_iio_update(struct vscmi_iio *v, const u8 *payload, size_t len,
		      ktime_t rx_time);
#else
static inline int vscmi_iio_register(struct vscmi_sensors *s)
{
	return 0;
}

static inline struct vscmi_iio *vscmi_iio_find(struct vscmi_sensors *s, u32 id)
{
	return NULL;
}

static inline void vscmi_iio_update(struct vscmi_iio *v, const u8 *payload,
				    size_t len, ktime_t rx_time)
{
}
#endif

#endif /* _VSCMI_SENSOR_PRIV_H */
