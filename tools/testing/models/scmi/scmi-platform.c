// SPDX-License-Identifier: GPL-2.0
/*
 * The SCMI platform of va-scmi-model: Base (2.1), Sensor (3.1), System
 * power (2.1), Powercap (2.0) and vendor protocol 0x80, as the SCMI
 * specification and the virtio SCMI device section describe them.
 *
 * Powercap domains: 0 "soc" (microwatts, caps 1-20 W, 15 W set, 4.2 W
 * drawn) and 1 "gpu" inside it (milliwatts, caps 0.5-8 W, 6 W set, 2.5 W
 * drawn); averaging intervals 1 ms to 1 s (soc) and 100 ms (gpu).
 *
 * The sensors (ids 0 to 8):
 *   0 soc-temp       degC, scale -3, extended name, 2 trip points (a
 *                    value set through the control directory that crosses
 *                    an armed one sends TRIP_POINT_EVENT)
 *   1 battery-volt   V, scale -3
 *   2 battery-curr   A, scale -3 (negative: discharging)
 *   3 pmic-power     W, scale -6
 *   4 pmic-energy    J, scale -3
 *   5 cabin-temp     degC, scale -1, asynchronous reads
 *   6 imu-accel      3 axes, m/s^2, scale -3, continuous updates, timestamps
 *   7 imu-6dof       6 axes (3 m/s^2, 3 rad/s), scale -3, continuous
 *                    updates, timestamps
 *   8 imu-gyro       3 axes, rad/s, scale -3, timestamps, no updates (an
 *                    agent polls it); READING_GET number n (from 1) returns
 *                    every axis plus n * 1000, so a sample whose axes came
 *                    from different commands shows it
 * A SENSOR_UPDATE of sensor S carries, for update number n (from 0) and
 * axis a, the value n * 8 + a; READING_GET returns the configured values.
 * Timestamps, where a sensor has them, are the platform's clock (clock_ns)
 * in microseconds; elsewhere they are 0.
 */
#include <stdio.h>
#include <string.h>

#include "scmi.h"

#define UNIT_DEGC	0x02
#define UNIT_VOLTS	0x05
#define UNIT_AMPS	0x06
#define UNIT_WATTS	0x07
#define UNIT_JOULES	0x08
#define UNIT_RAD_S	0x57
#define UNIT_M_S2	0x59

#define SENSOR_V3_1	0x30001
#define SYSTEM_V2_1	0x20001
#define VENDOR_V1_0	0x10000
#define POWERCAP_V2_0	0x20000

/* DOMAIN_ATTRIBUTES: cap, monitoring and PAI configurable; unit [24:23] */
#define PC_CONFIG	(1u << 27 | 1u << 26 | 1u << 25)
#define PC_UW		(1u << 23)
#define PC_MW		(2u << 23)

static const uint32_t update_intervals_us[] = { 10000, 20000, 100000 };

