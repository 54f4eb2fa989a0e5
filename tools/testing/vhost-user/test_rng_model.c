// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end test of va-rng-model without QEMU: the test starts the model
 * binary (next to this test binary), plays the front-end and the guest
 * driver, and checks the bytes against --selftest-stream and the log.
 */
#include <errno.h>
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

#define QNUM	8
#define SEED	"7"

static char model_path[PATH_MAX];

struct fx {
	char dir[64], sock_path[108], log_path[128];
	pid_t pid;
	int sock, kick, call;
	struct guest g;
	uint8_t expect[256];
};

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int read_selftest(uint8_t *buf, size_t n)
{
	char cmd[PATH_MAX + 64], hex[2 * 256 + 2];
	unsigned int i, v;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s --selftest-stream %zu --seed " SEED, model_path, n);
	p = popen(cmd, "r");
	if (!p || !fgets(hex, sizeof(hex), p))
		return -1;
	if (pclose(p) != 0 || strlen(hex) != 2 * n + 1)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		buf[i] = v;
	}
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct stat st;
	int i;

	snprintf(f->dir, sizeof(f->dir), "/tmp/vhu-rng-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->sock_path, sizeof(f->sock_path), "%s/rng.sock", f->dir);
	snprintf(f->log_path, sizeof(f->log_path), "%s/rng.log", f->dir);
	if (read_selftest(f->expect, sizeof(f->expect)))
		return -1;

	f->pid = fork();
	if (f->pid == 0) {
		execl(model_path, model_path, "--socket", f->sock_path, "--seed", SEED,
		      "--log", f->log_path, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500 && stat(f->sock_path, &st); i++)
		msleep(10);
	if (i == 500)
		return -1;
	f->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->sock = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
	}
	if (f->sock >= 0)
		close(f->sock);
	guest_teardown(&f->g);
	close(f->kick);
	close(f->call);
	unlink(f->log_path);
	unlink(f->sock_path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static uint64_t xchg(struct fx *f, uint32_t req, const void *p, uint32_t size,
		     const int *fds, unsigned int nfds)
{
	struct vhu_msg_hdr hdr;
	uint64_t v = ~0ull;

	assert_int_equal(fe_send(f->sock, req, VHU_VERSION | VHU_FLAG_NEED_REPLY, p, size,
				 fds, nfds), 0);
	assert_int_equal(fe_recv(f->sock, &hdr, &v, sizeof(v)), 8);
	assert_int_equal(hdr.request, req);
	return v;
}

static uint64_t get(struct fx *f, uint32_t req)
{
	struct vhu_msg_hdr hdr;
	uint64_t v = 0;

	assert_int_equal(fe_send(f->sock, req, VHU_VERSION, NULL, 0, NULL, 0), 0);
	assert_int_equal(fe_recv(f->sock, &hdr, &v, sizeof(v)), 8);
	return v;
}

/* Connect and bring queue 0 up on fresh guest memory, as QEMU would. */
static void bring_up(struct fx *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vhu_msg_mem_reg r = { 0, { G_GPA, G_SIZE, G_UADDR, 0 } };
	struct vhu_msg_addr a = { 0, 0, g_uaddr(G_DESC_OFF), g_uaddr(G_USED_OFF),
				  g_uaddr(G_AVAIL_OFF), 0 };
	struct vhu_msg_state s;
	uint64_t feat, pf, u = 0;

	guest_teardown(&f->g);
	assert_int_equal(guest_create(&f->g, QNUM), 0);
	f->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock_path);
	assert_int_equal(connect(f->sock, (struct sockaddr *)&sa, sizeof(sa)), 0);

	feat = get(f, VHU_GET_FEATURES);
	assert_true(feat & VHU_BIT(VIRTIO_F_VERSION_1));
	pf = get(f, VHU_GET_PROTOCOL_FEATURES);
	assert_false(pf & VHU_BIT(VHU_PROTOCOL_F_CONFIG));	/* rng has no config */
	assert_int_equal(xchg(f, VHU_SET_PROTOCOL_FEATURES, &pf, 8, NULL, 0), 0);
	assert_int_equal(get(f, VHU_GET_QUEUE_NUM), 1);
	feat = VHU_BIT(VIRTIO_F_VERSION_1) | VHU_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	assert_int_equal(xchg(f, VHU_SET_FEATURES, &feat, 8, NULL, 0), 0);
	assert_int_equal(xchg(f, VHU_ADD_MEM_REG, &r, sizeof(r), &f->g.fd, 1), 0);
	s = (struct vhu_msg_state){ 0, QNUM };
	assert_int_equal(xchg(f, VHU_SET_VRING_NUM, &s, 8, NULL, 0), 0);
	s.num = 0;
	assert_int_equal(xchg(f, VHU_SET_VRING_BASE, &s, 8, NULL, 0), 0);
	assert_int_equal(xchg(f, VHU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0), 0);
	assert_int_equal(xchg(f, VHU_SET_VRING_KICK, &u, 8, &f->kick, 1), 0);
	assert_int_equal(xchg(f, VHU_SET_VRING_CALL, &u, 8, &f->call, 1), 0);
	s.num = 1;
	assert_int_equal(xchg(f, VHU_SET_VRING_ENABLE, &s, 8, NULL, 0), 0);
}

/* Submit the chain at @head, kick, wait for the call; returns used len. */
static uint32_t submit(struct fx *f, uint16_t head)
{
	uint16_t used = g_used_idx(&f->g);
	uint64_t one = 1;

	g_avail_push(&f->g, head);
	assert_int_equal(write(f->kick, &one, 8), 8);
	assert_false(fd_quiet(f->call, 2000));
	assert_true(eventfd_take(f->call) >= 1);
	assert_int_equal(g_used_idx(&f->g), (uint16_t)(used + 1));
	assert_int_equal(g_used_elem(&f->g, used).id, head);
	return g_used_elem(&f->g, used).len;
}

static void test_stream_log_reconnect_shutdown(void **state)
{
	struct fx *f = *state;
	uint8_t *d, logbuf[256];
	struct stat st;
	FILE *lf;
	int status;

	bring_up(f);
	d = f->g.base + G_DATA_OFF;

	/* request 1: two writable descriptors, 5 + 7 bytes */
	g_desc(&f->g, 0, g_gpa(G_DATA_OFF), 5, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	g_desc(&f->g, 1, g_gpa(G_DATA_OFF + 0x100), 7, VRING_DESC_F_WRITE, 0);
	assert_int_equal(submit(f, 0), 12);
	assert_memory_equal(d, f->expect, 5);
	assert_memory_equal(d + 0x100, f->expect + 5, 7);

	/* request 2 continues the stream */
	g_desc(&f->g, 2, g_gpa(G_DATA_OFF + 0x200), 20, VRING_DESC_F_WRITE, 0);
	assert_int_equal(submit(f, 2), 20);
	assert_memory_equal(d + 0x200, f->expect + 12, 20);

	/* a chain with a readable descriptor is refused and eats no bytes */
	g_desc(&f->g, 3, g_gpa(G_DATA_OFF + 0x300), 4, VRING_DESC_F_NEXT, 4);
	g_desc(&f->g, 4, g_gpa(G_DATA_OFF + 0x400), 8, VRING_DESC_F_WRITE, 0);
	assert_int_equal(submit(f, 3), 0);

	/* reconnect with fresh rings: the stream goes on */
	close(f->sock);
	f->sock = -1;
	bring_up(f);
	d = f->g.base + G_DATA_OFF;
	g_desc(&f->g, 5, g_gpa(G_DATA_OFF + 0x80), 16, VRING_DESC_F_WRITE, 0);
	assert_int_equal(submit(f, 5), 16);
	assert_memory_equal(d + 0x80, f->expect + 32, 16);

	/* the log holds exactly the bytes handed out */
	lf = fopen(f->log_path, "rb");
	assert_non_null(lf);
	assert_int_equal(fread(logbuf, 1, sizeof(logbuf), lf), 48);
	fclose(lf);
	assert_memory_equal(logbuf, f->expect, 48);

	/* SIGTERM: clean exit, socket removed */
	kill(f->pid, SIGTERM);
	assert_int_equal(waitpid(f->pid, &status, 0), f->pid);
	f->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_not_equal(stat(f->sock_path, &st), 0);
}

static void test_selftest_stream_known_values(void **state)
{
	/* xorshift64* as documented in va-rng-model.c, computed independently */
	static const uint8_t seed7[16] = {
		0xae, 0x2e, 0x8d, 0x72, 0x7f, 0xaf, 0xfb, 0xd1,
		0xae, 0xa6, 0x9d, 0x62, 0x77, 0x6c, 0xa4, 0xed,
	};
	uint8_t a[64], b[8];

	(void)state;
	assert_int_equal(read_selftest(a, sizeof(a)), 0);
	assert_memory_equal(a, seed7, sizeof(seed7));
	/* a shorter dump is a prefix of a longer one */
	assert_int_equal(read_selftest(b, sizeof(b)), 0);
	assert_memory_equal(a, b, sizeof(b));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selftest_stream_known_values),
		cmocka_unit_test_setup_teardown(test_stream_log_reconnect_shutdown,
						setup, teardown),
	};
	char self[PATH_MAX];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(model_path, sizeof(model_path), "%s/va-rng-model", dirname(self));
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("va_rng_model", tests, NULL, NULL);
}
