// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the SCMI platform behind va-scmi-model
 * (models/scmi/scmi-platform.c): commands in, responses and P2A messages
 * out, no virtqueues.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../models/scmi/scmi.h"

struct fx {
	struct scmi_platform p;
	uint8_t rsp[SCMI_MSG_MAX];
	size_t len;
	uint8_t p2a[8][SCMI_MSG_MAX];
	size_t p2a_len[8];
	bool p2a_notif[8];
	unsigned int n_p2a;
};

static void emit(void *opaque, const uint8_t *msg, size_t len, bool notification)
{
	struct fx *f = opaque;

	if (f->n_p2a < 8) {
		memcpy(f->p2a[f->n_p2a], msg, len);
		f->p2a_len[f->n_p2a] = len;
		f->p2a_notif[f->n_p2a++] = notification;
	}
}

static int setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	scmi_platform_init(&f.p, emit, &f);
	*state = &f;
	return 0;
}

/* Send a command with up to two u32 parameters; return the status. */
static int32_t cmd(struct fx *f, uint8_t proto, uint8_t id, uint16_t token,
		   int nparams, uint32_t a, uint32_t b)
{
	uint8_t req[12];

	scmi_put32(req, scmi_hdr(id, SCMI_TYPE_COMMAND, proto, token));
	scmi_put32(req + 4, a);
	scmi_put32(req + 8, b);
	f->len = scmi_platform_handle(&f->p, req, 4 + 4 * nparams, f->rsp, sizeof(f->rsp));
	assert_true(f->len >= 8);
	assert_int_equal(scmi_get32(f->rsp),
			 scmi_hdr(id, SCMI_TYPE_COMMAND, proto, token));
	return (int32_t)scmi_get32(f->rsp + 4);
}

/* A command with four u32 parameters. */
static int32_t cmd4(struct fx *f, uint8_t proto, uint8_t id, uint16_t token,
		    uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	uint8_t req[20];

	scmi_put32(req, scmi_hdr(id, SCMI_TYPE_COMMAND, proto, token));
	scmi_put32(req + 4, a);
	scmi_put32(req + 8, b);
	scmi_put32(req + 12, c);
	scmi_put32(req + 16, d);
	f->len = scmi_platform_handle(&f->p, req, sizeof(req), f->rsp, sizeof(f->rsp));
	return (int32_t)scmi_get32(f->rsp + 4);
}

static void base_discovery(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cmd(f, SCMI_PROTO_BASE, 0x0, 1, 0, 0, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 0x20001);
	assert_int_equal(cmd(f, SCMI_PROTO_BASE, 0x1, 2, 0, 0, 0), 0);
	assert_int_equal(f->rsp[8], 4);		/* protocols */
	assert_int_equal(f->rsp[9], 2);		/* agents */
	assert_int_equal(cmd(f, SCMI_PROTO_BASE, 0x3, 3, 0, 0, 0), 0);
	assert_int_equal(f->len, 8 + 16);
	assert_string_equal((char *)f->rsp + 8, "va-rig");
	assert_int_equal(cmd(f, SCMI_PROTO_BASE, 0x5, 4, 0, 0, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 0x00010203);
}

static void base_list_in_chunks(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cmd(f, SCMI_PROTO_BASE, 0x6, 5, 1, 0, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 2);
	assert_int_equal(f->len, 8 + 4 + 4);
	assert_int_equal(f->rsp[12], SCMI_PROTO_SYSTEM);
	assert_int_equal(f->rsp[13], SCMI_PROTO_SENSOR);
	assert_int_equal(cmd(f, SCMI_PROTO_BASE, 0x6, 6, 1, 2, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 2);
	assert_int_equal(f->rsp[12], SCMI_PROTO_POWERCAP);
	assert_int_equal(f->rsp[13], SCMI_PROTO_VENDOR);
	assert_int_equal(cmd(f, SCMI_PROTO_BASE, 0x6, 7, 1, 5, 0), SCMI_INVALID_PARAMETERS);
	assert_int_equal(f->len, 8);
}

static void unknown_protocol_and_message(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cmd(f, 0x14, 0x0, 8, 0, 0, 0), SCMI_NOT_SUPPORTED);
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x2, 9, 1, 0x10, 0), SCMI_NOT_FOUND);
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x2, 9, 1, 0x6, 0), 0);
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x7f, 10, 0, 0, 0), SCMI_NOT_FOUND);
}

