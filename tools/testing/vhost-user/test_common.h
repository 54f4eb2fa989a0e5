/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the vhu unit tests: a memfd-backed fake guest memory with a
 * split ring the test writes as the "driver", and a minimal vhost-user
 * front-end speaking over a socket.
 */
#ifndef VHU_TEST_COMMON_H
#define VHU_TEST_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "vhu.h"
#include "vhu_proto.h"

#define G_GPA		0x40000000ull	/* guest physical base */
#define G_UADDR		0x7f1200000000ull	/* front-end virtual base */
#define G_SIZE		(1u << 20)
#define G_DESC_OFF	0x0000
#define G_AVAIL_OFF	0x4000
#define G_USED_OFF	0x8000
#define G_DATA_OFF	0x10000

struct guest {
	int fd;
	uint8_t *base;			/* the test's (driver's) view */
	unsigned int num;
	struct vhu_vring_desc *desc;
	struct vhu_vring_avail *avail;
	struct vhu_vring_used *used;
	uint16_t avail_idx;
	/* a back-end side for ring-level tests */
	struct vhu_log log;
	struct vhu_mem mem;
	struct vhu_vq vq;
};

/* Create the memfd and zero rings of @num entries (no back-end side). */
int guest_create(struct guest *g, unsigned int num);
/* Also map it into g->mem and configure g->vq on it. */
int guest_setup(struct guest *g, unsigned int num);
void guest_teardown(struct guest *g);

static inline uint64_t g_gpa(unsigned int off) { return G_GPA + off; }
static inline uint64_t g_uaddr(unsigned int off) { return G_UADDR + off; }

void g_desc(struct guest *g, unsigned int i, uint64_t addr, uint32_t len,
	    uint16_t flags, uint16_t next);
/* Write a raw descriptor into guest memory at offset @off (indirect tables). */
void g_desc_at(struct guest *g, unsigned int off, unsigned int i, uint64_t addr,
	       uint32_t len, uint16_t flags, uint16_t next);
void g_avail_push(struct guest *g, uint16_t head);
uint16_t g_used_idx(struct guest *g);
struct vhu_vring_used_elem g_used_elem(struct guest *g, unsigned int i);
void g_set_used_event(struct guest *g, uint16_t v);
uint16_t g_avail_event(struct guest *g);

/* Front-end side. */
int fe_send(int sock, uint32_t req, uint32_t flags, const void *payload,
	    uint32_t size, const int *fds, unsigned int nfds);
/* Receive a reply within 1 s; returns payload size or -1. */
int fe_recv(int sock, struct vhu_msg_hdr *hdr, void *payload, size_t max);
/* True if nothing is readable on @fd within @ms. */
int fd_quiet(int fd, int ms);
/* Read an eventfd without blocking; returns its counter or 0. */
uint64_t eventfd_take(int fd);

#endif
