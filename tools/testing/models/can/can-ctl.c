// SPDX-License-Identifier: GPL-2.0
/*
 * va-can-model - file based control interface.
 *
 * The request/reply protocol is the models' shared one (ctl/ctl-dir.h):
 * the client renames DIR/.req-SEQ.tmp to DIR/req-SEQ and the model answers
 * with one line in DIR/rsp-SEQ: "ok", "ok <data>" or "error: <reason>".
 * "wait" replies later; other requests are served meanwhile.
 *
 * Commands (D: device index from 0; numbers decimal or 0x hex):
 *   busoff D             status |= BUSOFF, STOPPED, pending TX NOT_OK,
 *                        config change (the driver recovers with START)
 *   status D VALUE       raw le16 status + config change, state unchanged
 *   txfail D N           next N valid TX requests NOT_OK, not sent
 *   txresult D VALUE N   next N TX requests answered VALUE, not sent
 *   txdelay D MS         complete each TX request MS ms after it arrived
 *   txhold D on|off      complete no TX request until off (STOP, bus-off,
 *                        reset end the hold)
 *   flood D N|inf [classic|fd|mixed] [ID]
 *                        N frames into D's RX as buffers come; frame k:
 *                        bytes 0..3 k (le32), byte i (k + i) & 0xff;
 *                        "flood D 0" stops
 *   rx D ID LEN [FLAGS]  one raw frame, payload byte i = i, as much as fits
 *                        (FLAGS hex, unchecked; default EXTENDED if
 *                        ID > 0x7ff, FD if LEN > 8)
 *   malformed D KIND     one shot: RX short len-over len-trunc flags type
 *                        fd-unneg rtr-unneg id-range rtr-fd rx-dup
 *                        rx-unknown, TX tx-dup tx-unknown tx-len0, control
 *                        ctrl-silent ctrl-fail ctrl-result
 *   state D              "ok started|stopped status=0xNNNN features=0xNN"
 *   stats D              "ok key=value ..." (see can_format_stats())
 *   wait D started|stopped MS
 *   quit
 * RX injections, flood and RX faults are delivered only while D is
 * STARTED; a reset (or front-end disconnect) drops them.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "can.h"
#include "../ctl/ctl-dir.h"

#define MAX_ARGS	8
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct can_wait {
	struct can_wait *next;
	char seq[CTL_SEQ_MAX + 1];
	struct can_dev *dev;
	bool want_started;
	uint64_t deadline;
};

struct can_ctl {
	struct ctl_dir *dir;
	struct can_wait *waits;
};

/* Command results besides 0 (reply "ok [out]") and -1 ("error: out"). */
#define CMD_DEFERRED	1

struct cmd_ctx {
	struct can_bus *bus;
	const char *seq;
	int argc;		/* arguments after the command name */
	char **argv;
	char *out;
	size_t outsz;
};

static int fail(struct cmd_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct cmd_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->out, c->outsz, fmt, ap);
	va_end(ap);
	return -1;
}