static void sensor_descriptions(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x1, 1, 0, 0, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8) & 0xffff, 9);
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x3, 2, 1, 0, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 3 | 6 << 16);
	assert_int_equal(f->len, 8 + 4 + 3 * 52);
	assert_int_equal(scmi_get32(f->rsp + 12), 0);		/* id */
	assert_string_equal((char *)f->rsp + 12 + 12, "soc-temp");
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x3, 3, 1, 6, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 3);
	/* imu-accel: 3 axes, multi-axis bit, m/s^2 */
	assert_int_equal(scmi_get32(f->rsp + 12 + 8), 3 << 16 | 1 << 8 | 0x59 | (29u << 11));
	/* ... continuous updates, timestamps in 10^-6 s */
	assert_int_equal(scmi_get32(f->rsp + 12 + 4), 1u << 30 | 26u << 10 | 1 << 9 | 1 << 8);
	/* imu-gyro (third of that reply): timestamps, no updates */
	assert_int_equal(scmi_get32(f->rsp + 12 + 2 * 52 + 4), 26u << 10 | 1 << 9 | 1 << 8);
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0xc, 4, 1, 0, 0), 0);
	assert_string_equal((char *)f->rsp + 12, "soc-temperature-cluster0-big-cores");
}

static void sensor_readings(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x6, 11, 2, 2, 0), 0);
	assert_int_equal(f->len, 8 + 16);
	assert_int_equal((int32_t)scmi_get32(f->rsp + 8), -2500);
	assert_int_equal(scmi_get32(f->rsp + 12), 0xffffffff);
	/* the async sensor refuses a synchronous read */
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x6, 12, 2, 5, 0), SCMI_INVALID_PARAMETERS);
	assert_int_equal(f->n_p2a, 0);
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x6, 13, 2, 5, 1), 0);
	assert_int_equal(f->len, 8);
	assert_int_equal(f->n_p2a, 1);
	assert_false(f->p2a_notif[0]);
	assert_int_equal(scmi_get32(f->p2a[0]),
			 scmi_hdr(0x6, SCMI_TYPE_DELAYED, SCMI_PROTO_SENSOR, 13));
	assert_int_equal(scmi_get32(f->p2a[0] + 4), 0);	/* status */
	assert_int_equal(scmi_get32(f->p2a[0] + 8), 5);	/* sensor id */
	assert_int_equal(scmi_get32(f->p2a[0] + 12), 215);
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x6, 14, 2, 99, 0), SCMI_NOT_FOUND);
	/* imu-gyro: every axis of one reply carries the same read number */
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x6, 15, 2, 8, 0), 0);
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x6, 16, 2, 8, 0), 0);
	assert_int_equal(f->len, 8 + 3 * 16);
	assert_int_equal((int32_t)scmi_get32(f->rsp + 8), 2100);
	assert_int_equal((int32_t)scmi_get32(f->rsp + 24), 1800);
	assert_int_equal((int32_t)scmi_get32(f->rsp + 40), 2300);
	assert_int_equal(f->p.sensors[8].reads, 2);
	/* its readings carry the platform's clock, in microseconds */
	f->p.clock_ns = 7123456789ULL;
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x6, 17, 2, 8, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 16), 7123456);
	assert_int_equal(scmi_get32(f->rsp + 20), 0);
	assert_int_equal(scmi_get32(f->rsp + 48), 7123456);
	/* a sensor without timestamps puts 0 there */
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x6, 18, 2, 1, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 16), 0);
}

