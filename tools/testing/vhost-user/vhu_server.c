// SPDX-License-Identifier: GPL-2.0
/*
 * vhu - unix socket server, vhost-user message handling and event loop.
 *
 * One front-end at a time: while a connection is up the listening socket
 * is not watched, so a second front-end waits in the backlog.  When the
 * front-end goes away (or sends a malformed message) every piece of
 * device and ring state is dropped and the server listens again.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhu.h"
#include "vhu_proto.h"

#define VIRTIO_STATUS_DRIVER_OK	4

/* epoll token: type (8 bits) | index (24 bits) | fd (32 bits) */
enum {
	EV_LISTEN = 1,
	EV_CONN,
	EV_BACKEND,
	EV_SIGNAL,
	EV_KICK,
	EV_EXTRA,
};

static uint64_t token(unsigned int type, unsigned int index, int fd)
{
	return ((uint64_t)type << 56) | ((uint64_t)(index & 0xffffff) << 32) |
	       (uint32_t)fd;
}

/* Handler results besides 0 (success, ack) and -errno (failure, nack). */
#define H_REPLY		1	/* msg holds the reply payload */
#define H_MALFORMED	(-EBADMSG)	/* log already done; disconnect */

static int ep_add(struct vhu_dev *dev, int fd, uint32_t events, uint64_t tok)
{
	struct epoll_event ev = { .events = events, .data.u64 = tok };

	if (epoll_ctl(dev->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		vhu_err(&dev->log, "epoll_ctl(ADD, fd %d): %s", fd, strerror(e));
		return -e;
	}
	return 0;
}

static void ep_del(struct vhu_dev *dev, int fd)
{
	/*
	 * Always remove before close(): the front-end still holds the same
	 * open file, so close() alone would leave the registration alive.
	 */
	if (fd >= 0)
		epoll_ctl(dev->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- device state ------------------------------------------------------ */

uint64_t vhu_dev_offered_features(const struct vhu_dev *dev)
{
	return dev->desc.features | VHU_BIT(VIRTIO_F_VERSION_1) |
	       VHU_BIT(VIRTIO_RING_F_INDIRECT_DESC) |
	       VHU_BIT(VIRTIO_RING_F_EVENT_IDX) |
	       VHU_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
}

uint64_t vhu_dev_offered_protocol_features(const struct vhu_dev *dev)
{
	uint64_t f = VHU_BIT(VHU_PROTOCOL_F_MQ) |
		     VHU_BIT(VHU_PROTOCOL_F_REPLY_ACK) |
		     VHU_BIT(VHU_PROTOCOL_F_BACKEND_REQ) |
		     VHU_BIT(VHU_PROTOCOL_F_RESET_DEVICE) |
		     VHU_BIT(VHU_PROTOCOL_F_CONFIGURE_MEM_SLOTS) |
		     VHU_BIT(VHU_PROTOCOL_F_STATUS);

	/* QEMU warns about F_CONFIG when the device has no config space */
	if (dev->desc.config_size)
		f |= VHU_BIT(VHU_PROTOCOL_F_CONFIG);
	return f;
}

static void update_running(struct vhu_dev *dev)
{
	bool run = false;
	unsigned int i;

	if (dev->conn_fd >= 0) {
		if (vhu_dev_has_protocol_feature(dev, VHU_PROTOCOL_F_STATUS)) {
			run = dev->status & VIRTIO_STATUS_DRIVER_OK;
		} else {
			for (i = 0; i < dev->desc.num_queues; i++)
				if (dev->vqs[i].started && dev->vqs[i].enabled)
					run = true;
		}
	}
	if (run == dev->running)
		return;
	dev->running = run;
	vhu_dbg(&dev->log, "device %s", run ? "started" : "stopped");
	if (run && dev->desc.ops && dev->desc.ops->started)
		dev->desc.ops->started(dev);
	if (!run && dev->desc.ops && dev->desc.ops->stopped)
		dev->desc.ops->stopped(dev);
}

static void call_reset(struct vhu_dev *dev)
{
	if (dev->desc.ops && dev->desc.ops->reset)
		dev->desc.ops->reset(dev);
}

static void vq_stop_kick(struct vhu_dev *dev, struct vhu_vq *vq)
{
	ep_del(dev, vq->kick_fd);
	close_fd(&vq->kick_fd);
	vq->started = false;
}

static void reset_queues(struct vhu_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->desc.num_queues; i++) {
		ep_del(dev, dev->vqs[i].kick_fd);
		vhu_vq_reset(&dev->vqs[i]);
	}
}

static void apply_features(struct vhu_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->desc.num_queues; i++) {
		struct vhu_vq *vq = &dev->vqs[i];

		vq->event_idx = vhu_dev_has_feature(dev, VIRTIO_RING_F_EVENT_IDX);
		vq->indirect = vhu_dev_has_feature(dev, VIRTIO_RING_F_INDIRECT_DESC);
	}
}

/* Rings are addressed by front-end addresses: remap after table changes. */
static void remap_queues(struct vhu_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->desc.num_queues; i++) {
		struct vhu_vq *vq = &dev->vqs[i];

		if (vq->num && vq->addr_set)
			vhu_vq_map(vq);
	}
}

/* Give the model a chance to process buffers queued before a kick fd. */
static void kick_if_ready(struct vhu_dev *dev, struct vhu_vq *vq)
{
	if (vhu_vq_live(vq) &&
	    dev->desc.ops && dev->desc.ops->queue_kick)
		dev->desc.ops->queue_kick(dev, vq->index);
}

