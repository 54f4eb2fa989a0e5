// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the vhu unit tests.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_common.h"

int guest_create(struct guest *g, unsigned int num)
{
	memset(g, 0, sizeof(*g));
	g->num = num;
	g->fd = memfd_create("vhu-test-guest", MFD_CLOEXEC);
	if (g->fd < 0 || ftruncate(g->fd, G_SIZE) < 0)
		return -1;
	g->base = mmap(NULL, G_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	if (g->base == MAP_FAILED)
		return -1;
	g->desc = (void *)(g->base + G_DESC_OFF);
	g->avail = (void *)(g->base + G_AVAIL_OFF);
	g->used = (void *)(g->base + G_USED_OFF);
	return 0;
}

int guest_setup(struct guest *g, unsigned int num)
{
	if (guest_create(g, num))
		return -1;
	vhu_log_init(&g->log, "test");
	g->log.quiet = true;
	vhu_mem_init(&g->mem, &g->log);
	if (vhu_mem_add(&g->mem, G_GPA, G_SIZE, G_UADDR, 0, g->fd))
		return -1;
	vhu_vq_init(&g->vq, 0, &g->mem, &g->log);
	if (vhu_vq_set_num(&g->vq, num) ||
	    vhu_vq_set_addr(&g->vq, g_uaddr(G_DESC_OFF), g_uaddr(G_AVAIL_OFF),
			    g_uaddr(G_USED_OFF)) ||
	    vhu_vq_map(&g->vq))
		return -1;
	return 0;
}

void guest_teardown(struct guest *g)
{
	if (g->mem.log)
		vhu_mem_clear(&g->mem);
	vhu_vq_reset(&g->vq);
	if (g->base && g->base != MAP_FAILED)
		munmap(g->base, G_SIZE);
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
}

void g_desc_at(struct guest *g, unsigned int off, unsigned int i, uint64_t addr,
	       uint32_t len, uint16_t flags, uint16_t next)
{
	struct vhu_vring_desc *d = (void *)(g->base + off);

	d[i].addr = htole64(addr);
	d[i].len = htole32(len);
	d[i].flags = htole16(flags);
	d[i].next = htole16(next);
}

void g_desc(struct guest *g, unsigned int i, uint64_t addr, uint32_t len,
	    uint16_t flags, uint16_t next)
{
	g_desc_at(g, G_DESC_OFF, i, addr, len, flags, next);
}

void g_avail_push(struct guest *g, uint16_t head)
{
	g->avail->ring[g->avail_idx % g->num] = htole16(head);
	g->avail_idx++;
	__atomic_store_n(&g->avail->idx, htole16(g->avail_idx), __ATOMIC_RELEASE);
}

uint16_t g_used_idx(struct guest *g)
{
	return le16toh(__atomic_load_n(&g->used->idx, __ATOMIC_ACQUIRE));
}

struct vhu_vring_used_elem g_used_elem(struct guest *g, unsigned int i)
{
	struct vhu_vring_used_elem e = g->used->ring[i % g->num];

	e.id = le32toh(e.id);
	e.len = le32toh(e.len);
	return e;
}

void g_set_used_event(struct guest *g, uint16_t v)
{
	g->avail->ring[g->num] = htole16(v);
}

uint16_t g_avail_event(struct guest *g)
{
	uint16_t v;

	memcpy(&v, (uint8_t *)g->used + 4 + 8 * g->num, sizeof(v));
	return le16toh(v);
}

int fe_send(int sock, uint32_t req, uint32_t flags, const void *payload,
	    uint32_t size, const int *fds, unsigned int nfds)
{
	struct vhu_msg_hdr hdr = { .request = req, .flags = flags, .size = size };
	char control[CMSG_SPACE(16 * sizeof(int))];
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };
	ssize_t n;

	if (nfds) {
		struct cmsghdr *c;

		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	return n == (ssize_t)(sizeof(hdr) + size) ? 0 : -1;
}

int fd_quiet(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (fd_quiet(fd, 1000))
			return -1;
		n = read(fd, (char *)buf + done, len - done);
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

int fe_recv(int sock, struct vhu_msg_hdr *hdr, void *payload, size_t max)
{
	if (read_all(sock, hdr, sizeof(*hdr)))
		return -1;
	if (hdr->size > max)
		return -1;
	if (hdr->size && read_all(sock, payload, hdr->size))
		return -1;
	return (int)hdr->size;
}

uint64_t eventfd_take(int fd)
{
	uint64_t v = 0;

	if (fd_quiet(fd, 0))
		return 0;
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}