void scmi_platform_init(struct scmi_platform *p, scmi_emit_fn emit, void *opaque)
{
	static const struct scmi_sensor sensors[] = {
		{ 0, "soc-temp", "soc-temperature-cluster0-big-cores", UNIT_DEGC, -3, 0,
		  .value = { 45123 }, .min = -40000, .max = 125000, .ntrips = 2 },
		{ 1, "battery-volt", NULL, UNIT_VOLTS, -3, 0, .value = { 13800 },
		  .min = 0, .max = 60000 },
		{ 2, "battery-curr", NULL, UNIT_AMPS, -3, 0, .value = { -2500 },
		  .min = -200000, .max = 200000 },
		{ 3, "pmic-power", NULL, UNIT_WATTS, -6, 0, .value = { 4250000 },
		  .min = 0, .max = 100000000 },
		{ 4, "pmic-energy", NULL, UNIT_JOULES, -3, 0, .value = { 123456 },
		  .min = 0, .max = INT64_MAX },
		{ 5, "cabin-temp", NULL, UNIT_DEGC, -1, 0, .async = true,
		  .value = { 215 }, .min = -400, .max = 850 },
		{ 6, "imu-accel", NULL, UNIT_M_S2, -3, 3, .notify = true, .stamps = true,
		  .value = { 12, -34, 9806 }, .min = -160000, .max = 160000 },
		{ 7, "imu-6dof", NULL, UNIT_M_S2, -3, 6, .notify = true, .stamps = true,
		  .value = { 1, 2, 9807, -5, 6, -7 }, .min = -160000, .max = 160000 },
		{ 8, "imu-gyro", NULL, UNIT_RAD_S, -3, 3, .stamps = true, .count_reads = true,
		  .value = { 100, -200, 300 }, .min = -35000, .max = 35000 },
	};
	unsigned int i;

	memset(p, 0, sizeof(*p));
	snprintf(p->vendor, sizeof(p->vendor), "va-rig");
	snprintf(p->sub_vendor, sizeof(p->sub_vendor), "virtio-auto");
	p->impl_version = 0x00010203;
	p->base_version = 0x20001;
	p->num_agents = 2;
	p->protocols[0] = SCMI_PROTO_SYSTEM;
	p->protocols[1] = SCMI_PROTO_SENSOR;
	p->protocols[2] = SCMI_PROTO_POWERCAP;
	p->protocols[3] = SCMI_PROTO_VENDOR;
	p->num_protocols = 4;
	p->list_chunk = 2;
	p->desc_chunk = 3;
	p->p2a = true;
	for (i = 0; i < ARRAY_SIZE(sensors); i++) {
		p->sensors[i] = sensors[i];
		p->sensors[i].interval_us = update_intervals_us[0];
	}
	p->num_sensors = ARRAY_SIZE(sensors);
	p->powercap[0] = (struct scmi_pc_domain){ "soc", PC_CONFIG | PC_UW, 1000, 1000000,
		1000000, 20000000, 0xffffffff, 15000000, 10000, 4200000 };
	p->powercap[1] = (struct scmi_pc_domain){ "gpu", PC_CONFIG | PC_MW, 1000, 100000,
		500, 8000, 0, 6000, 10000, 2500 };
	p->num_powercap = 2;
	p->emit = emit;
	p->opaque = opaque;
}

bool scmi_platform_has_protocol(const struct scmi_platform *p, uint8_t proto)
{
	unsigned int i;

	if (proto == SCMI_PROTO_BASE)
		return true;
	for (i = 0; i < p->num_protocols; i++)
		if (p->protocols[i] == proto)
			return true;
	return false;
}

struct scmi_sensor *scmi_platform_sensor(struct scmi_platform *p, uint32_t id)
{
	return id < p->num_sensors ? &p->sensors[id] : NULL;
}

/* A reply under construction: header, status, values. */
struct reply {
	uint8_t *buf;
	size_t max;
	size_t len;
	bool overflow;
};