void vhu_dev_disconnect(struct vhu_dev *dev)
{
	if (dev->conn_fd < 0)
		return;
	vhu_dbg(&dev->log, "front-end disconnected");
	ep_del(dev, dev->conn_fd);
	close_fd(&dev->conn_fd);
	update_running(dev);	/* stopped() */
	reset_queues(dev);
	vhu_mem_clear(&dev->mem);
	ep_del(dev, dev->backend_fd);
	close_fd(&dev->backend_fd);
	dev->features = 0;
	dev->protocol_features = 0;
	dev->status = 0;
	dev->owner = false;
	dev->backend_acks_pending = 0;
	apply_features(dev);
	call_reset(dev);
	if (dev->listen_fd >= 0)
		ep_add(dev, dev->listen_fd, EPOLLIN,
		       token(EV_LISTEN, 0, dev->listen_fd));
}

/* ---- message I/O ------------------------------------------------------- */

static void close_msg_fds(struct vhu_msg *msg)
{
	unsigned int i;

	for (i = 0; i < msg->nfds; i++)
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	msg->nfds = 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		done += n;
	}
	return 0;
}

/*
 * Read one message.  Returns 1 on success, 0 on orderly EOF before a
 * header, -errno on error (fds received are closed on error).
 */
static int read_msg(struct vhu_dev *dev, int fd, struct vhu_msg *msg)
{
	char control[CMSG_SPACE(VHU_MAX_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = &msg->hdr, .iov_len = sizeof(msg->hdr) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;
	ssize_t n;
	int ret;

	msg->nfds = 0;
	do {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n < 0) {
		ret = -errno;
		vhu_err(&dev->log, "reading message header: %s", strerror(-ret));
		return ret;
	}

	for (cmsg = CMSG_FIRSTHDR(&mh); cmsg; cmsg = CMSG_NXTHDR(&mh, cmsg)) {
		size_t cnt;

		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (cnt > VHU_MAX_FDS - msg->nfds)
			cnt = VHU_MAX_FDS - msg->nfds;
		memcpy(&msg->fds[msg->nfds], CMSG_DATA(cmsg), cnt * sizeof(int));
		msg->nfds += cnt;
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		vhu_err(&dev->log, "message carries more than %d file descriptors, refusing it",
			VHU_MAX_FDS);
		close_msg_fds(msg);
		return -EBADMSG;
	}

	if ((size_t)n < sizeof(msg->hdr)) {
		ret = read_full(fd, (char *)&msg->hdr + n, sizeof(msg->hdr) - n);
		if (ret) {
			vhu_err(&dev->log, "truncated message header (%zd of %zu bytes)",
				n, sizeof(msg->hdr));
			close_msg_fds(msg);
			return ret;
		}
	}
	if ((msg->hdr.flags & VHU_VERSION_MASK) != VHU_VERSION) {
		vhu_err(&dev->log, "request %u: unsupported protocol version %u (flags 0x%x)",
			msg->hdr.request, msg->hdr.flags & VHU_VERSION_MASK,
			msg->hdr.flags);
		close_msg_fds(msg);
		return -EBADMSG;
	}
	if (msg->hdr.size > VHU_MAX_PAYLOAD) {
		vhu_err(&dev->log, "request %u: payload size %u exceeds the maximum %u",
			msg->hdr.request, msg->hdr.size, VHU_MAX_PAYLOAD);
		close_msg_fds(msg);
		return -EBADMSG;
	}
	if (msg->hdr.size) {
		ret = read_full(fd, &msg->payload, msg->hdr.size);
		if (ret) {
			vhu_err(&dev->log, "request %u: truncated payload (%u bytes expected): %s",
				msg->hdr.request, msg->hdr.size, strerror(-ret));
			close_msg_fds(msg);
			return ret;
		}
	}
	return 1;
}

static int write_msg(int fd, const struct vhu_msg_hdr *hdr, const void *payload)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)hdr, .iov_len = sizeof(*hdr) },
		{ .iov_base = (void *)payload, .iov_len = hdr->size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = hdr->size ? 2 : 1 };
	size_t total = sizeof(*hdr) + hdr->size;
	ssize_t n;

	do {
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == total ? 0 : -EIO;
}

static int send_reply(struct vhu_dev *dev, struct vhu_msg *msg)
{
	struct vhu_msg_hdr hdr = {
		.request = msg->hdr.request,
		.flags = VHU_VERSION | VHU_FLAG_REPLY,
		.size = msg->hdr.size,
	};
	int ret = write_msg(dev->conn_fd, &hdr, &msg->payload);

	if (ret)
		vhu_err(&dev->log, "request %u: sending reply failed: %s",
			hdr.request, strerror(-ret));
	return ret;
}

static int reply_u64(struct vhu_msg *msg, uint64_t val)
{
	msg->hdr.size = sizeof(uint64_t);
	msg->payload.u64 = val;
	return H_REPLY;
}

/* ---- validation helpers ------------------------------------------------ */

static int expect(struct vhu_dev *dev, struct vhu_msg *msg, uint32_t size,
		  unsigned int nfds)
{
	if (msg->hdr.size != size) {
		vhu_err(&dev->log, "request %u: payload size %u, expected %u",
			msg->hdr.request, msg->hdr.size, size);
		return H_MALFORMED;
	}
	if (msg->nfds != nfds) {
		vhu_err(&dev->log, "request %u: %u file descriptors, expected %u",
			msg->hdr.request, msg->nfds, nfds);
		return H_MALFORMED;
	}
	return 0;
}

static struct vhu_vq *msg_vq(struct vhu_dev *dev, struct vhu_msg *msg,
			     uint64_t index)
{
	if (index >= dev->desc.num_queues) {
		vhu_err(&dev->log, "request %u: queue index %" PRIu64 " out of range (%u queues)",
			msg->hdr.request, index, dev->desc.num_queues);
		return NULL;
	}
	return &dev->vqs[index];
}

/* ---- request handlers -------------------------------------------------- */

