// SPDX-License-Identifier: GPL-2.0
/*
 * va-scmi-model - a vhost-user virtio SCMI device (virtio ID 32) serving
 * the SCMI platform of models/scmi/scmi-platform.c.
 *
 * Queues: 0 cmdq (one command per chain: header and parameters readable,
 * the response written to the writable part), 1 eventq (device-writable
 * buffers for delayed responses and notifications; only with feature bit 0
 * VIRTIO_SCMI_F_P2A_CHANNELS, offered unless --no-p2a).  P2A messages wait
 * in a backlog while the driver has no eventq buffer posted; delayed
 * responses are never dropped, notifications are dropped (and counted)
 * when more than 256 wait.
 *
 *   va-scmi-model --socket PATH [--ctl-dir DIR] [--vendor S] [--sub-vendor S]
 *                 [--impl-version N] [--no-p2a] [--verbose]
 *
 * Control commands (DIR, see models/ctl/ctl-dir.h; replies "ok ..." or
 * "error: ..."):
 *   fault NAME [N]     the next N (default 1) command responses get fault
 *                      NAME: short (header only), bad-token, bad-proto,
 *                      truncate (return values cut in half), error (status
 *                      GENERIC_ERROR), late (answered after --late-ms, past
 *                      the driver's timeout), dly-first (a delayed
 *                      response queued before its response), dly-drop (the
 *                      delayed response never sent)
 *   inject NAME        one P2A message now: unsolicited-delayed (a delayed
 *                      response for a token nobody uses), short-event (2
 *                      bytes), command-on-eventq (type 0), reserved-bits,
 *                      unknown-notification (protocol 0x14), short-power (a
 *                      power notification of 8 bytes)
 *   power STATE MODE [TIMEOUT_MS]
 *                      SYSTEM_POWER_STATE_NOTIFIER: STATE shutdown,
 *                      cold-reset, warm-reset, suspend; MODE graceful or
 *                      forceful; error if the agent did not subscribe
 *   sensor ID AXIS VALUE   set what READING_GET returns (crossing an armed
 *                      trip point sends TRIP_POINT_EVENT)
 *   updates ID         "ok <n>": SENSOR_UPDATE notifications sent for ID
 *   reads ID           "ok <n>": SENSOR_READING_GET commands for ID
 *   clock              "ok <us>": the platform's clock, in which SENSOR_UPDATE
 *                      timestamps count (microseconds)
 *   stats              "ok commands=N errors=N delayed=N notifications=N
 *                      dropped=N late=N p2a=0|1 subscribed=0|1 faults=N
 *                      resets=N"
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl-dir.h"
#include "scmi/scmi.h"
#include "vhu.h"

#define MODEL_NAME		"va-scmi-model"
#define VIRTIO_ID_SCMI		32
#define SCMI_F_P2A_CHANNELS	0
#define CMDQ			0
#define EVTQ			1
#define NUM_QUEUES		2
#define BACKLOG_MAX		1024	/* P2A messages waiting for a buffer */
#define BACKLOG_NOTIFY_MAX	256	/* beyond this notifications are dropped */
#define HELD_MAX		64
#define TICK_NS			1000000ULL

struct p2a_msg {
	uint8_t buf[SCMI_MSG_MAX];
	size_t len;
};

struct held {
	struct vhu_elem *elem;
	uint8_t rsp[SCMI_MSG_MAX];
	size_t len;
	uint64_t due_ns;
};

enum fault {
	F_NONE, F_SHORT, F_BAD_TOKEN, F_BAD_PROTO, F_TRUNCATE, F_ERROR, F_LATE,
	F_DLY_FIRST, F_DLY_DROP,
};

static const char *const fault_names[] = {
	[F_SHORT] = "short", [F_BAD_TOKEN] = "bad-token", [F_BAD_PROTO] = "bad-proto",
	[F_TRUNCATE] = "truncate", [F_ERROR] = "error", [F_LATE] = "late",
	[F_DLY_FIRST] = "dly-first", [F_DLY_DROP] = "dly-drop",
};

struct model {
	struct vhu_dev dev;
	struct scmi_platform p;
	struct ctl_dir *ctl;
	bool verbose;
	unsigned int late_ms;

	/* P2A backlog, a ring */
	struct p2a_msg *backlog;
	unsigned int bl_head, bl_len;
	/* delayed responses produced while serving a command */
	struct p2a_msg pending[4];
	unsigned int npending;
	bool in_command;

	struct held held[HELD_MAX];
	unsigned int nheld;

