/* SPDX-License-Identifier: GPL-2.0 */
/*
 * va-can-model - shared definitions of the virtual CAN bus model.
 *
 * can-bus.c: the devices (control, TX and RX queues) and the bus joining them.
 * can-ctl.c: the file based control interface (fault injection, test hooks).
 * va-can-model.c: options, event loop, summary.
 */
#ifndef VA_CAN_H
#define VA_CAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vhu.h"

#define CAN_MODEL_NAME		"va-can-model"
#define VIRTIO_ID_CAN		36

/* feature bits (VIRTIO 1.4) */
#define VIRTIO_CAN_F_CAN_CLASSIC	0
#define VIRTIO_CAN_F_CAN_FD		1
#define VIRTIO_CAN_F_RTR_FRAMES		2
#define VIRTIO_CAN_F_LATE_TX_ACK	3
#define CAN_FEATURES_ALL		0xfULL

enum { CAN_TXQ, CAN_RXQ, CAN_CTRLQ, CAN_NUM_QUEUES };

/* message types */
#define VIRTIO_CAN_TX			0x0001
#define VIRTIO_CAN_RX			0x0101
#define VIRTIO_CAN_SET_CTRL_MODE_START	0x0201
#define VIRTIO_CAN_SET_CTRL_MODE_STOP	0x0202

#define VIRTIO_CAN_RESULT_OK		0
#define VIRTIO_CAN_RESULT_NOT_OK	1

#define VIRTIO_CAN_FLAGS_EXTENDED	0x8000
#define VIRTIO_CAN_FLAGS_FD		0x4000
#define VIRTIO_CAN_FLAGS_RTR		0x2000
#define VIRTIO_CAN_FLAGS_KNOWN		(VIRTIO_CAN_FLAGS_EXTENDED | \
					 VIRTIO_CAN_FLAGS_FD | VIRTIO_CAN_FLAGS_RTR)

#define VIRTIO_CAN_S_CTRL_BUSOFF	0x0001

#define CAN_HDR_LEN		16	/* struct virtio_can_tx_out / _rx */
#define CAN_MAX_DLEN		8
#define CANFD_MAX_DLEN		64
#define CAN_SFF_MASK		0x7ffU
#define CAN_EFF_MASK		0x1fffffffU

#define CAN_BACKLOG		1024	/* RX backlog frames per device */
#define CAN_MAX_INJECT		64	/* pending "rx" injections per device */
#define CAN_MAX_FAULTS		16	/* armed one-shot faults per class */
#define CAN_MAX_DEVS		64

/* id of the valid frames carried by malformed-RX faults */
#define CAN_FAULT_ID		0x321

/* A frame on the bus or waiting in a device's RX backlog. */
struct can_frame_rec {
	uint32_t can_id;
	uint32_t flags;
	uint16_t len;		/* wire length; the DLC for RTR frames */
	bool raw;		/* "rx" injection: write what fits */
	uint8_t data[CANFD_MAX_DLEN];
};

/* Why a TX request was rejected; see tx_reject_names[]. */
enum can_rej {
	REJ_LAYOUT,		/* no writable result byte */
	REJ_TYPE,
	REJ_FLAGS,
	REJ_FD,			/* FD not negotiated */
	REJ_CLASSIC,		/* CLASSIC not negotiated */
	REJ_RTR,		/* RTR_FRAMES not negotiated */
	REJ_RTR_FD,
	REJ_LEN,
	REJ_ID,
	REJ_SHORT,		/* readable part shorter than 16 + length */
	REJ_STOPPED,		/* controller not STARTED */
	REJ_NUM
};

enum can_fault {
	FAULT_NONE,
	/* RX (next RX buffer) */
	FAULT_RX_SHORT,
	FAULT_RX_LEN_OVER,
	FAULT_RX_LEN_TRUNC,
	FAULT_RX_FLAGS,
	FAULT_RX_TYPE,
	FAULT_RX_FD_UNNEG,
	FAULT_RX_RTR_UNNEG,
	FAULT_RX_ID_RANGE,
	FAULT_RX_RTR_FD,
	FAULT_RX_DUP,
	FAULT_RX_UNKNOWN,
	/* TX (next TX completion) */
	FAULT_TX_DUP,
	FAULT_TX_UNKNOWN,
	FAULT_TX_LEN0,
	/* control (next control request) */
	FAULT_CTRL_SILENT,
	FAULT_CTRL_FAIL,
	FAULT_CTRL_RESULT,
	FAULT_NUM
};