static int h_set_features(struct vhu_dev *dev, struct vhu_msg *msg)
{
	uint64_t offered = vhu_dev_offered_features(dev);
	uint64_t f = msg->payload.u64;
	unsigned int i;

	if (f & ~offered)
		vhu_err(&dev->log, "SET_FEATURES: ignoring features 0x%" PRIx64 " that were not offered",
			f & ~offered);
	dev->features = f & offered;
	apply_features(dev);
	/* without protocol features rings are enabled from the start */
	if (!vhu_dev_has_feature(dev, VHOST_USER_F_PROTOCOL_FEATURES))
		for (i = 0; i < dev->desc.num_queues; i++)
			dev->vqs[i].enabled = true;
	vhu_dbg(&dev->log, "features 0x%" PRIx64, dev->features);
	return 0;
}

static int h_set_protocol_features(struct vhu_dev *dev, struct vhu_msg *msg)
{
	uint64_t offered = vhu_dev_offered_protocol_features(dev);
	uint64_t f = msg->payload.u64;

	if (f & ~offered)
		vhu_err(&dev->log, "SET_PROTOCOL_FEATURES: ignoring features 0x%" PRIx64 " that were not offered",
			f & ~offered);
	dev->protocol_features = f & offered;
	vhu_dbg(&dev->log, "protocol features 0x%" PRIx64, dev->protocol_features);
	return 0;
}

static void reset_device(struct vhu_dev *dev)
{
	dev->status = 0;
	update_running(dev);
	reset_queues(dev);
	apply_features(dev);
	if (!vhu_dev_has_feature(dev, VHOST_USER_F_PROTOCOL_FEATURES)) {
		unsigned int i;

		for (i = 0; i < dev->desc.num_queues; i++)
			dev->vqs[i].enabled = true;
	}
	call_reset(dev);
}

static int h_set_mem_table(struct vhu_dev *dev, struct vhu_msg *msg)
{
	const struct vhu_msg_memory *m = &msg->payload.memory;
	uint32_t n, i, min;
	int ret;

	if (msg->hdr.size < 8) {
		vhu_err(&dev->log, "SET_MEM_TABLE: payload size %u too small", msg->hdr.size);
		return H_MALFORMED;
	}
	n = m->nregions;
	if (!n || n > VHU_MEM_TABLE_REGIONS) {
		vhu_err(&dev->log, "SET_MEM_TABLE: invalid region count %u (1..%u)",
			n, VHU_MEM_TABLE_REGIONS);
		return H_MALFORMED;
	}
	min = 8 + n * sizeof(struct vhu_msg_region);
	if (msg->hdr.size != min && msg->hdr.size != sizeof(*m)) {
		vhu_err(&dev->log, "SET_MEM_TABLE: payload size %u does not match %u regions",
			msg->hdr.size, n);
		return H_MALFORMED;
	}
	if (msg->nfds != n) {
		vhu_err(&dev->log, "SET_MEM_TABLE: %u file descriptors for %u regions",
			msg->nfds, n);
		return H_MALFORMED;
	}

	vhu_mem_clear(&dev->mem);
	for (i = 0; i < n; i++) {
		const struct vhu_msg_region *r = &m->regions[i];

		ret = vhu_mem_add(&dev->mem, r->gpa, r->size, r->uaddr,
				  r->mmap_offset, msg->fds[i]);
		if (ret) {
			vhu_mem_clear(&dev->mem);
			remap_queues(dev);
			return ret;
		}
		vhu_dbg(&dev->log, "region %u: gpa 0x%" PRIx64 " size 0x%" PRIx64
			" uaddr 0x%" PRIx64, i, r->gpa, r->size, r->uaddr);
	}
	remap_queues(dev);
	return 0;
}

static int h_add_mem_reg(struct vhu_dev *dev, struct vhu_msg *msg)
{
	const struct vhu_msg_region *r = &msg->payload.mem_reg.region;
	int ret = expect(dev, msg, sizeof(struct vhu_msg_mem_reg), 1);

	if (ret)
		return ret;
	ret = vhu_mem_add(&dev->mem, r->gpa, r->size, r->uaddr, r->mmap_offset,
			  msg->fds[0]);
	if (!ret) {
		vhu_dbg(&dev->log, "add region gpa 0x%" PRIx64 " size 0x%" PRIx64
			" uaddr 0x%" PRIx64, r->gpa, r->size, r->uaddr);
		remap_queues(dev);
	}
	return ret;
}

static int h_rem_mem_reg(struct vhu_dev *dev, struct vhu_msg *msg)
{
	const struct vhu_msg_region *r = &msg->payload.mem_reg.region;
	int ret;

	/* the spec tolerates (and ignores) one fd here */
	if (msg->hdr.size != sizeof(struct vhu_msg_mem_reg) || msg->nfds > 1) {
		vhu_err(&dev->log, "REM_MEM_REG: payload size %u with %u fds, expected %zu with at most 1",
			msg->hdr.size, msg->nfds, sizeof(struct vhu_msg_mem_reg));
		return H_MALFORMED;
	}
	ret = vhu_mem_remove(&dev->mem, r->gpa, r->size, r->uaddr);
	remap_queues(dev);
	return ret;
}

static int h_set_vring_num(struct vhu_dev *dev, struct vhu_msg *msg)
{
	struct vhu_vq *vq = msg_vq(dev, msg, msg->payload.state.index);
	unsigned int max = dev->desc.max_queue_size;

	if (!vq)
		return H_MALFORMED;
	if (msg->payload.state.num > max) {
		vhu_err(&dev->log, "queue %u: size %u exceeds the device maximum %u",
			vq->index, msg->payload.state.num, max);
		return -EINVAL;
	}
	return vhu_vq_set_num(vq, msg->payload.state.num);
}

