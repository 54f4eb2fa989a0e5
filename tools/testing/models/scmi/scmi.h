/* SPDX-License-Identifier: GPL-2.0 */
/*
 * va-scmi-model - an SCMI platform (Arm DEN0056) behind a vhost-user
 * virtio SCMI device (ID 32), for the tests of drivers/virtio-scmi-ext.
 *
 * scmi-platform.c: the platform: Base, Sensor (v3.1: scalar, 3-axis and
 *	6-axis sensors, update intervals, continuous-update notifications,
 *	asynchronous reads), System power (v2.1 notifications), Powercap
 *	(v2.0, two nested domains) and a vendor protocol; pure, driven by
 *	buffers, unit tested.
 * va-scmi-model.c: the virtio device: cmdq, eventq, faults, the control
 *	directory, options.
 */
#ifndef VA_SCMI_H
#define VA_SCMI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define SCMI_MAX_PAYLOAD	1024	/* as the driver's VSCMI_MAX_PAYLOAD */
#define SCMI_MSG_MAX		(8 + SCMI_MAX_PAYLOAD)

#define SCMI_PROTO_BASE		0x10
#define SCMI_PROTO_SYSTEM	0x12
#define SCMI_PROTO_SENSOR	0x15
#define SCMI_PROTO_POWERCAP	0x18
#define SCMI_PROTO_VENDOR	0x80

#define SCMI_TYPE_COMMAND	0
#define SCMI_TYPE_DELAYED	2
#define SCMI_TYPE_NOTIFICATION	3

#define SCMI_SUCCESS		0
#define SCMI_NOT_SUPPORTED	-1
#define SCMI_INVALID_PARAMETERS	-2
#define SCMI_DENIED		-3
#define SCMI_NOT_FOUND		-4
#define SCMI_OUT_OF_RANGE	-5
#define SCMI_PROTOCOL_ERROR	-10

/* Vendor protocol 0x80 ("va-rig test vendor protocol") */
#define SCMI_VENDOR_ECHO	0x3	/* params -> the same bytes */
#define SCMI_VENDOR_ADD		0x4	/* u32 a, u32 b -> u32 a + b */

#define SCMI_MAX_SENSORS	16
#define SCMI_MAX_AXES		6
#define SCMI_MAX_PROTOCOLS	8

static inline uint32_t scmi_hdr(uint8_t id, uint8_t type, uint8_t proto,
				uint16_t token)
{
	return (uint32_t)id | (uint32_t)type << 8 | (uint32_t)proto << 10 |
	       (uint32_t)(token & 0x3ff) << 18;
}

static inline uint8_t scmi_hdr_id(uint32_t h)	{ return h & 0xff; }
static inline uint8_t scmi_hdr_type(uint32_t h)	{ return (h >> 8) & 3; }
static inline uint8_t scmi_hdr_proto(uint32_t h) { return (h >> 10) & 0xff; }
static inline uint16_t scmi_hdr_token(uint32_t h) { return (h >> 18) & 0x3ff; }

static inline void scmi_put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static inline uint32_t scmi_get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void scmi_put64(uint8_t *p, uint64_t v)
{
	scmi_put32(p, (uint32_t)v);
	scmi_put32(p + 4, (uint32_t)(v >> 32));
}

struct scmi_pc_domain {
	const char *name;
	uint32_t attrs;		/* DOMAIN_ATTRIBUTES flags, power unit */
	uint32_t min_pai, max_pai, min_cap, max_cap;
	uint32_t parent;
	uint32_t cap, pai, power;
};