static void sensor_updates(void **state)
{
	struct fx *f = *state;
	uint64_t t0 = 1000000000ULL;

	/* 20 ms: 2 * 10^-2 s, exponent -2 in [15:11] */
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0xa, 1, 2, 6,
			     2u << 16 | (uint32_t)(-2 & 0x1f) << 11 | 3), 0);
	assert_int_equal(f->p.sensors[6].interval_us, 20000);
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0xb, 2, 2, 6, 1), 0);
	scmi_platform_tick(&f->p, t0);
	scmi_platform_tick(&f->p, t0 + 39999999);
	assert_int_equal(f->n_p2a, 2);
	assert_true(f->p2a_notif[1]);
	assert_int_equal(f->p2a_len[1], 8 + 4 + 3 * 16);
	assert_int_equal(scmi_get32(f->p2a[1] + 8), 6);
	assert_int_equal(scmi_get32(f->p2a[1] + 12), 8);	/* update 1, axis 0 */
	assert_int_equal(scmi_get32(f->p2a[1] + 28), 9);	/* axis 1 */
	assert_int_equal(scmi_platform_next(&f->p, t0 + 39999999), 1);
	/* too fast an interval is refused */
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0xa, 3, 2, 6,
			     1u << 16 | (uint32_t)(-3 & 0x1f) << 11 | 1), SCMI_OUT_OF_RANGE);
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0xb, 4, 2, 1, 1), SCMI_NOT_SUPPORTED);
	/* 10 ms, 20 ms, 100 ms: 16-bit mantissas with an exponent of ten */
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x8, 5, 2, 6, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 3);
	assert_int_equal(scmi_get32(f->rsp + 12), 10000u << 5 | 0x1a);
	assert_int_equal(scmi_get32(f->rsp + 20), 10000u << 5 | 0x1b);
}

static void trip_points(void **state)
{
	struct fx *f = *state;
	struct scmi_sensor *s = scmi_platform_sensor(&f->p, 0);

	/* trip 0 rising at 50000, trip 1 falling at 0 */
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x4, 1, 2, 0, 1), 0);
	assert_int_equal(cmd4(f, SCMI_PROTO_SENSOR, 0x5, 2, 0, 0 << 4 | 1, 50000, 0), 0);
	assert_int_equal(cmd4(f, SCMI_PROTO_SENSOR, 0x5, 3, 0, 1 << 4 | 2, 0, 0), 0);
	assert_int_equal(cmd4(f, SCMI_PROTO_SENSOR, 0x5, 4, 0, 2 << 4 | 1, 0, 0),
			 SCMI_INVALID_PARAMETERS);
	scmi_platform_set_value(&f->p, s, 0, 49999);	/* no crossing */
	assert_int_equal(f->n_p2a, 0);
	scmi_platform_set_value(&f->p, s, 0, 50000);	/* rising */
	scmi_platform_set_value(&f->p, s, 0, 40000);	/* falling past 50000: not armed */
	scmi_platform_set_value(&f->p, s, 0, -1);	/* falling past 0 */
	assert_int_equal(f->n_p2a, 2);
	assert_int_equal(scmi_get32(f->p2a[0] + 8), 0);		/* sensor */
	assert_int_equal(scmi_get32(f->p2a[0] + 12), 0 | 1 << 16);
	assert_int_equal(scmi_get32(f->p2a[1] + 12), 1);
	/* multi-axis sensors have no trip points */
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x4, 5, 2, 6, 1), SCMI_NOT_SUPPORTED);
}

static void system_power_needs_subscription(void **state)
{
	struct fx *f = *state;

	assert_false(scmi_platform_power(&f->p, true, 0, 100));
	assert_int_equal(cmd(f, SCMI_PROTO_SYSTEM, 0x5, 1, 1, 1, 0), 0);
	assert_true(scmi_platform_power(&f->p, true, 0, 100));
	assert_int_equal(f->n_p2a, 1);
	assert_int_equal(f->p2a_len[0], 20);
	assert_int_equal(scmi_get32(f->p2a[0] + 8), 1);	/* graceful */
	assert_int_equal(scmi_get32(f->p2a[0] + 16), 100);
}