static int h_set_vring_addr(struct vhu_dev *dev, struct vhu_msg *msg)
{
	const struct vhu_msg_addr *a = &msg->payload.addr;
	struct vhu_vq *vq = msg_vq(dev, msg, a->index);
	int ret;

	if (!vq)
		return H_MALFORMED;
	ret = vhu_vq_set_addr(vq, a->desc, a->avail, a->used);
	if (ret)
		return ret;
	if (vq->num)
		return vhu_vq_map(vq);
	return 0;
}

static int h_set_vring_base(struct vhu_dev *dev, struct vhu_msg *msg)
{
	struct vhu_vq *vq = msg_vq(dev, msg, msg->payload.state.index);

	if (!vq)
		return H_MALFORMED;
	if (msg->payload.state.num > 0xffff) {
		vhu_err(&dev->log, "queue %u: base %u out of range", vq->index,
			msg->payload.state.num);
		return -EINVAL;
	}
	vq->last_avail_idx = msg->payload.state.num;
	vq->inflight = 0;
	return 0;
}

static int h_get_vring_base(struct vhu_dev *dev, struct vhu_msg *msg)
{
	struct vhu_vq *vq = msg_vq(dev, msg, msg->payload.state.index);

	if (!vq)
		return H_MALFORMED;
	if (vq->inflight)
		vhu_err(&dev->log, "queue %u: stopped with %u requests in flight",
			vq->index, vq->inflight);
	vq_stop_kick(dev, vq);
	close_fd(&vq->call_fd);
	msg->payload.state.num = vq->last_avail_idx;
	msg->hdr.size = sizeof(msg->payload.state);
	vhu_dbg(&dev->log, "queue %u stopped at %u", vq->index, vq->last_avail_idx);
	update_running(dev);
	if (dev->desc.ops && dev->desc.ops->queue_stopped)
		dev->desc.ops->queue_stopped(dev, vq->index);
	return H_REPLY;
}

static int h_set_vring_fd(struct vhu_dev *dev, struct vhu_msg *msg)
{
	uint64_t u = msg->payload.u64;
	bool nofd = u & VHU_VRING_NOFD;
	struct vhu_vq *vq;
	int fd, ret;

	ret = expect(dev, msg, sizeof(uint64_t), nofd ? 0 : 1);
	if (ret)
		return ret;
	if (u & ~(VHU_VRING_IDX_MASK | VHU_VRING_NOFD)) {
		vhu_err(&dev->log, "request %u: unknown bits in 0x%" PRIx64,
			msg->hdr.request, u);
		return H_MALFORMED;
	}
	vq = msg_vq(dev, msg, u & VHU_VRING_IDX_MASK);
	if (!vq)
		return H_MALFORMED;
	fd = nofd ? -1 : msg->fds[0];
	if (!nofd)
		msg->fds[0] = -1;	/* taken */

	switch (msg->hdr.request) {
	case VHU_SET_VRING_KICK:
		vq_stop_kick(dev, vq);
		vq->kick_fd = fd;
		if (fd >= 0 && ep_add(dev, fd, EPOLLIN, token(EV_KICK, vq->index, fd))) {
			close_fd(&vq->kick_fd);
			return -EIO;
		}
		if (nofd)
			vhu_err(&dev->log, "queue %u: polling mode (no kick fd) is not supported, the queue is only processed on enable",
				vq->index);
		if (!vhu_dev_has_feature(dev, VHOST_USER_F_PROTOCOL_FEATURES))
			vq->enabled = true;
		if (!vq->desc && vq->num && vq->addr_set)
			vhu_vq_map(vq);
		vq->started = true;
		vhu_dbg(&dev->log, "queue %u started", vq->index);
		update_running(dev);
		kick_if_ready(dev, vq);
		break;
	case VHU_SET_VRING_CALL:
		close_fd(&vq->call_fd);
		vq->call_fd = fd;
		vq->signalled_used_valid = false;
		break;
	default:
		close_fd(&vq->err_fd);
		vq->err_fd = fd;
		break;
	}
	return 0;
}

static int h_set_vring_enable(struct vhu_dev *dev, struct vhu_msg *msg)
{
	struct vhu_vq *vq = msg_vq(dev, msg, msg->payload.state.index);

	if (!vq)
		return H_MALFORMED;
	if (msg->payload.state.num > 1) {
		vhu_err(&dev->log, "queue %u: invalid enable value %u", vq->index,
			msg->payload.state.num);
		return H_MALFORMED;
	}
	vq->enabled = msg->payload.state.num;
	vhu_dbg(&dev->log, "queue %u %s", vq->index,
		vq->enabled ? "enabled" : "disabled");
	update_running(dev);
	kick_if_ready(dev, vq);
	return 0;
}

static int h_set_backend_req_fd(struct vhu_dev *dev, struct vhu_msg *msg)
{
	int ret = expect(dev, msg, 0, 1);

	if (ret)
		return ret;
	ep_del(dev, dev->backend_fd);
	close_fd(&dev->backend_fd);
	dev->backend_fd = msg->fds[0];
	msg->fds[0] = -1;
	dev->backend_acks_pending = 0;
	if (ep_add(dev, dev->backend_fd, EPOLLIN,
		   token(EV_BACKEND, 0, dev->backend_fd))) {
		close_fd(&dev->backend_fd);
		return -EIO;
	}
	return 0;
}

/* Common checks of GET_CONFIG/SET_CONFIG: 0, H_MALFORMED or -EINVAL. */
static int check_config(struct vhu_dev *dev, struct vhu_msg *msg)
{
	const struct vhu_msg_config *c = &msg->payload.config;

	if (msg->nfds || msg->hdr.size < VHU_CONFIG_HDR_SIZE ||
	    c->size > VHU_MAX_CONFIG_SIZE ||
	    msg->hdr.size != VHU_CONFIG_HDR_SIZE + c->size) {
		vhu_err(&dev->log, "request %u: malformed config message (payload %u, config size %u)",
			msg->hdr.request, msg->hdr.size,
			msg->hdr.size >= VHU_CONFIG_HDR_SIZE ? c->size : 0);
		return H_MALFORMED;
	}
	if ((uint64_t)c->offset + c->size > dev->desc.config_size) {
		vhu_err(&dev->log, "request %u: config window offset %u size %u outside the %u byte config space",
			msg->hdr.request, c->offset, c->size,
			dev->desc.config_size);
		return -EINVAL;
	}
	return 0;
}

