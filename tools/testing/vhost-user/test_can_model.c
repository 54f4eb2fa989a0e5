// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end test of va-can-model without QEMU: the test starts the model
 * binary (next to this test binary) with two devices on one bus
 * (dev0: all features, dev1: classic only) and a control directory, and
 * plays the vhost-user front-end and the virtio-can driver of both.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_common.h"

#define QNUM		16
#define NDEV		2
#define TXQ		0
#define RXQ		1
#define CTRLQ		2

#define F_CLASSIC	0x1ULL
#define F_FD		0x2ULL
#define F_RTR		0x4ULL
#define F_LATE		0x8ULL

#define FL_EXT		0x8000
#define FL_FD		0x4000
#define FL_RTR		0x2000

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define OK		0
#define NOT_OK		1

/* guest memory layout of one device: rings per queue, then buffers */
#define RING_OFF(q)	((q) * 0x1000u)
#define DESC_OFF(q)	RING_OFF(q)
#define AVAIL_OFF(q)	(RING_OFF(q) + 0x400)
#define USED_OFF(q)	(RING_OFF(q) + 0x800)
#define BUF_OFF(q, s)	(0x10000u + (q) * 0x10000u + (s) * 0x100u)

static char model_path[PATH_MAX];

struct drv_vq {
	uint16_t avail_idx, used_seen;
	int kick, call;
};

struct fdev {
	char sock_path[108];
	int sock, backend;
	struct guest g;
	struct drv_vq q[3];
};

struct fx {
	char dir[64], ctl[96], log_path[96], err_path[96];
	pid_t pid;
	unsigned int seq;
	struct fdev d[NDEV];
};

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- driver side of the rings ------------------------------------------ */

static uint8_t *buf(struct fdev *d, unsigned int q, unsigned int slot)
{
	return d->g.base + BUF_OFF(q, slot);
}

static void desc(struct fdev *d, unsigned int q, unsigned int i, uint32_t off,
		 uint32_t len, uint16_t flags, uint16_t next)
{
	g_desc_at(&d->g, DESC_OFF(q), i, g_gpa(off), len, flags, next);
}

static void avail_push(struct fdev *d, unsigned int q, uint16_t head)
{
	struct vhu_vring_avail *a = (void *)(d->g.base + AVAIL_OFF(q));
	struct drv_vq *v = &d->q[q];
	uint64_t one = 1;

	a->ring[v->avail_idx % QNUM] = htole16(head);
	v->avail_idx++;
	__atomic_store_n(&a->idx, htole16(v->avail_idx), __ATOMIC_RELEASE);
	assert_int_equal(write(v->kick, &one, sizeof(one)), sizeof(one));
}

static uint16_t used_idx(struct fdev *d, unsigned int q)
{
	struct vhu_vring_used *u = (void *)(d->g.base + USED_OFF(q));

	return le16toh(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE));
}

/* Wait up to @ms for a new used element; false if none came. */
static bool used_wait(struct fdev *d, unsigned int q, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i <= ms * 10; i++) {
		if (used_idx(d, q) != d->q[q].used_seen)
			return true;
		usleep(100);
	}
	return false;
}

static struct vhu_vring_used_elem used_take(struct fdev *d, unsigned int q)
{
	struct vhu_vring_used *u = (void *)(d->g.base + USED_OFF(q));
	struct vhu_vring_used_elem e;

	assert_true(used_wait(d, q, 2000));
	e = u->ring[d->q[q].used_seen++ % QNUM];
	e.id = le32toh(e.id);
	e.len = le32toh(e.len);
	return e;
}

static void hdr(uint8_t *b, uint16_t type, uint16_t len, uint32_t flags, uint32_t id)
{
	memset(b, 0, 16);
	b[0] = type & 0xff;
	b[1] = type >> 8;
	b[2] = len & 0xff;
	b[3] = len >> 8;
	b[8] = flags & 0xff;
	b[9] = (flags >> 8) & 0xff;
	b[10] = (flags >> 16) & 0xff;
	b[11] = flags >> 24;
	b[12] = id & 0xff;
	b[13] = (id >> 8) & 0xff;
	b[14] = (id >> 16) & 0xff;
	b[15] = id >> 24;
}

/* Queue a TX request in @slot (0..7) with @out_len readable bytes. */
static void tx_post(struct fdev *d, unsigned int slot, uint16_t type, uint16_t len,
		    uint32_t flags, uint32_t id, uint32_t out_len)
{
	uint8_t *b = buf(d, TXQ, slot);
	unsigned int i;

	hdr(b, type, len, flags, id);
	for (i = 0; i < 64; i++)
		b[16 + i] = 0xa0 + i;
	b[0x80] = 0xee;
	desc(d, TXQ, 2 * slot, BUF_OFF(TXQ, slot), out_len, VRING_DESC_F_NEXT, 2 * slot + 1);
	desc(d, TXQ, 2 * slot + 1, BUF_OFF(TXQ, slot) + 0x80, 1, VRING_DESC_F_WRITE, 0);
	avail_push(d, TXQ, 2 * slot);
}

/* Collect one TX completion; returns the result byte, checks id/len. */
static int tx_done(struct fdev *d, unsigned int slot)
{
	struct vhu_vring_used_elem e = used_take(d, TXQ);

	assert_int_equal(e.id, 2 * slot);
	assert_int_equal(e.len, 1);
	return buf(d, TXQ, slot)[0x80];
}

static int tx(struct fdev *d, uint16_t len, uint32_t flags, uint32_t id)
{
	uint32_t plen = flags & FL_RTR ? 0 : len;

	tx_post(d, 0, 0x0001, len, flags, id, 16 + plen);
	return tx_done(d, 0);
}