static void reply(struct can_bus *bus, const char *seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply(struct can_bus *bus, const char *seq, const char *fmt, ...)
{
	char line[CTL_RSP_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	can_dbg(bus, "ctl %s <- %s", seq, line);
	ctl_dir_reply(bus->ctl->dir, seq, "%s", line);
}

/* ---- argument parsing -------------------------------------------------- */

static struct can_dev *arg_dev(struct cmd_ctx *c, int i)
{
	uint64_t v;

	if (ctl_parse_num(c->argv[i], false, UINT32_MAX, &v) || v >= c->bus->ndev) {
		fail(c, "no device '%s' (devices 0..%u)", c->argv[i], c->bus->ndev - 1);
		return NULL;
	}
	return c->bus->devs[v];
}

static int arg_num(struct cmd_ctx *c, int i, bool hex, uint64_t max,
		   const char *what, uint64_t *v)
{
	if (ctl_parse_num(c->argv[i], hex, max, v))
		return fail(c, "invalid %s '%s' (max %#" PRIx64 ")", what, c->argv[i], max);
	return 0;
}

/* ---- commands ---------------------------------------------------------- */

static int cmd_busoff(struct cmd_ctx *c, struct can_dev *d)
{
	(void)c;
	can_busoff(d);
	return 0;
}

static int cmd_status(struct cmd_ctx *c, struct can_dev *d)
{
	uint64_t v;

	if (arg_num(c, 1, false, 0xffff, "status", &v))
		return -1;
	can_set_status(d, v, true);
	return 0;
}

static int cmd_txfail(struct cmd_ctx *c, struct can_dev *d)
{
	uint64_t n;

	if (arg_num(c, 1, false, ULONG_MAX, "count", &n))
		return -1;
	d->txfail_left = n;
	return 0;
}

static int cmd_txresult(struct cmd_ctx *c, struct can_dev *d)
{
	uint64_t v, n;

	if (arg_num(c, 1, false, 0xff, "result", &v) ||
	    arg_num(c, 2, false, ULONG_MAX, "count", &n))
		return -1;
	d->txresult_val = v;
	d->txresult_left = n;
	return 0;
}

static int cmd_txdelay(struct cmd_ctx *c, struct can_dev *d)
{
	uint64_t ms;

	if (arg_num(c, 1, false, 3600000, "delay", &ms))
		return -1;
	d->txdelay_ms = ms;
	return 0;
}

static int cmd_txhold(struct cmd_ctx *c, struct can_dev *d)
{
	if (!strcmp(c->argv[1], "on"))
		can_txhold(d, true);
	else if (!strcmp(c->argv[1], "off"))
		can_txhold(d, false);
	else
		return fail(c, "txhold takes on or off, not '%s'", c->argv[1]);
	return 0;
}

static int cmd_flood(struct cmd_ctx *c, struct can_dev *d)
{
	enum can_flood_kind kind = FLOOD_CLASSIC;
	uint64_t n = 0, id = 0x123;
	bool inf = !strcmp(c->argv[1], "inf");
	const char *why;
	int i = 2;

	if (!inf && arg_num(c, 1, false, UINT64_MAX, "count", &n))
		return -1;
	if (i < c->argc) {
		if (!strcmp(c->argv[i], "classic")) {
			i++;
		} else if (!strcmp(c->argv[i], "fd")) {
			kind = FLOOD_FD;
			i++;
		} else if (!strcmp(c->argv[i], "mixed")) {
			kind = FLOOD_MIXED;
			i++;
		}
	}
	if (i < c->argc && arg_num(c, i++, false, CAN_EFF_MASK, "id", &id))
		return -1;
	if (i < c->argc)
		return fail(c, "unexpected '%s'", c->argv[i]);
	if (can_flood(d, n, inf, kind, id, &why))
		return fail(c, "%s", why);
	return 0;
}

static int cmd_rx(struct cmd_ctx *c, struct can_dev *d)
{
	uint64_t id, len, flags;

	if (arg_num(c, 1, false, UINT32_MAX, "id", &id) ||
	    arg_num(c, 2, false, 0xffff, "length", &len))
		return -1;
	if (c->argc > 3) {
		if (arg_num(c, 3, true, UINT32_MAX, "flags", &flags))
			return -1;
	} else {
		flags = id > CAN_SFF_MASK ? VIRTIO_CAN_FLAGS_EXTENDED : 0;
		if (len > CAN_MAX_DLEN)
			flags |= VIRTIO_CAN_FLAGS_FD;
	}
	if (can_inject(d, id, len, flags))
		return fail(c, "%d injected frames already pending", CAN_MAX_INJECT);
	return 0;
}

static int cmd_malformed(struct cmd_ctx *c, struct can_dev *d)
{
	enum can_fault f = can_fault_parse(c->argv[1]);
	const char *why;

	if (!f)
		return fail(c, "unknown fault kind '%s'", c->argv[1]);
	if (can_fault_arm(d, f, &why))
		return fail(c, "%s", why);
	return 0;
}

static int cmd_state(struct cmd_ctx *c, struct can_dev *d)
{
	snprintf(c->out, c->outsz, "%s status=0x%04x features=0x%02" PRIx64,
		 d->started ? "started" : "stopped", d->status, can_dev_negotiated(d));
	return 0;
}

static int cmd_stats(struct cmd_ctx *c, struct can_dev *d)
{
	can_format_stats(d, c->out, c->outsz);
	return 0;
}

static int cmd_wait(struct cmd_ctx *c, struct can_dev *d)
{
	struct can_ctl *ctl = c->bus->ctl;
	struct can_wait *w;
	bool want;
	uint64_t ms;

	if (!strcmp(c->argv[1], "started"))
		want = true;
	else if (!strcmp(c->argv[1], "stopped"))
		want = false;
	else
		return fail(c, "wait for started or stopped, not '%s'", c->argv[1]);
	if (arg_num(c, 2, false, 3600000, "timeout", &ms))
		return -1;
	if (d->started == want)
		return 0;
	w = calloc(1, sizeof(*w));
	if (!w)
		return fail(c, "out of memory");
	snprintf(w->seq, sizeof(w->seq), "%s", c->seq);
	w->dev = d;
	w->want_started = want;
	w->deadline = can_now_ns() + ms * 1000000ULL;
	w->next = ctl->waits;
	ctl->waits = w;
	return CMD_DEFERRED;
}

static int cmd_quit(struct cmd_ctx *c, struct can_dev *d)
{
	(void)d;
	c->bus->quit = true;
	return 0;
}

static const struct ctl_cmd {
	const char *name;
	int min_args, max_args;		/* after the name, including D */
	bool has_dev;
	const char *usage;
	int (*fn)(struct cmd_ctx *c, struct can_dev *d);
} cmds[] = {
	{ "busoff", 1, 1, true, "busoff D", cmd_busoff },
	{ "status", 2, 2, true, "status D VALUE", cmd_status },
	{ "txfail", 2, 2, true, "txfail D N", cmd_txfail },
	{ "txresult", 3, 3, true, "txresult D VALUE N", cmd_txresult },
	{ "txdelay", 2, 2, true, "txdelay D MS", cmd_txdelay },
	{ "txhold", 2, 2, true, "txhold D on|off", cmd_txhold },
	{ "flood", 2, 4, true, "flood D N|inf [classic|fd|mixed] [ID]", cmd_flood },
	{ "rx", 3, 4, true, "rx D ID LEN [FLAGS]", cmd_rx },
	{ "malformed", 2, 2, true, "malformed D KIND", cmd_malformed },
	{ "state", 1, 1, true, "state D", cmd_state },
	{ "stats", 1, 1, true, "stats D", cmd_stats },
	{ "wait", 3, 3, true, "wait D started|stopped MS", cmd_wait },
	{ "quit", 0, 0, false, "quit", cmd_quit },
};

static void execute(void *opaque, struct ctl_dir *dir, const char *seq, char *line)
{
	char *argv[MAX_ARGS + 1], out[CTL_RSP_MAX - 16] = "";
	struct can_bus *bus = opaque;
	struct cmd_ctx c = { .bus = bus, .seq = seq, .out = out, .outsz = sizeof(out) };
	const struct ctl_cmd *cmd = NULL;
	struct can_dev *d = NULL;
	int argc, ret;
	unsigned int i;

	(void)dir;
	can_dbg(bus, "ctl %s -> %s", seq, line);
	argc = ctl_split(line, argv, MAX_ARGS + 1);
	if (argc < 0) {
		reply(bus, seq, "error: too many arguments");
		return;
	}
	if (!argc) {
		reply(bus, seq, "error: empty request");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[0], cmds[i].name))
			cmd = &cmds[i];
	if (!cmd) {
		reply(bus, seq, "error: unknown command '%.64s'", argv[0]);
		return;
	}
	c.argc = argc - 1;
	c.argv = argv + 1;
	if (c.argc < cmd->min_args || c.argc > cmd->max_args) {
		reply(bus, seq, "error: usage: %s", cmd->usage);
		return;
	}
	if (cmd->has_dev) {
		d = arg_dev(&c, 0);
		if (!d) {
			reply(bus, seq, "error: %s", out);
			return;
		}
	}
	ret = cmd->fn(&c, d);
	if (ret == CMD_DEFERRED)
		return;
	if (ret < 0)
		reply(bus, seq, "error: %s", out);
	else if (*out)
		reply(bus, seq, "ok %s", out);
	else
		reply(bus, seq, "ok");
}

/* ---- waits and set-up -------------------------------------------------- */

void can_ctl_check_waits(struct can_bus *bus)
{
	struct can_ctl *ctl = bus->ctl;
	struct can_wait **pw, *w;
	uint64_t now;

	if (!ctl)
		return;
	now = can_now_ns();
	pw = &ctl->waits;
	while ((w = *pw)) {
		if (w->dev->started != w->want_started && now < w->deadline) {
			pw = &w->next;
			continue;
		}
		if (w->dev->started == w->want_started)
			reply(bus, w->seq, "ok");
		else
			reply(bus, w->seq, "error: timeout");
		*pw = w->next;
		free(w);
	}
}

uint64_t can_ctl_next_deadline(struct can_bus *bus)
{
	uint64_t best = 0;
	struct can_wait *w;

	if (!bus->ctl)
		return 0;
	for (w = bus->ctl->waits; w; w = w->next)
		if (!best || w->deadline < best)
			best = w->deadline;
	return best;
}

int can_ctl_fd(struct can_bus *bus)
{
	return bus->ctl ? ctl_dir_fd(bus->ctl->dir) : -1;
}

void can_ctl_event(struct can_bus *bus)
{
	ctl_dir_event(bus->ctl->dir);
}

int can_ctl_open(struct can_bus *bus, const char *dir)
{
	struct can_ctl *ctl;
	int ret;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	/* requests already in @dir run before ctl_dir_open() returns */
	bus->ctl = ctl;
	ret = ctl_dir_open(&ctl->dir, dir, CAN_MODEL_NAME, execute, bus);
	if (ret) {
		bus->ctl = NULL;
		free(ctl);
	}
	return ret;
}

void can_ctl_close(struct can_bus *bus)
{
	struct can_ctl *ctl = bus->ctl;
	struct can_wait *w;

	if (!ctl)
		return;
	while ((w = ctl->waits)) {
		ctl->waits = w->next;
		reply(bus, w->seq, "error: model exiting");
		free(w);
	}
	ctl_dir_close(ctl->dir);
	free(ctl);
	bus->ctl = NULL;
}