static int h_get_config(struct vhu_dev *dev, struct vhu_msg *msg)
{
	struct vhu_msg_config *c = &msg->payload.config;
	int ret = check_config(dev, msg);

	if (ret == H_MALFORMED)
		return ret;
	if (ret) {
		/* an empty reply tells the front-end it failed */
		msg->hdr.size = 0;
		return H_REPLY;
	}
	if (c->size)
		memcpy(c->region, (const uint8_t *)dev->desc.config + c->offset,
		       c->size);
	return H_REPLY;
}

static int h_set_config(struct vhu_dev *dev, struct vhu_msg *msg)
{
	struct vhu_msg_config *c = &msg->payload.config;
	int ret = check_config(dev, msg);

	if (ret)
		return ret;
	if (!dev->desc.ops || !dev->desc.ops->set_config) {
		vhu_err(&dev->log, "SET_CONFIG offset %u size %u: config space is read-only",
			c->offset, c->size);
		return -EPERM;
	}
	return dev->desc.ops->set_config(dev, c->offset, c->region, c->size,
					 c->flags);
}

static int h_set_status(struct vhu_dev *dev, struct vhu_msg *msg)
{
	uint8_t old = dev->status;

	if (msg->payload.u64 > 0xff) {
		vhu_err(&dev->log, "SET_STATUS: invalid status 0x%" PRIx64,
			msg->payload.u64);
		return H_MALFORMED;
	}
	dev->status = msg->payload.u64;
	vhu_dbg(&dev->log, "status 0x%x", dev->status);
	update_running(dev);
	if (!dev->status && old)
		call_reset(dev);
	return 0;
}

static const char *request_name(uint32_t req)
{
	switch (req) {
	case VHU_GET_FEATURES: return "GET_FEATURES";
	case VHU_SET_FEATURES: return "SET_FEATURES";
	case VHU_SET_OWNER: return "SET_OWNER";
	case VHU_RESET_OWNER: return "RESET_OWNER";
	case VHU_SET_MEM_TABLE: return "SET_MEM_TABLE";
	case VHU_SET_VRING_NUM: return "SET_VRING_NUM";
	case VHU_SET_VRING_ADDR: return "SET_VRING_ADDR";
	case VHU_SET_VRING_BASE: return "SET_VRING_BASE";
	case VHU_GET_VRING_BASE: return "GET_VRING_BASE";
	case VHU_SET_VRING_KICK: return "SET_VRING_KICK";
	case VHU_SET_VRING_CALL: return "SET_VRING_CALL";
	case VHU_SET_VRING_ERR: return "SET_VRING_ERR";
	case VHU_GET_PROTOCOL_FEATURES: return "GET_PROTOCOL_FEATURES";
	case VHU_SET_PROTOCOL_FEATURES: return "SET_PROTOCOL_FEATURES";
	case VHU_GET_QUEUE_NUM: return "GET_QUEUE_NUM";
	case VHU_SET_VRING_ENABLE: return "SET_VRING_ENABLE";
	case VHU_SET_BACKEND_REQ_FD: return "SET_BACKEND_REQ_FD";
	case VHU_GET_CONFIG: return "GET_CONFIG";
	case VHU_SET_CONFIG: return "SET_CONFIG";
	case VHU_RESET_DEVICE: return "RESET_DEVICE";
	case VHU_GET_MAX_MEM_SLOTS: return "GET_MAX_MEM_SLOTS";
	case VHU_ADD_MEM_REG: return "ADD_MEM_REG";
	case VHU_REM_MEM_REG: return "REM_MEM_REG";
	case VHU_SET_STATUS: return "SET_STATUS";
	case VHU_GET_STATUS: return "GET_STATUS";
	default: return "unknown";
	}
}