struct scmi_sensor {
	uint32_t id;
	const char *name;	/* short name, 15 characters at most */
	const char *ext_name;	/* longer name (SENSOR_NAME_GET), or NULL */
	uint8_t unit;		/* DSP0249 unit code */
	int8_t scale;		/* power of ten */
	uint8_t naxes;		/* 0: scalar */
	bool async;		/* READING_GET answers with a delayed response */
	bool notify;		/* continuous-update notifications */
	bool stamps;		/* readings carry timestamps (us, clock_ns) */
	bool count_reads;	/* READING_GET n adds n * 1000 to every axis */
	int64_t value[SCMI_MAX_AXES];
	int64_t min, max;
	uint32_t interval_us;	/* update interval in use */
	uint32_t config;	/* SENSOR_CONFIG_SET value */
	bool updates;		/* CONTINUOUS_UPDATE_NOTIFY enabled */
	uint64_t next_ns;	/* next SENSOR_UPDATE */
	uint64_t seq;		/* SENSOR_UPDATE count */
	uint64_t reads;		/* SENSOR_READING_GET commands */
	uint8_t ntrips;		/* trip points */
	bool trip_notify;	/* SENSOR_TRIP_POINT_NOTIFY enabled */
	uint32_t trip_ctrl[2];	/* direction [1:0]: 1 rising, 2 falling, 3 both */
	int64_t trip_value[2];
};

/*
 * Where the platform puts P2A messages: @notification false for a delayed
 * response (never lost), true for a notification (may be dropped).
 */
typedef void (*scmi_emit_fn)(void *opaque, const uint8_t *msg, size_t len,
			     bool notification);

struct scmi_platform {
	/* configuration */
	char vendor[16];
	char sub_vendor[16];
	uint32_t impl_version;
	uint32_t base_version;
	uint8_t num_agents;
	uint8_t protocols[SCMI_MAX_PROTOCOLS];
	unsigned int num_protocols;
	unsigned int list_chunk;	/* ids per DISCOVER_LIST_PROTOCOLS reply */
	unsigned int desc_chunk;	/* sensors per DESCRIPTION_GET reply */
	bool p2a;			/* VIRTIO_SCMI_F_P2A_CHANNELS negotiated */

	struct scmi_sensor sensors[SCMI_MAX_SENSORS];
	unsigned int num_sensors;

	bool system_notify;		/* agent subscribed to power states */

	struct scmi_pc_domain powercap[2];
	unsigned int num_powercap;

	scmi_emit_fn emit;
	void *opaque;
	uint64_t clock_ns;		/* the platform's clock: set before a call */

	/* counters */
	unsigned long commands, errors, delayed, notifications;
};

void scmi_platform_init(struct scmi_platform *p, scmi_emit_fn emit, void *opaque);
/*
 * Serve one command (@req: header and parameters).  The response (header,
 * status, return values) is written to @rsp; its length is returned.  A
 * delayed response is emitted through @emit before this returns; the
 * caller queues it after the response unless told otherwise.
 */
size_t scmi_platform_handle(struct scmi_platform *p, const uint8_t *req,
			    size_t len, uint8_t *rsp, size_t rsp_max);
/* Emit the SENSOR_UPDATE notifications due at @now_ns. */
void scmi_platform_tick(struct scmi_platform *p, uint64_t now_ns);
/* Nanoseconds until the next notification is due (UINT64_MAX: none). */
uint64_t scmi_platform_next(const struct scmi_platform *p, uint64_t now_ns);
/*
 * Notify a system power state request (SYSTEM_POWER_STATE_NOTIFIER).
 * Returns false if the agent did not subscribe.
 */
bool scmi_platform_power(struct scmi_platform *p, bool graceful,
			 uint32_t state, uint32_t timeout_ms);
struct scmi_sensor *scmi_platform_sensor(struct scmi_platform *p, uint32_t id);
/*
 * Set a reading; for a scalar sensor, emit TRIP_POINT_EVENT for every armed
 * trip point the change crosses (when the agent asked for them).
 */
void scmi_platform_set_value(struct scmi_platform *p, struct scmi_sensor *s,
			     unsigned int axis, int64_t value);
bool scmi_platform_has_protocol(const struct scmi_platform *p, uint8_t proto);

#endif
