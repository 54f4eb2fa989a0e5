/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtio CAN driver: shared definitions.
 *
 * The driver is split by concern:
 *  - virtio_can_main.c: probe/remove, virtqueues, control queue, config
 *    space;
 *  - virtio_can_netdev.c: SocketCAN side (open/stop, xmit, NAPI, bus-off
 *    and restart);
 *  - virtio_can_frame.c: wire format <-> SocketCAN frames, no device needed
 *    (tested by virtio_can_kunit.c);
 *  - virtio_can_ethtool.c: ethtool operations.
 */
#ifndef _VIRTIO_CAN_PRIV_H
#define _VIRTIO_CAN_PRIV_H

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/cache.h>
#include <linux/can/dev.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/ratelimit.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/virtio_can.h>
#include <linux/workqueue.h>

#include "virtio_can_compat.h"

#define VIRTIO_CAN_DRV_NAME		"virtio_can"

enum virtio_can_queue {
	VIRTIO_CAN_QUEUE_TX,
	VIRTIO_CAN_QUEUE_RX,
	VIRTIO_CAN_QUEUE_CTRL,
	VIRTIO_CAN_QUEUE_COUNT
};

/* TX requests in flight at most: also the number of echo skb slots. */
#define VIRTIO_CAN_TX_SLOTS_MAX		128
/* RX buffers posted at most. */
#define VIRTIO_CAN_RX_BUFS_MAX		256
/* How long a START or STOP request may take before it counts as lost. */
#define VIRTIO_CAN_CTRL_TIMEOUT_MS	2000

/* Frame flags this driver knows. */
#define VIRTIO_CAN_FLAGS_KNOWN	(VIRTIO_CAN_FLAGS_EXTENDED | \
				 VIRTIO_CAN_FLAGS_FD | VIRTIO_CAN_FLAGS_RTR)

/* Largest TX request and RX buffer: header plus a CAN FD payload. */
#define VIRTIO_CAN_FRAME_MAX	(sizeof(struct virtio_can_rx) + VIRTIO_CAN_MAX_DLEN)

/* Negotiated frame capabilities, as a mask of VIRTIO_CAN_F_* bits. */
#define VIRTIO_CAN_CAP(f)	BIT(VIRTIO_CAN_F_##f)

/**
 * enum virtio_can_rx_verdict - what virtio_can_rx_decode() made of a buffer
 * @VIRTIO_CAN_RX_OK: a valid frame
 * @VIRTIO_CAN_RX_SHORT: the device wrote less than a frame header
 * @VIRTIO_CAN_RX_OVERSIZE: the device claims more bytes than the buffer has
 * @VIRTIO_CAN_RX_BAD_TYPE: msg_type is not VIRTIO_CAN_RX
 * @VIRTIO_CAN_RX_BAD_FLAGS: undefined flag bits, or RTR together with FD
 * @VIRTIO_CAN_RX_BAD_LENGTH: payload length out of range for the frame type
 * @VIRTIO_CAN_RX_TRUNCATED: fewer payload bytes written than @length says
 * @VIRTIO_CAN_RX_NOT_NEGOTIATED: a frame type the driver did not negotiate
 * @VIRTIO_CAN_RX_BAD_ID: identifier out of range for its format
 * @VIRTIO_CAN_RX_VERDICTS: number of verdicts
 */
enum virtio_can_rx_verdict {
	VIRTIO_CAN_RX_OK,
	VIRTIO_CAN_RX_SHORT,
	VIRTIO_CAN_RX_OVERSIZE,
	VIRTIO_CAN_RX_BAD_TYPE,
	VIRTIO_CAN_RX_BAD_FLAGS,
	VIRTIO_CAN_RX_BAD_LENGTH,
	VIRTIO_CAN_RX_TRUNCATED,
	VIRTIO_CAN_RX_NOT_NEGOTIATED,
	VIRTIO_CAN_RX_BAD_ID,
	VIRTIO_CAN_RX_VERDICTS
};