static int dispatch(struct vhu_dev *dev, struct vhu_msg *msg)
{
	int ret;

	switch (msg->hdr.request) {
	case VHU_GET_FEATURES:
		ret = expect(dev, msg, 0, 0);
		return ret ? ret : reply_u64(msg, vhu_dev_offered_features(dev));
	case VHU_GET_PROTOCOL_FEATURES:
		ret = expect(dev, msg, 0, 0);
		return ret ? ret :
		       reply_u64(msg, vhu_dev_offered_protocol_features(dev));
	case VHU_GET_QUEUE_NUM:
		ret = expect(dev, msg, 0, 0);
		return ret ? ret : reply_u64(msg, dev->desc.num_queues);
	case VHU_GET_MAX_MEM_SLOTS:
		ret = expect(dev, msg, 0, 0);
		return ret ? ret : reply_u64(msg, VHU_MAX_MEM_SLOTS);
	case VHU_GET_STATUS:
		ret = expect(dev, msg, 0, 0);
		return ret ? ret : reply_u64(msg, dev->status);
	case VHU_SET_FEATURES:
		ret = expect(dev, msg, sizeof(uint64_t), 0);
		return ret ? ret : h_set_features(dev, msg);
	case VHU_SET_PROTOCOL_FEATURES:
		ret = expect(dev, msg, sizeof(uint64_t), 0);
		return ret ? ret : h_set_protocol_features(dev, msg);
	case VHU_SET_STATUS:
		ret = expect(dev, msg, sizeof(uint64_t), 0);
		return ret ? ret : h_set_status(dev, msg);
	case VHU_SET_OWNER:
		ret = expect(dev, msg, 0, 0);
		if (!ret)
			dev->owner = true;
		return ret;
	case VHU_RESET_OWNER:
	case VHU_RESET_DEVICE:
		ret = expect(dev, msg, 0, 0);
		if (!ret)
			reset_device(dev);
		return ret;
	case VHU_SET_MEM_TABLE:
		return h_set_mem_table(dev, msg);
	case VHU_ADD_MEM_REG:
		return h_add_mem_reg(dev, msg);
	case VHU_REM_MEM_REG:
		return h_rem_mem_reg(dev, msg);
	case VHU_SET_VRING_NUM:
		ret = expect(dev, msg, sizeof(struct vhu_msg_state), 0);
		return ret ? ret : h_set_vring_num(dev, msg);
	case VHU_SET_VRING_ADDR:
		ret = expect(dev, msg, sizeof(struct vhu_msg_addr), 0);
		return ret ? ret : h_set_vring_addr(dev, msg);
	case VHU_SET_VRING_BASE:
		ret = expect(dev, msg, sizeof(struct vhu_msg_state), 0);
		return ret ? ret : h_set_vring_base(dev, msg);
	case VHU_GET_VRING_BASE:
		ret = expect(dev, msg, sizeof(struct vhu_msg_state), 0);
		return ret ? ret : h_get_vring_base(dev, msg);
	case VHU_SET_VRING_KICK:
	case VHU_SET_VRING_CALL:
	case VHU_SET_VRING_ERR:
		return h_set_vring_fd(dev, msg);
	case VHU_SET_VRING_ENABLE:
		ret = expect(dev, msg, sizeof(struct vhu_msg_state), 0);
		return ret ? ret : h_set_vring_enable(dev, msg);
	case VHU_SET_BACKEND_REQ_FD:
		return h_set_backend_req_fd(dev, msg);
	case VHU_GET_CONFIG:
		return h_get_config(dev, msg);
	case VHU_SET_CONFIG:
		return h_set_config(dev, msg);
	default:
		vhu_err(&dev->log, "unsupported request %u (payload %u bytes, %u fds)%s",
			msg->hdr.request, msg->hdr.size, msg->nfds,
			msg->hdr.flags & VHU_FLAG_NEED_REPLY ?
			", replying failure" : ", ignored");
		return -ENOTSUP;
	}
}

static bool has_own_reply(uint32_t req)
{
	switch (req) {
	case VHU_GET_FEATURES:
	case VHU_GET_PROTOCOL_FEATURES:
	case VHU_GET_QUEUE_NUM:
	case VHU_GET_MAX_MEM_SLOTS:
	case VHU_GET_STATUS:
	case VHU_GET_VRING_BASE:
	case VHU_GET_CONFIG:
		return true;
	default:
		return false;
	}
}

/* Read and handle one front-end message. */
static void handle_conn(struct vhu_dev *dev)
{
	struct vhu_msg *msg;
	uint32_t req;
	bool need_reply;
	int ret;

	msg = malloc(sizeof(*msg));
	if (!msg) {
		vhu_err(&dev->log, "out of memory");
		vhu_dev_disconnect(dev);
		return;
	}
	ret = read_msg(dev, dev->conn_fd, msg);
	if (ret <= 0) {
		free(msg);
		vhu_dev_disconnect(dev);
		return;
	}
	dev->messages++;
	req = msg->hdr.request;
	need_reply = msg->hdr.flags & VHU_FLAG_NEED_REPLY;
	vhu_dbg(&dev->log, "<- %s (%u) flags 0x%x size %u fds %u",
		request_name(req), req, msg->hdr.flags, msg->hdr.size, msg->nfds);

	ret = dispatch(dev, msg);
	close_msg_fds(msg);

	if (ret == H_REPLY) {
		if (send_reply(dev, msg))
			vhu_dev_disconnect(dev);
	} else if (ret == H_MALFORMED) {
		vhu_err(&dev->log, "%s (%u): malformed message, disconnecting the front-end",
			request_name(req), req);
		if (need_reply && !has_own_reply(req)) {
			reply_u64(msg, 1);
			send_reply(dev, msg);
		}
		vhu_dev_disconnect(dev);
	} else {
		if (ret < 0)
			vhu_dbg(&dev->log, "%s (%u) failed: %s", request_name(req),
				req, strerror(-ret));
		if (need_reply && !has_own_reply(req)) {
			reply_u64(msg, ret < 0 ? 1 : 0);
			if (send_reply(dev, msg))
				vhu_dev_disconnect(dev);
		}
	}
	free(msg);
}

/* ---- back-end channel -------------------------------------------------- */

int vhu_dev_config_changed(struct vhu_dev *dev)
{
	struct vhu_msg_hdr hdr = {
		.request = VHU_BACKEND_CONFIG_CHANGE_MSG,
		.flags = VHU_VERSION,
		.size = 0,
	};
	bool ack = vhu_dev_has_protocol_feature(dev, VHU_PROTOCOL_F_REPLY_ACK);
	int ret;

	if (dev->backend_fd < 0) {
		vhu_err(&dev->log, "config change: no back-end channel (BACKEND_REQ not negotiated or no SET_BACKEND_REQ_FD)");
		return -ENOTCONN;
	}
	if (ack)
		hdr.flags |= VHU_FLAG_NEED_REPLY;
	ret = write_msg(dev->backend_fd, &hdr, NULL);
	if (ret) {
		vhu_err(&dev->log, "config change: write to back-end channel failed: %s",
			strerror(-ret));
		return ret;
	}
	if (ack)
		dev->backend_acks_pending++;
	return 0;
}

