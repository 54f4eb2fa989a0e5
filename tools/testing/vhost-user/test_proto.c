// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the vhost-user protocol, with the test playing the front-end
 * over the unix socket the device listens on.
 *
 * Single threaded: the test writes a message, then runs one iteration of
 * the device's event loop (vhu_dev_poll), then reads the reply.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_common.h"

#define V	VHU_VERSION
#define NR	(VHU_VERSION | VHU_FLAG_NEED_REPLY)
#define Q	1		/* the queue the tests drive */
#define QNUM	16
#define DEV_FEATURE_BIT	3	/* a made-up device feature */

struct fx {
	char dir[64];
	char path[108];	/* fits sockaddr_un.sun_path */
	struct vhu_dev dev;
	uint8_t config[16];
	int sock;			/* front-end end */
	struct guest g;
	int kick, call;
	unsigned int resets, starts, stops, kicks;
	unsigned int queue_stops, stopped_qidx;
	uint32_t set_cfg_off, set_cfg_size;
};

/* ---- the device under test ---------------------------------------------- */

static void t_kick(struct vhu_dev *dev, unsigned int qidx)
{
	struct fx *f = vhu_dev_priv(dev);
	struct vhu_vq *vq = vhu_dev_queue(dev, qidx);
	struct vhu_elem *e;
	int err;

	f->kicks++;
	while ((e = vhu_vq_pop(vq, &err))) {
		char buf[64] = "pong:";
		size_t n = vhu_iov_to_buf(e->out_sg, e->out_num, 0, buf + 5, 32);

		n = vhu_iov_from_buf(e->in_sg, e->in_num, 0, buf, n + 5);
		vhu_vq_push(vq, e, n);
		vhu_elem_free(e);
	}
	vhu_vq_notify(vq);
}

static int t_set_config(struct vhu_dev *dev, uint32_t off, const void *data,
			uint32_t size, uint32_t flags)
{
	struct fx *f = vhu_dev_priv(dev);

	(void)flags;
	memcpy(f->config + off, data, size);
	f->set_cfg_off = off;
	f->set_cfg_size = size;
	return 0;
}

static void t_reset(struct vhu_dev *dev) { ((struct fx *)vhu_dev_priv(dev))->resets++; }
static void t_started(struct vhu_dev *dev) { ((struct fx *)vhu_dev_priv(dev))->starts++; }
static void t_stopped(struct vhu_dev *dev) { ((struct fx *)vhu_dev_priv(dev))->stops++; }

static void t_queue_stopped(struct vhu_dev *dev, unsigned int qidx)
{
	struct fx *f = vhu_dev_priv(dev);

	/* called once the queue is stopped */
	assert_false(dev->vqs[qidx].started);
	f->queue_stops++;
	f->stopped_qidx = qidx;
}

static const struct vhu_dev_ops t_ops = {
	.queue_kick = t_kick,
	.set_config = t_set_config,
	.reset = t_reset,
	.started = t_started,
	.stopped = t_stopped,
	.queue_stopped = t_queue_stopped,
};

/* ---- front-end helpers -------------------------------------------------- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)))
		n++;
	closedir(d);
	return n;
}

static void fe_connect(struct fx *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	f->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->sock >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	assert_int_equal(connect(f->sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_true(vhu_dev_poll(&f->dev, 1000) > 0);
	assert_true(vhu_dev_connected(&f->dev));
}

/* Send one message and let the device handle it. */
static void send_fds(struct fx *f, uint32_t req, uint32_t flags, const void *p,
		     uint32_t size, const int *fds, unsigned int nfds)
{
	assert_int_equal(fe_send(f->sock, req, flags, p, size, fds, nfds), 0);
	assert_true(vhu_dev_poll(&f->dev, 1000) > 0);
}

static void send_msg(struct fx *f, uint32_t req, uint32_t flags, const void *p,
		     uint32_t size)
{
	send_fds(f, req, flags, p, size, NULL, 0);
}

static uint64_t recv_u64(struct fx *f, uint32_t req)
{
	struct vhu_msg_hdr hdr;
	uint64_t v = ~0ull;

	assert_int_equal(fe_recv(f->sock, &hdr, &v, sizeof(v)), 8);
	assert_int_equal(hdr.request, req);
	assert_int_equal(hdr.flags, VHU_VERSION | VHU_FLAG_REPLY);
	return v;
}