enum can_fault_class { FC_RX, FC_TX, FC_CTRL, FC_NUM };

struct can_fault_fifo {
	uint8_t kind[CAN_MAX_FAULTS];
	unsigned int head, cnt;
};

enum can_flood_kind { FLOOD_CLASSIC, FLOOD_FD, FLOOD_MIXED };

struct can_txreq {
	struct can_txreq *next;
	struct vhu_elem *elem;
	uint64_t arrival_ns;
};

struct can_stats {
	unsigned long tx_ok, tx_not_ok, tx_rejected, tx_flushed;
	unsigned long rx_delivered, rx_bad_buffer, rx_dropped, rx_injected;
	unsigned long faults;		/* fired faults of all classes */
	unsigned long ctrl_start, ctrl_stop, ctrl_bad;
	unsigned long bus_frames, configs_changed, resets;
	unsigned long rej[REJ_NUM];
};

struct can_bus;

struct can_dev {
	struct vhu_dev vdev;
	struct can_bus *bus;
	unsigned int idx;
	char name[32];
	const char *socket_path;
	uint64_t offered;		/* CAN feature bits offered */
	uint8_t config[2];		/* le16 status, the device config space */
	uint16_t status;
	bool started;

	/* TX: FIFO of popped requests not yet completed */
	struct can_txreq *tx_head, **tx_tail;
	unsigned int tx_pending;
	unsigned long txfail_left, txresult_left;
	uint8_t txresult_val;
	unsigned int txdelay_ms;
	bool txhold;

	/* RX sources, in delivery priority: faults, injections, backlog, flood */
	struct can_frame_rec *backlog;
	unsigned int bl_head, bl_cnt;
	struct can_frame_rec inject[CAN_MAX_INJECT];
	unsigned int inj_head, inj_cnt;
	uint64_t flood_left;
	bool flood_inf;
	enum can_flood_kind flood_kind;
	uint32_t flood_id, flood_k;

	struct can_fault_fifo faults[FC_NUM];
	struct vhu_elem *ctrl_held[CAN_MAX_FAULTS];	/* ctrl-silent */
	unsigned int ctrl_nheld;

	bool need_notify[CAN_NUM_QUEUES];
	struct can_stats st;
};

struct can_ctl;

struct can_bus {
	struct can_dev *devs[CAN_MAX_DEVS];
	unsigned int ndev;
	FILE *log;
	const char *log_path;
	bool verbose;
	bool quit;
	struct can_ctl *ctl;
};

void can_dbg(struct can_bus *bus, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint64_t can_now_ns(void);

/* can-bus.c */
int can_dev_create(struct can_bus *bus, const char *socket_path,
		   uint64_t features, bool verbose);
void can_dev_destroy(struct can_dev *d);
/* Move frames and completions until nothing moves; true if work is left. */
bool can_bus_pump(struct can_bus *bus);
/* Earliest TX due time (CLOCK_MONOTONIC ns) of a delayed request, or 0. */
uint64_t can_bus_next_due(struct can_bus *bus);
uint64_t can_dev_negotiated(const struct can_dev *d);
void can_set_status(struct can_dev *d, uint16_t status, bool announce);
void can_busoff(struct can_dev *d);
void can_txhold(struct can_dev *d, bool on);
const char *can_fault_name(enum can_fault f);
enum can_fault can_fault_parse(const char *name);
enum can_fault_class can_fault_class(enum can_fault f);
/* Arm a fault; 0 or -errno with a reason in @why. */
int can_fault_arm(struct can_dev *d, enum can_fault f, const char **why);
int can_flood(struct can_dev *d, uint64_t n, bool inf, enum can_flood_kind kind,
	      uint32_t id, const char **why);
int can_inject(struct can_dev *d, uint32_t id, uint16_t len, uint32_t flags);
size_t can_format_stats(struct can_dev *d, char *buf, size_t size);
void can_dev_summary(struct can_dev *d, FILE *f);

/* can-ctl.c */
int can_ctl_open(struct can_bus *bus, const char *dir);
void can_ctl_close(struct can_bus *bus);
int can_ctl_fd(struct can_bus *bus);
void can_ctl_event(struct can_bus *bus);
/* Answer deferred "wait" requests whose condition or deadline was reached. */
void can_ctl_check_waits(struct can_bus *bus);
uint64_t can_ctl_next_deadline(struct can_bus *bus);

#endif /* VA_CAN_H */