/* The front-end's acks arrive asynchronously; read them here. */
static void handle_backend(struct vhu_dev *dev, uint32_t events)
{
	struct vhu_msg_hdr hdr;
	uint64_t val = 0;
	int ret;

	ret = read_full(dev->backend_fd, &hdr, sizeof(hdr));
	if (ret) {
		if (ret != -EPIPE || !(events & EPOLLIN))
			vhu_err(&dev->log, "back-end channel: %s", strerror(-ret));
		goto drop;
	}
	if (!(hdr.flags & VHU_FLAG_REPLY) || hdr.size != sizeof(val)) {
		vhu_err(&dev->log, "back-end channel: unexpected message %u flags 0x%x size %u",
			hdr.request, hdr.flags, hdr.size);
		goto drop;
	}
	ret = read_full(dev->backend_fd, &val, sizeof(val));
	if (ret) {
		vhu_err(&dev->log, "back-end channel: truncated reply");
		goto drop;
	}
	if (!dev->backend_acks_pending)
		vhu_err(&dev->log, "back-end channel: unsolicited reply to request %u",
			hdr.request);
	else
		dev->backend_acks_pending--;
	if (val) {
		dev->backend_acks_failed++;
		vhu_err(&dev->log, "front-end refused back-end request %u (status %" PRIu64 ")",
			hdr.request, val);
	} else {
		dev->backend_acks_ok++;
	}
	return;
drop:
	ep_del(dev, dev->backend_fd);
	close_fd(&dev->backend_fd);
	dev->backend_acks_pending = 0;
}

/* ---- loop -------------------------------------------------------------- */

static void handle_listen(struct vhu_dev *dev)
{
	struct timeval tv = { .tv_sec = 5 };
	int fd;

	fd = accept4(dev->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			vhu_err(&dev->log, "accept: %s", strerror(errno));
		return;
	}
	if (dev->conn_fd >= 0) {
		vhu_err(&dev->log, "a front-end is already connected, refusing another one");
		close(fd);
		return;
	}
	/* a front-end that stalls inside a message must not hang us */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (vhu_dev_attach(dev, fd))
		close(fd);
}

int vhu_dev_attach(struct vhu_dev *dev, int fd)
{
	if (dev->conn_fd >= 0) {
		vhu_err(&dev->log, "already connected");
		return -EBUSY;
	}
	if (ep_add(dev, fd, EPOLLIN, token(EV_CONN, 0, fd)))
		return -EIO;
	dev->conn_fd = fd;
	dev->connections++;
	if (dev->listen_fd >= 0)
		ep_del(dev, dev->listen_fd);
	vhu_dbg(&dev->log, "front-end connected");
	return 0;
}

static void handle_kick(struct vhu_dev *dev, unsigned int qidx, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct vhu_vq *vq;
	uint64_t cnt;

	if (qidx >= dev->desc.num_queues)
		return;
	vq = &dev->vqs[qidx];
	if (vq->kick_fd != fd)
		return;		/* stale event for a replaced fd */
	/* never block on the shared eventfd */
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) &&
	    read(fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		vhu_err(&dev->log, "queue %u: reading kick eventfd: %s", qidx,
			strerror(errno));
	if (!vq->desc && vq->num && vq->addr_set)
		vhu_vq_map(vq);
	kick_if_ready(dev, vq);
}

static void handle_signal(struct vhu_dev *dev)
{
	struct signalfd_siginfo si;

	if (read(dev->signal_fd, &si, sizeof(si)) != sizeof(si))
		return;
	vhu_dbg(&dev->log, "signal %u, shutting down", si.ssi_signo);
	dev->quit = true;
}

static void handle_extra(struct vhu_dev *dev, unsigned int slot, int fd,
			 uint32_t events)
{
	struct vhu_extra_fd *x;

	if (slot >= VHU_MAX_EXTRA_FDS)
		return;
	x = &dev->extra[slot];
	if (x->fd != fd || !x->cb)
		return;
	x->cb(dev, fd, events, x->opaque);
}

int vhu_dev_poll(struct vhu_dev *dev, int timeout_ms)
{
	struct epoll_event evs[16];
	int n, i;

	n = epoll_wait(dev->epoll_fd, evs, 16, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		vhu_err(&dev->log, "epoll_wait: %s", strerror(errno));
		return -errno;
	}
	for (i = 0; i < n && !dev->quit; i++) {
		uint64_t t = evs[i].data.u64;
		unsigned int type = t >> 56;
		unsigned int idx = (t >> 32) & 0xffffff;
		int fd = (int)(uint32_t)t;

		switch (type) {
		case EV_LISTEN:
			if (fd == dev->listen_fd)
				handle_listen(dev);
			break;
		case EV_CONN:
			if (fd == dev->conn_fd)
				handle_conn(dev);
			break;
		case EV_BACKEND:
			if (fd == dev->backend_fd)
				handle_backend(dev, evs[i].events);
			break;
		case EV_SIGNAL:
			handle_signal(dev);
			break;
		case EV_KICK:
			handle_kick(dev, idx, fd);
			break;
		case EV_EXTRA:
			handle_extra(dev, idx, fd, evs[i].events);
			break;
		}
	}
	return n;
}

int vhu_dev_run(struct vhu_dev *dev)
{
	while (!dev->quit) {
		int ret = vhu_dev_poll(dev, -1);

		if (ret < 0)
			return ret;
	}
	return 0;
}

void vhu_dev_stop(struct vhu_dev *dev)
{
	dev->quit = true;
}

bool vhu_dev_connected(const struct vhu_dev *dev)
{
	return dev->conn_fd >= 0;
}

struct vhu_vq *vhu_dev_queue(struct vhu_dev *dev, unsigned int qidx)
{
	return qidx < dev->desc.num_queues ? &dev->vqs[qidx] : NULL;
}

/* ---- setup ------------------------------------------------------------- */