static uint64_t get_u64(struct fx *f, uint32_t req)
{
	send_msg(f, req, V, NULL, 0);
	return recv_u64(f, req);
}

static void set_u64(struct fx *f, uint32_t req, uint64_t v)
{
	send_msg(f, req, NR, &v, sizeof(v));
	assert_int_equal(recv_u64(f, req), 0);
}

static void set_state(struct fx *f, uint32_t req, uint32_t index, uint32_t num)
{
	struct vhu_msg_state s = { index, num };

	send_msg(f, req, NR, &s, sizeof(s));
	assert_int_equal(recv_u64(f, req), 0);
}

static void negotiate(struct fx *f)
{
	uint64_t feat = get_u64(f, VHU_GET_FEATURES);
	uint64_t pf;

	set_u64(f, VHU_SET_FEATURES, feat);
	pf = get_u64(f, VHU_GET_PROTOCOL_FEATURES);
	set_u64(f, VHU_SET_PROTOCOL_FEATURES, pf);
	send_msg(f, VHU_SET_OWNER, V, NULL, 0);
}

static void send_mem_table(struct fx *f)
{
	struct vhu_msg_memory m = { .nregions = 1 };

	m.regions[0] = (struct vhu_msg_region){ G_GPA, G_SIZE, G_UADDR, 0 };
	send_fds(f, VHU_SET_MEM_TABLE, NR, &m, 8 + sizeof(m.regions[0]), &f->g.fd, 1);
	assert_int_equal(recv_u64(f, VHU_SET_MEM_TABLE), 0);
}

static void setup_ring(struct fx *f)
{
	struct vhu_msg_addr a = {
		.index = Q,
		.desc = g_uaddr(G_DESC_OFF),
		.used = g_uaddr(G_USED_OFF),
		.avail = g_uaddr(G_AVAIL_OFF),
	};
	uint64_t u = Q;

	set_state(f, VHU_SET_VRING_NUM, Q, QNUM);
	set_state(f, VHU_SET_VRING_BASE, Q, 0);
	send_msg(f, VHU_SET_VRING_ADDR, NR, &a, sizeof(a));
	assert_int_equal(recv_u64(f, VHU_SET_VRING_ADDR), 0);
	send_fds(f, VHU_SET_VRING_KICK, NR, &u, sizeof(u), &f->kick, 1);
	assert_int_equal(recv_u64(f, VHU_SET_VRING_KICK), 0);
	send_fds(f, VHU_SET_VRING_CALL, NR, &u, sizeof(u), &f->call, 1);
	assert_int_equal(recv_u64(f, VHU_SET_VRING_CALL), 0);
}

