// SPDX-License-Identifier: GPL-2.0
/*
 * va-video-model - decoding with the host's libavcodec, and the NV12
 * conversion into a resource's guest pages.  The --bench mode and the
 * device's stream workers use exactly these functions.
 *
 * Timestamps: the guest's are opaque 64-bit values, so libavcodec never
 * sees them.  Each fed chunk gets a serial number, which is the pts given
 * to av_parser_parse2(); the parser hands every packet the pts of the
 * chunk its first byte came from, the decoder carries it to the frame
 * (through its reordering), and the serial is mapped back through a ring
 * of the last VD_TS_RING chunks' timestamps.
 *
 * A vd_dec is used by one thread at a time.
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>

#include "video.h"

#define VD_TS_RING	1024

struct vd_dec {
	enum AVCodecID id;
	AVCodecContext *ctx;
	AVCodecParserContext *parser;
	AVPacket *pkt;
	AVFrame *frame;
	int64_t serial;			/* of the last chunk fed */
	uint64_t ts[VD_TS_RING];
	unsigned long errors;
};

static const struct {
	const char *name;
	uint32_t format;
	enum AVCodecID id;
} codecs[] = {
	{ "h264", VIRTIO_VIDEO_CODED_FORMAT_H264, AV_CODEC_ID_H264 },
	{ "hevc", VIRTIO_VIDEO_CODED_FORMAT_HEVC, AV_CODEC_ID_HEVC },
	{ "vp8", VIRTIO_VIDEO_CODED_FORMAT_VP8, AV_CODEC_ID_VP8 },
	{ "vp9", VIRTIO_VIDEO_CODED_FORMAT_VP9, AV_CODEC_ID_VP9 },
};

#define NCODECS	ARRAY_SIZE(codecs)

const char *vd_codec_name(uint32_t format)
{
	unsigned int i;

	for (i = 0; i < NCODECS; i++)
		if (codecs[i].format == format)
			return codecs[i].name;
	return NULL;
}

uint32_t vd_codec_parse(const char *name)
{
	unsigned int i;

	for (i = 0; i < NCODECS; i++)
		if (!strcmp(codecs[i].name, name))
			return codecs[i].format;
	return 0;
}

int vd_dec_open(struct vd_dec **out, uint32_t format, int threads)
{
	const AVCodec *codec = NULL;
	struct vd_dec *dec;
	unsigned int i;

	*out = NULL;
	for (i = 0; i < NCODECS; i++)
		if (codecs[i].format == format)
			codec = avcodec_find_decoder(codecs[i].id);
	if (!codec)
		return -1;
	dec = calloc(1, sizeof(*dec));
	if (!dec)
		return -1;
	dec->id = codec->id;
	dec->ctx = avcodec_alloc_context3(codec);
	dec->parser = av_parser_init(codec->id);
	dec->pkt = av_packet_alloc();
	dec->frame = av_frame_alloc();
	if (!dec->ctx || !dec->parser || !dec->pkt || !dec->frame)
		goto fail;
	dec->ctx->thread_count = threads;
	if (avcodec_open2(dec->ctx, codec, NULL) < 0)
		goto fail;
	*out = dec;
	return 0;
fail:
	vd_dec_close(dec);
	return -1;
}

void vd_dec_close(struct vd_dec *dec)
{
	if (!dec)
		return;
	if (dec->parser)
		av_parser_close(dec->parser);
	avcodec_free_context(&dec->ctx);
	av_packet_free(&dec->pkt);
	av_frame_free(&dec->frame);
	free(dec);
}

unsigned long vd_dec_errors(const struct vd_dec *dec)
{
	return dec->errors;
}

static uint64_t ts_of(const struct vd_dec *dec, int64_t pts)
{
	if (pts == AV_NOPTS_VALUE || pts > dec->serial ||
	    pts <= dec->serial - VD_TS_RING || pts < 0)
		pts = dec->serial;
	return dec->ts[pts % VD_TS_RING];
}

static void receive(struct vd_dec *dec, vd_frame_fn fn, void *opaque)
{
	AVFrame *f;
	int ret;

	for (;;) {
		ret = avcodec_receive_frame(dec->ctx, dec->frame);
		if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
			return;
		if (ret < 0) {
			dec->errors++;
			return;
		}
		f = av_frame_alloc();
		if (!f) {
			dec->errors++;
			av_frame_unref(dec->frame);
			continue;
		}
		av_frame_move_ref(f, dec->frame);
		fn(opaque, f, ts_of(dec, f->pts), f->key_frame);
	}
}

static void decode(struct vd_dec *dec, const uint8_t *data, int size, int64_t pts,
		   vd_frame_fn fn, void *opaque)
{
	unsigned int tries;
	int ret;

	dec->pkt->data = (uint8_t *)data;
	dec->pkt->size = size;
	dec->pkt->pts = pts;
	dec->pkt->dts = AV_NOPTS_VALUE;
	for (tries = 0; tries < 16; tries++) {
		ret = avcodec_send_packet(dec->ctx, dec->pkt);
		receive(dec, fn, opaque);
		if (ret != AVERROR(EAGAIN))
			break;
	}
	if (ret < 0)
		dec->errors++;
}

