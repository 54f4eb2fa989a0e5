/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device side of the virtio-video v10 wire format, for the video
 * model: capabilities built from a table, TLV writing and reading, and
 * the parameter containers a driver sends in STREAM_SET_PARAMS, checked
 * the way a device must (a driver is not trusted either).
 *
 * The wire structures are the project's UAPI header,
 * include/uapi/linux/virtio_video.h; the unit test pins their sizes to
 * the draft's.
 */
#ifndef VA_VIDEO_PROTO_H
#define VA_VIDEO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_video.h>

#define VM_MAX_SETS		64
#define VM_MAX_RESOURCES	32	/* per queue */
#define VM_PAGE_SIZE		4096u
#define VM_ALIGN_MASK_ALL	0x1ffu	/* alignments 1, 2, 4 ... 256 */

/* A bounded TLV writer; once a TLV does not fit, nothing more is written. */
struct vm_tlvw {
	uint8_t *buf;
	size_t size;
	size_t len;
	bool overflow;
};

void vm_tlvw_init(struct vm_tlvw *w, void *buf, size_t size);
void *vm_tlv_put(struct vm_tlvw *w, uint32_t type, size_t len);
size_t vm_tlv_open(struct vm_tlvw *w, uint32_t type);
void vm_tlv_close(struct vm_tlvw *w, size_t start);

/* One TLV of a sequence being read. */
struct vm_tlv {
	uint32_t type;
	uint32_t len;
	const uint8_t *val;
};

/* 1 and the next TLV, 0 at the end, -1 for bad framing. */
int vm_tlv_next(const uint8_t **p, size_t *left, struct vm_tlv *t);

/* What the model offers, one coded set per entry. */
struct vm_coded_desc {
	uint32_t format;		/* VIRTIO_VIDEO_CODED_FORMAT_* */
	uint32_t min_resources, max_resources;
	uint32_t min_size, max_size;	/* bytes, multiples of a page */
};

struct vm_raw_desc {
	uint32_t fourcc;		/* DRM fourcc */
	uint32_t min_width, max_width, width_step;
	uint32_t min_height, max_height, height_step;
	uint32_t min_resources, max_resources;
};

struct vm_caps_desc {
	const struct vm_coded_desc *coded;
	unsigned int num_coded;
	const struct vm_raw_desc *raw;
	unsigned int num_raw;		/* at most 64: one LINK word a row */
	const uint64_t *decoder_links;	/* a row of bits per coded set */
};

/* Write the QUERY_CAPS TLVs; the length, or 0 if @size is too small. */
size_t vm_caps_build(const struct vm_caps_desc *d, void *buf, size_t size);

/* A RESOURCE_GUEST_PAGES value, checked. */
struct vm_guest_pages {
	uint32_t resource_id;
	uint32_t num_entries[VIRTIO_VIDEO_MAX_PLANES];
	unsigned int total;	/* entries in all */
	const uint8_t *entries;	/* in the message; read with vm_guest_page() */
};

/* Entry @i of @gp (below gp->total): guest address and length. */
void vm_guest_page(const struct vm_guest_pages *gp, unsigned int i,
		   uint64_t *addr, uint32_t *len);

/* The values of one CODED_SET or RAW_SET container from a driver. */
struct vm_params {
	uint32_t set_type;	/* VIRTIO_VIDEO_TLV_CODED_SET or _RAW_SET */
	bool has_format;
	uint32_t coded_format;
	struct virtio_video_raw_format raw_format;	/* little-endian */
	bool has_resources;
	uint32_t num_resources;
	bool has_crop;
	struct virtio_video_crop crop;			/* little-endian */
	unsigned int num_pages;
	struct vm_guest_pages pages[VM_MAX_RESOURCES];
};

/*
 * Parse a STREAM_SET_PARAMS body: exactly one set container, each value at
 * most once (backing once per resource), sizes exact, guest pages page
 * aligned.  Returns 0, or -1 with *why saying what was wrong.
 */
int vm_params_parse(const void *data, size_t len, struct vm_params *p,
		    const char **why);

#endif