/* Queue a "ping" request, kick, and check the device answered it. */
static void ping(struct fx *f, uint16_t head)
{
	struct guest *g = &f->g;
	uint16_t used = g_used_idx(g);
	uint64_t one = 1;
	struct vhu_vring_used_elem ue;

	memcpy(g->base + G_DATA_OFF + head * 64, "ping", 4);
	g_desc(g, head, g_gpa(G_DATA_OFF + head * 64), 4, VRING_DESC_F_NEXT, head + 1);
	g_desc(g, head + 1, g_gpa(G_DATA_OFF + head * 64 + 32), 32, VRING_DESC_F_WRITE, 0);
	/* EVENT_IDX is negotiated: ask for an interrupt on the next entry */
	g_set_used_event(g, used);
	g_avail_push(g, head);
	assert_int_equal(write(f->kick, &one, 8), 8);
	assert_true(vhu_dev_poll(&f->dev, 1000) > 0);

	assert_int_equal(g_used_idx(g), (uint16_t)(used + 1));
	ue = g_used_elem(g, used);
	assert_int_equal(ue.id, head);
	assert_int_equal(ue.len, 9);
	assert_memory_equal(g->base + G_DATA_OFF + head * 64 + 32, "pong:ping", 9);
	assert_true(eventfd_take(f->call) >= 1);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vhu_dev_desc desc = {
		.name = "test_proto",
		.virtio_id = 42,
		.num_queues = 2,
		.max_queue_size = 256,
		.features = VHU_BIT(DEV_FEATURE_BIT),
		.config = f->config,
		.config_size = sizeof(f->config),
		.ops = &t_ops,
		.priv = f,
	};
	unsigned int i;

	for (i = 0; i < sizeof(f->config); i++)
		f->config[i] = 0xc0 + i;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vhu-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/sock", f->dir);
	if (vhu_dev_init(&f->dev, &desc) || vhu_dev_listen(&f->dev, f->path))
		return -1;
	f->dev.log.quiet = true;
	if (guest_create(&f->g, QNUM))
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

	if (f->sock >= 0)
		close(f->sock);
	vhu_dev_cleanup(&f->dev);
	guest_teardown(&f->g);
	close(f->kick);
	close(f->call);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void test_handshake(void **state)
{
	struct fx *f = *state;
	uint64_t feat, pf;

	fe_connect(f);
	feat = get_u64(f, VHU_GET_FEATURES);
	assert_true(feat & VHU_BIT(VIRTIO_F_VERSION_1));
	assert_true(feat & VHU_BIT(VIRTIO_RING_F_INDIRECT_DESC));
	assert_true(feat & VHU_BIT(VIRTIO_RING_F_EVENT_IDX));
	assert_true(feat & VHU_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	assert_true(feat & VHU_BIT(DEV_FEATURE_BIT));

	pf = get_u64(f, VHU_GET_PROTOCOL_FEATURES);
	assert_int_equal(pf, VHU_BIT(0) | VHU_BIT(3) | VHU_BIT(5) | VHU_BIT(9) |
			 VHU_BIT(13) | VHU_BIT(15) | VHU_BIT(16));
	set_u64(f, VHU_SET_PROTOCOL_FEATURES, pf);
	assert_int_equal(get_u64(f, VHU_GET_QUEUE_NUM), 2);
	assert_int_equal(get_u64(f, VHU_GET_MAX_MEM_SLOTS), VHU_MAX_MEM_SLOTS);

	/* offered bits only */
	set_u64(f, VHU_SET_FEATURES, feat | VHU_BIT(40));
	assert_int_equal(f->dev.features, feat);
	assert_true(f->g.fd >= 0);

	/* status round trip, started() on DRIVER_OK */
	set_u64(f, VHU_SET_STATUS, 0x8);
	assert_int_equal(get_u64(f, VHU_GET_STATUS), 0x8);
	set_u64(f, VHU_SET_STATUS, 0xf);
	assert_int_equal(f->starts, 1);
	set_u64(f, VHU_SET_STATUS, 0);
	assert_int_equal(f->stops, 1);
	assert_int_equal(f->resets, 1);
}

static void test_ring_io(void **state)
{
	struct fx *f = *state;
	struct vhu_msg_state s = { Q, 0 };
	struct vhu_msg_hdr hdr;
	unsigned int i;

	fe_connect(f);
	negotiate(f);
	send_mem_table(f);
	setup_ring(f);

	/* rings start disabled with protocol features: kick is ignored */
	g_desc(&f->g, 0, g_gpa(G_DATA_OFF), 4, VRING_DESC_F_NEXT, 1);
	g_desc(&f->g, 1, g_gpa(G_DATA_OFF + 32), 32, VRING_DESC_F_WRITE, 0);
	g_avail_push(&f->g, 0);
	assert_int_equal(write(f->kick, &(uint64_t){ 1 }, 8), 8);
	vhu_dev_poll(&f->dev, 100);
	assert_int_equal(g_used_idx(&f->g), 0);
	assert_int_equal(f->kicks, 0);

	/* enabling processes what is pending */
	set_state(f, VHU_SET_VRING_ENABLE, Q, 1);
	assert_int_equal(g_used_idx(&f->g), 1);
	assert_true(eventfd_take(f->call) >= 1);

	for (i = 0; i < 20; i++)
		ping(f, (i * 2) % QNUM);

	/* GET_VRING_BASE stops the ring and reports the next avail index */
	assert_int_equal(f->queue_stops, 0);
	send_msg(f, VHU_GET_VRING_BASE, V, &s, sizeof(s));
	assert_int_equal(fe_recv(f->sock, &hdr, &s, sizeof(s)), 8);
	assert_int_equal(hdr.request, VHU_GET_VRING_BASE);
	assert_int_equal(hdr.flags, VHU_VERSION | VHU_FLAG_REPLY);
	assert_int_equal(s.index, Q);
	assert_int_equal(s.num, 21);
	assert_false(f->dev.vqs[Q].started);
	assert_int_equal(f->dev.vqs[Q].kick_fd, -1);
	/* and tells the device which one */
	assert_int_equal(f->queue_stops, 1);
	assert_int_equal(f->stopped_qidx, Q);

	/* a stopped ring does not react to kicks */
	g_avail_push(&f->g, 0);
	assert_int_equal(write(f->kick, &(uint64_t){ 1 }, 8), 8);
	vhu_dev_poll(&f->dev, 100);
	assert_int_equal(g_used_idx(&f->g), 21);
	assert_int_equal(f->dev.log.errors, 0);
}

static void test_add_rem_mem_reg(void **state)
{
	struct fx *f = *state;
	struct vhu_msg_mem_reg r = { 0, { G_GPA, G_SIZE, G_UADDR, 0 } };

	fe_connect(f);
	negotiate(f);
	send_fds(f, VHU_ADD_MEM_REG, NR, &r, sizeof(r), &f->g.fd, 1);
	assert_int_equal(recv_u64(f, VHU_ADD_MEM_REG), 0);
	setup_ring(f);
	set_state(f, VHU_SET_VRING_ENABLE, Q, 1);
	ping(f, 4);

	/* overlapping region refused, connection kept */
	send_fds(f, VHU_ADD_MEM_REG, NR, &r, sizeof(r), &f->g.fd, 1);
	assert_int_not_equal(recv_u64(f, VHU_ADD_MEM_REG), 0);
	assert_true(vhu_dev_connected(&f->dev));

	send_msg(f, VHU_REM_MEM_REG, NR, &r, sizeof(r));
	assert_int_equal(recv_u64(f, VHU_REM_MEM_REG), 0);
	assert_int_equal(f->dev.mem.nregions, 0);
	assert_false(vhu_vq_ready(&f->dev.vqs[Q]));
}

static void test_config_window(void **state)
{
	struct fx *f = *state;
	struct vhu_msg_config c = { .offset = 4, .size = 8 };
	struct vhu_msg_hdr hdr;
	struct vhu_msg_config r;

	fe_connect(f);
	negotiate(f);

	send_msg(f, VHU_GET_CONFIG, V, &c, VHU_CONFIG_HDR_SIZE + 8);
	assert_int_equal(fe_recv(f->sock, &hdr, &r, sizeof(r)), VHU_CONFIG_HDR_SIZE + 8);
	assert_int_equal(hdr.request, VHU_GET_CONFIG);
	assert_int_equal(r.offset, 4);
	assert_int_equal(r.size, 8);
	assert_memory_equal(r.region, f->config + 4, 8);

	/* whole space */
	c.offset = 0;
	c.size = 16;
	send_msg(f, VHU_GET_CONFIG, V, &c, VHU_CONFIG_HDR_SIZE + 16);
	assert_int_equal(fe_recv(f->sock, &hdr, &r, sizeof(r)), VHU_CONFIG_HDR_SIZE + 16);
	assert_memory_equal(r.region, f->config, 16);

	/* windows outside the space: empty (failure) reply, still connected */
	c.offset = 12;
	c.size = 8;
	send_msg(f, VHU_GET_CONFIG, V, &c, VHU_CONFIG_HDR_SIZE + 8);
	assert_int_equal(fe_recv(f->sock, &hdr, &r, sizeof(r)), 0);
	assert_non_null(strstr(f->dev.log.last_error, "offset 12 size 8"));
	c.offset = 0xfffffffc;
	send_msg(f, VHU_GET_CONFIG, V, &c, VHU_CONFIG_HDR_SIZE + 8);
	assert_int_equal(fe_recv(f->sock, &hdr, &r, sizeof(r)), 0);
	assert_true(vhu_dev_connected(&f->dev));

	/* SET_CONFIG goes to the device hook */
	c.offset = 2;
	c.size = 2;
	c.region[0] = 0x11;
	c.region[1] = 0x22;
	send_msg(f, VHU_SET_CONFIG, NR, &c, VHU_CONFIG_HDR_SIZE + 2);
	assert_int_equal(recv_u64(f, VHU_SET_CONFIG), 0);
	assert_int_equal(f->set_cfg_off, 2);
	assert_int_equal(f->set_cfg_size, 2);
	assert_int_equal(f->config[3], 0x22);
	c.offset = 15;
	send_msg(f, VHU_SET_CONFIG, NR, &c, VHU_CONFIG_HDR_SIZE + 2);
	assert_int_not_equal(recv_u64(f, VHU_SET_CONFIG), 0);

	/* size field disagreeing with the payload: malformed */
	c.offset = 0;
	c.size = 8;
	send_msg(f, VHU_GET_CONFIG, V, &c, VHU_CONFIG_HDR_SIZE + 4);
	assert_false(vhu_dev_connected(&f->dev));
}

static void expect_disconnect(struct fx *f)
{
	char b;

	assert_false(vhu_dev_connected(&f->dev));
	assert_non_null(strstr(f->dev.log.last_error, "malformed"));
	/* the device closed its end: EOF for the front-end */
	assert_false(fd_quiet(f->sock, 1000));
	while (read(f->sock, &b, 1) > 0)
		;
	close(f->sock);
	f->sock = -1;
}

static void test_malformed_sizes(void **state)
{
	struct fx *f = *state;
	struct vhu_msg_state s = { Q, 16 };
	uint64_t big[2] = { 0 };
	char raw[4096 + 64] = { 0 };

	fe_connect(f);
	send_msg(f, VHU_SET_VRING_NUM, V, &s, 4);	/* short payload */
	expect_disconnect(f);

	fe_connect(f);
	send_msg(f, VHU_SET_FEATURES, V, big, 16);	/* long payload */
	expect_disconnect(f);

	fe_connect(f);
	send_msg(f, VHU_GET_FEATURES, 0x2, NULL, 0);	/* version 2 */
	assert_false(vhu_dev_connected(&f->dev));
	assert_non_null(strstr(f->dev.log.last_error, "version"));
	close(f->sock);

	/* payload larger than the maximum */
	fe_connect(f);
	assert_int_equal(fe_send(f->sock, 99, V, raw, 4096 + 8, NULL, 0), 0);
	assert_true(vhu_dev_poll(&f->dev, 1000) > 0);
	assert_false(vhu_dev_connected(&f->dev));
	assert_non_null(strstr(f->dev.log.last_error, "exceeds the maximum"));
	close(f->sock);
	f->sock = -1;

	/* queue index out of range */
	fe_connect(f);
	s.index = 7;
	send_msg(f, VHU_SET_VRING_NUM, V, &s, sizeof(s));
	assert_false(vhu_dev_connected(&f->dev));
	assert_non_null(strstr(f->dev.log.last_error, "malformed"));
	close(f->sock);
	f->sock = -1;

	/* still serving after all that */
	fe_connect(f);
	assert_true(get_u64(f, VHU_GET_FEATURES) & VHU_BIT(VIRTIO_F_VERSION_1));
}

static void test_bad_region_count(void **state)
{
	struct fx *f = *state;
	struct vhu_msg_memory m = { 0 };
	int fds[2] = { f->g.fd, f->g.fd };
	int before = count_fds();

	fe_connect(f);
	m.nregions = 9;
	send_fds(f, VHU_SET_MEM_TABLE, NR, &m, sizeof(m), fds, 1);
	/* a failure ack is sent before dropping the connection */
	assert_int_not_equal(recv_u64(f, VHU_SET_MEM_TABLE), 0);
	expect_disconnect(f);

	fe_connect(f);
	m.nregions = 0;
	send_msg(f, VHU_SET_MEM_TABLE, V, &m, sizeof(m));
	expect_disconnect(f);

	fe_connect(f);
	m.nregions = 2;		/* with one fd */
	m.regions[0] = (struct vhu_msg_region){ G_GPA, 4096, G_UADDR, 0 };
	m.regions[1] = (struct vhu_msg_region){ G_GPA + 4096, 4096, G_UADDR + 4096, 4096 };
	send_fds(f, VHU_SET_MEM_TABLE, V, &m, 8 + 2 * 32, fds, 1);
	expect_disconnect(f);

	/* the device closed every fd it was passed */
	assert_int_equal(f->dev.mem.nregions, 0);
	assert_int_equal(count_fds(), before);
}

static void test_too_many_fds(void **state)
{
	struct fx *f = *state;
	int fds[12], i, before;
	uint64_t u = Q;

	for (i = 0; i < 12; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	before = count_fds();
	fe_connect(f);
	send_fds(f, VHU_SET_VRING_KICK, V, &u, sizeof(u), fds, 12);
	assert_false(vhu_dev_connected(&f->dev));
	assert_non_null(strstr(f->dev.log.last_error, "more than 8 file descriptors"));
	close(f->sock);
	f->sock = -1;
	assert_int_equal(count_fds(), before);
	for (i = 0; i < 12; i++)
		close(fds[i]);

	/* two fds where one is expected */
	fe_connect(f);
	send_fds(f, VHU_SET_VRING_CALL, V, &u, sizeof(u), (int []){ f->call, f->kick }, 2);
	expect_disconnect(f);

	/* NOFD with an fd attached */
	fe_connect(f);
	u = Q | VHU_VRING_NOFD;
	send_fds(f, VHU_SET_VRING_CALL, V, &u, sizeof(u), &f->call, 1);
	expect_disconnect(f);
}

static void test_unknown_request(void **state)
{
	struct fx *f = *state;
	uint64_t x = 5;

	fe_connect(f);
	send_msg(f, 99, V, &x, sizeof(x));
	assert_true(fd_quiet(f->sock, 50));
	assert_true(vhu_dev_connected(&f->dev));
	assert_non_null(strstr(f->dev.log.last_error, "unsupported request 99"));

	send_msg(f, 99, NR, &x, sizeof(x));
	assert_int_not_equal(recv_u64(f, 99), 0);
	assert_true(vhu_dev_connected(&f->dev));

	/* requests without payload still ack */
	send_msg(f, VHU_SET_OWNER, NR, NULL, 0);
	assert_int_equal(recv_u64(f, VHU_SET_OWNER), 0);
}

static void test_reconnect_resets_state(void **state)
{
	struct fx *f = *state;
	int before = count_fds();

	fe_connect(f);
	negotiate(f);
	send_mem_table(f);
	setup_ring(f);
	set_state(f, VHU_SET_VRING_ENABLE, Q, 1);
	ping(f, 0);
	set_u64(f, VHU_SET_STATUS, 0xf);
	assert_int_equal(f->starts, 1);

	close(f->sock);
	f->sock = -1;
	assert_true(vhu_dev_poll(&f->dev, 1000) > 0);
	assert_false(vhu_dev_connected(&f->dev));
	assert_int_equal(f->stops, 1);
	assert_int_equal(f->resets, 1);
	assert_int_equal(f->dev.features, 0);
	assert_int_equal(f->dev.protocol_features, 0);
	assert_int_equal(f->dev.status, 0);
	assert_int_equal(f->dev.mem.nregions, 0);
	assert_int_equal(f->dev.vqs[Q].num, 0);
	assert_int_equal(f->dev.vqs[Q].kick_fd, -1);
	assert_int_equal(f->dev.vqs[Q].call_fd, -1);
	assert_false(f->dev.vqs[Q].enabled);
	/* every fd the device held was closed */
	assert_int_equal(count_fds(), before);

	/* a new front-end starts from scratch and the ring works again */
	fe_connect(f);
	assert_int_equal(f->dev.connections, 2);
	negotiate(f);
	send_mem_table(f);
	memset(f->g.base + G_USED_OFF, 0, 0x1000);
	f->g.avail_idx = 0;
	memset(f->g.base + G_AVAIL_OFF, 0, 0x1000);
	setup_ring(f);
	set_state(f, VHU_SET_VRING_ENABLE, Q, 1);
	ping(f, 2);
}

static void test_reset_device(void **state)
{
	struct fx *f = *state;

	fe_connect(f);
	negotiate(f);
	send_mem_table(f);
	setup_ring(f);
	send_msg(f, VHU_RESET_DEVICE, NR, NULL, 0);
	assert_int_equal(recv_u64(f, VHU_RESET_DEVICE), 0);
	assert_int_equal(f->resets, 1);
	assert_int_equal(f->dev.vqs[Q].num, 0);
	assert_int_equal(f->dev.vqs[Q].kick_fd, -1);
	assert_true(vhu_dev_connected(&f->dev));
}

static void test_config_change_notification(void **state)
{
	struct fx *f = *state;
	struct vhu_msg_hdr hdr, rep = { VHU_BACKEND_CONFIG_CHANGE_MSG,
					VHU_VERSION | VHU_FLAG_REPLY, 8 };
	uint64_t v;
	int sv[2];

	fe_connect(f);
	negotiate(f);
	assert_int_not_equal(vhu_dev_config_changed(&f->dev), 0);	/* no channel yet */

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	send_fds(f, VHU_SET_BACKEND_REQ_FD, NR, NULL, 0, &sv[1], 1);
	assert_int_equal(recv_u64(f, VHU_SET_BACKEND_REQ_FD), 0);
	close(sv[1]);

	assert_int_equal(vhu_dev_config_changed(&f->dev), 0);
	assert_int_equal(fe_recv(sv[0], &hdr, &v, sizeof(v)), 0);
	assert_int_equal(hdr.request, VHU_BACKEND_CONFIG_CHANGE_MSG);
	assert_int_equal(hdr.flags, VHU_VERSION | VHU_FLAG_NEED_REPLY);
	assert_int_equal(f->dev.backend_acks_pending, 1);

	v = 0;
	assert_int_equal(write(sv[0], &rep, sizeof(rep)), sizeof(rep));
	assert_int_equal(write(sv[0], &v, 8), 8);
	assert_true(vhu_dev_poll(&f->dev, 1000) > 0);
	assert_int_equal(f->dev.backend_acks_ok, 1);
	assert_int_equal(f->dev.backend_acks_pending, 0);

	/* a refused notification is counted and reported */
	assert_int_equal(vhu_dev_config_changed(&f->dev), 0);
	assert_int_equal(fe_recv(sv[0], &hdr, &v, sizeof(v)), 0);
	v = 1;
	assert_int_equal(write(sv[0], &rep, sizeof(rep)), sizeof(rep));
	assert_int_equal(write(sv[0], &v, 8), 8);
	assert_true(vhu_dev_poll(&f->dev, 1000) > 0);
	assert_int_equal(f->dev.backend_acks_failed, 1);
	assert_non_null(strstr(f->dev.log.last_error, "refused"));
	close(sv[0]);
}

static void test_guest_error_signals_err_fd(void **state)
{
	struct fx *f = *state;
	int err = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t u = Q, one = 1;

	fe_connect(f);
	negotiate(f);
	send_mem_table(f);
	setup_ring(f);
	send_fds(f, VHU_SET_VRING_ERR, NR, &u, sizeof(u), &err, 1);
	assert_int_equal(recv_u64(f, VHU_SET_VRING_ERR), 0);
	set_state(f, VHU_SET_VRING_ENABLE, Q, 1);

	/* a descriptor pointing outside guest RAM */
	g_desc(&f->g, 0, G_GPA + G_SIZE, 64, VRING_DESC_F_WRITE, 0);
	g_avail_push(&f->g, 0);
	assert_int_equal(write(f->kick, &one, 8), 8);
	assert_true(vhu_dev_poll(&f->dev, 1000) > 0);
	assert_int_equal(g_used_idx(&f->g), 0);
	assert_true(f->dev.vqs[Q].broken);
	assert_int_equal(eventfd_take(err), 1);
	assert_non_null(strstr(f->dev.log.last_error, "outside guest memory"));
	close(err);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_handshake),
		T(test_ring_io),
		T(test_add_rem_mem_reg),
		T(test_config_window),
		T(test_malformed_sizes),
		T(test_bad_region_count),
		T(test_too_many_fds),
		T(test_unknown_request),
		T(test_reconnect_resets_state),
		T(test_reset_device),
		T(test_config_change_notification),
		T(test_guest_error_signals_err_fd),
	};

	return cmocka_run_group_tests_name("vhu_proto", tests, NULL, NULL);
}