static void put(struct reply *r, const void *data, size_t n)
{
	if (r->len + n > r->max) {
		r->overflow = true;
		return;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
}

static void put32(struct reply *r, uint32_t v)
{
	uint8_t b[4];

	scmi_put32(b, v);
	put(r, b, 4);
}

static void put64(struct reply *r, uint64_t v)
{
	put32(r, (uint32_t)v);
	put32(r, (uint32_t)(v >> 32));
}

static void put_name(struct reply *r, const char *name, size_t size)
{
	uint8_t b[64] = { 0 };

	memcpy(b, name, strnlen(name, size - 1));
	put(r, b, size);
}

/* Status only: the response to a failed command carries nothing else. */
static void status(struct reply *r, int32_t s)
{
	r->len = 4;
	r->overflow = false;
	put32(r, (uint32_t)s);
}

static bool message_exists(uint8_t proto, uint8_t id)
{
	switch (proto) {
	case SCMI_PROTO_BASE:
		return id <= 0x7;
	case SCMI_PROTO_SENSOR:
		return id <= 0xc;
	case SCMI_PROTO_SYSTEM:
		return id <= 0x2 || id == 0x5;
	case SCMI_PROTO_VENDOR:
		return id <= 0x2 || id == SCMI_VENDOR_ECHO || id == SCMI_VENDOR_ADD;
	case SCMI_PROTO_POWERCAP:
		return id <= 0x7 || id == 0x9;
	}
	return false;
}

static void base(struct scmi_platform *p, uint8_t id, const uint8_t *a,
		 size_t alen, struct reply *r)
{
	unsigned int skip, n, i;

	switch (id) {
	case 0x1:	/* PROTOCOL_ATTRIBUTES */
		put32(r, p->num_protocols | (uint32_t)p->num_agents << 8);
		break;
	case 0x3:
		put_name(r, p->vendor, 16);
		break;
	case 0x4:
		put_name(r, p->sub_vendor, 16);
		break;
	case 0x5:
		put32(r, p->impl_version);
		break;
	case 0x6:	/* DISCOVER_LIST_PROTOCOLS */
		if (alen < 4) {
			status(r, SCMI_PROTOCOL_ERROR);
			return;
		}
		skip = scmi_get32(a);
		if (skip > p->num_protocols) {
			status(r, SCMI_INVALID_PARAMETERS);
			return;
		}
		n = p->num_protocols - skip;
		if (n > p->list_chunk)
			n = p->list_chunk;
		put32(r, n);
		for (i = 0; i < (n + 3) / 4 * 4; i++) {
			uint8_t b = i < n ? p->protocols[skip + i] : 0;

			put(r, &b, 1);
		}
		break;
	case 0x7:	/* DISCOVER_AGENT */
		if (alen < 4) {
			status(r, SCMI_PROTOCOL_ERROR);
			return;
		}
		if (scmi_get32(a) != 0xffffffff && scmi_get32(a) != 1) {
			status(r, SCMI_NOT_FOUND);
			return;
		}
		put32(r, 1);
		put_name(r, "guest", 16);
		break;
	default:
		status(r, SCMI_NOT_FOUND);
	}
}

static uint32_t sensor_attr_low(const struct scmi_sensor *s)
{
	uint32_t v = 1 << 8;	/* extended attributes */

	if (s->async)
		v |= 1u << 31;
	if (s->notify)
		v |= 1u << 30;
	if (s->stamps)
		v |= 1u << 9 | (uint32_t)(-6 & 0x1f) << 10;
	if (s->ext_name)
		v |= 1u << 29;
	return v | s->ntrips;
}

static uint32_t sensor_attr_high(const struct scmi_sensor *s)
{
	uint32_t v = s->unit | (uint32_t)(s->scale & 0x1f) << 11;

	if (s->naxes)
		v |= 1u << 8 | (uint32_t)s->naxes << 16;
	return v;
}

static void put_reading(struct reply *r, const struct scmi_platform *p,
			const struct scmi_sensor *s)
{
	unsigned int a, n = s->naxes ? s->naxes : 1;
	int64_t add = s->count_reads ? (int64_t)s->reads * 1000 : 0;
	uint64_t ts = s->stamps ? p->clock_ns / 1000 : 0;

	for (a = 0; a < n; a++) {
		put64(r, (uint64_t)(s->value[a] + add));
		put64(r, ts);
	}
}

static uint8_t axis_unit(const struct scmi_sensor *s, unsigned int axis)
{
	return axis >= 3 ? UNIT_RAD_S : s->unit;
}

/* SENSOR_CONFIG_SET: interval seconds [31:16], exponent [15:11]. */
static int config_set(struct scmi_sensor *s, uint32_t c)
{
	uint32_t secs = c >> 16;
	int exp = (int)((c >> 11) & 0x1f);
	uint64_t us = secs;

	if (exp & 0x10)
		exp -= 32;
	for (; exp > -6; exp--)
		us *= 10;
	for (; exp < -6; exp++)
		us /= 10;
	if (secs) {
		if (us < update_intervals_us[0] || us > 10000000)
			return -1;
		s->interval_us = (uint32_t)us;
	}
	s->config = c;
	return 0;
}

static void sensor(struct scmi_platform *p, uint32_t hdr, const uint8_t *a,
		   size_t alen, struct reply *r)
{
	uint8_t id = scmi_hdr_id(hdr);
	struct scmi_sensor *s = NULL;
	unsigned int idx, n, i;
	static const char axis_names[] = "xyzabc";

	if (id > 0x3) {
		if (alen < 4) {
			status(r, SCMI_PROTOCOL_ERROR);
			return;
		}
		s = scmi_platform_sensor(p, scmi_get32(a));
		if (!s) {
			status(r, SCMI_NOT_FOUND);
			return;
		}
	}
	switch (id) {
	case 0x1:	/* PROTOCOL_ATTRIBUTES */
		put32(r, p->num_sensors | 4u << 16);
		put32(r, 0);
		put32(r, 0);
		put32(r, 0);
		break;
	case 0x3:	/* SENSOR_DESCRIPTION_GET */
		if (alen < 4) {
			status(r, SCMI_PROTOCOL_ERROR);
			return;
		}
		idx = scmi_get32(a);
		if (idx >= p->num_sensors) {
			status(r, SCMI_INVALID_PARAMETERS);
			return;
		}
		n = p->num_sensors - idx;
		if (n > p->desc_chunk)
			n = p->desc_chunk;
		put32(r, n | (p->num_sensors - idx - n) << 16);
		for (i = idx; i < idx + n; i++) {
			s = &p->sensors[i];
			put32(r, s->id);
			put32(r, sensor_attr_low(s));
			put32(r, sensor_attr_high(s));
			put_name(r, s->name, 16);
			put32(r, 0);	/* power */
			put32(r, 1);	/* resolution 1 * 10^0 */
			put64(r, (uint64_t)s->min);
			put64(r, (uint64_t)s->max);
		}
		break;
	case 0x4:	/* SENSOR_TRIP_POINT_NOTIFY */
		if (alen < 8 || !s->ntrips || !p->p2a) {
			status(r, alen < 8 ? SCMI_PROTOCOL_ERROR : SCMI_NOT_SUPPORTED);
			return;
		}
		s->trip_notify = scmi_get32(a + 4) & 1;
		break;
	case 0x5:	/* SENSOR_TRIP_POINT_CONFIG: id, ctrl, value low/high */
		if (alen < 16) {
			status(r, SCMI_PROTOCOL_ERROR);
			return;
		}
		idx = (scmi_get32(a + 4) >> 4) & 0xff;
		if (idx >= s->ntrips || idx >= 2) {
			status(r, SCMI_INVALID_PARAMETERS);
			return;
		}
		s->trip_ctrl[idx] = scmi_get32(a + 4) & 3;
		s->trip_value[idx] = (int64_t)((uint64_t)scmi_get32(a + 12) << 32 |
					       scmi_get32(a + 8));
		break;
	case 0x6:	/* SENSOR_READING_GET */
		if (alen < 8) {
			status(r, SCMI_PROTOCOL_ERROR);
			return;
		}
		s->reads++;
		if (scmi_get32(a + 4) & 1) {
			uint8_t msg[SCMI_MSG_MAX];
			struct reply d = { msg, sizeof(msg), 0, false };

			if (!s->async || !p->p2a) {
				status(r, SCMI_NOT_SUPPORTED);
				return;
			}
			put32(&d, scmi_hdr(0x6, SCMI_TYPE_DELAYED, SCMI_PROTO_SENSOR,
					   scmi_hdr_token(hdr)));
			put32(&d, SCMI_SUCCESS);
			put32(&d, s->id);
			put_reading(&d, p, s);
			p->delayed++;
			p->emit(p->opaque, msg, d.len, false);
			break;	/* the response: status only */
		}
		if (s->async) {
			/* must be read asynchronously */
			status(r, SCMI_INVALID_PARAMETERS);
			return;
		}
		put_reading(r, p, s);
		break;
	case 0x7:	/* SENSOR_AXIS_DESCRIPTION_GET */
		if (alen < 8 || !s->naxes || scmi_get32(a + 4) >= s->naxes) {
			status(r, alen < 8 ? SCMI_PROTOCOL_ERROR : SCMI_INVALID_PARAMETERS);
			return;
		}
		idx = scmi_get32(a + 4);
		n = s->naxes - idx;
		if (n > 4)
			n = 4;
		put32(r, n | (s->naxes - idx - n) << 26);
		for (i = idx; i < idx + n; i++) {
			char name[16];

			name[0] = i >= 3 ? 'g' : 'a';
			name[1] = axis_names[i % 3];
			name[2] = 0;
			put32(r, i);
			put32(r, 1 << 8);	/* extended attributes */
			put32(r, axis_unit(s, i) | (uint32_t)(s->scale & 0x1f) << 11);
			put_name(r, name, 16);
			put32(r, 1);
			put64(r, (uint64_t)s->min);
			put64(r, (uint64_t)s->max);
		}
		break;
	case 0x8:	/* SENSOR_LIST_UPDATE_INTERVALS */
		if (!s->notify) {
			status(r, SCMI_NOT_SUPPORTED);
			return;
		}
		n = ARRAY_SIZE(update_intervals_us);
		put32(r, n);
		for (i = 0; i < n; i++) {
			/* 16 bits of mantissa [20:5], exponent of ten [4:0] */
			uint32_t mant = update_intervals_us[i];
			int exp = -6;

			while (mant > 0xffff) {
				mant /= 10;
				exp++;
			}
			put32(r, mant << 5 | (uint32_t)(exp & 0x1f));
		}
		break;
	case 0x9:	/* SENSOR_CONFIG_GET */
		put32(r, s->config);
		break;
	case 0xa:	/* SENSOR_CONFIG_SET */
		if (alen < 8) {
			status(r, SCMI_PROTOCOL_ERROR);
			return;
		}
		if (config_set(s, scmi_get32(a + 4))) {
			status(r, SCMI_OUT_OF_RANGE);
			return;
		}
		break;
	case 0xb:	/* SENSOR_CONTINUOUS_UPDATE_NOTIFY */
		if (alen < 8 || !s->notify || !p->p2a) {
			status(r, alen < 8 ? SCMI_PROTOCOL_ERROR : SCMI_NOT_SUPPORTED);
			return;
		}
		s->updates = scmi_get32(a + 4) & 1;
		s->next_ns = 0;
		break;
	case 0xc:	/* SENSOR_NAME_GET */
		if (!s->ext_name) {
			status(r, SCMI_NOT_SUPPORTED);
			return;
		}
		put32(r, 0);
		put_name(r, s->ext_name, 64);
		break;
	default:
		status(r, SCMI_NOT_FOUND);
	}
}

static void system_power(struct scmi_platform *p, uint8_t id, const uint8_t *a,
			 size_t alen, struct reply *r)
{
	switch (id) {
	case 0x1:	/* PROTOCOL_ATTRIBUTES: system suspend, warm reset */
		put32(r, 1u << 31 | 1u << 30);
		break;
	case 0x5:	/* SYSTEM_POWER_STATE_NOTIFY */
		if (alen < 4) {
			status(r, SCMI_PROTOCOL_ERROR);
			return;
		}
		if (!p->p2a) {
			status(r, SCMI_NOT_SUPPORTED);
			return;
		}
		p->system_notify = scmi_get32(a) & 1;
		break;
	default:
		status(r, SCMI_NOT_FOUND);
	}
}

static void powercap(struct scmi_platform *p, uint8_t id, const uint8_t *a,
		     size_t alen, struct reply *r)
{
	struct scmi_pc_domain *d;
	uint32_t v;

	if (id == 0x1) {	/* PROTOCOL_ATTRIBUTES: number of domains */
		put32(r, p->num_powercap);
		return;
	}
	if (alen < 4) {
		status(r, SCMI_PROTOCOL_ERROR);
		return;
	}
	if (scmi_get32(a) >= p->num_powercap) {
		status(r, SCMI_NOT_FOUND);
		return;
	}
	d = &p->powercap[scmi_get32(a)];
	switch (id) {
	case 0x3:	/* DOMAIN_ATTRIBUTES */
		put32(r, d->attrs);
		put_name(r, d->name, 16);
		put32(r, d->min_pai);
		put32(r, d->max_pai);
		put32(r, 1000);		/* pai step */
		put32(r, d->min_cap);
		put32(r, d->max_cap);
		put32(r, 1);		/* cap step */
		put32(r, d->max_cap / 2);	/* sustainable power */
		put32(r, 0);		/* accuracy */
		put32(r, d->parent);
		break;
	case 0x4:
		put32(r, d->cap);
		break;
	case 0x6:
		put32(r, d->pai);
		break;
	case 0x5:	/* CAP_SET, PAI_SET: domain, flags, value */
	case 0x7:
		if (alen < 12) {
			status(r, SCMI_PROTOCOL_ERROR);
			return;
		}
		v = scmi_get32(a + 8);
		if (id == 0x5 && (v < d->min_cap || v > d->max_cap)) {
			status(r, SCMI_OUT_OF_RANGE);
			return;
		}
		if (id == 0x7 && (v < d->min_pai || v > d->max_pai)) {
			status(r, SCMI_OUT_OF_RANGE);
			return;
		}
		if (id == 0x5)
			d->cap = v;
		else
			d->pai = v;
		break;
	case 0x9:	/* MEASUREMENTS_GET */
		put32(r, d->power);
		put32(r, d->pai);
		break;
	default:
		status(r, SCMI_NOT_FOUND);
	}
}

static void vendor(struct scmi_platform *p, uint8_t id, const uint8_t *a,
		   size_t alen, struct reply *r)
{
	(void)p;
	switch (id) {
	case 0x1:
		put32(r, 0);
		break;
	case SCMI_VENDOR_ECHO:
		put(r, a, alen);
		break;
	case SCMI_VENDOR_ADD:
		if (alen < 8) {
			status(r, SCMI_PROTOCOL_ERROR);
			return;
		}
		put32(r, scmi_get32(a) + scmi_get32(a + 4));
		break;
	default:
		status(r, SCMI_NOT_FOUND);
	}
}

static uint32_t protocol_version(const struct scmi_platform *p, uint8_t proto)
{
	switch (proto) {
	case SCMI_PROTO_BASE:
		return p->base_version;
	case SCMI_PROTO_SENSOR:
		return SENSOR_V3_1;
	case SCMI_PROTO_SYSTEM:
		return SYSTEM_V2_1;
	case SCMI_PROTO_POWERCAP:
		return POWERCAP_V2_0;
	}
	return VENDOR_V1_0;
}

size_t scmi_platform_handle(struct scmi_platform *p, const uint8_t *req,
			    size_t len, uint8_t *rsp, size_t rsp_max)
{
	struct reply r = { rsp, rsp_max, 0, false };
	uint32_t hdr;
	uint8_t proto, id;
	const uint8_t *a = req + 4;
	size_t alen = len - 4;

	p->commands++;
	if (len < 4) {
		/* Nothing to answer with: an all-zero header and an error. */
		put32(&r, 0);
		put32(&r, (uint32_t)SCMI_PROTOCOL_ERROR);
		p->errors++;
		return r.len;
	}
	hdr = scmi_get32(req);
	proto = scmi_hdr_proto(hdr);
	id = scmi_hdr_id(hdr);
	put32(&r, scmi_hdr(id, SCMI_TYPE_COMMAND, proto, scmi_hdr_token(hdr)));
	put32(&r, SCMI_SUCCESS);

	if (scmi_hdr_type(hdr) != SCMI_TYPE_COMMAND || (hdr >> 28)) {
		status(&r, SCMI_PROTOCOL_ERROR);
	} else if (!scmi_platform_has_protocol(p, proto)) {
		status(&r, SCMI_NOT_SUPPORTED);
	} else if (!message_exists(proto, id)) {
		status(&r, SCMI_NOT_FOUND);
	} else if (id == 0x0) {
		put32(&r, protocol_version(p, proto));
	} else if (id == 0x2) {
		if (alen < 4)
			status(&r, SCMI_PROTOCOL_ERROR);
		else if (message_exists(proto, (uint8_t)scmi_get32(a)) &&
			 scmi_get32(a) < 0x100)
			put32(&r, 0);
		else
			status(&r, SCMI_NOT_FOUND);
	} else if (proto == SCMI_PROTO_BASE) {
		base(p, id, a, alen, &r);
	} else if (proto == SCMI_PROTO_SENSOR) {
		sensor(p, hdr, a, alen, &r);
	} else if (proto == SCMI_PROTO_SYSTEM) {
		system_power(p, id, a, alen, &r);
	} else if (proto == SCMI_PROTO_POWERCAP) {
		powercap(p, id, a, alen, &r);
	} else {
		vendor(p, id, a, alen, &r);
	}
	if (r.overflow)
		status(&r, SCMI_OUT_OF_RANGE);
	if ((int32_t)scmi_get32(rsp + 4) != SCMI_SUCCESS)
		p->errors++;
	return r.len;
}

static void sensor_update(struct scmi_platform *p, struct scmi_sensor *s,
			  uint64_t now_ns)
{
	uint8_t msg[SCMI_MSG_MAX];
	struct reply r = { msg, sizeof(msg), 0, false };
	unsigned int a, n = s->naxes ? s->naxes : 1;

	put32(&r, scmi_hdr(0x1, SCMI_TYPE_NOTIFICATION, SCMI_PROTO_SENSOR, 0));
	put32(&r, 1);		/* agent id */
	put32(&r, s->id);
	for (a = 0; a < n; a++) {
		put64(&r, s->seq * 8 + a);
		put64(&r, now_ns / 1000);
	}
	s->seq++;
	p->notifications++;
	p->emit(p->opaque, msg, r.len, true);
}

void scmi_platform_set_value(struct scmi_platform *p, struct scmi_sensor *s,
			     unsigned int axis, int64_t value)
{
	int64_t old = s->value[axis];
	unsigned int t;

	s->value[axis] = value;
	if (s->naxes || !s->trip_notify || !p->p2a)
		return;
	for (t = 0; t < s->ntrips && t < 2; t++) {
		int64_t tv = s->trip_value[t];
		bool up = old < tv && value >= tv, down = old > tv && value <= tv;
		uint8_t msg[20];

		if (!((up && (s->trip_ctrl[t] & 1)) || (down && (s->trip_ctrl[t] & 2))))
			continue;
		scmi_put32(msg, scmi_hdr(0x0, SCMI_TYPE_NOTIFICATION, SCMI_PROTO_SENSOR, 0));
		scmi_put32(msg + 4, 1);
		scmi_put32(msg + 8, s->id);
		scmi_put32(msg + 12, t | (up ? 1u << 16 : 0));
		p->notifications++;
		p->emit(p->opaque, msg, 16, true);
	}
}

void scmi_platform_tick(struct scmi_platform *p, uint64_t now_ns)
{
	unsigned int i;

	for (i = 0; i < p->num_sensors; i++) {
		struct scmi_sensor *s = &p->sensors[i];

		if (!s->updates || !(s->config & 1))
			continue;
		if (!s->next_ns)
			s->next_ns = now_ns;
		while (s->next_ns <= now_ns) {
			sensor_update(p, s, now_ns);
			s->next_ns += (uint64_t)s->interval_us * 1000;
		}
	}
}

uint64_t scmi_platform_next(const struct scmi_platform *p, uint64_t now_ns)
{
	uint64_t next = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < p->num_sensors; i++) {
		const struct scmi_sensor *s = &p->sensors[i];

		if (!s->updates || !(s->config & 1))
			continue;
		if (s->next_ns <= now_ns)
			return 0;
		if (s->next_ns - now_ns < next)
			next = s->next_ns - now_ns;
	}
	return next;
}

bool scmi_platform_power(struct scmi_platform *p, bool graceful,
			 uint32_t state, uint32_t timeout_ms)
{
	uint8_t msg[20];

	if (!p->system_notify)
		return false;
	scmi_put32(msg, scmi_hdr(0x0, SCMI_TYPE_NOTIFICATION, SCMI_PROTO_SYSTEM, 0));
	scmi_put32(msg + 4, 1);
	scmi_put32(msg + 8, graceful ? 1 : 0);
	scmi_put32(msg + 12, state);
	scmi_put32(msg + 16, timeout_ms);
	p->notifications++;
	p->emit(p->opaque, msg, sizeof(msg), true);
	return true;
}