int vhu_dev_init(struct vhu_dev *dev, const struct vhu_dev_desc *desc)
{
	unsigned int i;

	memset(dev, 0, sizeof(*dev));
	dev->desc = *desc;
	vhu_log_init(&dev->log, desc->name);
	dev->listen_fd = -1;
	dev->conn_fd = -1;
	dev->backend_fd = -1;
	dev->signal_fd = -1;
	dev->epoll_fd = -1;
	for (i = 0; i < VHU_MAX_EXTRA_FDS; i++)
		dev->extra[i].fd = -1;

	if (!desc->num_queues || desc->num_queues > VHU_MAX_QUEUES) {
		vhu_err(&dev->log, "invalid number of queues %u (1..%u)",
			desc->num_queues, VHU_MAX_QUEUES);
		return -EINVAL;
	}
	if (desc->config_size > VHU_MAX_CONFIG_SIZE ||
	    (desc->config_size && !desc->config)) {
		vhu_err(&dev->log, "invalid config space (%u bytes, max %u)",
			desc->config_size, VHU_MAX_CONFIG_SIZE);
		return -EINVAL;
	}
	if (!dev->desc.max_queue_size || dev->desc.max_queue_size > VHU_MAX_QUEUE_SIZE)
		dev->desc.max_queue_size = VHU_MAX_QUEUE_SIZE;

	vhu_mem_init(&dev->mem, &dev->log);
	for (i = 0; i < VHU_MAX_QUEUES; i++)
		vhu_vq_init(&dev->vqs[i], i, &dev->mem, &dev->log);

	dev->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (dev->epoll_fd < 0) {
		vhu_err(&dev->log, "epoll_create1: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int vhu_dev_listen(struct vhu_dev *dev, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		vhu_err(&dev->log, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			vhu_err(&dev->log, "%s exists and is not a socket", path);
			return -EEXIST;
		}
		unlink(path);	/* stale socket of an earlier run */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		vhu_err(&dev->log, "socket: %s", strerror(e));
		return -e;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4) < 0) {
		e = errno;
		vhu_err(&dev->log, "cannot listen on %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	dev->socket_path = strdup(path);
	dev->listen_fd = fd;
	if (dev->conn_fd < 0 &&
	    ep_add(dev, fd, EPOLLIN, token(EV_LISTEN, 0, fd)))
		return -EIO;
	return 0;
}

int vhu_signalfd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	/* writing to a vanished front-end must not kill us */
	signal(SIGPIPE, SIG_IGN);
	return fd;
}

int vhu_dev_catch_signals(struct vhu_dev *dev)
{
	dev->signal_fd = vhu_signalfd();
	if (dev->signal_fd < 0) {
		vhu_err(&dev->log, "signalfd: %s", strerror(-dev->signal_fd));
		return dev->signal_fd;
	}
	return ep_add(dev, dev->signal_fd, EPOLLIN,
		      token(EV_SIGNAL, 0, dev->signal_fd));
}

int vhu_dev_add_fd(struct vhu_dev *dev, int fd, uint32_t events,
		   vhu_fd_cb cb, void *opaque)
{
	unsigned int i;

	for (i = 0; i < VHU_MAX_EXTRA_FDS; i++) {
		struct vhu_extra_fd *x = &dev->extra[i];
		int ret;

		if (x->fd >= 0)
			continue;
		ret = ep_add(dev, fd, events, token(EV_EXTRA, i, fd));
		if (ret)
			return ret;
		x->fd = fd;
		x->cb = cb;
		x->opaque = opaque;
		x->owned = false;
		return 0;
	}
	vhu_err(&dev->log, "too many extra fds (max %u)", VHU_MAX_EXTRA_FDS);
	return -ENOSPC;
}

int vhu_dev_del_fd(struct vhu_dev *dev, int fd)
{
	unsigned int i;

	for (i = 0; i < VHU_MAX_EXTRA_FDS; i++) {
		struct vhu_extra_fd *x = &dev->extra[i];

		if (x->fd != fd)
			continue;
		ep_del(dev, fd);
		if (x->owned)
			close(fd);
		x->fd = -1;
		x->cb = NULL;
		return 0;
	}
	return -ENOENT;
}

int vhu_dev_add_timer(struct vhu_dev *dev, uint64_t first_ns,
		      uint64_t interval_ns, vhu_fd_cb cb, void *opaque)
{
	struct itimerspec its = {
		.it_value = { first_ns / 1000000000, first_ns % 1000000000 },
		.it_interval = { interval_ns / 1000000000, interval_ns % 1000000000 },
	};
	unsigned int i;
	int fd, ret;

	if (!first_ns)
		its.it_value.tv_nsec = 1;	/* 0 would disarm */
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0) {
		vhu_err(&dev->log, "timerfd_create: %s", strerror(errno));
		return -errno;
	}
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = vhu_dev_add_fd(dev, fd, EPOLLIN, cb, opaque);
	if (ret) {
		close(fd);
		return ret;
	}
	for (i = 0; i < VHU_MAX_EXTRA_FDS; i++)
		if (dev->extra[i].fd == fd)
			dev->extra[i].owned = true;
	return fd;
}

void vhu_dev_cleanup(struct vhu_dev *dev)
{
	unsigned int i;

	vhu_dev_disconnect(dev);
	for (i = 0; i < VHU_MAX_EXTRA_FDS; i++)
		if (dev->extra[i].fd >= 0)
			vhu_dev_del_fd(dev, dev->extra[i].fd);
	if (dev->listen_fd >= 0) {
		ep_del(dev, dev->listen_fd);
		close_fd(&dev->listen_fd);
	}
	if (dev->socket_path) {
		unlink(dev->socket_path);
		free(dev->socket_path);
		dev->socket_path = NULL;
	}
	close_fd(&dev->signal_fd);
	close_fd(&dev->epoll_fd);
}
