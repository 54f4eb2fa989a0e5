/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhu - a small vhost-user back-end library for the virtio-automotive
 * device models.
 *
 * The front-end (QEMU) connects to a unix socket the model listens on and
 * drives the device with vhost-user messages.  The library owns the
 * protocol, the guest memory table and the split virtqueues; a model fills
 * a struct vhu_dev_desc and reacts to queue kicks through callbacks.
 *
 * Everything the guest writes into shared memory is untrusted: every
 * address is translated with a length and must lie inside one memory
 * region, and every ring/descriptor field is validated before use.
 *
 * Single threaded: all callbacks run from vhu_dev_run()/vhu_dev_poll().
 */
#ifndef VHU_H
#define VHU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* ---- limits ------------------------------------------------------------ */

#define VHU_MAX_QUEUES		32	/* queues per device */
#define VHU_MAX_QUEUE_SIZE	32768	/* virtio split ring maximum */
#define VHU_MAX_MEM_SLOTS	32	/* regions with ADD_MEM_REG */
#define VHU_MEM_TABLE_REGIONS	8	/* regions in one SET_MEM_TABLE */
#define VHU_MAX_CONFIG_SIZE	256	/* device config space */
#define VHU_MAX_FDS		8	/* fds in one message */
#define VHU_MAX_EXTRA_FDS	16	/* model fds in the event loop */

/* ---- feature bits ------------------------------------------------------ */

#define VIRTIO_RING_F_INDIRECT_DESC	28
#define VIRTIO_RING_F_EVENT_IDX		29
#define VHOST_USER_F_PROTOCOL_FEATURES	30
#define VIRTIO_F_VERSION_1		32

#define VHU_PROTOCOL_F_MQ			0
#define VHU_PROTOCOL_F_REPLY_ACK		3
#define VHU_PROTOCOL_F_BACKEND_REQ		5
#define VHU_PROTOCOL_F_CONFIG			9
#define VHU_PROTOCOL_F_RESET_DEVICE		13
#define VHU_PROTOCOL_F_CONFIGURE_MEM_SLOTS	15
#define VHU_PROTOCOL_F_STATUS			16

#define VHU_BIT(n)	(1ULL << (n))

/* ---- split ring layout (little endian in guest memory) ---------------- */

#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
#define VRING_AVAIL_F_NO_INTERRUPT	1
#define VRING_USED_F_NO_NOTIFY		1

struct vhu_vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vhu_vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];	/* num entries, then used_event */
};

struct vhu_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vhu_vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vhu_vring_used_elem ring[];	/* num entries, then avail_event */
};

/* Bytes of each ring part for a queue of @num entries (with event fields). */
static inline size_t vhu_vring_desc_size(unsigned int num)
{
	return (size_t)num * sizeof(struct vhu_vring_desc);
}

static inline size_t vhu_vring_avail_size(unsigned int num)
{
	return 4 + (size_t)num * 2 + 2;
}

static inline size_t vhu_vring_used_size(unsigned int num)
{
	return 4 + (size_t)num * sizeof(struct vhu_vring_used_elem) + 2;
}

/*
 * True if the driver asked to be notified when the used index moves from
 * @old to @new_idx and its used_event is @event_idx (virtio EVENT_IDX rule).
 */
static inline bool vhu_vring_need_event(uint16_t event_idx, uint16_t new_idx,
					uint16_t old)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

/* ---- logging ------------------------------------------------------------ */

/*
 * Every error is printed to stderr as "<name>: <message>" and kept in
 * @last_error so callers (and unit tests) can inspect it.
 */
struct vhu_log {
	const char *name;
	bool quiet;		/* keep errors out of stderr (tests) */
	bool verbose;		/* print protocol trace to stderr */
	unsigned long errors;
	char last_error[256];
};

