/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SCMI Sensor protocol (0x15, v3.1 and older): message ids, layouts and
 * the descriptor the front-end keeps per sensor.
 */
#ifndef _VSCMI_SENSOR_H
#define _VSCMI_SENSOR_H

#include <linux/types.h>

#include "vscmi.h"

#define VSCMI_SENSOR_DESCRIPTION_GET		0x3
#define VSCMI_SENSOR_TRIP_POINT_NOTIFY		0x4
#define VSCMI_SENSOR_TRIP_POINT_CONFIG		0x5
#define VSCMI_SENSOR_READING_GET		0x6
#define VSCMI_SENSOR_AXIS_DESCRIPTION_GET	0x7
#define VSCMI_SENSOR_LIST_UPDATE_INTERVALS	0x8
#define VSCMI_SENSOR_CONFIG_GET			0x9
#define VSCMI_SENSOR_CONFIG_SET			0xa
#define VSCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY	0xb
#define VSCMI_SENSOR_NAME_GET			0xc
#define VSCMI_SENSOR_AXIS_NAME_GET		0xd

#define VSCMI_SENSOR_EVT_TRIP_POINT		0x0
#define VSCMI_SENSOR_EVT_UPDATE			0x1

#define VSCMI_SENSOR_DESC_SIZE		28	/* id, attributes, name */
#define VSCMI_SENSOR_DESC_EXT_SIZE	24	/* power, resolution, min, max */
#define VSCMI_SENSOR_MAX_AXES		63
#define VSCMI_SENSOR_MAX_SENSORS	1024	/* sensors the front-end takes */
#define VSCMI_AXIS_DESC_SIZE		28	/* id, attributes, name */
#define VSCMI_AXIS_DESC_EXT_SIZE	20	/* resolution, min, max */
#define VSCMI_SENSOR_MAX_INTERVALS	16	/* update intervals kept */

/* Unit codes (DMTF DSP0249) the hwmon front-end maps */
#define VSCMI_UNIT_DEGC		0x02
#define VSCMI_UNIT_VOLTS	0x05
#define VSCMI_UNIT_AMPS		0x06
#define VSCMI_UNIT_WATTS	0x07
#define VSCMI_UNIT_JOULES	0x08
#define VSCMI_UNIT_LUX		0x0d
#define VSCMI_UNIT_METERS	0x1f
#define VSCMI_UNIT_RADIANS	0x24
#define VSCMI_UNIT_GAUSS	0x2d
#define VSCMI_UNIT_PERCENT	0x41
#define VSCMI_UNIT_PASCALS	0x42
#define VSCMI_UNIT_RAD_S	0x57
#define VSCMI_UNIT_M_S2		0x59
#define VSCMI_UNIT_M_S		0x5a

/**
 * struct vscmi_sensor_axis - one axis of a multi-axis sensor
 * @id: axis id
 * @type: unit code
 * @scale: power-of-ten unit multiplier
 * @name: the axis name, printable, NUL-terminated
 * @ext_attrs: @resolution, @min and @max are valid
 * @resolution: resolution, value [26:0] and exponent [31:27]
 * @min: lowest value
 * @max: highest value
 */
struct vscmi_sensor_axis {
	u32 id;
	u8 type;
	s8 scale;
	char name[VSCMI_NAME_LEN + 1];
	bool ext_attrs;
	u32 resolution;
	s64 min;
	s64 max;
};

/**
 * struct vscmi_sensor_desc - a sensor as SENSOR_DESCRIPTION_GET reports it
 * @id: sensor id
 * @attr_low: attributes_low as received
 * @attr_high: attributes_high as received
 * @name: the short name, printable, NUL-terminated
 * @type: unit code (attributes_high [7:0])
 * @scale: power-of-ten unit multiplier (attributes_high [15:11])
 * @num_trips: trip points (attributes_low [7:0])
 * @async: READING_GET may be asynchronous (attributes_low [31])
 * @update_notify: SENSOR_UPDATE notifications possible (v3, [30])
 * @ext_name: SENSOR_NAME_GET gives a longer name (v3.1, [29])
 * @timestamped: readings carry a platform timestamp (v3, [9])
 * @ts_exp: power-of-ten exponent of timestamps in seconds (v3, [14:10])
 * @ext_attrs: @power, @resolution, @min and @max are valid (v3, [8])
 * @num_axes: axes of a multi-axis sensor (v3), 0 for a scalar one
 * @power: power cost in microwatts
 * @resolution: resolution, value [26:0] and exponent [31:27]
 * @min: lowest value the sensor reports
 * @max: highest value the sensor reports
 * @axes: the axes of a multi-axis sensor, @num_axes of them, or NULL
 * @intervals_us: update intervals the sensor offers, in microseconds
 * @num_intervals: entries of @intervals_us
 */
struct vscmi_sensor_desc {
	u32 id;
	u32 attr_low;
	u32 attr_high;
	char name[VSCMI_EXT_NAME_LEN + 1];
	u8 type;
	s8 scale;
	u8 num_trips;
	bool async;
	bool update_notify;
	bool ext_name;
	bool timestamped;
	s8 ts_exp;
	bool ext_attrs;
	u8 num_axes;
	u32 power;
	u32 resolution;
	s64 min;
	s64 max;
	struct vscmi_sensor_axis *axes;
	u32 intervals_us[VSCMI_SENSOR_MAX_INTERVALS];
	unsigned int num_intervals;
};

int vscmi_sensor_parse_desc(const void *p, size_t avail, bool v3,
			    struct vscmi_sensor_desc *d);
int vscmi_sensor_parse_reading(const void *rx, size_t rx_len, bool v3,
			       unsigned int first, unsigned int n, s64 *values,
			       u64 *ts);
int vscmi_scale_value(s64 value, int exp, s64 *out);
int vscmi_sensor_parse_axis(const void *p, size_t avail,
			    struct vscmi_sensor_axis *a);
u64 vscmi_interval_to_us(u32 raw);
u32 vscmi_config_interval(u64 us);
u64 vscmi_config_to_us(u32 config);

#endif /* _VSCMI_SENSOR_H */
