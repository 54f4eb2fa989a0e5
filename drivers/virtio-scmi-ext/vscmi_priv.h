/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent core's private state: the virtio transport (vscmi_transport.c),
 * discovery and sysfs (vscmi_base.c) and the device glue (vscmi_main.c).
 */
#ifndef _VSCMI_PRIV_H
#define _VSCMI_PRIV_H

#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "vscmi.h"

#define VSCMI_MAX_SLOTS		64	/* commands in flight */
#define VSCMI_MAX_EVT_BUFS	64	/* eventq buffers posted */
#define VSCMI_REQ_SIZE		(4 + VSCMI_MAX_PAYLOAD)		/* hdr, params */
#define VSCMI_RSP_SIZE		(8 + VSCMI_MAX_PAYLOAD)		/* hdr, status, values */
#define VSCMI_DLY_SIZE		(4 + VSCMI_MAX_PAYLOAD)		/* status, values */
#define VSCMI_EVT_SIZE		(8 + VSCMI_MAX_PAYLOAD)		/* hdr, payload */
#define VSCMI_MAX_PROTOCOLS	239	/* ids 0x11 to 0xff */

#define VSCMI_DEFAULT_TIMEOUT_MS	2000
#define VSCMI_DEFAULT_DLY_TIMEOUT_MS	2000

enum vscmi_slot_state {
	VSCMI_SLOT_FREE,	/* on the free list */
	VSCMI_SLOT_CALLER,	/* taken by a caller, not on the cmdq */
	VSCMI_SLOT_QUEUED,	/* on the cmdq: the device owns the buffers */
	VSCMI_SLOT_ORPHAN,	/* on the cmdq, its caller gave up waiting */
};

/**
 * struct vscmi_slot - a command channel: buffers and state of one transfer
 * @xfer: what the caller sees
 * @node: entry of vscmi.free_slots while free
 * @req: header and parameters (device-readable), DMA-safe
 * @rsp: header, status and return values (device-writable), DMA-safe
 * @dly: status and return values of the delayed response (CPU only)
 * @rsp_len: bytes the device wrote to @rsp
 * @dly_len: bytes copied to @dly
 * @token: the token of the current transfer
 * @state: see enum vscmi_slot_state
 * @want_dly: a delayed response is expected for @token
 * @dly_done: the delayed response arrived
 * @done: completed when the device returns @rsp
 * @dly_cmpl: completed when the delayed response arrived
 *
 * @rsp_len, @dly_len, @token, @state, @want_dly and @dly_done are
 * protected by vscmi.lock.
 */
struct vscmi_slot {
	struct vscmi_xfer xfer;
	struct list_head node;
	u8 *req;
	u8 *rsp;
	u8 *dly;
	u32 rsp_len;
	u32 dly_len;
	u16 token;
	enum vscmi_slot_state state;
	bool want_dly;
	bool dly_done;
	struct completion done;
	struct completion dly_cmpl;
};

/**
 * enum vscmi_stat - protocol errors and recoveries, shown in sysfs
 * @VSCMI_STAT_TIMEOUTS: commands or delayed responses not answered in time
 * @VSCMI_STAT_LATE_RESPONSES: responses whose caller had given up
 * @VSCMI_STAT_BAD_RESPONSES: responses refused (short, header mismatch,
 *	too short for the command)
 * @VSCMI_STAT_BAD_EVENTS: eventq buffers refused (short, bad header, type)
 * @VSCMI_STAT_UNEXPECTED_DELAYED: delayed responses no command waits for
 * @VSCMI_STAT_NOTIFICATIONS: notifications delivered to a handler
 * @VSCMI_STAT_UNHANDLED_NOTIFICATIONS: notifications nobody handles
 * @VSCMI_NUM_STATS: number of counters
 */
enum vscmi_stat {
	VSCMI_STAT_TIMEOUTS,
	VSCMI_STAT_LATE_RESPONSES,
	VSCMI_STAT_BAD_RESPONSES,
	VSCMI_STAT_BAD_EVENTS,
	VSCMI_STAT_UNEXPECTED_DELAYED,
	VSCMI_STAT_NOTIFICATIONS,
	VSCMI_STAT_UNHANDLED_NOTIFICATIONS,
	VSCMI_NUM_STATS
};

/**
 * struct vscmi_info - what Base discovery found
 * @version: Base protocol version in use
 * @platform_version: Base version the platform reported
 * @num_protocols: protocols besides Base
 * @num_agents: agents the platform serves
 * @impl_version: implementation version
 * @vendor: vendor name
 * @sub_vendor: sub-vendor name
 * @agent_name: this agent's name (DISCOVER_AGENT), empty if not reported
 * @agent_id: this agent's id, valid when @agent_name is set
 * @protocols: the listed protocol ids, @num_protocols of them
 * @versions: version in use of each listed protocol
 */