/**
 * enum virtio_can_stat - driver counters beyond the netdev and CAN stats,
 *	shown by ethtool -S (names in virtio_can_ethtool.c)
 * @VIRTIO_CAN_STAT_TX_NOT_OK: TX requests the device answered NOT_OK
 * @VIRTIO_CAN_STAT_TX_BAD_RESULT: TX results other than OK and NOT_OK
 * @VIRTIO_CAN_STAT_TX_BAD_LEN: TX completions without a result byte
 * @VIRTIO_CAN_STAT_TX_UNSUPPORTED: frames dropped before sending because
 *	their type is not negotiated or not enabled
 * @VIRTIO_CAN_STAT_TX_ORPHANED: TX requests given up at stop or bus-off
 *	while the device still held them
 * @VIRTIO_CAN_STAT_TX_LATE: completions of such given-up requests
 * @VIRTIO_CAN_STAT_RX_BAD: RX buffers dropped as invalid: the first of one
 *	counter per enum virtio_can_rx_verdict other than VIRTIO_CAN_RX_OK
 * @VIRTIO_CAN_STAT_RX_FD_DISABLED: CAN FD frames received while FD is off
 * @VIRTIO_CAN_STAT_RX_NOMEM: frames dropped for lack of an skb
 * @VIRTIO_CAN_STAT_RX_STALE: frames the device completed while the
 *	interface was down, discarded at open
 * @VIRTIO_CAN_STAT_BUS_OFF: bus-off reports from the device
 * @VIRTIO_CAN_STAT_STATUS_UNKNOWN: config status values with unknown bits
 * @VIRTIO_CAN_STAT_CTRL_NOT_OK: control requests answered NOT_OK
 * @VIRTIO_CAN_STAT_CTRL_TIMEOUT: control requests the device did not answer
 * @VIRTIO_CAN_STAT_CTRL_LATE: control answers after the timeout
 * @VIRTIO_CAN_STAT_COUNT: number of counters
 */
enum virtio_can_stat {
	VIRTIO_CAN_STAT_TX_NOT_OK,
	VIRTIO_CAN_STAT_TX_BAD_RESULT,
	VIRTIO_CAN_STAT_TX_BAD_LEN,
	VIRTIO_CAN_STAT_TX_UNSUPPORTED,
	VIRTIO_CAN_STAT_TX_ORPHANED,
	VIRTIO_CAN_STAT_TX_LATE,
	VIRTIO_CAN_STAT_RX_BAD,
	VIRTIO_CAN_STAT_RX_FD_DISABLED = VIRTIO_CAN_STAT_RX_BAD +
					 VIRTIO_CAN_RX_VERDICTS - 1,
	VIRTIO_CAN_STAT_RX_NOMEM,
	VIRTIO_CAN_STAT_RX_STALE,
	VIRTIO_CAN_STAT_BUS_OFF,
	VIRTIO_CAN_STAT_STATUS_UNKNOWN,
	VIRTIO_CAN_STAT_CTRL_NOT_OK,
	VIRTIO_CAN_STAT_CTRL_TIMEOUT,
	VIRTIO_CAN_STAT_CTRL_LATE,
	VIRTIO_CAN_STAT_COUNT
};

/**
 * struct virtio_can_tx_slot - one preallocated TX request
 * @req: the device-readable request: struct virtio_can_tx_out and payload
 * @res: the device-writable result
 * @bql_len: bytes this request accounts for in BQL; 0 once the queue was
 *	reset while the device held it
 * @orphaned: its echo skb was released at stop or bus-off while the device
 *	still held the request; its completion only frees the slot
 *
 * A slot is in use while its bit in &virtio_can_priv.tx_map is set; its
 * index is also the echo skb index.  Everything is under
 * &virtio_can_priv.tx_lock.
 */
struct virtio_can_tx_slot {
	u8 req[VIRTIO_CAN_FRAME_MAX] __aligned(8);
	struct virtio_can_tx_in res;
	unsigned int bql_len;
	bool orphaned;
} ____cacheline_aligned;

/**
 * struct virtio_can_rx_buf - one RX buffer
 * @data: struct virtio_can_rx and payload, written by the device
 */
struct virtio_can_rx_buf {
	u8 data[VIRTIO_CAN_FRAME_MAX] __aligned(8);
} ____cacheline_aligned;

/**
 * struct virtio_can_ctrl_msg - DMA-safe buffers of the control request
 * @out: the request
 * @in: the device's answer
 */
struct virtio_can_ctrl_msg {
	struct virtio_can_control_out out;
	struct virtio_can_control_in in;
};