static void rx_post(struct fdev *d, unsigned int slot, uint32_t len)
{
	memset(buf(d, RXQ, slot), 0xcc, 0x100);
	desc(d, RXQ, slot, BUF_OFF(RXQ, slot), len, VRING_DESC_F_WRITE, 0);
	avail_push(d, RXQ, slot);
}

static void ctrl_post(struct fdev *d, unsigned int slot, uint16_t type)
{
	uint8_t *b = buf(d, CTRLQ, slot);

	b[0] = type & 0xff;
	b[1] = type >> 8;
	b[0x80] = 0xee;
	desc(d, CTRLQ, 2 * slot, BUF_OFF(CTRLQ, slot), 2, VRING_DESC_F_NEXT, 2 * slot + 1);
	desc(d, CTRLQ, 2 * slot + 1, BUF_OFF(CTRLQ, slot) + 0x80, 1, VRING_DESC_F_WRITE, 0);
	avail_push(d, CTRLQ, 2 * slot);
}

static int ctrl_done(struct fdev *d, unsigned int slot)
{
	struct vhu_vring_used_elem e = used_take(d, CTRLQ);

	assert_int_equal(e.id, 2 * slot);
	assert_int_equal(e.len, 1);
	return buf(d, CTRLQ, slot)[0x80];
}

static int ctrl(struct fdev *d, uint16_t type)
{
	ctrl_post(d, 0, type);
	return ctrl_done(d, 0);
}

#define START	0x0201
#define STOP	0x0202

/* ---- front-end side ---------------------------------------------------- */

static uint64_t xchg(struct fdev *d, uint32_t req, const void *p, uint32_t size,
		     const int *fds, unsigned int nfds)
{
	struct vhu_msg_hdr h;
	uint64_t v = ~0ull;

	assert_int_equal(fe_send(d->sock, req, VHU_VERSION | VHU_FLAG_NEED_REPLY, p, size,
				 fds, nfds), 0);
	assert_int_equal(fe_recv(d->sock, &h, &v, sizeof(v)), 8);
	assert_int_equal(h.request, req);
	return v;
}

static uint64_t get(struct fdev *d, uint32_t req)
{
	struct vhu_msg_hdr h;
	uint64_t v = 0;

	assert_int_equal(fe_send(d->sock, req, VHU_VERSION, NULL, 0, NULL, 0), 0);
	assert_int_equal(fe_recv(d->sock, &h, &v, sizeof(v)), 8);
	return v;
}

static uint16_t get_status(struct fdev *d)
{
	struct vhu_msg_config c = { .offset = 0, .size = 2 }, r;
	struct vhu_msg_hdr h;

	assert_int_equal(fe_send(d->sock, VHU_GET_CONFIG, VHU_VERSION, &c,
				 VHU_CONFIG_HDR_SIZE + 2, NULL, 0), 0);
	assert_int_equal(fe_recv(d->sock, &h, &r, sizeof(r)), VHU_CONFIG_HDR_SIZE + 2);
	return r.region[0] | r.region[1] << 8;
}

