/* SPDX-License-Identifier: GPL-2.0 */
/*
 * va-video-model - shared definitions of the virtio-video v10 decoder
 * model.  The behaviour the guest driver relies on is described at the top
 * of va-video-model.c.
 *
 * video-proto.c: the wire format (TLVs, caps, parameter parsing).
 * video-dec.c:   libavcodec: parser + decoder, conversion into NV12.
 * video-dev.c:   the device: commandq, eventq, streams, their workers.
 * video-ctl.c:   the control directory commands (faults, stats).
 * va-video-model.c: options, event loop, the --bench mode.
 */
#ifndef VA_VIDEO_H
#define VA_VIDEO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vhu.h"
#include "video-proto.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define VM_NAME			"va-video-model"
#define VM_NUM_QUEUES		2
#define VM_MAX_STREAMS_LIMIT	64
#define VM_MAX_DEVS		16
#define VM_FOURCC_NV12		0x3231564e	/* DRM_FORMAT_NV12 */
#define VM_CODED_MIN_SIZE	4096u
#define VM_CODED_MAX_SIZE	(16u << 20)
#define VM_RAW_MAX_SIZE		(64u << 20)
#define VM_MIN_DIM		16u
#define VM_MAX_DIM		4096u
#define VM_MIN_OUTPUT_BUFFERS	4		/* RAW_RESOURCES in a DPC */
#define VM_MAX_CMD_SIZE		(8u << 20)	/* readable part of a command */

/* ---- video-dec.c: decoding, shared by the device and --bench ----------- */

struct AVFrame;
struct vd_dec;

/* Called for every decoded frame; the callee takes the reference. */
typedef void (*vd_frame_fn)(void *opaque, struct AVFrame *frame,
			    uint64_t timestamp, bool key);

/* @format: VIRTIO_VIDEO_CODED_FORMAT_*; @threads: libavcodec threads. */
int vd_dec_open(struct vd_dec **out, uint32_t format, int threads);
void vd_dec_close(struct vd_dec *dec);
/*
 * Parse and decode @len bytes that carry @timestamp (any chunking); the
 * frames decoded so far go to @fn.  Decoding errors are counted, not
 * returned.
 */
void vd_dec_feed(struct vd_dec *dec, const uint8_t *data, size_t len,
		 uint64_t timestamp, vd_frame_fn fn, void *opaque);
/* End of input: flush parser and decoder into @fn, then accept more input. */
void vd_dec_drain(struct vd_dec *dec, vd_frame_fn fn, void *opaque);
/* Drop all buffered input and frames (parameter sets are kept). */
void vd_dec_reset(struct vd_dec *dec);
unsigned long vd_dec_errors(const struct vd_dec *dec);
/* libavcodec's name of @format's decoder, or NULL. */
const char *vd_codec_name(uint32_t format);
/* VIRTIO_VIDEO_CODED_FORMAT_* from "h264", "hevc", "vp8", "vp9"; 0 if none. */
uint32_t vd_codec_parse(const char *name);

/* Where the planes of an NV12 single-buffer frame go in a resource. */
struct vd_layout {
	uint32_t width, height;		/* the output format's (coded) size */
	uint32_t stride;
	uint32_t offset[2], size[2];	/* Y, UV */
	uint64_t total;			/* bytes the resource needs */
};

void vd_layout(struct vd_layout *l, uint32_t width, uint32_t height,
	       uint32_t stride_align, uint32_t height_align, uint32_t plane_align);

/* A resource's backing as local memory, in resource order. */
struct vd_seg {
	uint8_t *p;
	size_t len;
};

/*
 * Write @frame into the segments as NV12 with layout @l: the visible
 * picture, padded with black up to the coded size.  0, or -1 if the
 * frame's pixel format cannot be converted, or it does not fit @l.
 */
int vd_frame_to_nv12(const struct AVFrame *frame, const struct vd_layout *l,
		     const struct vd_seg *segs, unsigned int nsegs);

/* ---- video-dev.c: the device ------------------------------------------- */

enum vm_fault {
	VM_FAULT_NONE,
	VM_FAULT_SHORT_EVENT,
	VM_FAULT_BAD_COOKIE,
	VM_FAULT_BAD_STREAM,
	VM_FAULT_UNSOLICITED,
	VM_FAULT_DUP_ANSWER,
	VM_FAULT_BAD_SIZES,
	VM_FAULT_BAD_FLAGS,
	VM_FAULT_BAD_PARAMS,
	VM_FAULT_STREAM_ERROR,
	VM_FAULT_NUM
};

enum vm_caps_fault {
	VM_CAPS_OK,
	VM_CAPS_TRUNCATED,
	VM_CAPS_BAD_LINK,
	VM_CAPS_NO_FORMAT,
	VM_CAPS_HUGE_LENGTH,
};

/* The cookie of the copies the bad-cookie fault sends. */
#define VM_BAD_COOKIE		0xbadc00deu

struct vm_opts {
	unsigned int max_streams;
	bool no_last_buffer;
	bool contig;
	enum vm_caps_fault caps_fault;
	int threads;
	bool verbose;
};

struct vm_dev;

int vm_dev_create(struct vm_dev **out, unsigned int idx, const char *socket_path,
		  const struct vm_opts *opts);
void vm_dev_destroy(struct vm_dev *d);
struct vhu_dev *vm_dev_vhu(struct vm_dev *d);
/* One loop iteration of the device's vhost-user connection (locked). */
int vm_dev_poll(struct vm_dev *d);
/*
 * An eventfd the workers write when a stream becomes idle or has decoded
 * something; the main thread then calls vm_dev_deliver().
 */
int vm_dev_wake_fd(struct vm_dev *d);
/* Deliver what the workers decoded into the output resources (locked). */
void vm_dev_deliver(struct vm_dev *d);
/* No input waiting or being decoded or delivered, no event waiting for a buffer. */
bool vm_dev_idle(struct vm_dev *d);
/* Arm @n faults of kind @f (for STREAM_ERROR: @n is the stream). */
int vm_dev_fault(struct vm_dev *d, enum vm_fault f, unsigned long n,
		 const char **why);
size_t vm_dev_stats(struct vm_dev *d, char *buf, size_t size);
void vm_dev_summary(struct vm_dev *d, FILE *f);
const char *vm_fault_name(enum vm_fault f);
enum vm_fault vm_fault_parse(const char *name);
enum vm_caps_fault vm_caps_fault_parse(const char *name);

/* ---- video-ctl.c: the control directory -------------------------------- */

struct vm_model {
	struct vm_dev *devs[VM_MAX_DEVS];
	unsigned int ndev;
	bool verbose;
	bool quit;
	struct vm_ctl *ctl;
};

int vm_ctl_open(struct vm_model *m, const char *dir);
void vm_ctl_close(struct vm_model *m);
int vm_ctl_fd(struct vm_model *m);
void vm_ctl_event(struct vm_model *m);
/* Answer "wait-idle" requests whose condition or deadline was reached. */
void vm_ctl_check_waits(struct vm_model *m);
/* Earliest deadline (CLOCK_MONOTONIC ns) of a pending wait, or 0. */
uint64_t vm_ctl_next_deadline(struct vm_model *m);

uint64_t vm_now_ns(void);

#endif /* VA_VIDEO_H */