/**
 * struct virtio_can_priv - per-device state
 * @can: CAN core state; must be first (netdev_priv() is shared with it)
 * @dev: the CAN network device
 * @vdev: the virtio device
 * @vqs: the TX, RX and control virtqueues
 * @caps: negotiated VIRTIO_CAN_F_* bits (VIRTIO_CAN_CAP())
 * @napi: one NAPI context for RX frames and TX completions
 * @tx_lock: protects adding to and taking from the TX virtqueue, @tx_map,
 *	@tx_inflight and the TX slots; taken in xmit and NAPI (softirq) and
 *	in process context with BHs off
 * @tx_slots: @tx_num preallocated TX requests
 * @tx_num: usable TX slots (at most VIRTIO_CAN_TX_SLOTS_MAX)
 * @tx_map: TX slots in use (held by the device)
 * @tx_inflight: bits set in @tx_map
 * @tx_open: the TX queue may be woken (interface up, not bus-off)
 * @rx_bufs: @rx_num RX buffers of @rx_buf_size bytes each; all of them are
 *	posted to the device except while one is being processed in NAPI
 * @rx_num: number of RX buffers
 * @rx_buf_size: bytes offered to the device per RX buffer
 * @ctrl_lock: serialises control requests (START/STOP); sleeps
 * @ctrl_vq_lock: protects the control virtqueue, @ctrl_waiting and
 *	@ctrl_stuck against the virtqueue callback (hard IRQ)
 * @ctrl: the control request buffers, owned by the device while a request
 *	is outstanding
 * @ctrl_done: completed by the control virtqueue callback
 * @ctrl_used: bytes the device wrote for the last answer
 * @ctrl_waiting: a request is outstanding and its sender waits for it
 * @ctrl_stuck: a request timed out and the device still holds it; no new
 *	request is sent until it comes back
 * @state_lock: serialises controller state changes (open, stop, bus-off,
 *	restart) and protects @running; taken after RTNL where both are held
 * @running: the interface is up: a restart may start the controller
 * @cfg_lock: protects @cfg_enabled against the config-change callback
 * @cfg_enabled: config changes are acted upon (probe done, not removing)
 * @state_work: reads the config status and handles bus-off; takes RTNL
 * @stats: counters of enum virtio_can_stat
 */
struct virtio_can_priv {
	struct can_priv can;
	struct net_device *dev;
	struct virtio_device *vdev;
	struct virtqueue *vqs[VIRTIO_CAN_QUEUE_COUNT];
	u32 caps;
	struct napi_struct napi;

	spinlock_t tx_lock;		/* TX path, see above */
	struct virtio_can_tx_slot *tx_slots;
	unsigned int tx_num;
	DECLARE_BITMAP(tx_map, VIRTIO_CAN_TX_SLOTS_MAX);
	unsigned int tx_inflight;
	bool tx_open;

	struct virtio_can_rx_buf *rx_bufs;
	unsigned int rx_num;
	unsigned int rx_buf_size;

	struct mutex ctrl_lock;		/* one control request at a time */
	spinlock_t ctrl_vq_lock;	/* control vq vs. its callback */
	struct virtio_can_ctrl_msg *ctrl;
	struct completion ctrl_done;
	unsigned int ctrl_used;
	bool ctrl_waiting;
	bool ctrl_stuck;

	struct mutex state_lock;	/* controller state changes */
	bool running;

	spinlock_t cfg_lock;		/* @cfg_enabled */
	bool cfg_enabled;
	struct work_struct state_work;

	atomic_long_t stats[VIRTIO_CAN_STAT_COUNT];
};

/*
 * Errors caused by the device are logged at most at the default rate per
 * call site, so that a misbehaving device cannot flood the log.
 */
#define virtio_can_err_ratelimited(ndev, fmt, ...)				\
	do {									\
		static DEFINE_RATELIMIT_STATE(_rs, DEFAULT_RATELIMIT_INTERVAL,	\
					      DEFAULT_RATELIMIT_BURST);		\
		if (__ratelimit(&_rs))						\
			netdev_err(ndev, fmt, ##__VA_ARGS__);			\
	} while (0)

static inline void virtio_can_count(struct virtio_can_priv *priv,
				    enum virtio_can_stat stat)
{
	atomic_long_inc(&priv->stats[stat]);
}

/* virtio_can_frame.c */
u8 virtio_can_fd_len(unsigned int len);
unsigned int virtio_can_tx_encode(void *req, const struct canfd_frame *cf,
				  bool fd);
enum virtio_can_rx_verdict virtio_can_rx_decode(const void *buf,
						unsigned int used,
						unsigned int size, u32 caps,
						struct canfd_frame *cf,
						bool *fd);
const char *virtio_can_rx_verdict_name(enum virtio_can_rx_verdict verdict);
bool virtio_can_status_bus_off(u16 status, u16 *unknown);

/* virtio_can_main.c */
int virtio_can_ctrl(struct virtio_can_priv *priv, u16 msg_type);
u16 virtio_can_read_status(struct virtio_can_priv *priv);
void virtio_can_rx_post(struct virtio_can_priv *priv,
			struct virtio_can_rx_buf *buf);

/* virtio_can_netdev.c */
extern const struct net_device_ops virtio_can_netdev_ops;
int virtio_can_poll(struct napi_struct *napi, int budget);
int virtio_can_set_mode(struct net_device *dev, enum can_mode mode);
void virtio_can_state_work(struct work_struct *work);
void virtio_can_vq_done(struct virtqueue *vq);

/* virtio_can_ethtool.c */
extern const struct ethtool_ops virtio_can_ethtool_ops;

#endif /* _VIRTIO_CAN_PRIV_H */