void vd_dec_feed(struct vd_dec *dec, const uint8_t *data, size_t len,
		 uint64_t timestamp, vd_frame_fn fn, void *opaque)
{
	uint8_t *out;
	int n, outsz;

	if (!len)
		return;
	dec->serial++;
	dec->ts[dec->serial % VD_TS_RING] = timestamp;
	while (len) {
		int chunk = len > (1u << 30) ? 1 << 30 : (int)len;

		n = av_parser_parse2(dec->parser, dec->ctx, &out, &outsz, data, chunk,
				     dec->serial, dec->serial, 0);
		if (n < 0 || n > chunk) {
			dec->errors++;
			return;
		}
		data += n;
		len -= n;
		if (outsz)
			decode(dec, out, outsz, dec->parser->pts, fn, opaque);
		else if (!n)
			break;		/* cannot happen: the parser takes input */
	}
}

static void parser_restart(struct vd_dec *dec)
{
	AVCodecParserContext *p = av_parser_init(dec->id);

	/* without a new parser keep the old one: it still works */
	if (p) {
		av_parser_close(dec->parser);
		dec->parser = p;
	}
}

void vd_dec_drain(struct vd_dec *dec, vd_frame_fn fn, void *opaque)
{
	unsigned int i;
	uint8_t *out;
	int outsz;

	for (i = 0; i < 4; i++) {
		av_parser_parse2(dec->parser, dec->ctx, &out, &outsz, NULL, 0,
				 AV_NOPTS_VALUE, AV_NOPTS_VALUE, 0);
		if (!outsz)
			break;
		decode(dec, out, outsz, dec->parser->pts, fn, opaque);
	}
	if (avcodec_send_packet(dec->ctx, NULL) < 0)
		dec->errors++;
	receive(dec, fn, opaque);
	/* leaves the end-of-stream state; SPS/PPS stay */
	avcodec_flush_buffers(dec->ctx);
	parser_restart(dec);
}

void vd_dec_reset(struct vd_dec *dec)
{
	avcodec_flush_buffers(dec->ctx);
	parser_restart(dec);
}

/* ---- NV12 ---------------------------------------------------------------- */

static uint32_t align_up(uint32_t v, uint32_t a)
{
	return a ? (v + a - 1) / a * a : v;
}

void vd_layout(struct vd_layout *l, uint32_t width, uint32_t height,
	       uint32_t stride_align, uint32_t height_align, uint32_t plane_align)
{
	uint32_t ah = align_up(height, height_align);

	l->width = width;
	l->height = height;
	l->stride = align_up(width, stride_align);
	l->offset[0] = 0;
	l->size[0] = l->stride * height;
	l->offset[1] = align_up(l->stride * ah, plane_align);
	l->size[1] = l->stride * ah / 2;
	l->total = (uint64_t)l->offset[1] + l->size[1];
}

struct seg_writer {
	const struct vd_seg *segs;
	unsigned int n, idx;
	uint64_t base;		/* resource offset of segs[idx] */
};

static int write_at(struct seg_writer *w, uint64_t off, const uint8_t *src, size_t len)
{
	while (len) {
		size_t in, k;

		if (off < w->base) {
			w->idx = 0;
			w->base = 0;
		}
		while (w->idx < w->n && off >= w->base + w->segs[w->idx].len) {
			w->base += w->segs[w->idx].len;
			w->idx++;
		}
		if (w->idx == w->n)
			return -1;
		in = off - w->base;
		k = w->segs[w->idx].len - in;
		if (k > len)
			k = len;
		memcpy(w->segs[w->idx].p + in, src, k);
		off += k;
		src += k;
		len -= k;
	}
	return 0;
}

int vd_frame_to_nv12(const struct AVFrame *f, const struct vd_layout *l,
		     const struct vd_seg *segs, unsigned int nsegs)
{
	struct seg_writer w = { segs, nsegs, 0, 0 };
	uint32_t vw = f->width, vh = f->height, cw, ch, x, y;
	uint8_t row[VM_MAX_DIM];
	bool planar;
	uint64_t room = 0;
	unsigned int i;
	int ret = 0;

	switch (f->format) {
	case AV_PIX_FMT_YUV420P:
	case AV_PIX_FMT_YUVJ420P:
		planar = true;
		break;
	case AV_PIX_FMT_NV12:
		planar = false;
		break;
	default:
		return -1;
	}
	for (i = 0; i < nsegs; i++)
		room += segs[i].len;
	if (!vw || !vh || vw > l->width || vh > l->height || l->width > VM_MAX_DIM ||
	    l->height % 2 || room < l->total)
		return -1;
	/* Y: visible rows, right edge and bottom rows black */
	for (y = 0; y < l->height && !ret; y++) {
		uint64_t off = l->offset[0] + (uint64_t)y * l->stride;

		if (y < vh && vw == l->width) {
			ret = write_at(&w, off, f->data[0] + (size_t)y * f->linesize[0], vw);
			continue;
		}
		memset(row, 16, l->width);
		if (y < vh)
			memcpy(row, f->data[0] + (size_t)y * f->linesize[0], vw);
		ret = write_at(&w, off, row, l->width);
	}
	/* UV: interleaved, 128 (no colour) outside the picture */
	cw = (vw + 1) / 2;
	ch = (vh + 1) / 2;
	for (y = 0; y < l->height / 2 && !ret; y++) {
		uint64_t off = l->offset[1] + (uint64_t)y * l->stride;

		memset(row, 128, l->width);
		if (y < ch && planar) {
			const uint8_t *u = f->data[1] + (size_t)y * f->linesize[1];
			const uint8_t *v = f->data[2] + (size_t)y * f->linesize[2];

			for (x = 0; x < cw; x++) {
				row[2 * x] = u[x];
				row[2 * x + 1] = v[x];
			}
		} else if (y < ch) {
			memcpy(row, f->data[1] + (size_t)y * f->linesize[1], 2 * cw);
		}
		ret = write_at(&w, off, row, l->width);
	}
	return ret;
}