void vhu_log_init(struct vhu_log *log, const char *name);
void vhu_err(struct vhu_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vhu_dbg(struct vhu_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- guest memory table ------------------------------------------------ */

struct vhu_mem_region {
	uint64_t gpa;		/* guest physical address */
	uint64_t size;
	uint64_t uaddr;		/* front-end (QEMU) virtual address */
	uint64_t mmap_offset;	/* offset of the region in the fd */
	void *host;		/* local address of gpa */
	void *map_base;		/* what mmap returned */
	size_t map_size;
};

struct vhu_mem {
	struct vhu_log *log;
	unsigned int nregions;
	struct vhu_mem_region regions[VHU_MAX_MEM_SLOTS];
};

void vhu_mem_init(struct vhu_mem *mem, struct vhu_log *log);
/* Map @size bytes of @fd at @mmap_offset; @fd stays owned by the caller. */
int vhu_mem_add(struct vhu_mem *mem, uint64_t gpa, uint64_t size,
		uint64_t uaddr, uint64_t mmap_offset, int fd);
int vhu_mem_remove(struct vhu_mem *mem, uint64_t gpa, uint64_t size,
		   uint64_t uaddr);
void vhu_mem_clear(struct vhu_mem *mem);
/*
 * Translate [addr, addr + len) to a local pointer.  Succeeds only if the
 * whole range lies inside one region; logs an error and returns NULL
 * otherwise.  A zero @len is checked as a one byte range.
 */
void *vhu_gpa_to_va(struct vhu_mem *mem, uint64_t gpa, uint64_t len);
void *vhu_uva_to_va(struct vhu_mem *mem, uint64_t uaddr, uint64_t len);

/* ---- split virtqueue ---------------------------------------------------- */

/* A popped descriptor chain, translated and bounds checked. */
struct vhu_elem {
	uint16_t head;		/* descriptor index to push back */
	unsigned int out_num;	/* driver -> device (readable) */
	unsigned int in_num;	/* device -> driver (writable) */
	size_t out_len;
	size_t in_len;
	struct iovec *out_sg;
	struct iovec *in_sg;
};

struct vhu_vq {
	unsigned int index;
	struct vhu_mem *mem;
	struct vhu_log *log;

	unsigned int num;		/* 0 = not configured */
	uint64_t desc_uaddr, avail_uaddr, used_uaddr;
	bool addr_set;
	struct vhu_vring_desc *desc;	/* NULL until mapped */
	struct vhu_vring_avail *avail;
	struct vhu_vring_used *used;

	uint16_t last_avail_idx;	/* next avail entry to consume */
	uint16_t used_idx;		/* shadow of used->idx */
	uint16_t signalled_used;
	bool signalled_used_valid;
	unsigned int inflight;		/* popped, not pushed */

	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;			/* VIRTIO_RING_F_INDIRECT_DESC negotiated */

	int kick_fd, call_fd, err_fd;
	bool started;			/* has a kick fd, not stopped */
	bool enabled;			/* SET_VRING_ENABLE */
	bool broken;			/* guest error: stop touching the ring */

	unsigned long popped, pushed, notified, guest_errors;
};

void vhu_vq_init(struct vhu_vq *vq, unsigned int index, struct vhu_mem *mem,
		 struct vhu_log *log);
/* Forget ring configuration and close the vq's fds. */
void vhu_vq_reset(struct vhu_vq *vq);
int vhu_vq_set_num(struct vhu_vq *vq, unsigned int num);
int vhu_vq_set_addr(struct vhu_vq *vq, uint64_t desc, uint64_t avail,
		    uint64_t used);
/* (Re)translate the ring addresses; needed after the memory table changed. */
int vhu_vq_map(struct vhu_vq *vq);
void vhu_vq_unmap(struct vhu_vq *vq);
/* Configured, mapped and not broken. */
bool vhu_vq_ready(const struct vhu_vq *vq);
/*
 * Ready, and in use by the driver: started (a kick fd, not stopped since)
 * and enabled. A model moves buffers only on a live queue; a stopped one
 * belongs to a device being reset.
 */
bool vhu_vq_live(const struct vhu_vq *vq);

/*
 * Pop the next available chain.  Returns NULL with *err = 0 when the ring
 * is empty, NULL with *err < 0 on a guest error (the error is logged, the
 * queue is marked broken and its error eventfd written).  Free the element
 * with vhu_elem_free() after vhu_vq_push().
 */
struct vhu_elem *vhu_vq_pop(struct vhu_vq *vq, int *err);
/* Return @elem to the driver with @len bytes written to its in_sg. */
int vhu_vq_push(struct vhu_vq *vq, const struct vhu_elem *elem, uint32_t len);
void vhu_elem_free(struct vhu_elem *elem);
/* Would the driver want an interrupt now?  Updates the signalled state. */
bool vhu_vq_should_notify(struct vhu_vq *vq);
/* Write the call eventfd if vhu_vq_should_notify(); returns true if so. */
bool vhu_vq_notify(struct vhu_vq *vq);
/* Mark the queue broken and signal its error eventfd. */
void vhu_vq_set_broken(struct vhu_vq *vq);

/* Copy between a flat buffer and an iovec array, starting at @offset. */
size_t vhu_iov_to_buf(const struct iovec *iov, unsigned int cnt,
		      size_t offset, void *buf, size_t len);
size_t vhu_iov_from_buf(const struct iovec *iov, unsigned int cnt,
			size_t offset, const void *buf, size_t len);

/* ---- device ------------------------------------------------------------- */

struct vhu_dev;

struct vhu_dev_ops {
	/* Queue @qidx was kicked (or started/enabled with buffers pending). */
	void (*queue_kick)(struct vhu_dev *dev, unsigned int qidx);
	/* SET_CONFIG; return 0 or a negative errno.  NULL: read-only config. */
	int (*set_config)(struct vhu_dev *dev, uint32_t offset,
			  const void *data, uint32_t size, uint32_t flags);
	/* Device reset (RESET_DEVICE, status 0, front-end disconnect). */
	void (*reset)(struct vhu_dev *dev);
	/* The driver is running (DRIVER_OK, or a queue started and enabled). */
	void (*started)(struct vhu_dev *dev);
	void (*stopped)(struct vhu_dev *dev);
	/* GET_VRING_BASE stopped queue @qidx (its kick and call fds closed). */
	void (*queue_stopped)(struct vhu_dev *dev, unsigned int qidx);
};

struct vhu_dev_desc {
	const char *name;		/* log prefix, e.g. "va-rng-model" */
	uint32_t virtio_id;		/* informational */
	unsigned int num_queues;
	unsigned int max_queue_size;	/* 0: VHU_MAX_QUEUE_SIZE */
	uint64_t features;		/* device specific virtio feature bits */
	void *config;			/* config space, may be NULL */
	uint32_t config_size;
	const struct vhu_dev_ops *ops;
	void *priv;			/* model data, see vhu_dev_priv() */
};

typedef void (*vhu_fd_cb)(struct vhu_dev *dev, int fd, uint32_t events,
			  void *opaque);

struct vhu_extra_fd {
	int fd;				/* -1: free slot */
	vhu_fd_cb cb;
	void *opaque;
	bool owned;			/* closed by the library (timers) */
};

struct vhu_dev {
	struct vhu_dev_desc desc;
	struct vhu_log log;
	struct vhu_mem mem;
	struct vhu_vq vqs[VHU_MAX_QUEUES];

	char *socket_path;
	int listen_fd;
	int conn_fd;
	int backend_fd;			/* SET_BACKEND_REQ_FD channel */
	int epoll_fd;
	int signal_fd;

	uint64_t features;		/* acked by SET_FEATURES */
	uint64_t protocol_features;	/* acked by SET_PROTOCOL_FEATURES */
	uint8_t status;			/* SET_STATUS */
	bool owner;
	bool running;			/* started() called, stopped() not yet */
	bool quit;

	unsigned int backend_acks_pending;
	unsigned long backend_acks_ok, backend_acks_failed;
	unsigned long connections, messages;

	struct vhu_extra_fd extra[VHU_MAX_EXTRA_FDS];
};

static inline void *vhu_dev_priv(struct vhu_dev *dev)
{
	return dev->desc.priv;
}

static inline bool vhu_dev_has_feature(const struct vhu_dev *dev,
				       unsigned int bit)
{
	return dev->features & VHU_BIT(bit);
}

static inline bool vhu_dev_has_protocol_feature(const struct vhu_dev *dev,
						unsigned int bit)
{
	return dev->protocol_features & VHU_BIT(bit);
}

/* Features offered in GET_FEATURES / GET_PROTOCOL_FEATURES. */
uint64_t vhu_dev_offered_features(const struct vhu_dev *dev);
uint64_t vhu_dev_offered_protocol_features(const struct vhu_dev *dev);

int vhu_dev_init(struct vhu_dev *dev, const struct vhu_dev_desc *desc);
void vhu_dev_cleanup(struct vhu_dev *dev);
/* Listen on @path (a stale socket file is removed). */
int vhu_dev_listen(struct vhu_dev *dev, const char *path);
/* Use an already connected socket as the front-end connection. */
int vhu_dev_attach(struct vhu_dev *dev, int fd);
/*
 * Block SIGTERM, SIGINT and SIGHUP, ignore SIGPIPE, and return a signalfd
 * for the three (or a negative errno): for a program with its own loop.
 */
int vhu_signalfd(void);
/* Handle SIGTERM/SIGINT in the loop (blocks them, uses a signalfd). */
int vhu_dev_catch_signals(struct vhu_dev *dev);
/* Run until a signal or vhu_dev_stop(); returns 0 on clean shutdown. */
int vhu_dev_run(struct vhu_dev *dev);
/* One loop iteration: wait up to @timeout_ms, handle ready events. */
int vhu_dev_poll(struct vhu_dev *dev, int timeout_ms);
void vhu_dev_stop(struct vhu_dev *dev);
bool vhu_dev_connected(const struct vhu_dev *dev);
/* Drop the front-end connection and reset all state; listen again. */
void vhu_dev_disconnect(struct vhu_dev *dev);

struct vhu_vq *vhu_dev_queue(struct vhu_dev *dev, unsigned int qidx);

/* Watch a model fd (EPOLLIN etc.) in the loop. */
int vhu_dev_add_fd(struct vhu_dev *dev, int fd, uint32_t events,
		   vhu_fd_cb cb, void *opaque);
int vhu_dev_del_fd(struct vhu_dev *dev, int fd);
/*
 * Arm a timerfd owned by the library; returns its fd (>= 0).  The callback
 * should read() the fd.  @interval_ns 0 means one-shot.
 */
int vhu_dev_add_timer(struct vhu_dev *dev, uint64_t first_ns,
		      uint64_t interval_ns, vhu_fd_cb cb, void *opaque);

/*
 * Tell the front-end the config space changed (BACKEND_CONFIG_CHANGE_MSG
 * on the back-end channel).  With REPLY_ACK the ack is read by the loop
 * and counted in backend_acks_ok/failed.
 */
int vhu_dev_config_changed(struct vhu_dev *dev);

#endif /* VHU_H */