struct vscmi_info {
	u32 version;
	u32 platform_version;
	unsigned int num_protocols;
	unsigned int num_agents;
	u32 impl_version;
	char vendor[VSCMI_NAME_LEN + 1];
	char sub_vendor[VSCMI_NAME_LEN + 1];
	char agent_name[VSCMI_NAME_LEN + 1];
	u32 agent_id;
	u8 protocols[VSCMI_MAX_PROTOCOLS];
	u32 versions[VSCMI_MAX_PROTOCOLS];
};

/**
 * struct vscmi - one SCMI agent: a virtio SCMI device and what it carries
 * @vdev: the virtio device
 * @cmdq: command queue
 * @evtq: event queue (NULL without VIRTIO_SCMI_F_P2A_CHANNELS)
 * @lock: protects @cmdq, @free_slots, @tokens, @stale, @next_token,
 *	@broken, @stats and the slots' state; taken in the cmdq interrupt
 * @slots: the command channels
 * @num_slots: entries of @slots
 * @free_slots: slots in VSCMI_SLOT_FREE state
 * @slot_wq: woken when a slot is freed
 * @tokens: slot holding each token (a command or an awaited delayed response)
 * @stale: tokens of delayed responses nobody waits for any more: not handed
 *	out again while other tokens are free, and a delayed response bearing
 *	one is dropped as late
 * @next_token: next token to try (tokens are handed out in order, so a late
 *	reply rarely finds its token reused)
 * @broken: the device is being removed or frozen: no new commands
 * @gate: held for reading by a transfer in flight, for writing by freeze and
 *	remove to drain them
 * @evt_lock: protects @evtq
 * @evt_bufs: the eventq buffers
 * @num_evt: entries of @evt_bufs
 * @evt_work: drains the eventq (process context for the handlers)
 * @evt_time: guest time (CLOCK_BOOTTIME) of the last eventq interrupt
 * @nb_lock: protects @nbs; held while handlers run
 * @nbs: registered struct vscmi_event_nb
 * @timeout_ms: how long a command waits for its response (sysfs)
 * @dly_timeout_ms: how long it waits for its delayed response (sysfs)
 * @stats: error counters, see enum vscmi_stat
 * @info: discovery results, read-only after probe
 * @adevs: the protocols' auxiliary devices
 * @num_adevs: entries of @adevs
 * @id: instance number, used in auxiliary device ids and /dev/vscmiN
 * @cdev: the user channel
 * @user_allow: protocols the user channel may address (sysfs
 *	user_protocols); protected by @lock
 */
struct vscmi {
	struct virtio_device *vdev;
	struct virtqueue *cmdq;
	struct virtqueue *evtq;

	spinlock_t lock;	/* see above */
	struct vscmi_slot *slots;
	unsigned int num_slots;
	struct list_head free_slots;
	wait_queue_head_t slot_wq;
	struct vscmi_slot *tokens[VSCMI_TOKENS];
	DECLARE_BITMAP(stale, VSCMI_TOKENS);
	u16 next_token;
	bool broken;
	struct rw_semaphore gate;

	spinlock_t evt_lock;	/* @evtq */
	void **evt_bufs;
	unsigned int num_evt;
	struct work_struct evt_work;
	ktime_t evt_time;

	struct mutex nb_lock;	/* @nbs */
	struct list_head nbs;

	unsigned int timeout_ms;
	unsigned int dly_timeout_ms;
	unsigned long stats[VSCMI_NUM_STATS];
	struct vscmi_info info;
	struct vscmi_device **adevs;
	unsigned int num_adevs;
	int id;
	struct vscmi_cdev *cdev;
	DECLARE_BITMAP(user_allow, 256);
};

/* vscmi_transport.c */
int vscmi_transport_init(struct vscmi *vscmi);
void vscmi_transport_start(struct vscmi *vscmi);
void vscmi_transport_stop(struct vscmi *vscmi);
int vscmi_transport_restart(struct vscmi *vscmi);
void vscmi_transport_free(struct vscmi *vscmi);
void vscmi_events_restored(struct vscmi *vscmi);

/* vscmi_chardev.c */
int vscmi_cdev_create(struct vscmi *vscmi);
void vscmi_cdev_destroy(struct vscmi *vscmi);

/* vscmi_base.c */
int vscmi_discover(struct vscmi *vscmi);
int vscmi_version_negotiate(struct vscmi *vscmi, u8 protocol, u32 ours,
			    u32 *version, u32 *platform);
extern const struct attribute_group *vscmi_groups[];

#endif /* _VSCMI_PRIV_H */
