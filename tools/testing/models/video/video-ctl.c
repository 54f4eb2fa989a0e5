// SPDX-License-Identifier: GPL-2.0
/*
 * va-video-model - control directory commands.
 *
 * The request/reply protocol is the models' shared one (ctl/ctl-dir.h);
 * the guest side client is tools/testing/guest/video-ctl.sh.  Commands act
 * on device 0 (the first --socket) unless prefixed with "dev D":
 *
 *   fault KIND [N]     arm N (default 1) faults of KIND; see
 *                      va-video-model.c for the kinds
 *   fault stream-error S
 *                      at once: stream S closed by the device (standalone
 *                      STREAM_CLOSE with ERROR|STANDALONE)
 *   stats              "ok key=value ...": events (sent), errors (ERROR
 *                      answers), frames (delivered), decoded, canceled,
 *                      commands, faults (fired), resets, events_waiting,
 *                      streams_open, features (negotiated), the stream
 *                      workers' time in microseconds (decode_us, fill_us:
 *                      writing frames into guest pages, wait_input_us,
 *                      wait_output_us: for output resources), and for every
 *                      open stream S: sS.frames sS.decoded sS.errors
 *                      sS.events sS.blocked sS.width sS.height
 *   wait-idle MS       reply "ok" once no stream has input waiting or
 *                      being decoded and no event waits for an eventq
 *                      buffer, on every device; "error: timeout" after MS
 *   quit               end the model
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "video.h"
#include "../ctl/ctl-dir.h"

#define MAX_ARGS	8

struct vm_wait {
	struct vm_wait *next;
	char seq[CTL_SEQ_MAX + 1];
	uint64_t deadline;
};

struct vm_ctl {
	struct ctl_dir *dir;
	struct vm_wait *waits;
};

static void reply(struct vm_model *m, const char *seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply(struct vm_model *m, const char *seq, const char *fmt, ...)
{
	char line[CTL_RSP_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (m->verbose)
		fprintf(stderr, VM_NAME ": ctl %s <- %s\n", seq, line);
	ctl_dir_reply(m->ctl->dir, seq, "%s", line);
}

static bool all_idle(struct vm_model *m)
{
	unsigned int i;

	for (i = 0; i < m->ndev; i++)
		if (!vm_dev_idle(m->devs[i]))
			return false;
	return true;
}

static void execute(void *opaque, struct ctl_dir *dir, const char *seq, char *line)
{
	struct vm_model *m = opaque;
	char *argv[MAX_ARGS + 1], out[CTL_RSP_MAX - 16];
	struct vm_dev *d;
	const char *why = NULL;
	uint64_t v, n = 1;
	int argc, a = 0;

	(void)dir;
	if (m->verbose)
		fprintf(stderr, VM_NAME ": ctl %s -> %s\n", seq, line);
	argc = ctl_split(line, argv, MAX_ARGS + 1);
	if (argc < 0) {
		reply(m, seq, "error: too many arguments");
		return;
	}
	if (!argc) {
		reply(m, seq, "error: empty request");
		return;
	}
	d = m->devs[0];
	if (!strcmp(argv[0], "dev")) {
		if (argc < 3 || ctl_parse_num(argv[1], false, m->ndev - 1, &v)) {
			reply(m, seq, "error: usage: dev D COMMAND... (devices 0..%u)",
			      m->ndev - 1);
			return;
		}
		d = m->devs[v];
		a = 2;
	}
	argc -= a;
	if (!strcmp(argv[a], "fault")) {
		enum vm_fault f;

		if (argc < 2 || argc > 3) {
			reply(m, seq, "error: usage: fault KIND [N] | fault stream-error S");
			return;
		}
		f = vm_fault_parse(argv[a + 1]);
		if (!f) {
			reply(m, seq, "error: unknown fault kind '%.64s'", argv[a + 1]);
			return;
		}
		if (f == VM_FAULT_STREAM_ERROR && argc != 3) {
			reply(m, seq, "error: usage: fault stream-error S");
			return;
		}
		if (argc == 3 && ctl_parse_num(argv[a + 2], false, 1000000, &n)) {
			reply(m, seq, "error: invalid count '%.64s'", argv[a + 2]);
			return;
		}
		if (vm_dev_fault(d, f, n, &why))
			reply(m, seq, "error: %s", why);
		else
			reply(m, seq, "ok");
	} else if (!strcmp(argv[a], "stats") && argc == 1) {
		vm_dev_stats(d, out, sizeof(out));
		reply(m, seq, "ok %s", out);
	} else if (!strcmp(argv[a], "wait-idle") && argc == 2) {
		struct vm_wait *w;

		if (ctl_parse_num(argv[a + 1], false, 3600000, &v)) {
			reply(m, seq, "error: invalid timeout '%.64s'", argv[a + 1]);
			return;
		}
		if (all_idle(m)) {
			reply(m, seq, "ok");
			return;
		}
		w = calloc(1, sizeof(*w));
		if (!w) {
			reply(m, seq, "error: out of memory");
			return;
		}
		snprintf(w->seq, sizeof(w->seq), "%s", seq);
		w->deadline = vm_now_ns() + v * 1000000ULL;
		w->next = m->ctl->waits;
		m->ctl->waits = w;
	} else if (!strcmp(argv[a], "quit") && argc == 1) {
		m->quit = true;
		reply(m, seq, "ok");
	} else {
		reply(m, seq, "error: unknown command or usage '%.64s' (fault, stats, wait-idle, quit)",
		      argv[a]);
	}
}

void vm_ctl_check_waits(struct vm_model *m)
{
	struct vm_ctl *ctl = m->ctl;
	struct vm_wait **pw, *w;
	uint64_t now;
	bool idle;

	if (!ctl || !ctl->waits)
		return;
	idle = all_idle(m);
	now = vm_now_ns();
	pw = &ctl->waits;
	while ((w = *pw)) {
		if (!idle && now < w->deadline) {
			pw = &w->next;
			continue;
		}
		reply(m, w->seq, idle ? "ok" : "error: timeout");
		*pw = w->next;
		free(w);
	}
}

uint64_t vm_ctl_next_deadline(struct vm_model *m)
{
	uint64_t best = 0;
	struct vm_wait *w;

	if (!m->ctl)
		return 0;
	for (w = m->ctl->waits; w; w = w->next)
		if (!best || w->deadline < best)
			best = w->deadline;
	return best;
}

int vm_ctl_fd(struct vm_model *m)
{
	return m->ctl ? ctl_dir_fd(m->ctl->dir) : -1;
}

void vm_ctl_event(struct vm_model *m)
{
	ctl_dir_event(m->ctl->dir);
}

int vm_ctl_open(struct vm_model *m, const char *dir)
{
	struct vm_ctl *ctl = calloc(1, sizeof(*ctl));
	int ret;

	if (!ctl)
		return -ENOMEM;
	m->ctl = ctl;
	ret = ctl_dir_open(&ctl->dir, dir, VM_NAME, execute, m);
	if (ret) {
		m->ctl = NULL;
		free(ctl);
	}
	return ret;
}

void vm_ctl_close(struct vm_model *m)
{
	struct vm_ctl *ctl = m->ctl;
	struct vm_wait *w;

	if (!ctl)
		return;
	while ((w = ctl->waits)) {
		ctl->waits = w->next;
		reply(m, w->seq, "error: model exiting");
		free(w);
	}
	ctl_dir_close(ctl->dir);
	free(ctl);
	m->ctl = NULL;
}