	enum fault fault;
	unsigned int fault_count;
	uint16_t last_token;

	unsigned long dropped, late, faults, resets;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void backlog_add(struct model *m, const uint8_t *msg, size_t len,
			bool notification)
{
	struct p2a_msg *slot;

	if (m->bl_len >= BACKLOG_MAX ||
	    (notification && m->bl_len >= BACKLOG_NOTIFY_MAX)) {
		m->dropped++;
		return;
	}
	slot = &m->backlog[(m->bl_head + m->bl_len) % BACKLOG_MAX];
	memcpy(slot->buf, msg, len);
	slot->len = len;
	m->bl_len++;
}

static void emit(void *opaque, const uint8_t *msg, size_t len, bool notification)
{
	struct model *m = opaque;

	if (m->in_command && !notification && m->npending < ARRAY_SIZE(m->pending)) {
		memcpy(m->pending[m->npending].buf, msg, len);
		m->pending[m->npending++].len = len;
		return;
	}
	backlog_add(m, msg, len, notification);
}

/* Move the backlog into posted eventq buffers. */
static void evtq_flush(struct model *m)
{
	struct vhu_vq *vq;
	struct vhu_elem *e;
	bool pushed = false;
	int err;

	if (!m->p.p2a || !m->bl_len)
		return;
	vq = vhu_dev_queue(&m->dev, EVTQ);
	if (!vq || !vhu_vq_live(vq))
		return;
	while (m->bl_len && (e = vhu_vq_pop(vq, &err))) {
		struct p2a_msg *msg = &m->backlog[m->bl_head];
		size_t n = msg->len;

		if (e->out_num || e->in_len < n) {
			/* The driver must post writable buffers big enough. */
			fprintf(stderr, MODEL_NAME ": eventq buffer of %zu bytes (%u readable parts) refused\n",
				e->in_len, e->out_num);
			vhu_vq_push(vq, e, 0);
		} else {
			vhu_iov_from_buf(e->in_sg, e->in_num, 0, msg->buf, n);
			vhu_vq_push(vq, e, (uint32_t)n);
			m->bl_head = (m->bl_head + 1) % BACKLOG_MAX;
			m->bl_len--;
		}
		vhu_elem_free(e);
		pushed = true;
	}
	if (pushed)
		vhu_vq_notify(vq);
}

static void apply_fault(struct model *m, uint8_t *rsp, size_t *len)
{
	uint32_t h = scmi_get32(rsp);

	switch (m->fault) {
	case F_SHORT:
		*len = 4;
		break;
	case F_BAD_TOKEN:
		scmi_put32(rsp, h ^ (1u << 18));
		break;
	case F_BAD_PROTO:
		scmi_put32(rsp, h ^ (1u << 10));
		break;
	case F_TRUNCATE:
		*len = 8 + (*len - 8) / 2;
		break;
	case F_ERROR:
		scmi_put32(rsp + 4, (uint32_t)-8);
		*len = 8;
		break;
	default:
		break;
	}
}

static void serve(struct model *m, struct vhu_vq *vq, struct vhu_elem *e)
{
	uint8_t req[SCMI_MSG_MAX], rsp[SCMI_MSG_MAX];
	size_t rlen, len, max = e->in_len < sizeof(rsp) ? e->in_len : sizeof(rsp);
	enum fault f = F_NONE;
	unsigned int i;

	rlen = vhu_iov_to_buf(e->out_sg, e->out_num, 0, req, sizeof(req));
	if (rlen >= 4)
		m->last_token = scmi_hdr_token(scmi_get32(req));
	if (max < 8) {
		fprintf(stderr, MODEL_NAME ": command with %zu writable bytes: returned unused\n",
			e->in_len);
		vhu_vq_push(vq, e, 0);
		vhu_elem_free(e);
		return;
	}
	m->in_command = true;
	m->npending = 0;
	m->p.clock_ns = now_ns();
	len = scmi_platform_handle(&m->p, req, rlen, rsp, max);
	m->in_command = false;

	if (m->fault_count) {
		f = m->fault;
		m->faults++;
		apply_fault(m, rsp, &len);
		if (!--m->fault_count)
			m->fault = F_NONE;
	}
	if (m->verbose)
		fprintf(stderr, MODEL_NAME ": cmd 0x%08x -> %zu bytes status %d%s%s\n",
			rlen >= 4 ? scmi_get32(req) : 0, len, (int32_t)scmi_get32(rsp + 4),
			f ? " fault " : "", f ? fault_names[f] : "");

	if (f == F_DLY_FIRST) {
		for (i = 0; i < m->npending; i++)
			backlog_add(m, m->pending[i].buf, m->pending[i].len, false);
		m->npending = 0;
		evtq_flush(m);
	}
	if (f == F_LATE && m->nheld < HELD_MAX) {
		struct held *h = &m->held[m->nheld++];

		h->elem = e;
		memcpy(h->rsp, rsp, len);
		h->len = len;
		h->due_ns = now_ns() + (uint64_t)m->late_ms * 1000000;
	} else {
		vhu_iov_from_buf(e->in_sg, e->in_num, 0, rsp, len);
		vhu_vq_push(vq, e, (uint32_t)len);
		vhu_elem_free(e);
	}
	if (f != F_DLY_DROP)
		for (i = 0; i < m->npending; i++)
			backlog_add(m, m->pending[i].buf, m->pending[i].len, false);
	m->npending = 0;
}

static void scmi_kick(struct vhu_dev *dev, unsigned int qidx)
{
	struct model *m = vhu_dev_priv(dev);
	struct vhu_vq *vq = vhu_dev_queue(dev, qidx);
	struct vhu_elem *e;
	bool pushed = false;
	int err;

	if (qidx == EVTQ) {
		evtq_flush(m);
		return;
	}
	while ((e = vhu_vq_pop(vq, &err))) {
		serve(m, vq, e);
		pushed = true;
	}
	if (pushed)
		vhu_vq_notify(vq);
	evtq_flush(m);
}

static void scmi_reset(struct vhu_dev *dev)
{
	struct model *m = vhu_dev_priv(dev);
	unsigned int i;

	/* A reset takes back what the device held and forgets subscriptions. */
	m->resets++;
	for (i = 0; i < m->nheld; i++)
		vhu_elem_free(m->held[i].elem);
	m->nheld = 0;
	m->bl_len = 0;
	m->p.system_notify = false;
	for (i = 0; i < m->p.num_sensors; i++)
		m->p.sensors[i].updates = false;
}

/*
 * QEMU's generic vhost-user device tells the back-end of the guest's device
 * reset only by stopping the rings (QEMU 11.1 sends no SET_STATUS 0 and no
 * RESET_DEVICE), as it would for a paused VM. The rig never pauses its
 * guests: both rings stopped is taken for a reset (so a driver's restore
 * must subscribe again).
 */
static void scmi_queue_stopped(struct vhu_dev *dev, unsigned int qidx)
{
	unsigned int i;

	(void)qidx;
	for (i = 0; i < NUM_QUEUES; i++)
		if (vhu_dev_queue(dev, i)->started)
			return;
	scmi_reset(dev);
}

static void scmi_started(struct vhu_dev *dev)
{
	struct model *m = vhu_dev_priv(dev);

	m->p.p2a = vhu_dev_has_feature(dev, SCMI_F_P2A_CHANNELS);
}

static const struct vhu_dev_ops scmi_ops = {
	.queue_kick = scmi_kick,
	.reset = scmi_reset,
	.started = scmi_started,
	.queue_stopped = scmi_queue_stopped,
};

static void on_tick(struct vhu_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct model *m = opaque;
	struct vhu_vq *vq = vhu_dev_queue(dev, CMDQ);
	uint64_t t = now_ns(), exp;
	unsigned int i = 0;
	bool pushed = false;

	(void)events;
	if (read(fd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		return;
	while (i < m->nheld) {
		struct held *h = &m->held[i];

		if (h->due_ns > t) {
			i++;
			continue;
		}
		if (vq && vhu_vq_live(vq)) {
			vhu_iov_from_buf(h->elem->in_sg, h->elem->in_num, 0, h->rsp, h->len);
			vhu_vq_push(vq, h->elem, (uint32_t)h->len);
			pushed = true;
			m->late++;
		}
		vhu_elem_free(h->elem);
		*h = m->held[--m->nheld];
	}
	if (pushed)
		vhu_vq_notify(vq);
	if (vhu_dev_connected(dev))
		scmi_platform_tick(&m->p, t);
	evtq_flush(m);
}

static int parse_fault(const char *s)
{
	unsigned int i;

	for (i = 1; i < ARRAY_SIZE(fault_names); i++)
		if (fault_names[i] && !strcmp(s, fault_names[i]))
			return (int)i;
	return -1;
}

static int inject(struct model *m, const char *what)
{
	uint8_t msg[32] = { 0 };
	size_t len = 8;
	bool notification = true;

	if (!strcmp(what, "unsolicited-delayed")) {
		scmi_put32(msg, scmi_hdr(0x6, SCMI_TYPE_DELAYED, SCMI_PROTO_SENSOR,
					 (m->last_token + 512) & 0x3ff));
		scmi_put32(msg + 4, 0);
		len = 16;
		notification = false;
	} else if (!strcmp(what, "short-event")) {
		len = 2;
	} else if (!strcmp(what, "command-on-eventq")) {
		scmi_put32(msg, scmi_hdr(0x1, SCMI_TYPE_COMMAND, SCMI_PROTO_SENSOR, 0));
	} else if (!strcmp(what, "reserved-bits")) {
		scmi_put32(msg, 0xf0000000u | scmi_hdr(0x1, SCMI_TYPE_NOTIFICATION,
						       SCMI_PROTO_SENSOR, 0));
	} else if (!strcmp(what, "unknown-notification")) {
		scmi_put32(msg, scmi_hdr(0x0, SCMI_TYPE_NOTIFICATION, 0x14, 0));
	} else if (!strcmp(what, "short-power")) {
		scmi_put32(msg, scmi_hdr(0x0, SCMI_TYPE_NOTIFICATION, SCMI_PROTO_SYSTEM, 0));
	} else {
		return -1;
	}
	backlog_add(m, msg, len, notification);
	evtq_flush(m);
	return 0;
}

static int parse_state(const char *s, uint32_t *state)
{
	static const char *const names[] = {
		"shutdown", "cold-reset", "warm-reset", "power-up", "suspend",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*state = i;
			return 0;
		}
	return -1;
}

static void ctl_exec(void *opaque, struct ctl_dir *c, const char *seq, char *line)
{
	struct model *m = opaque;
	char *argv[8];
	int argc = ctl_split(line, argv, 8);
	uint64_t a, b;
	uint32_t state;
	struct scmi_sensor *s;
	int f;

	if (argc <= 0) {
		ctl_dir_reply(c, seq, "error: empty or too long command");
		return;
	}
	if (!strcmp(argv[0], "fault") && (argc == 2 || argc == 3)) {
		f = parse_fault(argv[1]);
		a = 1;
		if (f < 0 || (argc == 3 && ctl_parse_num(argv[2], false, 1000, &a)) || !a) {
			ctl_dir_reply(c, seq, "error: usage: fault NAME [N]");
			return;
		}
		m->fault = (enum fault)f;
		m->fault_count = (unsigned int)a;
		ctl_dir_reply(c, seq, "ok");
	} else if (!strcmp(argv[0], "inject") && argc == 2) {
		if (inject(m, argv[1]))
			ctl_dir_reply(c, seq, "error: unknown injection %s", argv[1]);
		else
			ctl_dir_reply(c, seq, "ok");
	} else if (!strcmp(argv[0], "power") && (argc == 3 || argc == 4)) {
		a = 0;
		if (parse_state(argv[1], &state) ||
		    (strcmp(argv[2], "graceful") && strcmp(argv[2], "forceful")) ||
		    (argc == 4 && ctl_parse_num(argv[3], false, UINT32_MAX, &a))) {
			ctl_dir_reply(c, seq, "error: usage: power STATE graceful|forceful [TIMEOUT_MS]");
			return;
		}
		if (!scmi_platform_power(&m->p, !strcmp(argv[2], "graceful"), state,
					 (uint32_t)a)) {
			ctl_dir_reply(c, seq, "error: the agent is not subscribed");
			return;
		}
		evtq_flush(m);
		ctl_dir_reply(c, seq, "ok");
	} else if (!strcmp(argv[0], "sensor") && argc == 4) {
		long long v;
		char *end;

		errno = 0;
		v = strtoll(argv[3], &end, 0);
		s = NULL;
		if (!ctl_parse_num(argv[1], false, 255, &a) &&
		    !ctl_parse_num(argv[2], false, SCMI_MAX_AXES - 1, &b) && !errno && !*end)
			s = scmi_platform_sensor(&m->p, (uint32_t)a);
		if (!s) {
			ctl_dir_reply(c, seq, "error: usage: sensor ID AXIS VALUE");
			return;
		}
		scmi_platform_set_value(&m->p, s, (unsigned int)b, v);
		evtq_flush(m);
		ctl_dir_reply(c, seq, "ok");
	} else if ((!strcmp(argv[0], "updates") || !strcmp(argv[0], "reads")) && argc == 2) {
		s = ctl_parse_num(argv[1], false, 255, &a) ? NULL :
		    scmi_platform_sensor(&m->p, (uint32_t)a);
		if (!s) {
			ctl_dir_reply(c, seq, "error: usage: %s ID", argv[0]);
			return;
		}
		ctl_dir_reply(c, seq, "ok %" PRIu64, argv[0][0] == 'u' ? s->seq : s->reads);
	} else if (!strcmp(argv[0], "clock") && argc == 1) {
		ctl_dir_reply(c, seq, "ok %" PRIu64, now_ns() / 1000);
	} else if (!strcmp(argv[0], "stats") && argc == 1) {
		ctl_dir_reply(c, seq,
			      "ok commands=%lu errors=%lu delayed=%lu notifications=%lu dropped=%lu late=%lu p2a=%d subscribed=%d faults=%lu resets=%lu",
			      m->p.commands, m->p.errors, m->p.delayed, m->p.notifications,
			      m->dropped, m->late, m->p.p2a, m->p.system_notify, m->faults,
			      m->resets);
	} else {
		ctl_dir_reply(c, seq, "error: unknown command %s", argv[0]);
	}
}

static void on_ctl(struct vhu_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct model *m = opaque;

	(void)dev;
	(void)fd;
	(void)events;
	ctl_dir_event(m->ctl);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " MODEL_NAME " --socket PATH [--ctl-dir DIR] [--vendor S] [--sub-vendor S]\n"
		"       [--impl-version N] [--late-ms N] [--no-p2a] [--verbose]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "ctl-dir", required_argument, NULL, 'c' },
		{ "vendor", required_argument, NULL, 'V' },
		{ "sub-vendor", required_argument, NULL, 'S' },
		{ "impl-version", required_argument, NULL, 'i' },
		{ "late-ms", required_argument, NULL, 'l' },
		{ "no-p2a", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct model m;
	const char *socket_path = NULL, *ctl_dir = NULL;
	struct vhu_dev_desc desc = {
		.name = MODEL_NAME,
		.virtio_id = VIRTIO_ID_SCMI,
		.num_queues = NUM_QUEUES,
		.features = VHU_BIT(SCMI_F_P2A_CHANNELS),
		.ops = &scmi_ops,
		.priv = &m,
	};
	uint64_t v;
	int c, ret;

	scmi_platform_init(&m.p, emit, &m);
	m.late_ms = 3000;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'c':
			ctl_dir = optarg;
			break;
		case 'V':
			snprintf(m.p.vendor, sizeof(m.p.vendor), "%s", optarg);
			break;
		case 'S':
			snprintf(m.p.sub_vendor, sizeof(m.p.sub_vendor), "%s", optarg);
			break;
		case 'i':
		case 'l':
			if (ctl_parse_num(optarg, false, UINT32_MAX, &v)) {
				fprintf(stderr, MODEL_NAME ": invalid number '%s'\n", optarg);
				return 2;
			}
			if (c == 'i')
				m.p.impl_version = (uint32_t)v;
			else
				m.late_ms = (unsigned int)v;
			break;
		case 'n':
			desc.features = 0;
			break;
		case 'v':
			m.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!socket_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	m.backlog = calloc(BACKLOG_MAX, sizeof(*m.backlog));
	if (!m.backlog)
		return 1;
	ret = vhu_dev_init(&m.dev, &desc);
	if (!ret)
		ret = vhu_dev_catch_signals(&m.dev);
	if (!ret && ctl_dir) {
		ret = ctl_dir_open(&m.ctl, ctl_dir, MODEL_NAME, ctl_exec, &m);
		if (!ret)
			ret = vhu_dev_add_fd(&m.dev, ctl_dir_fd(m.ctl), EPOLLIN, on_ctl, &m);
	}
	if (!ret)
		ret = vhu_dev_add_timer(&m.dev, TICK_NS, TICK_NS, on_tick, &m) < 0;
	if (!ret)
		ret = vhu_dev_listen(&m.dev, socket_path);
	if (ret) {
		fprintf(stderr, MODEL_NAME ": setup failed (%d)\n", ret);
		return 1;
	}
	fprintf(stderr, MODEL_NAME ": listening on %s\n", socket_path);
	ret = vhu_dev_run(&m.dev);
	fprintf(stderr, MODEL_NAME ": %lu commands, %lu errors, %lu delayed, %lu notifications, %lu dropped, %lu late, %lu faults\n",
		m.p.commands, m.p.errors, m.p.delayed, m.p.notifications, m.dropped,
		m.late, m.faults);
	if (m.ctl)
		ctl_dir_close(m.ctl);
	vhu_dev_cleanup(&m.dev);
	free(m.backlog);
	return ret ? 1 : 0;
}