static void bring_up(struct fx *f, unsigned int i, uint64_t want)
{
	struct fdev *d = &f->d[i];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vhu_msg_mem_reg r = { 0, { G_GPA, G_SIZE, G_UADDR, 0 } };
	struct vhu_msg_state s;
	uint64_t feat, pf, u = 0;
	unsigned int q;
	int sp[2];

	d->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->sock_path);
	assert_int_equal(connect(d->sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	guest_teardown(&d->g);
	assert_int_equal(guest_create(&d->g, QNUM), 0);
	vhu_vq_init(&d->g.vq, 0, NULL, NULL);	/* no fds to close */
	memset(d->q, 0, sizeof(d->q));
	for (q = 0; q < 3; q++) {
		d->q[q].kick = -1;
		d->q[q].call = -1;
	}

	feat = get(d, VHU_GET_FEATURES);
	assert_true(feat & VHU_BIT(VIRTIO_F_VERSION_1));
	pf = get(d, VHU_GET_PROTOCOL_FEATURES);
	assert_true(pf & VHU_BIT(VHU_PROTOCOL_F_CONFIG));
	pf &= VHU_BIT(VHU_PROTOCOL_F_CONFIG) | VHU_BIT(VHU_PROTOCOL_F_BACKEND_REQ) |
	      VHU_BIT(VHU_PROTOCOL_F_MQ) | VHU_BIT(VHU_PROTOCOL_F_CONFIGURE_MEM_SLOTS);
	assert_int_equal(xchg(d, VHU_SET_PROTOCOL_FEATURES, &pf, 8, NULL, 0), 0);
	assert_int_equal(get(d, VHU_GET_QUEUE_NUM), 3);
	feat = (feat & want & 0xf) | VHU_BIT(VIRTIO_F_VERSION_1) |
	       VHU_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	assert_int_equal(xchg(d, VHU_SET_FEATURES, &feat, 8, NULL, 0), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(xchg(d, VHU_SET_BACKEND_REQ_FD, NULL, 0, &sp[1], 1), 0);
	close(sp[1]);
	d->backend = sp[0];
	assert_int_equal(xchg(d, VHU_ADD_MEM_REG, &r, sizeof(r), &d->g.fd, 1), 0);
	for (q = 0; q < 3; q++) {
		struct vhu_msg_addr a = { q, 0, g_uaddr(DESC_OFF(q)), g_uaddr(USED_OFF(q)),
					  g_uaddr(AVAIL_OFF(q)), 0 };

		d->q[q].kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		d->q[q].call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		s = (struct vhu_msg_state){ q, QNUM };
		assert_int_equal(xchg(d, VHU_SET_VRING_NUM, &s, 8, NULL, 0), 0);
		s.num = 0;
		assert_int_equal(xchg(d, VHU_SET_VRING_BASE, &s, 8, NULL, 0), 0);
		assert_int_equal(xchg(d, VHU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0), 0);
		u = q;
		assert_int_equal(xchg(d, VHU_SET_VRING_KICK, &u, 8, &d->q[q].kick, 1), 0);
		assert_int_equal(xchg(d, VHU_SET_VRING_CALL, &u, 8, &d->q[q].call, 1), 0);
		s.num = 1;
		assert_int_equal(xchg(d, VHU_SET_VRING_ENABLE, &s, 8, NULL, 0), 0);
	}
}

static void drop(struct fdev *d)
{
	unsigned int q;

	if (d->sock >= 0)
		close(d->sock);
	if (d->backend >= 0)
		close(d->backend);
	d->sock = -1;
	d->backend = -1;
	for (q = 0; q < 3; q++) {
		if (d->q[q].kick >= 0)
			close(d->q[q].kick);
		if (d->q[q].call >= 0)
			close(d->q[q].call);
		d->q[q].kick = -1;
		d->q[q].call = -1;
	}
}

/* ---- control directory ------------------------------------------------- */

static const char *ctl_send(struct fx *f, const char *fmt, va_list ap, char *seq,
			    size_t seqsz)
{
	char tmp[256], path[256], line[256];
	FILE *fp;

	vsnprintf(line, sizeof(line), fmt, ap);
	snprintf(seq, seqsz, "t%u", ++f->seq);
	snprintf(tmp, sizeof(tmp), "%s/.req-%s.tmp", f->ctl, seq);
	snprintf(path, sizeof(path), "%s/req-%s", f->ctl, seq);
	fp = fopen(tmp, "w");
	assert_non_null(fp);
	fprintf(fp, "%s\n", line);
	fclose(fp);
	assert_int_equal(rename(tmp, path), 0);
	return seq;
}

/* Read the reply to @seq (waiting up to @ms); NULL on timeout. */
static char *ctl_reply(struct fx *f, const char *seq, unsigned int ms)
{
	static char rsp[1024];
	char path[256];
	unsigned int i;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/rsp-%s", f->ctl, seq);
	for (i = 0; i < ms; i++) {
		fp = fopen(path, "r");
		if (fp) {
			if (!fgets(rsp, sizeof(rsp), fp))
				rsp[0] = '\0';
			fclose(fp);
			unlink(path);
			rsp[strcspn(rsp, "\n")] = '\0';
			return rsp;
		}
		msleep(1);
	}
	return NULL;
}

static char *ctl(struct fx *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static char *ctl(struct fx *f, const char *fmt, ...)
{
	char seq[32], *r;
	va_list ap;

	va_start(ap, fmt);
	ctl_send(f, fmt, ap, seq, sizeof(seq));
	va_end(ap);
	r = ctl_reply(f, seq, 3000);
	assert_non_null(r);
	return r;
}

static char *ctl_async(struct fx *f, char *seq, size_t seqsz, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static char *ctl_async(struct fx *f, char *seq, size_t seqsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_send(f, fmt, ap, seq, seqsz);
	va_end(ap);
	return seq;
}

/* Value of counter @key in "stats D". */
static long stat_of(struct fx *f, unsigned int dev, const char *key)
{
	char *r = ctl(f, "stats %u", dev), pat[64], *p;

	assert_true(!strncmp(r, "ok ", 3));
	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(r, pat);
	assert_non_null(p);
	return strtol(p + strlen(pat), NULL, 10);
}

/* ---- fixture ----------------------------------------------------------- */

/* Start the model with @args (NULL terminated, without argv[0]). */
static pid_t spawn(const char *const *args, const char *err_path)
{
	const char *argv[32] = { model_path };
	unsigned int n;
	pid_t pid;

	for (n = 0; args[n] && n < 30; n++)
		argv[n + 1] = args[n];
	pid = fork();
	if (pid == 0) {
		int fd = open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(model_path, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct stat st;
	unsigned int i, n;

	snprintf(f->dir, sizeof(f->dir), "/tmp/vhu-can-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->ctl, sizeof(f->ctl), "%s/ctl", f->dir);
	snprintf(f->log_path, sizeof(f->log_path), "%s/bus.log", f->dir);
	snprintf(f->err_path, sizeof(f->err_path), "%s/model.err", f->dir);
	for (i = 0; i < NDEV; i++) {
		snprintf(f->d[i].sock_path, sizeof(f->d[i].sock_path), "%s/can%u.sock",
			 f->dir, i);
		f->d[i].sock = -1;
		f->d[i].backend = -1;
		f->d[i].g.fd = -1;
		vhu_vq_init(&f->d[i].g.vq, 0, NULL, NULL);
		for (n = 0; n < 3; n++) {
			f->d[i].q[n].kick = -1;
			f->d[i].q[n].call = -1;
		}
	}
	{
		const char * const args[] = {
			"--socket", f->d[0].sock_path, "--features", "classic",
			"--socket", f->d[1].sock_path, "--ctl-dir", f->ctl,
			"--log", f->log_path, NULL
		};

		f->pid = spawn(args, f->err_path);
	}
	for (n = 0; n < 500; n++) {
		if (!stat(f->d[NDEV - 1].sock_path, &st) && !stat(f->ctl, &st))
			break;
		msleep(10);
	}
	*state = f;
	return n == 500 ? -1 : 0;
}

/*
 * End the model with SIGTERM: it must exit 0 (under ASan this also checks
 * for leaks); otherwise show its stderr and fail.
 */
static int stop_model(struct fx *f)
{
	int status = -1, i;
	char line[512];
	FILE *fp;

	if (f->pid <= 0)
		return 0;
	kill(f->pid, SIGTERM);
	for (i = 0; i < 300; i++) {
		if (waitpid(f->pid, &status, WNOHANG) == f->pid)
			break;
		msleep(10);
	}
	if (i == 300) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, &status, 0);
	}
	f->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "va-can-model did not exit cleanly (status 0x%x):\n", status);
	fp = fopen(f->err_path, "r");
	while (fp && fgets(line, sizeof(line), fp))
		fputs(line, stderr);
	if (fp)
		fclose(fp);
	return -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];
	unsigned int i;
	int ret = stop_model(f);

	for (i = 0; i < NDEV; i++) {
		drop(&f->d[i]);
		guest_teardown(&f->d[i].g);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		ret = -1;
	free(f);
	return ret;
}

/* Both devices up with everything they offer, both STARTED. */
static void up_started(struct fx *f)
{
	bring_up(f, 0, ~0ULL);
	bring_up(f, 1, ~0ULL);
	assert_int_equal(ctrl(&f->d[0], START), OK);
	assert_int_equal(ctrl(&f->d[1], START), OK);
}

/* ---- tests ------------------------------------------------------------- */

static int run_status(const char *const *args)
{
	int status;
	pid_t pid = spawn(args, "/dev/null");

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_command_line(void **state)
{
	static const char * const rtr[] = { "--features", "rtr", "--socket", "/tmp/x", NULL };
	static const char * const empty[] = { "--features", "", "--socket", "/tmp/x", NULL };
	static const char * const unknown[] = { "--features", "classic+xl", "--socket", "/tmp/x",
						NULL };
	static const char * const nosock[] = { "--features", "fd", NULL };
	static const char * const none[] = { NULL };
	static const char * const late[] = { "--socket", "/tmp/x", "--features", "fd", NULL };
	static const char * const help[] = { "--help", NULL };

	(void)state;
	assert_int_equal(run_status(rtr), 2);
	assert_int_equal(run_status(empty), 2);
	assert_int_equal(run_status(unknown), 2);
	assert_int_equal(run_status(nosock), 2);
	assert_int_equal(run_status(none), 2);
	assert_int_equal(run_status(late), 2);
	assert_int_equal(run_status(help), 0);
}

static void test_features_start_stop(void **state)
{
	struct fx *f = *state;
	struct fdev *d0 = &f->d[0];

	bring_up(f, 0, ~0ULL);
	bring_up(f, 1, ~0ULL);
	/* dev1 offers classic only */
	assert_string_equal(ctl(f, "state 0"), "ok stopped status=0x0000 features=0x0f");
	assert_string_equal(ctl(f, "state 1"), "ok stopped status=0x0000 features=0x01");

	assert_int_equal(ctrl(d0, START), OK);
	assert_string_equal(ctl(f, "state 0"), "ok started status=0x0000 features=0x0f");
	assert_int_equal(ctrl(d0, START), OK);		/* already started */
	assert_int_equal(ctrl(d0, 0x0203), NOT_OK);	/* unknown message type */
	assert_int_equal(ctrl(d0, STOP), OK);
	assert_string_equal(ctl(f, "state 0"), "ok stopped status=0x0000 features=0x0f");
	assert_int_equal(stat_of(f, 0, "ctrl_start"), 2);
	assert_int_equal(stat_of(f, 0, "ctrl_stop"), 1);
	assert_int_equal(stat_of(f, 0, "ctrl_bad"), 1);
	assert_int_equal(get_status(d0), 0);
	assert_string_equal(ctl(f, "state 1"), "ok stopped status=0x0000 features=0x01");
}

static void test_classic_frame_byte_exact(void **state)
{
	static const uint8_t want[24] = {
		0x01, 0x01, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x23, 0x01, 0, 0,
		0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	};
	static const uint8_t want_ext[19] = {
		0x01, 0x01, 0x03, 0x00, 0, 0, 0, 0, 0x00, 0x80, 0, 0, 0x78, 0x56, 0x34, 0x12,
		0xa0, 0xa1, 0xa2,
	};
	struct fx *f = *state;
	struct fdev *d0 = &f->d[0], *d1 = &f->d[1];
	struct vhu_vring_used_elem e;
	char line[256];
	FILE *lf;

	up_started(f);
	rx_post(d1, 0, 80);
	rx_post(d1, 1, 24);
	assert_int_equal(tx(d0, 8, 0, 0x123), OK);
	assert_int_equal(tx(d0, 3, FL_EXT, 0x12345678), OK);

	e = used_take(d1, RXQ);
	assert_int_equal(e.id, 0);
	assert_int_equal(e.len, 24);
	assert_memory_equal(buf(d1, RXQ, 0), want, sizeof(want));
	assert_int_equal(buf(d1, RXQ, 0)[24], 0xcc);	/* nothing beyond */
	e = used_take(d1, RXQ);
	assert_int_equal(e.id, 1);
	assert_int_equal(e.len, 19);
	assert_memory_equal(buf(d1, RXQ, 1), want_ext, sizeof(want_ext));
	assert_false(eventfd_take(d1->q[RXQ].call) == 0);

	/* the sender does not hear its own frame */
	rx_post(d0, 0, 80);
	assert_false(used_wait(d0, RXQ, 50));
	assert_int_equal(stat_of(f, 0, "bus_frames"), 2);
	assert_int_equal(stat_of(f, 0, "tx_ok"), 2);
	assert_int_equal(stat_of(f, 1, "rx_delivered"), 2);

	lf = fopen(f->log_path, "r");
	assert_non_null(lf);
	assert_non_null(fgets(line, sizeof(line), lf));
	assert_string_equal(line, "0 123 0 8 a0a1a2a3a4a5a6a7\n");
	assert_non_null(fgets(line, sizeof(line), lf));
	assert_string_equal(line, "0 12345678 8000 3 a0a1a2\n");
	fclose(lf);
}

static void test_fd_and_rtr_only_to_capable(void **state)
{
	struct fx *f = *state;
	struct fdev *d0 = &f->d[0], *d1 = &f->d[1];
	struct vhu_vring_used_elem e;

	up_started(f);
	rx_post(d1, 0, 80);
	/* FD and RTR frames are fine on dev0, but dev1 is classic only */
	assert_int_equal(tx(d0, 64, FL_FD, 0x100), OK);
	assert_int_equal(tx(d0, 4, FL_RTR, 0x101), OK);	/* header only: DLC 4 */
	assert_int_equal(tx(d0, 2, 0, 0x102), OK);
	e = used_take(d1, RXQ);
	assert_int_equal(e.len, 18);
	assert_int_equal(buf(d1, RXQ, 0)[12], 0x02);	/* the classic frame came first */
	assert_int_equal(stat_of(f, 0, "bus_frames"), 3);
	assert_int_equal(stat_of(f, 1, "rx_delivered"), 1);
}

static void test_invalid_tx_rejected(void **state)
{
	struct fx *f = *state;
	struct fdev *d0 = &f->d[0], *d1 = &f->d[1];
	struct vhu_vring_used_elem e;

	up_started(f);
	rx_post(d1, 0, 80);
	assert_int_equal(tx(d0, 8, 0x0800, 0x10), NOT_OK);	/* undefined flag */
	assert_int_equal(tx(d0, 9, 0, 0x11), NOT_OK);		/* classic length 9 */
	assert_int_equal(tx(d0, 65, FL_FD, 0x12), NOT_OK);	/* FD length 65 */
	assert_int_equal(tx(d0, 1, 0, 0x800), NOT_OK);		/* 11-bit id range */
	assert_int_equal(tx(d0, 1, FL_EXT, 0x20000000), NOT_OK);
	assert_int_equal(tx(d0, 0, FL_RTR | FL_FD, 0x13), NOT_OK);
	assert_int_equal(tx(d1, 0, FL_RTR, 0x14), NOT_OK);	/* RTR not negotiated */
	assert_int_equal(tx(d1, 8, FL_FD, 0x15), NOT_OK);	/* FD not negotiated */
	tx_post(d0, 1, 0x0002, 1, 0, 0x16, 17);			/* wrong msg_type */
	assert_int_equal(tx_done(d0, 1), NOT_OK);
	tx_post(d0, 2, 0x0001, 8, 0, 0x17, 16 + 4);		/* payload truncated */
	assert_int_equal(tx_done(d0, 2), NOT_OK);

	/* nothing of that reached dev1: the next valid frame is its first */
	assert_int_equal(tx(d0, 1, 0, 0x7ff), OK);
	e = used_take(d1, RXQ);
	assert_int_equal(e.len, 17);
	assert_int_equal(buf(d1, RXQ, 0)[12], 0xff);
	assert_int_equal(buf(d1, RXQ, 0)[13], 0x07);
	assert_int_equal(stat_of(f, 0, "tx_rejected"), 8);
	assert_int_equal(stat_of(f, 0, "rej_flags"), 1);
	assert_int_equal(stat_of(f, 0, "rej_len"), 2);
	assert_int_equal(stat_of(f, 0, "rej_id"), 2);
	assert_int_equal(stat_of(f, 0, "rej_rtr_fd"), 1);
	assert_int_equal(stat_of(f, 0, "rej_type"), 1);
	assert_int_equal(stat_of(f, 0, "rej_short"), 1);
	assert_int_equal(stat_of(f, 1, "rej_rtr"), 1);
	assert_int_equal(stat_of(f, 1, "rej_fd"), 1);
	assert_int_equal(stat_of(f, 0, "bus_frames"), 1);
}

static void test_tx_while_stopped(void **state)
{
	struct fx *f = *state;
	struct fdev *d0 = &f->d[0];

	bring_up(f, 0, ~0ULL);
	bring_up(f, 1, ~0ULL);
	assert_int_equal(tx(d0, 8, 0, 0x123), NOT_OK);
	assert_int_equal(ctrl(d0, START), OK);
	assert_int_equal(tx(d0, 8, 0, 0x123), OK);
	assert_int_equal(ctrl(d0, STOP), OK);
	assert_int_equal(tx(d0, 8, 0, 0x123), NOT_OK);
	assert_int_equal(stat_of(f, 0, "rej_stopped"), 2);
	assert_int_equal(stat_of(f, 0, "tx_not_ok"), 2);
}

static void test_busoff(void **state)
{
	struct fx *f = *state;
	struct fdev *d1 = &f->d[1];
	struct vhu_msg_hdr h;
	uint64_t v;

	up_started(f);
	assert_int_equal(get_status(d1), 0);
	assert_string_equal(ctl(f, "busoff 1"), "ok");
	/* the config change arrives on the back-end channel */
	assert_int_equal(fe_recv(d1->backend, &h, &v, sizeof(v)), 0);
	assert_int_equal(h.request, VHU_BACKEND_CONFIG_CHANGE_MSG);
	assert_int_equal(get_status(d1), 1);
	assert_string_equal(ctl(f, "state 1"), "ok stopped status=0x0001 features=0x01");
	assert_int_equal(tx(d1, 1, 0, 0x1), NOT_OK);
	/* recovery: START clears BUSOFF */
	assert_int_equal(ctrl(d1, START), OK);
	assert_int_equal(get_status(d1), 0);
	assert_int_equal(tx(d1, 1, 0, 0x1), OK);
	assert_int_equal(stat_of(f, 1, "configs_changed"), 1);

	/* raw status with unknown bits */
	assert_string_equal(ctl(f, "status 1 0x8002"), "ok");
	assert_int_equal(fe_recv(d1->backend, &h, &v, sizeof(v)), 0);
	assert_int_equal(get_status(d1), 0x8002);
}

static void test_flood_sequence(void **state)
{
	struct fx *f = *state;
	struct fdev *d1 = &f->d[1];
	unsigned int k, s, i;

	up_started(f);
	for (s = 0; s < QNUM; s++)
		rx_post(d1, s, 24);
	assert_string_equal(ctl(f, "flood 1 40 classic 0x1abcdef"), "ok");
	for (k = 0; k < 40; k++) {
		struct vhu_vring_used_elem e = used_take(d1, RXQ);
		uint8_t *b = buf(d1, RXQ, e.id);
		uint8_t want[24];

		hdr(want, 0x0101, 8, FL_EXT, 0x1abcdef);
		want[16] = k & 0xff;
		want[17] = k >> 8;
		want[18] = 0;
		want[19] = 0;
		for (i = 4; i < 8; i++)
			want[16 + i] = (k + i) & 0xff;
		assert_int_equal(e.len, 24);
		assert_memory_equal(b, want, sizeof(want));
		rx_post(d1, e.id, 24);
	}
	assert_false(used_wait(d1, RXQ, 100));
	assert_int_equal(stat_of(f, 1, "rx_delivered"), 40);
	assert_int_equal(stat_of(f, 1, "flood_left"), 0);
	/* FD flood on a classic-only device is refused */
	assert_true(!strncmp(ctl(f, "flood 1 5 fd"), "error: ", 7));
}

static void test_flood_mixed_inf_and_stop(void **state)
{
	struct fx *f = *state;
	struct fdev *d0 = &f->d[0], *d1 = &f->d[1];
	struct vhu_vring_used_elem e;
	unsigned int k, s;

	up_started(f);
	for (s = 0; s < QNUM; s++)
		rx_post(d0, s, 80);
	/* dev0 negotiated FD: classic 8 and FD 64 bytes alternate */
	assert_string_equal(ctl(f, "flood 0 inf mixed"), "ok");
	for (k = 0; k < 40; k++) {
		uint8_t *b;

		e = used_take(d0, RXQ);
		b = buf(d0, RXQ, e.id);
		assert_int_equal(e.len, k & 1 ? 80 : 24);
		assert_int_equal(b[9], k & 1 ? 0x40 : 0);
		assert_int_equal(b[16], k & 0xff);
		assert_int_equal(b[16 + 5], (k + 5) & 0xff);
		rx_post(d0, e.id, 80);
	}
	assert_string_equal(ctl(f, "flood 0 0"), "ok");
	while (used_wait(d0, RXQ, 50))
		used_take(d0, RXQ);
	assert_int_equal(stat_of(f, 0, "flood_left"), 0);

	/* a flood waits while the device is STOPPED and keeps its count */
	assert_int_equal(ctrl(d1, STOP), OK);
	assert_string_equal(ctl(f, "flood 1 3"), "ok");
	for (s = 0; s < 4; s++)
		rx_post(d1, s, 24);
	assert_false(used_wait(d1, RXQ, 50));
	assert_int_equal(ctrl(d1, START), OK);
	for (k = 0; k < 3; k++) {
		e = used_take(d1, RXQ);
		assert_int_equal(e.id, k);
		assert_int_equal(buf(d1, RXQ, k)[16], k);
	}
	assert_false(used_wait(d1, RXQ, 50));
}

static void test_txfail(void **state)
{
	struct fx *f = *state;
	struct fdev *d0 = &f->d[0], *d1 = &f->d[1];
	struct vhu_vring_used_elem e;

	up_started(f);
	rx_post(d1, 0, 24);
	assert_string_equal(ctl(f, "txfail 0 2"), "ok");
	assert_int_equal(tx(d0, 1, 0, 0x1), NOT_OK);
	assert_int_equal(tx(d0, 1, 0, 0x2), NOT_OK);
	assert_int_equal(tx(d0, 1, 0, 0x3), OK);
	e = used_take(d1, RXQ);
	assert_int_equal(e.len, 17);
	assert_int_equal(buf(d1, RXQ, 0)[12], 0x3);
	assert_string_equal(ctl(f, "txresult 0 7 1"), "ok");
	assert_int_equal(tx(d0, 1, 0, 0x4), 7);
	assert_int_equal(stat_of(f, 0, "bus_frames"), 1);
}

static void test_txhold_txdelay(void **state)
{
	struct fx *f = *state;
	struct fdev *d0 = &f->d[0];
	struct timespec a, b;
	long ms;

	up_started(f);
	assert_string_equal(ctl(f, "txhold 0 on"), "ok");
	tx_post(d0, 0, 0x0001, 1, 0, 0x1, 17);
	assert_false(used_wait(d0, TXQ, 100));
	assert_string_equal(ctl(f, "txhold 0 off"), "ok");
	assert_int_equal(tx_done(d0, 0), OK);

	assert_string_equal(ctl(f, "txhold 0 on"), "ok");
	tx_post(d0, 0, 0x0001, 1, 0, 0x1, 17);
	assert_false(used_wait(d0, TXQ, 50));
	assert_int_equal(ctrl(d0, STOP), OK);		/* held request NOT_OK */
	assert_int_equal(tx_done(d0, 0), NOT_OK);
	assert_int_equal(stat_of(f, 0, "tx_flushed"), 1);

	assert_int_equal(ctrl(d0, START), OK);
	assert_string_equal(ctl(f, "txdelay 0 150"), "ok");
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(tx(d0, 1, 0, 0x2), OK);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 140);
	assert_true(ms < 1000);
}

static void test_backpressure(void **state)
{
	struct fx *f = *state;
	struct fdev *d0 = &f->d[0], *d1 = &f->d[1];
	struct vhu_vring_used_elem e;
	unsigned int k;

	up_started(f);
	/* dev1 posts no RX buffers: its backlog takes 1024 frames */
	for (k = 0; k < 1024; k++) {
		tx_post(d0, 0, 0x0001, 2, 0, k & 0x7ff, 18);
		assert_int_equal(tx_done(d0, 0), OK);
	}
	tx_post(d0, 0, 0x0001, 2, 0, 0x400, 18);
	assert_false(used_wait(d0, TXQ, 100));
	assert_int_equal(stat_of(f, 1, "backlog"), 1024);
	assert_int_equal(stat_of(f, 0, "tx_pending"), 1);
	rx_post(d1, 0, 24);
	assert_int_equal(tx_done(d0, 0), OK);
	e = used_take(d1, RXQ);
	assert_int_equal(e.len, 18);
	assert_int_equal(buf(d1, RXQ, 0)[12], 0);	/* frame 0 first */
	assert_int_equal(stat_of(f, 1, "backlog"), 1024);
	/* STOP of the receiver drops its stale backlog */
	assert_int_equal(ctrl(d1, STOP), OK);
	assert_int_equal(stat_of(f, 1, "backlog"), 0);
	assert_int_equal(stat_of(f, 1, "rx_dropped"), 1024);
}

static void test_malformed(void **state)
{
	struct fx *f = *state;
	struct fdev *d1 = &f->d[1];
	struct vhu_vring_used_elem e;
	uint8_t *b;

	up_started(f);
	b = buf(d1, RXQ, 0);
	assert_string_equal(ctl(f, "malformed 1 short"), "ok");
	rx_post(d1, 0, 80);
	e = used_take(d1, RXQ);
	assert_int_equal(e.id, 0);
	assert_int_equal(e.len, 10);
	assert_int_equal(b[0], 0x01);
	assert_int_equal(b[1], 0x01);
	assert_int_equal(b[10], 0xcc);

	/* a used element with an id the driver never posted */
	assert_string_equal(ctl(f, "malformed 1 rx-unknown"), "ok");
	e = used_take(d1, RXQ);
	assert_int_equal(e.id, QNUM + 3);

	/* RX buffer posted before the fault is armed */
	rx_post(d1, 0, 80);
	assert_false(used_wait(d1, RXQ, 20));
	assert_string_equal(ctl(f, "malformed 1 len-trunc"), "ok");
	e = used_take(d1, RXQ);
	assert_int_equal(e.len, 20);
	assert_int_equal(b[2], 8);

	/* fd-unneg is refused where FD was negotiated */
	assert_true(!strncmp(ctl(f, "malformed 0 fd-unneg"), "error: ", 7));

	/* TX: the completed head comes back twice */
	assert_string_equal(ctl(f, "malformed 0 tx-dup"), "ok");
	tx_post(&f->d[0], 0, 0x0001, 1, 0, 0x1, 17);
	assert_int_equal(tx_done(&f->d[0], 0), OK);
	assert_int_equal(tx_done(&f->d[0], 0), OK);
	assert_int_equal(stat_of(f, 0, "faults"), 1);
	assert_int_equal(stat_of(f, 1, "faults"), 3);
}

/* Every malformed kind once, as the driver sees it. */
static void test_malformed_kinds(void **state)
{
	static const struct {
		const char *kind;
		uint32_t used, len, flags, type, id;
	} rx[] = {
		{ "len-over", 80, 9, 0, 0x0101, 0x321 },
		{ "flags", 24, 8, 0x0001, 0x0101, 0x321 },
		{ "type", 24, 8, 0, 0x0102, 0x321 },
		{ "fd-unneg", 24, 8, 0x4000, 0x0101, 0x321 },
		{ "rtr-unneg", 16, 0, 0x2000, 0x0101, 0x321 },
		{ "id-range", 24, 8, 0, 0x0101, 0x800 },
		{ "rtr-fd", 16, 0, 0x6000, 0x0101, 0x321 },
	};
	struct fx *f = *state;
	struct fdev *d0 = &f->d[0], *d1 = &f->d[1];
	struct vhu_vring_used_elem e, e2;
	unsigned int i;
	uint8_t *b;

	up_started(f);
	b = buf(d1, RXQ, 0);
	for (i = 0; i < ARRAY_SIZE(rx); i++) {
		uint8_t want[16];

		assert_string_equal(ctl(f, "malformed 1 %s", rx[i].kind), "ok");
		rx_post(d1, 0, 80);
		e = used_take(d1, RXQ);
		assert_int_equal(e.id, 0);
		assert_int_equal(e.len, rx[i].used);
		hdr(want, rx[i].type, rx[i].len, rx[i].flags, rx[i].id);
		assert_memory_equal(b, want, sizeof(want));
	}
	/* an FD device gets length 65 */
	assert_string_equal(ctl(f, "malformed 0 len-over"), "ok");
	rx_post(d0, 0, 80);
	e = used_take(d0, RXQ);
	assert_int_equal(e.len, 80);
	assert_int_equal(buf(d0, RXQ, 0)[2], 65);
	assert_int_equal(buf(d0, RXQ, 0)[9], 0x40);
	assert_true(!strncmp(ctl(f, "malformed 0 rtr-unneg"), "error: ", 7));
	/* the same RX head twice */
	assert_string_equal(ctl(f, "malformed 1 rx-dup"), "ok");
	rx_post(d1, 0, 80);
	e = used_take(d1, RXQ);
	e2 = used_take(d1, RXQ);
	assert_int_equal(e.id, 0);
	assert_int_equal(e2.id, 0);
	assert_int_equal(e.len, 24);
	assert_int_equal(e2.len, 24);

	/* TX: an unknown id first, then the real completion */
	assert_string_equal(ctl(f, "malformed 0 tx-unknown"), "ok");
	tx_post(d0, 0, 0x0001, 1, 0, 0x1, 17);
	e = used_take(d0, TXQ);
	assert_int_equal(e.id, QNUM + 3);
	assert_int_equal(tx_done(d0, 0), OK);
	/* TX: used length 0, result byte not written */
	assert_string_equal(ctl(f, "malformed 0 tx-len0"), "ok");
	tx_post(d0, 0, 0x0001, 1, 0, 0x1, 17);
	e = used_take(d0, TXQ);
	assert_int_equal(e.id, 0);
	assert_int_equal(e.len, 0);
	assert_int_equal(buf(d0, TXQ, 0)[0x80], 0xee);

	/* control */
	assert_string_equal(ctl(f, "malformed 0 ctrl-fail"), "ok");
	assert_int_equal(ctrl(d0, STOP), NOT_OK);
	assert_string_equal(ctl(f, "state 0"), "ok started status=0x0000 features=0x0f");
	assert_string_equal(ctl(f, "malformed 0 ctrl-result"), "ok");
	assert_int_equal(ctrl(d0, STOP), 0x55);
	assert_string_equal(ctl(f, "malformed 0 ctrl-silent"), "ok");
	ctrl_post(d0, 0, STOP);
	assert_false(used_wait(d0, CTRLQ, 50));
	ctrl_post(d0, 1, STOP);
	assert_int_equal(ctrl_done(d0, 1), OK);
	assert_false(used_wait(d0, CTRLQ, 20));
	assert_string_equal(ctl(f, "state 0"), "ok stopped status=0x0000 features=0x0f");
}

static void test_rx_inject(void **state)
{
	struct fx *f = *state;
	struct fdev *d1 = &f->d[1];
	struct vhu_vring_used_elem e;
	uint8_t *b;

	bring_up(f, 0, ~0ULL);
	bring_up(f, 1, ~0ULL);
	b = buf(d1, RXQ, 0);
	rx_post(d1, 0, 24);
	/* injected while STOPPED: waits for START */
	assert_string_equal(ctl(f, "rx 1 0x7ff 12 0x4001"), "ok");
	assert_false(used_wait(d1, RXQ, 50));
	assert_int_equal(ctrl(d1, START), OK);
	e = used_take(d1, RXQ);
	assert_int_equal(e.len, 24);		/* as much as fits */
	assert_int_equal(b[2], 12);
	assert_int_equal(b[8], 0x01);
	assert_int_equal(b[9], 0x40);
	assert_int_equal(b[16 + 7], 7);
}

static void test_ctl_errors_and_wait(void **state)
{
	struct fx *f = *state;
	char seq[32], *r;

	bring_up(f, 0, ~0ULL);
	assert_true(!strncmp(ctl(f, "bogus 1 2"), "error: ", 7));
	assert_true(!strncmp(ctl(f, "busoff 2"), "error: ", 7));
	assert_true(!strncmp(ctl(f, "busoff x"), "error: ", 7));
	assert_true(!strncmp(ctl(f, "state"), "error: usage", 12));
	assert_true(!strncmp(ctl(f, "txhold 0 maybe"), "error: ", 7));
	assert_true(!strncmp(ctl(f, "malformed 0 nonsense"), "error: ", 7));
	assert_true(!strncmp(ctl(f, "status 0 0x10000"), "error: ", 7));
	assert_true(!strncmp(ctl(f, "flood 0 1 classic 0x20000000"), "error: ", 7));
	assert_true(!strncmp(ctl(f, "%s", " "), "error: ", 7));
	assert_string_equal(ctl(f, "wait 0 stopped 10"), "ok");
	assert_string_equal(ctl(f, "wait 0 started 30"), "error: timeout");

	/* a deferred wait does not block other requests */
	ctl_async(f, seq, sizeof(seq), "wait 0 started 3000");
	assert_string_equal(ctl(f, "state 0"), "ok stopped status=0x0000 features=0x0f");
	assert_null(ctl_reply(f, seq, 20));
	assert_int_equal(ctrl(&f->d[0], START), OK);
	r = ctl_reply(f, seq, 2000);
	assert_non_null(r);
	assert_string_equal(r, "ok");
}

static void test_reset_reconnect_quit(void **state)
{
	struct fx *f = *state;
	struct fdev *d0 = &f->d[0];
	int status;

	up_started(f);
	assert_string_equal(ctl(f, "txfail 0 5"), "ok");
	/* the front-end goes away: reset, STOPPED, faults cleared */
	drop(d0);
	bring_up(f, 0, ~0ULL);
	assert_string_equal(ctl(f, "state 0"), "ok stopped status=0x0000 features=0x0f");
	assert_int_equal(ctrl(d0, START), OK);
	assert_int_equal(tx(d0, 1, 0, 0x1), OK);
	assert_int_equal(stat_of(f, 0, "resets"), 1);

	assert_string_equal(ctl(f, "quit"), "ok");
	assert_int_equal(waitpid(f->pid, &status, 0), f->pid);
	f->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_sigterm(void **state)
{
	struct fx *f = *state;
	struct stat st;
	int status;

	up_started(f);
	kill(f->pid, SIGTERM);
	assert_int_equal(waitpid(f->pid, &status, 0), f->pid);
	f->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_not_equal(stat(f->d[0].sock_path, &st), 0);
}

int main(int argc, char **argv)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_line),
		T(test_features_start_stop),
		T(test_classic_frame_byte_exact),
		T(test_fd_and_rtr_only_to_capable),
		T(test_invalid_tx_rejected),
		T(test_tx_while_stopped),
		T(test_busoff),
		T(test_flood_sequence),
		T(test_flood_mixed_inf_and_stop),
		T(test_txfail),
		T(test_txhold_txdelay),
		T(test_backpressure),
		T(test_malformed),
		T(test_malformed_kinds),
		T(test_rx_inject),
		T(test_ctl_errors_and_wait),
		T(test_reset_reconnect_quit),
		T(test_sigterm),
	};
#undef T
	char self[PATH_MAX];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(model_path, sizeof(model_path), "%s/va-can-model", dirname(self));
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("va_can_model", tests, NULL, NULL);
}