static void powercap_domains(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cmd(f, SCMI_PROTO_POWERCAP, 0x0, 1, 0, 0, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 0x20000);
	assert_int_equal(cmd(f, SCMI_PROTO_POWERCAP, 0x1, 2, 0, 0, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 2);
	assert_int_equal(cmd(f, SCMI_PROTO_POWERCAP, 0x3, 3, 1, 1, 0), 0);
	assert_int_equal(f->len, 8 + 56);
	assert_string_equal((char *)f->rsp + 12, "gpu");
	assert_int_equal(scmi_get32(f->rsp + 8 + 52), 0);	/* parent: soc */
	assert_int_equal(cmd4(f, SCMI_PROTO_POWERCAP, 0x5, 4, 1, 0, 7000, 0), 0);
	assert_int_equal(cmd(f, SCMI_PROTO_POWERCAP, 0x4, 5, 1, 1, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 7000);
	assert_int_equal(cmd4(f, SCMI_PROTO_POWERCAP, 0x5, 6, 1, 0, 9000, 0), SCMI_OUT_OF_RANGE);
	assert_int_equal(cmd4(f, SCMI_PROTO_POWERCAP, 0x7, 7, 0, 0, 500000, 0), 0);
	assert_int_equal(cmd(f, SCMI_PROTO_POWERCAP, 0x9, 8, 1, 0, 0), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 4200000);
	assert_int_equal(scmi_get32(f->rsp + 12), 500000);
	assert_int_equal(cmd(f, SCMI_PROTO_POWERCAP, 0x4, 9, 1, 2, 0), SCMI_NOT_FOUND);
}

static void vendor_protocol(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cmd(f, SCMI_PROTO_VENDOR, SCMI_VENDOR_ADD, 1, 2, 40, 2), 0);
	assert_int_equal(scmi_get32(f->rsp + 8), 42);
	assert_int_equal(cmd(f, SCMI_PROTO_VENDOR, SCMI_VENDOR_ECHO, 2, 2, 0xabcd, 7), 0);
	assert_int_equal(f->len, 16);
	assert_int_equal(scmi_get32(f->rsp + 12), 7);
}

static void malformed_commands(void **state)
{
	struct fx *f = *state;
	uint8_t req[4] = { 0 };

	f->len = scmi_platform_handle(&f->p, req, 2, f->rsp, sizeof(f->rsp));
	assert_int_equal(f->len, 8);
	assert_int_equal((int32_t)scmi_get32(f->rsp + 4), SCMI_PROTOCOL_ERROR);
	scmi_put32(req, scmi_hdr(0x0, SCMI_TYPE_DELAYED, SCMI_PROTO_BASE, 3));
	f->len = scmi_platform_handle(&f->p, req, 4, f->rsp, sizeof(f->rsp));
	assert_int_equal((int32_t)scmi_get32(f->rsp + 4), SCMI_PROTOCOL_ERROR);
	/* parameters missing */
	assert_int_equal(cmd(f, SCMI_PROTO_SENSOR, 0x6, 5, 0, 0, 0), SCMI_PROTOCOL_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(base_discovery, setup),
		cmocka_unit_test_setup(base_list_in_chunks, setup),
		cmocka_unit_test_setup(unknown_protocol_and_message, setup),
		cmocka_unit_test_setup(sensor_descriptions, setup),
		cmocka_unit_test_setup(sensor_readings, setup),
		cmocka_unit_test_setup(sensor_updates, setup),
		cmocka_unit_test_setup(trip_points, setup),
		cmocka_unit_test_setup(system_power_needs_subscription, setup),
		cmocka_unit_test_setup(powercap_domains, setup),
		cmocka_unit_test_setup(vendor_protocol, setup),
		cmocka_unit_test_setup(malformed_commands, setup),
	};

	return cmocka_run_group_tests_name("scmi_model", tests, NULL, NULL);
}
