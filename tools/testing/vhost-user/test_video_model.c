// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end test of va-video-model without QEMU: the test starts the
 * model binary (next to this test binary) and plays the vhost-user
 * front-end and a virtio-video v10 decoder driver.  It decodes a real
 * H.264 clip made at run time with the host's ffmpeg (libx264) and checks
 * every frame against the host's libavcodec (own decode, and ffmpeg's
 * framemd5), the DPC, drains, resets, the ERROR answers a bad driver gets,
 * and the fault kinds.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <libavcodec/avcodec.h>
#include <libavutil/md5.h>

#include "test_common.h"
#include "../models/video/video-proto.h"

#define QNUM		64
#define CMDQ		0
#define EVQ		1
#define NV12		0x3231564e
#define CLIP_FRAMES	10
#define CLIP_W		176
#define CLIP_H		144

/* guest memory: rings, command slots, event buffers, resources */
#define MEM_SIZE	(8u << 20)
#define DESC_OFF(q)	((q) * 0x2000u)
#define AVAIL_OFF(q)	(DESC_OFF(q) + 0x800)
#define USED_OFF(q)	(DESC_OFF(q) + 0x1000)
#define CMD_OFF(s)	(0x10000u + (s) * 0x1000u)	/* 64 slots */
#define NEV		32
#define EV_SIZE		1024
#define EV_OFF(i)	(0x60000u + (i) * EV_SIZE)
#define NIN		2
#define IN_SIZE		0x10000u
#define IN_OFF(i)	(0x100000u + (i) * IN_SIZE)
#define NOUT		6
#define OUT_SIZE	0x10000u
#define OUT_OFF(i)	(0x200000u + (i) * OUT_SIZE)

/* cookies: kind in bits 24..31, resource in 16..23, a sequence number */
enum { CK_CMD = 1, CK_IN, CK_OUT, CK_RAWSET };
#define COOKIE(k, r, n)	((uint32_t)(k) << 24 | (uint32_t)(r) << 16 | ((n) & 0xffff))
#define CK_KIND(c)	((c) >> 24)
#define CK_RES(c)	(((c) >> 16) & 0xff)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static char model_path[PATH_MAX];
static char clip_path[PATH_MAX];
static bool have_clip;

/* ---- the clip and its reference decode -------------------------------- */

struct ref_frame {
	int64_t pts;		/* index of the packet it came from */
	bool key;
	char md5[33];
};

static struct ref_frame ref[64];
static unsigned int nref;
static char ffmpeg_md5[64][33];
static unsigned int nffmpeg;

/* packets of the clip, as the parser splits it */
static uint8_t *clip;
static size_t clip_len;
static size_t pkt_off[256], pkt_len[256];
static unsigned int npkt;

static void md5_hex(const uint8_t *digest, char *out)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", digest[i]);
}

/* MD5 of the visible picture as packed NV12 (what framemd5 hashes). */
static void md5_yuv420p(const AVFrame *f, char *out)
{
	struct AVMD5 *m = av_md5_alloc();
	uint8_t row[4096], digest[16];
	int x, y, cw = (f->width + 1) / 2, ch = (f->height + 1) / 2;

	av_md5_init(m);
	for (y = 0; y < f->height; y++)
		av_md5_update(m, f->data[0] + y * f->linesize[0], f->width);
	for (y = 0; y < ch; y++) {
		for (x = 0; x < cw; x++) {
			row[2 * x] = f->data[1][y * f->linesize[1] + x];
			row[2 * x + 1] = f->data[2][y * f->linesize[2] + x];
		}
		av_md5_update(m, row, 2 * cw);
	}
	av_md5_final(m, digest);
	av_free(m);
	md5_hex(digest, out);
}

static void ref_receive(AVCodecContext *ctx, AVFrame *fr)
{
	while (avcodec_receive_frame(ctx, fr) == 0) {
		if (nref < ARRAY_SIZE(ref)) {
			ref[nref].pts = fr->pts;
			ref[nref].key = fr->key_frame;
			md5_yuv420p(fr, ref[nref].md5);
			nref++;
		}
		av_frame_unref(fr);
	}
}

/* Split the clip into packets and decode it with libavcodec directly. */
static int reference_decode(void)
{
	const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
	AVCodecContext *ctx = avcodec_alloc_context3(codec);
	AVCodecParserContext *p = av_parser_init(AV_CODEC_ID_H264);
	AVPacket *pkt = av_packet_alloc();
	AVFrame *fr = av_frame_alloc();
	size_t off = 0;
	uint8_t *out;
	int n, outsz;

	ctx->thread_count = 1;
	if (avcodec_open2(ctx, codec, NULL) < 0)
		return -1;
	for (;;) {
		bool end = off == clip_len;

		n = av_parser_parse2(p, ctx, &out, &outsz, end ? NULL : clip + off,
				     clip_len - off, AV_NOPTS_VALUE, AV_NOPTS_VALUE, 0);
		if (outsz) {
			/* the packet's bytes are the last outsz consumed */
			pkt_len[npkt] = outsz;
			pkt->data = out;
			pkt->size = outsz;
			pkt->pts = npkt;
			npkt++;
			avcodec_send_packet(ctx, pkt);
			ref_receive(ctx, fr);
		}
		off += n;
		if (end && !outsz)
			break;
	}
	/* packets are consecutive byte ranges of the clip */
	for (n = 0, off = 0; n < (int)npkt; n++) {
		pkt_off[n] = off;
		off += pkt_len[n];
	}
	avcodec_send_packet(ctx, NULL);
	ref_receive(ctx, fr);
	av_frame_free(&fr);
	av_packet_free(&pkt);
	av_parser_close(p);
	avcodec_free_context(&ctx);
	return off == clip_len ? 0 : -1;
}

static int make_clip(const char *dir)
{
	char cmd[PATH_MAX + 512], line[512];
	struct stat st;
	FILE *fp;

	snprintf(clip_path, sizeof(clip_path), "%s/clip.h264", dir);
	snprintf(cmd, sizeof(cmd),
		 "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc=size=%ux%u:rate=25 -frames:v %u -pix_fmt yuv420p -c:v libx264 -bsf:v h264_mp4toannexb -f h264 '%s'",
		 CLIP_W, CLIP_H, CLIP_FRAMES, clip_path);
	if (system(cmd) || stat(clip_path, &st) || !st.st_size)
		return -1;
	clip_len = st.st_size;
	clip = malloc(clip_len);
	fp = fopen(clip_path, "rb");
	if (!clip || !fp || fread(clip, 1, clip_len, fp) != clip_len)
		return -1;
	fclose(fp);
	if (reference_decode())
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "ffmpeg -nostdin -hide_banner -loglevel error -i '%s' -f framemd5 -pix_fmt nv12 -",
		 clip_path);
	fp = popen(cmd, "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		char *c = strrchr(line, ',');

		if (line[0] == '#' || !c || nffmpeg == ARRAY_SIZE(ffmpeg_md5))
			continue;
		if (sscanf(c + 1, " %32s", ffmpeg_md5[nffmpeg]) == 1)
			nffmpeg++;
	}
	return pclose(fp) ? -1 : 0;
}

/* ---- fixture: the model, the front-end, the guest ---------------------- */

struct drv_vq {
	uint16_t avail_idx, used_seen;
	int kick, call;
};

struct event {
	uint8_t b[EV_SIZE];
	uint32_t len;
};

#define MAX_PENDING	256

struct fx {
	char dir[64], ctl[96], sock[108], err[96];
	pid_t pid;
	int sock_fd, mem_fd;
	uint8_t *mem;
	struct drv_vq q[2];
	unsigned int cmd_slot, ctl_seq;
	uint64_t features;
	uint32_t max_streams, caps_length;
	struct event pending[MAX_PENDING];	/* received, not yet looked at */
	unsigned int npending;
	uint16_t seq;
};

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint32_t rd32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t rd64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static void wr32(void *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void wr64(void *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint64_t gpa(uint32_t off)
{
	return G_GPA + off;
}

static void desc(struct fx *f, unsigned int q, unsigned int i, uint32_t off,
		 uint32_t len, uint16_t flags, uint16_t next)
{
	struct vhu_vring_desc *d = (void *)(f->mem + DESC_OFF(q));

	d[i].addr = htole64(gpa(off));
	d[i].len = htole32(len);
	d[i].flags = htole16(flags);
	d[i].next = htole16(next);
}

static void avail_push(struct fx *f, unsigned int q, uint16_t head)
{
	struct vhu_vring_avail *a = (void *)(f->mem + AVAIL_OFF(q));
	struct drv_vq *v = &f->q[q];
	uint64_t one = 1;

	a->ring[v->avail_idx % QNUM] = htole16(head);
	v->avail_idx++;
	__atomic_store_n(&a->idx, htole16(v->avail_idx), __ATOMIC_RELEASE);
	assert_int_equal(write(v->kick, &one, sizeof(one)), sizeof(one));
}

static uint16_t used_idx(struct fx *f, unsigned int q)
{
	struct vhu_vring_used *u = (void *)(f->mem + USED_OFF(q));

	return le16toh(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE));
}

static bool used_wait(struct fx *f, unsigned int q, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i <= ms * 10; i++) {
		if (used_idx(f, q) != f->q[q].used_seen)
			return true;
		usleep(100);
	}
	return false;
}

static struct vhu_vring_used_elem used_take(struct fx *f, unsigned int q)
{
	struct vhu_vring_used *u = (void *)(f->mem + USED_OFF(q));
	struct vhu_vring_used_elem e;

	assert_true(used_wait(f, q, 2000));
	e = u->ring[f->q[q].used_seen++ % QNUM];
	e.id = le32toh(e.id);
	e.len = le32toh(e.len);
	return e;
}

static uint64_t xchg(struct fx *f, uint32_t req, const void *p, uint32_t size,
		     const int *fds, unsigned int nfds)
{
	struct vhu_msg_hdr h;
	uint64_t v = ~0ull;

	assert_int_equal(fe_send(f->sock_fd, req, VHU_VERSION | VHU_FLAG_NEED_REPLY, p,
				 size, fds, nfds), 0);
	assert_int_equal(fe_recv(f->sock_fd, &h, &v, sizeof(v)), 8);
	assert_int_equal(h.request, req);
	return v;
}

static uint64_t get(struct fx *f, uint32_t req)
{
	struct vhu_msg_hdr h;
	uint64_t v = 0;

	assert_int_equal(fe_send(f->sock_fd, req, VHU_VERSION, NULL, 0, NULL, 0), 0);
	assert_int_equal(fe_recv(f->sock_fd, &h, &v, sizeof(v)), 8);
	return v;
}

static void read_config(struct fx *f)
{
	struct vhu_msg_config c = { .offset = 0, .size = 8 }, r;
	struct vhu_msg_hdr h;

	assert_int_equal(fe_send(f->sock_fd, VHU_GET_CONFIG, VHU_VERSION, &c,
				 VHU_CONFIG_HDR_SIZE + 8, NULL, 0), 0);
	assert_int_equal(fe_recv(f->sock_fd, &h, &r, sizeof(r)), VHU_CONFIG_HDR_SIZE + 8);
	f->max_streams = rd32(r.region);
	f->caps_length = rd32(r.region + 4);
}

/* Connect, negotiate @want of the offered device features, post events. */
static void bring_up(struct fx *f, uint64_t want)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vhu_msg_mem_reg r = { 0, { G_GPA, MEM_SIZE, G_UADDR, 0 } };
	struct vhu_msg_state s;
	uint64_t feat, pf, u;
	unsigned int q, i;

	f->sock_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	assert_int_equal(connect(f->sock_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	feat = get(f, VHU_GET_FEATURES);
	f->features = feat;
	pf = get(f, VHU_GET_PROTOCOL_FEATURES);
	assert_true(pf & VHU_BIT(VHU_PROTOCOL_F_CONFIG));
	pf &= VHU_BIT(VHU_PROTOCOL_F_CONFIG) | VHU_BIT(VHU_PROTOCOL_F_MQ) |
	      VHU_BIT(VHU_PROTOCOL_F_CONFIGURE_MEM_SLOTS);
	assert_int_equal(xchg(f, VHU_SET_PROTOCOL_FEATURES, &pf, 8, NULL, 0), 0);
	assert_int_equal(get(f, VHU_GET_QUEUE_NUM), 2);
	feat = (feat & want & 0x3f) | VHU_BIT(VIRTIO_F_VERSION_1) |
	       VHU_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	assert_int_equal(xchg(f, VHU_SET_FEATURES, &feat, 8, NULL, 0), 0);
	read_config(f);
	assert_int_equal(xchg(f, VHU_ADD_MEM_REG, &r, sizeof(r), &f->mem_fd, 1), 0);
	for (q = 0; q < 2; q++) {
		struct vhu_msg_addr a = { q, 0, G_UADDR + DESC_OFF(q), G_UADDR + USED_OFF(q),
					  G_UADDR + AVAIL_OFF(q), 0 };

		f->q[q].kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		f->q[q].call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		s = (struct vhu_msg_state){ q, QNUM };
		assert_int_equal(xchg(f, VHU_SET_VRING_NUM, &s, 8, NULL, 0), 0);
		s.num = 0;
		assert_int_equal(xchg(f, VHU_SET_VRING_BASE, &s, 8, NULL, 0), 0);
		assert_int_equal(xchg(f, VHU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0), 0);
		u = q;
		assert_int_equal(xchg(f, VHU_SET_VRING_KICK, &u, 8, &f->q[q].kick, 1), 0);
		assert_int_equal(xchg(f, VHU_SET_VRING_CALL, &u, 8, &f->q[q].call, 1), 0);
		s.num = 1;
		assert_int_equal(xchg(f, VHU_SET_VRING_ENABLE, &s, 8, NULL, 0), 0);
	}
	for (i = 0; i < NEV; i++) {
		desc(f, EVQ, i, EV_OFF(i), EV_SIZE, VRING_DESC_F_WRITE, 0);
		avail_push(f, EVQ, i);
	}
}

/* ---- commands and events ----------------------------------------------- */

/* Post @len bytes (already in slot @slot) on commandq, wait for its return. */
static uint32_t cmd_post(struct fx *f, unsigned int slot, uint32_t len, uint32_t in_len)
{
	struct vhu_vring_used_elem e;

	if (in_len) {
		desc(f, CMDQ, slot, CMD_OFF(slot), len, VRING_DESC_F_NEXT, slot + 1);
		desc(f, CMDQ, slot + 1, CMD_OFF(slot) + 0x400, in_len, VRING_DESC_F_WRITE, 0);
	} else {
		desc(f, CMDQ, slot, CMD_OFF(slot), len, 0, 0);
	}
	avail_push(f, CMDQ, slot);
	e = used_take(f, CMDQ);
	assert_int_equal(e.id, slot);
	return e.len;
}

static uint8_t *cmd_buf(struct fx *f, unsigned int *slot)
{
	*slot = (f->cmd_slot++ % 16) * 2;
	memset(f->mem + CMD_OFF(*slot), 0, 0x1000);
	return f->mem + CMD_OFF(*slot);
}

static void put_hdr(uint8_t *b, uint32_t type, uint32_t sid, uint32_t qt, uint32_t cookie)
{
	wr32(b, type);
	wr32(b + 4, sid);
	wr32(b + 8, qt);
	wr32(b + 12, cookie);
}

/* A stream command of @len bytes: header, then @body. */
static void cmd(struct fx *f, uint32_t type, uint32_t sid, uint32_t qt, uint32_t cookie,
		const void *body, size_t blen)
{
	unsigned int slot;
	uint8_t *b = cmd_buf(f, &slot);

	put_hdr(b, type, sid, qt, cookie);
	if (blen)
		memcpy(b + 16, body, blen);
	assert_int_equal(cmd_post(f, slot, 16 + blen, 0), 0);
}

static void cmd_raw(struct fx *f, const void *data, size_t len)
{
	unsigned int slot;
	uint8_t *b = cmd_buf(f, &slot);

	memcpy(b, data, len);
	assert_int_equal(cmd_post(f, slot, len, 0), 0);
}

/* Take every event the model has put on the used ring. */
static void ev_collect(struct fx *f)
{
	while (used_idx(f, EVQ) != f->q[EVQ].used_seen) {
		struct vhu_vring_used_elem e = used_take(f, EVQ);
		struct event *ev;

		assert_true(e.id < NEV);
		assert_true(e.len <= EV_SIZE);
		assert_true(f->npending < MAX_PENDING);
		ev = &f->pending[f->npending++];
		memcpy(ev->b, f->mem + EV_OFF(e.id), e.len);
		ev->len = e.len;
		memset(f->mem + EV_OFF(e.id), 0xee, EV_SIZE);
		avail_push(f, EVQ, e.id);
	}
}

static uint32_t ev_type(const struct event *e) { return rd32(e->b); }
static uint32_t ev_sid(const struct event *e) { return rd32(e->b + 4); }
static uint32_t ev_cookie(const struct event *e) { return rd32(e->b + 8); }
static uint32_t ev_flags(const struct event *e) { return rd32(e->b + 12); }

/* Remove and return the first pending event with @cookie (waiting @ms). */
static bool ev_find(struct fx *f, uint32_t cookie, unsigned int ms, struct event *out)
{
	unsigned int i, t;

	for (t = 0; t <= ms; t++) {
		ev_collect(f);
		for (i = 0; i < f->npending; i++) {
			if (f->pending[i].len < 16 || ev_cookie(&f->pending[i]) != cookie)
				continue;
			*out = f->pending[i];
			memmove(&f->pending[i], &f->pending[i + 1],
				(f->npending - i - 1) * sizeof(f->pending[0]));
			f->npending--;
			return true;
		}
		msleep(1);
	}
	return false;
}

/* The next event, whatever it is. */
static bool ev_next(struct fx *f, unsigned int ms, struct event *out)
{
	unsigned int t;

	for (t = 0; t <= ms; t++) {
		ev_collect(f);
		if (f->npending) {
			*out = f->pending[0];
			memmove(&f->pending[0], &f->pending[1],
				(f->npending - 1) * sizeof(f->pending[0]));
			f->npending--;
			return true;
		}
		msleep(1);
	}
	return false;
}

/* Send a command and return the flags of its answer. */
static uint32_t call(struct fx *f, uint32_t type, uint32_t sid, uint32_t qt,
		     const void *body, size_t blen, struct event *ans)
{
	uint32_t cookie = COOKIE(CK_CMD, 0, ++f->seq);
	struct event e;

	cmd(f, type, sid, qt, cookie, body, blen);
	assert_true(ev_find(f, cookie, 3000, &e));
	assert_int_equal(ev_type(&e), type);
	assert_int_equal(ev_sid(&e), sid);
	if (ans)
		*ans = e;
	return ev_flags(&e);
}

static void open_stream(struct fx *f, uint32_t sid)
{
	uint32_t t = htole32(VIRTIO_VIDEO_STREAM_TYPE_DECODER);

	assert_int_equal(call(f, VIRTIO_VIDEO_CMD_STREAM_OPEN, sid, 0, &t, 4, NULL), 0);
}

/* ---- parameters -------------------------------------------------------- */

static void put32(struct vm_tlvw *w, uint32_t type, uint32_t v)
{
	void *p = vm_tlv_put(w, type, 4);

	if (p)
		wr32(p, v);
}

/* RESOURCE_GUEST_PAGES for @id: @n pages from @off, in reverse if @rev. */
static void put_pages(struct vm_tlvw *w, uint32_t id, unsigned int n, uint32_t off,
		      bool rev, uint32_t entry_len)
{
	unsigned int cnt = entry_len == 4096 ? n : 1, i;
	uint8_t *v = vm_tlv_put(w, VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES, 40 + 16 * cnt);

	if (!v)
		return;
	wr32(v, id);
	wr32(v + 8, cnt);
	for (i = 0; i < cnt; i++) {
		unsigned int page = rev ? cnt - 1 - i : i;

		wr64(v + 40 + 16 * i, gpa(off + 4096 * page));
		wr32(v + 40 + 16 * i + 8, entry_len == 4096 ? 4096 : entry_len);
	}
}

/*
 * Attach @n resources to queue @coded/raw: resource i at @base + i * @size
 * (@rev: pages listed in reverse order, non-contiguous).  Returns the
 * answer's flags and the answer in @ans.
 */
static uint32_t attach(struct fx *f, uint32_t sid, bool coded, unsigned int n,
		       uint32_t base, uint32_t size, bool rev, struct event *ans)
{
	uint8_t buf[3000];
	struct vm_tlvw w;
	unsigned int i;
	size_t set;

	vm_tlvw_init(&w, buf, sizeof(buf));
	set = vm_tlv_open(&w, coded ? VIRTIO_VIDEO_TLV_CODED_SET : VIRTIO_VIDEO_TLV_RAW_SET);
	if (coded)
		put32(&w, VIRTIO_VIDEO_TLV_CODED_FORMAT, VIRTIO_VIDEO_CODED_FORMAT_H264);
	put32(&w, coded ? VIRTIO_VIDEO_TLV_CODED_RESOURCES : VIRTIO_VIDEO_TLV_RAW_RESOURCES, n);
	for (i = 0; i < n; i++)
		put_pages(&w, i, size / 4096, base + i * size, rev, 4096);
	vm_tlv_close(&w, set);
	assert_false(w.overflow);
	return call(f, VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, sid, 0, buf, w.len, ans);
}

/* Walk the container of a params event: callback per inner TLV. */
struct params_view {
	uint32_t set_type;
	bool has_format, has_resources, has_crop;
	uint32_t format, num_resources;
	uint32_t width, height, stride_align, height_align, plane_align, fourcc;
	uint32_t crop[4];
	unsigned int pages;
	uint32_t page_ids[32];
};

static void params_parse(const struct event *e, struct params_view *v)
{
	const uint8_t *p = e->b + 16, *in;
	size_t left = e->len - 16, inleft;
	struct vm_tlv set, t;

	memset(v, 0, sizeof(*v));
	assert_int_equal(vm_tlv_next(&p, &left, &set), 1);
	assert_int_equal(left, 0);
	v->set_type = set.type;
	in = set.val;
	inleft = set.len;
	while (vm_tlv_next(&in, &inleft, &t) == 1) {
		switch (t.type) {
		case VIRTIO_VIDEO_TLV_CODED_FORMAT:
			v->has_format = true;
			v->format = rd32(t.val);
			break;
		case VIRTIO_VIDEO_TLV_RAW_FORMAT:
			assert_int_equal(t.len, 36);
			v->has_format = true;
			assert_int_equal(rd32(t.val), VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER);
			v->fourcc = rd32(t.val + 4);
			v->width = rd32(t.val + 16);
			v->height = rd32(t.val + 20);
			v->stride_align = rd32(t.val + 24);
			v->height_align = rd32(t.val + 28);
			v->plane_align = rd32(t.val + 32);
			break;
		case VIRTIO_VIDEO_TLV_CODED_RESOURCES:
		case VIRTIO_VIDEO_TLV_RAW_RESOURCES:
			v->has_resources = true;
			v->num_resources = rd32(t.val);
			break;
		case VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES:
			assert_int_equal(t.len, 8);
			v->page_ids[v->pages++] = rd32(t.val);
			break;
		case VIRTIO_VIDEO_TLV_CROP:
			assert_int_equal(t.len, 16);
			v->has_crop = true;
			memcpy(v->crop, t.val, 16);
			for (int i = 0; i < 4; i++)
				v->crop[i] = le32toh(v->crop[i]);
			break;
		default:
			fail_msg("unexpected TLV %u in parameters", t.type);
		}
	}
	assert_int_equal(inleft, 0);
}

/* ---- the decoding driver ------------------------------------------------ */

struct got_frame {
	uint64_t ts;
	uint32_t flags;
	uint32_t size0, size1, off1;
	char md5[33];
};

struct dec {
	uint32_t sid;
	bool in_busy[NIN];
	bool out_busy[NOUT];
	unsigned int nout;		/* attached output resources */
	bool rev;			/* non-contiguous output backing */
	bool dpc_pending, raw_set_sent;
	unsigned int dpcs, unblocks;
	struct params_view fmt;		/* from the last DPC */
	struct got_frame frames[64];
	unsigned int nframes;
	unsigned int drain_last, dpc_last, errors, canceled, in_done;
	bool drained;
	uint32_t drain_flags;
	bool stop_requeue;		/* do not requeue output buffers */
};

static void queue_out(struct fx *f, struct dec *s, unsigned int r)
{
	uint8_t b[96] = { 0 };

	assert_false(s->out_busy[r]);
	put_hdr(b, VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, s->sid,
		VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, COOKIE(CK_OUT, r, ++f->seq));
	wr32(b + 16, r);
	cmd_raw(f, b, sizeof(b));
	s->out_busy[r] = true;
}

static void queue_in(struct fx *f, struct dec *s, unsigned int r, const uint8_t *data,
		     size_t len, uint64_t ts)
{
	uint8_t b[96] = { 0 };

	assert_true(len <= IN_SIZE);
	assert_false(s->in_busy[r]);
	memcpy(f->mem + IN_OFF(r), data, len);
	put_hdr(b, VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, s->sid,
		VIRTIO_VIDEO_QUEUE_TYPE_INPUT, COOKIE(CK_IN, r, ++f->seq));
	wr32(b + 16, r);
	wr64(b + 24, ts);
	wr32(b + 64, len);
	cmd_raw(f, b, sizeof(b));
	s->in_busy[r] = true;
}

/* MD5 of the visible NV12 picture of output resource @r. */
static void out_md5(struct fx *f, const struct dec *s, unsigned int r, uint32_t off1,
		    char *out)
{
	uint32_t stride = (s->fmt.width + s->fmt.stride_align - 1) / s->fmt.stride_align *
			  s->fmt.stride_align;
	struct AVMD5 *m = av_md5_alloc();
	uint8_t digest[16];
	unsigned int y;
	/* the backing of resource r lists its pages in reverse: undo that */
	unsigned int pages = OUT_SIZE / 4096;

	av_md5_init(m);
	for (y = 0; y < s->fmt.crop[3] + (s->fmt.crop[3] + 1) / 2; y++) {
		uint32_t roff = y < s->fmt.crop[3] ? y * stride :
				off1 + (y - s->fmt.crop[3]) * stride;
		uint32_t w = y < s->fmt.crop[3] ? s->fmt.crop[2] : (s->fmt.crop[2] + 1) / 2 * 2;
		uint32_t done = 0;

		while (done < w) {
			uint32_t o = roff + done, page = o / 4096, in = o % 4096;
			uint32_t k = 4096 - in < w - done ? 4096 - in : w - done;
			uint32_t gpage = s->rev ? pages - 1 - page : page;

			av_md5_update(m, f->mem + OUT_OFF(r) + gpage * 4096 + in, k);
			done += k;
		}
	}
	av_md5_final(m, digest);
	av_free(m);
	md5_hex(digest, out);
}

static void on_dpc(struct dec *s, const struct event *e)
{
	params_parse(e, &s->fmt);
	assert_int_equal(s->fmt.set_type, VIRTIO_VIDEO_TLV_RAW_SET);
	assert_true(s->fmt.has_format && s->fmt.has_resources && s->fmt.has_crop);
	s->dpcs++;
	s->dpc_pending = true;
}

/* The driver's answer to a DPC: outputs (re)attached, queued, UNBLOCK. */
static void handle_dpc(struct fx *f, struct dec *s)
{
	struct event ans;
	struct params_view v;
	unsigned int i;

	for (i = 0; i < NOUT; i++)
		assert_false(s->out_busy[i]);
	assert_int_equal(attach(f, s->sid, false, NOUT, OUT_OFF(0), OUT_SIZE, s->rev, &ans), 0);
	params_parse(&ans, &v);
	assert_int_equal(v.num_resources, NOUT);
	assert_int_equal(v.pages, NOUT);
	s->nout = NOUT;
	for (i = 0; i < NOUT; i++)
		queue_out(f, s, i);
	assert_int_equal(call(f, VIRTIO_VIDEO_CMD_STREAM_UNBLOCK, s->sid, 0, NULL, 0, NULL), 0);
	s->unblocks++;
	s->dpc_pending = false;
}

/* Handle one pending event of stream @s; false if none came in @ms. */
static bool pump(struct fx *f, struct dec *s, unsigned int ms)
{
	struct event e;
	uint32_t c, fl;

	if (!ev_next(f, ms, &e))
		return false;
	assert_true(e.len >= 16);
	c = ev_cookie(&e);
	fl = ev_flags(&e);
	assert_int_equal(ev_sid(&e), s->sid);
	if (fl & VIRTIO_VIDEO_EVENT_FLAG_ERROR)
		s->errors++;
	if (fl & VIRTIO_VIDEO_EVENT_FLAG_CANCELED)
		s->canceled++;
	if (ev_type(&e) == VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS &&
	    (fl & VIRTIO_VIDEO_EVENT_FLAG_STANDALONE)) {
		assert_int_equal(fl, VIRTIO_VIDEO_EVENT_FLAG_STANDALONE |
				 VIRTIO_VIDEO_EVENT_FLAG_BLOCKED);
		assert_int_equal(c, 0);
		on_dpc(s, &e);
		return true;
	}
	if (ev_type(&e) == VIRTIO_VIDEO_CMD_STREAM_DRAIN) {
		s->drained = true;
		s->drain_flags = fl;
		return true;
	}
	assert_int_equal(ev_type(&e), VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE);
	assert_int_equal(e.len, 96);
	if (CK_KIND(c) == CK_IN) {
		assert_true(s->in_busy[CK_RES(c)]);
		s->in_busy[CK_RES(c)] = false;
		s->in_done++;
		return true;
	}
	assert_int_equal(CK_KIND(c), CK_OUT);
	assert_true(s->out_busy[CK_RES(c)]);
	s->out_busy[CK_RES(c)] = false;
	if (!(fl & (VIRTIO_VIDEO_EVENT_FLAG_ERROR | VIRTIO_VIDEO_EVENT_FLAG_CANCELED))) {
		uint32_t qf = rd32(e.b + 16);

		if (qf & VIRTIO_VIDEO_QUEUE_FLAG_V4L2_DRAIN_LAST) {
			assert_int_equal(rd32(e.b + 64), 0);
			s->drain_last++;
		} else if (qf & VIRTIO_VIDEO_QUEUE_FLAG_V4L2_DPC_LAST) {
			s->dpc_last++;
		} else {
			struct got_frame *g = &s->frames[s->nframes++];

			assert_true(s->nframes < ARRAY_SIZE(s->frames));
			g->ts = rd64(e.b + 24);
			g->flags = qf;
			g->off1 = rd32(e.b + 32 + 4);
			g->size0 = rd32(e.b + 64);
			g->size1 = rd32(e.b + 64 + 4);
			out_md5(f, s, CK_RES(c), g->off1, g->md5);
		}
	}
	if (!s->stop_requeue && !s->dpc_pending && !(fl & VIRTIO_VIDEO_EVENT_FLAG_CANCELED))
		queue_out(f, s, CK_RES(c));
	return true;
}

static void pump_until_quiet(struct fx *f, struct dec *s, unsigned int ms)
{
	while (pump(f, s, ms))
		if (s->dpc_pending)
			handle_dpc(f, s);
}

/* A free input resource, pumping events meanwhile. */
static unsigned int free_input(struct fx *f, struct dec *s)
{
	unsigned int i, t;

	for (t = 0; t < 5000; t++) {
		for (i = 0; i < NIN; i++)
			if (!s->in_busy[i])
				return i;
		pump(f, s, 1);
		if (s->dpc_pending)
			handle_dpc(f, s);
	}
	fail_msg("no input resource came back");
	return 0;
}

/* Feed the clip: one packet per buffer (chunk 0) or @chunk bytes each. */
static void feed(struct fx *f, struct dec *s, size_t chunk, uint64_t ts0)
{
	unsigned int i;

	if (!chunk) {
		for (i = 0; i < npkt; i++)
			queue_in(f, s, free_input(f, s), clip + pkt_off[i], pkt_len[i], ts0 + i);
		return;
	}
	for (i = 0; i * chunk < clip_len; i++) {
		size_t n = clip_len - i * chunk < chunk ? clip_len - i * chunk : chunk;

		queue_in(f, s, free_input(f, s), clip + i * chunk, n, ts0 + i);
	}
}

static void drain(struct fx *f, struct dec *s)
{
	unsigned int t;

	cmd(f, VIRTIO_VIDEO_CMD_STREAM_DRAIN, s->sid, VIRTIO_VIDEO_QUEUE_TYPE_INPUT,
	    COOKIE(CK_CMD, 0, ++f->seq), NULL, 0);
	for (t = 0; t < 5000 && !s->drained; t++) {
		pump(f, s, 1);
		if (s->dpc_pending)
			handle_dpc(f, s);
	}
	assert_true(s->drained);
	assert_int_equal(s->drain_flags, 0);
}

/* The frames of @s from @first equal the reference decode, timestamps too. */
static void check_frames(struct dec *s, unsigned int first, uint64_t ts0, bool ts_exact)
{
	unsigned int i;

	assert_int_equal(s->nframes - first, nref);
	for (i = 0; i < nref; i++) {
		const struct got_frame *g = &s->frames[first + i];

		assert_string_equal(g->md5, ref[i].md5);
		assert_string_equal(g->md5, ffmpeg_md5[i]);
		if (ts_exact)
			assert_int_equal(g->ts, ts0 + ref[i].pts);
		assert_int_equal(!!(g->flags & VIRTIO_VIDEO_QUEUE_FLAG_KEY_FRAME), ref[i].key);
		assert_int_equal(g->size0, CLIP_W * CLIP_H);
		assert_int_equal(g->size1, CLIP_W * CLIP_H / 2);
		assert_int_equal(g->off1, CLIP_W * CLIP_H);
	}
}

static void input_attach(struct fx *f, struct dec *s)
{
	struct params_view v;
	struct event ans;

	assert_int_equal(attach(f, s->sid, true, NIN, IN_OFF(0), IN_SIZE, false, &ans), 0);
	params_parse(&ans, &v);
	assert_int_equal(v.set_type, VIRTIO_VIDEO_TLV_CODED_SET);
	assert_int_equal(v.format, VIRTIO_VIDEO_CODED_FORMAT_H264);
	assert_int_equal(v.num_resources, NIN);
	assert_int_equal(v.pages, NIN);
}

/* ---- control directory ------------------------------------------------- */

static char *ctl(struct fx *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static char *ctl(struct fx *f, const char *fmt, ...)
{
	static char rsp[1024];
	char tmp[256], path[256], line[256], seq[16];
	unsigned int i;
	va_list ap;
	FILE *fp;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snprintf(seq, sizeof(seq), "t%u", ++f->ctl_seq);
	snprintf(tmp, sizeof(tmp), "%s/.req-%s.tmp", f->ctl, seq);
	snprintf(path, sizeof(path), "%s/req-%s", f->ctl, seq);
	fp = fopen(tmp, "w");
	assert_non_null(fp);
	fprintf(fp, "%s\n", line);
	fclose(fp);
	assert_int_equal(rename(tmp, path), 0);
	snprintf(path, sizeof(path), "%s/rsp-%s", f->ctl, seq);
	for (i = 0; i < 5000; i++) {
		fp = fopen(path, "r");
		if (fp) {
			if (!fgets(rsp, sizeof(rsp), fp))
				rsp[0] = '\0';
			fclose(fp);
			unlink(path);
			rsp[strcspn(rsp, "\n")] = '\0';
			return rsp;
		}
		msleep(1);
	}
	fail_msg("no reply to '%s'", line);
	return NULL;
}

static long stat_of(struct fx *f, const char *key)
{
	char *r = ctl(f, "stats"), pat[64], *p;

	assert_true(!strncmp(r, "ok ", 3));
	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(r, pat);
	assert_non_null(p);
	return strtol(p + strlen(pat), NULL, 10);
}

/* ---- fixture ------------------------------------------------------------ */

static pid_t spawn(struct fx *f, const char *const *extra)
{
	const char *argv[32] = { model_path, "--socket", f->sock, "--ctl-dir", f->ctl };
	unsigned int n = 5, i;
	pid_t pid;

	for (i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = extra[i];
	pid = fork();
	if (pid == 0) {
		int fd = open(f->err, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(model_path, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* @state on entry: NULL or a NULL-terminated list of extra model options. */
static int setup(void **state)
{
	const char *const *extra = *state;
	struct fx *f = calloc(1, sizeof(*f));
	struct stat st;
	unsigned int n;

	snprintf(f->dir, sizeof(f->dir), "/tmp/vhu-video-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->ctl, sizeof(f->ctl), "%s/ctl", f->dir);
	snprintf(f->sock, sizeof(f->sock), "%s/video.sock", f->dir);
	snprintf(f->err, sizeof(f->err), "%s/model.err", f->dir);
	f->sock_fd = -1;
	for (unsigned int qi = 0; qi < 2; qi++) {
		f->q[qi].kick = -1;
		f->q[qi].call = -1;
	}
	f->mem_fd = memfd_create("video-guest", MFD_CLOEXEC);
	if (f->mem_fd < 0 || ftruncate(f->mem_fd, MEM_SIZE) < 0)
		return -1;
	f->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->mem_fd, 0);
	if (f->mem == MAP_FAILED)
		return -1;
	f->pid = spawn(f, extra);
	for (n = 0; n < 500; n++) {
		if (!stat(f->sock, &st) && !stat(f->ctl, &st))
			break;
		msleep(10);
	}
	*state = f;
	return n == 500 ? -1 : 0;
}

static int stop_model(struct fx *f)
{
	int status = -1, i;
	char line[512];
	FILE *fp;

	if (f->pid <= 0)
		return 0;
	kill(f->pid, SIGTERM);
	for (i = 0; i < 500; i++) {
		if (waitpid(f->pid, &status, WNOHANG) == f->pid)
			break;
		msleep(10);
	}
	if (i == 500) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, &status, 0);
	}
	f->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "va-video-model did not exit cleanly (status 0x%x):\n", status);
	fp = fopen(f->err, "r");
	while (fp && fgets(line, sizeof(line), fp))
		fputs(line, stderr);
	if (fp)
		fclose(fp);
	return -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmdline[160];
	int ret = stop_model(f), q;

	if (f->sock_fd >= 0)
		close(f->sock_fd);
	for (q = 0; q < 2; q++) {
		if (f->q[q].kick >= 0)
			close(f->q[q].kick);
		if (f->q[q].call >= 0)
			close(f->q[q].call);
	}
	munmap(f->mem, MEM_SIZE);
	close(f->mem_fd);
	snprintf(cmdline, sizeof(cmdline), "rm -rf '%s'", f->dir);
	if (system(cmdline))
		ret = -1;
	free(f);
	return ret;
}

#define NEED_CLIP()							\
	do {								\
		if (!have_clip) {					\
			print_message("skipped: no H.264 clip (ffmpeg with libx264 missing?)\n"); \
			skip();						\
		}							\
	} while (0)

/* ---- tests -------------------------------------------------------------- */

static void query_caps(struct fx *f, uint8_t *out, uint32_t *used, uint32_t in_len)
{
	unsigned int slot;
	uint8_t *b = cmd_buf(f, &slot);

	wr32(b, VIRTIO_VIDEO_CMD_DEVICE_QUERY_CAPS);
	memset(b + 0x400, 0xee, 0xc00);
	*used = cmd_post(f, slot, 4, in_len);
	memcpy(out, b + 0x400, in_len);
}

static void test_caps_and_config(void **state)
{
	struct fx *f = *state;
	uint8_t caps[0xc00];
	const uint8_t *p = caps + 8, *in;
	size_t left;
	struct vm_tlv t, sub;
	unsigned int ncoded = 0, nraw = 0, nlink = 0;
	static const uint32_t formats[] = { 3, 4, 5, 6 };
	uint32_t used;

	bring_up(f, ~0ull);
	assert_true(f->features & VHU_BIT(VIRTIO_VIDEO_F_DECODER));
	assert_true(f->features & VHU_BIT(VIRTIO_VIDEO_F_RESOURCE_GUEST_PAGES));
	assert_true(f->features & VHU_BIT(VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG));
	assert_true(f->features & VHU_BIT(VIRTIO_VIDEO_F_V4L2_COMPATIBLE_LAST_BUFFER));
	assert_false(f->features & VHU_BIT(VIRTIO_VIDEO_F_ENCODER));
	assert_false(f->features & VHU_BIT(VIRTIO_VIDEO_F_RESOURCE_VIRTIO_OBJECT));
	assert_int_equal(f->max_streams, 4);
	assert_true(f->caps_length > 8 && f->caps_length < 0xc00);

	query_caps(f, caps, &used, 0xc00);
	assert_int_equal(used, f->caps_length);
	assert_int_equal(rd32(caps), VIRTIO_VIDEO_RESULT_OK);
	left = f->caps_length - 8;
	while (vm_tlv_next(&p, &left, &t) == 1) {
		in = t.val;
		size_t inleft = t.len;

		if (t.type == VIRTIO_VIDEO_TLV_CODED_SET) {
			assert_int_equal(nraw + nlink, 0);
			while (vm_tlv_next(&in, &inleft, &sub) == 1) {
				if (sub.type == VIRTIO_VIDEO_TLV_CODED_FORMAT)
					assert_int_equal(rd32(sub.val), formats[ncoded]);
				if (sub.type == VIRTIO_VIDEO_TLV_CODED_RESOURCES) {
					assert_int_equal(rd32(sub.val), 1);
					assert_int_equal(rd32(sub.val + 4), 32);
					assert_int_equal(rd32(sub.val + 16), 4096);
					assert_int_equal(rd32(sub.val + 20), 16 << 20);
				}
			}
			ncoded++;
		} else if (t.type == VIRTIO_VIDEO_TLV_RAW_SET) {
			while (vm_tlv_next(&in, &inleft, &sub) == 1) {
				if (sub.type != VIRTIO_VIDEO_TLV_RAW_FORMAT)
					continue;
				assert_int_equal(sub.len, 60);
				assert_int_equal(rd32(sub.val),
						 VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER);
				assert_int_equal(rd32(sub.val + 4), NV12);
				assert_int_equal(rd64(sub.val + 8), 0);
				assert_int_equal(rd32(sub.val + 16), 16);
				assert_int_equal(rd32(sub.val + 20), 4096);
				assert_int_equal(rd32(sub.val + 24), 2);
				assert_int_equal(rd32(sub.val + 48), 0x1ff);
				assert_int_equal(rd32(sub.val + 52), 0x1ff);
				assert_int_equal(rd32(sub.val + 56), 0x1ff);
			}
			nraw++;
		} else {
			unsigned int i;

			assert_int_equal(t.type, VIRTIO_VIDEO_TLV_LINK);
			assert_int_equal(t.len, 8 + 4 * 8);
			assert_int_equal(rd32(t.val), VIRTIO_VIDEO_STREAM_TYPE_DECODER);
			for (i = 0; i < 4; i++)
				assert_int_equal(rd64(t.val + 8 + 8 * i), 1);
			nlink++;
			inleft = 0;
		}
		assert_int_equal(inleft, 0);
	}
	assert_int_equal(left, 0);
	assert_int_equal(ncoded, 4);
	assert_int_equal(nraw, 1);
	assert_int_equal(nlink, 1);

	/* too small a buffer: result ERROR */
	query_caps(f, caps, &used, f->caps_length - 4);
	assert_int_equal(used, 8);
	assert_int_equal(rd32(caps), VIRTIO_VIDEO_RESULT_ERROR);
}

static void test_decode_h264(void **state)
{
	struct fx *f = *state;
	struct dec s = { .sid = 1, .rev = true };
	struct params_view v;
	struct event e;
	uint8_t body[8];

	NEED_CLIP();
	bring_up(f, ~0ull);
	open_stream(f, 1);
	input_attach(f, &s);
	feed(f, &s, 0, 1000);
	drain(f, &s);
	/* the DPC: coded size and crop of the clip, 4 buffers minimum */
	assert_int_equal(s.dpcs, 1);
	assert_int_equal(s.fmt.fourcc, NV12);
	assert_int_equal(s.fmt.width, CLIP_W);
	assert_int_equal(s.fmt.height, CLIP_H);
	assert_int_equal(s.fmt.num_resources, 4);
	assert_int_equal(s.fmt.crop[0], 0);
	assert_int_equal(s.fmt.crop[1], 0);
	assert_int_equal(s.fmt.crop[2], CLIP_W);
	assert_int_equal(s.fmt.crop[3], CLIP_H);
	assert_int_equal(s.in_done, npkt);
	check_frames(&s, 0, 1000, true);
	assert_int_equal(s.drain_last, 1);
	assert_int_equal(s.errors, 0);

	/* GET_PARAMS of both queues */
	wr32(body, VIRTIO_VIDEO_TLV_RAW_SET);
	wr32(body + 4, 0);
	assert_int_equal(call(f, VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS, 1, 0, body, 8, &e), 0);
	params_parse(&e, &v);
	assert_int_equal(v.width, CLIP_W);
	assert_int_equal(v.num_resources, NOUT);
	assert_int_equal(v.pages, NOUT);
	assert_int_equal(v.crop[3], CLIP_H);
	wr32(body, VIRTIO_VIDEO_TLV_CODED_SET);
	assert_int_equal(call(f, VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS, 1,
			      VIRTIO_VIDEO_QUEUE_TYPE_INPUT, body, 8, &e), 0);
	params_parse(&e, &v);
	assert_int_equal(v.format, VIRTIO_VIDEO_CODED_FORMAT_H264);
	assert_int_equal(v.num_resources, NIN);

	/* a second run and drain: same frames, no new DPC */
	feed(f, &s, 0, 5000);
	s.drained = false;
	drain(f, &s);
	assert_int_equal(s.dpcs, 1);
	check_frames(&s, nref, 5000, true);
	assert_int_equal(s.drain_last, 2);
	assert_int_equal(stat_of(f, "frames"), 2 * nref);
	assert_int_equal(stat_of(f, "decoded"), 2 * nref);

	assert_int_equal(call(f, VIRTIO_VIDEO_CMD_STREAM_CLOSE, 1, 0, NULL, 0, NULL), 0);
	/* the queued output buffers were answered CANCELED before CLOSE */
	pump_until_quiet(f, &s, 20);
}

static void test_chunked_input(void **state)
{
	struct fx *f = *state;
	struct dec s = { .sid = 0 };

	NEED_CLIP();
	bring_up(f, ~0ull);
	open_stream(f, 0);
	input_attach(f, &s);
	/* odd sized chunks: frames split and several frames per buffer */
	feed(f, &s, 777, 0);
	drain(f, &s);
	check_frames(&s, 0, 0, false);
	/* frames in presentation order, each with a timestamp that was fed */
	for (unsigned int i = 0; i < s.nframes; i++)
		assert_true(s.frames[i].ts * 777 < clip_len);
	assert_int_equal(s.drain_last, 1);
}

static void test_no_last_buffer_contiguous(void **state)
{
	struct fx *f = *state;
	struct dec s = { .sid = 2 };
	struct event e;

	NEED_CLIP();
	bring_up(f, ~0ull);
	assert_false(f->features & VHU_BIT(VIRTIO_VIDEO_F_V4L2_COMPATIBLE_LAST_BUFFER));
	assert_false(f->features & VHU_BIT(VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG));
	open_stream(f, 2);
	/* non-contiguous backing refused without RESOURCE_NON_CONTIG */
	assert_int_equal(attach(f, 2, true, 1, IN_OFF(0), 2 * 4096, true, &e),
			 VIRTIO_VIDEO_EVENT_FLAG_ERROR);
	input_attach(f, &s);
	feed(f, &s, 0, 0);
	drain(f, &s);
	check_frames(&s, 0, 0, true);
	assert_int_equal(s.drain_last, 0);
}

static void test_reset_and_close(void **state)
{
	struct fx *f = *state;
	struct dec s = { .sid = 3 };
	struct event e;
	uint32_t rq;
	unsigned int i, cancel_before;

	NEED_CLIP();
	bring_up(f, ~0ull);
	open_stream(f, 3);
	input_attach(f, &s);
	/* decode the clip (frames come after the DPC), keep output queued */
	feed(f, &s, 0, 0);
	pump_until_quiet(f, &s, 100);
	assert_int_equal(s.dpcs, 1);

	/* QUEUE_RESET(OUTPUT): every queued output buffer CANCELED first */
	cancel_before = s.canceled;
	s.stop_requeue = true;
	rq = htole32(VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT);
	cmd(f, VIRTIO_VIDEO_CMD_STREAM_QUEUE_RESET, 3, 0, COOKIE(CK_CMD, 0, 0x7001), &rq, 4);
	assert_true(ev_find(f, COOKIE(CK_CMD, 0, 0x7001), 2000, &e));
	assert_int_equal(ev_flags(&e), 0);
	/* the answers before it stay pending: the CANCELED ones among them */
	while (pump(f, &s, 0))
		;
	for (i = 0; i < NOUT; i++)
		assert_false(s.out_busy[i]);
	assert_true(s.canceled > cancel_before);

	/* QUEUE_RESET(INPUT) with input queued: CANCELED or done, then answer */
	s.stop_requeue = false;
	queue_in(f, &s, 0, clip, pkt_len[0], 77);
	queue_in(f, &s, 1, clip + pkt_off[1], pkt_len[1], 78);
	rq = htole32(VIRTIO_VIDEO_QUEUE_TYPE_INPUT);
	assert_int_equal(call(f, VIRTIO_VIDEO_CMD_STREAM_QUEUE_RESET, 3, 0, &rq, 4, NULL), 0);
	while (pump(f, &s, 50))
		;
	assert_false(s.in_busy[0]);
	assert_false(s.in_busy[1]);

	/* after the resets the stream decodes again (UNBLOCK refused: not blocked) */
	assert_int_equal(call(f, VIRTIO_VIDEO_CMD_STREAM_UNBLOCK, 3, 0, NULL, 0, NULL),
			 VIRTIO_VIDEO_EVENT_FLAG_ERROR);
	for (i = 0; i < NOUT; i++)
		queue_out(f, &s, i);
	s.nframes = 0;
	feed(f, &s, 0, 100);
	drain(f, &s);
	check_frames(&s, 0, 100, true);

	/* CLOSE with output queued: CANCELED answers, then CLOSE */
	cancel_before = s.canceled;
	s.stop_requeue = true;
	cmd(f, VIRTIO_VIDEO_CMD_STREAM_CLOSE, 3, 0, COOKIE(CK_CMD, 0, 0x7002), NULL, 0);
	assert_true(ev_find(f, COOKIE(CK_CMD, 0, 0x7002), 2000, &e));
	assert_int_equal(ev_flags(&e), 0);
	while (pump(f, &s, 0))
		;
	assert_int_equal(s.canceled - cancel_before, NOUT);
	/* closed: commands now get ERROR */
	assert_int_equal(call(f, VIRTIO_VIDEO_CMD_STREAM_DRAIN, 3,
			      VIRTIO_VIDEO_QUEUE_TYPE_INPUT, NULL, 0, NULL),
			 VIRTIO_VIDEO_EVENT_FLAG_ERROR);
}

/* A bad command gets an ERROR event with its type, stream and cookie. */
static void expect_error(struct fx *f, const uint8_t *b, size_t len)
{
	uint32_t cookie = len >= 16 ? rd32(b + 12) : 0;
	struct event e;

	cmd_raw(f, b, len);
	assert_true(ev_find(f, cookie, 2000, &e));
	assert_int_equal(ev_flags(&e), VIRTIO_VIDEO_EVENT_FLAG_ERROR);
	if (len >= 16) {
		assert_int_equal(ev_type(&e), rd32(b));
		assert_int_equal(ev_sid(&e), rd32(b + 4));
	}
	if (ev_type(&e) == VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE)
		assert_int_equal(e.len, 96);
}

static void test_bad_driver(void **state)
{
	struct fx *f = *state;
	uint8_t b[200];
	struct event e;
	long errors;
	unsigned int n = 0;

	bring_up(f, ~0ull);
	open_stream(f, 0);
#define BAD(type, sid, qt) do {					\
		memset(b, 0, sizeof(b));				\
		put_hdr(b, type, sid, qt, 0x5000 + n++);		\
	} while (0)
	/* stream id out of range, on an OPEN */
	BAD(VIRTIO_VIDEO_CMD_STREAM_OPEN, 4, 0);
	expect_error(f, b, 20);
	BAD(VIRTIO_VIDEO_CMD_STREAM_CLOSE, 0xffffffff, 0);
	expect_error(f, b, 16);
	/* unknown command */
	BAD(0x2ff, 0, 0);
	expect_error(f, b, 16);
	BAD(0x101, 0, 0);
	expect_error(f, b, 16);
	/* wrong queue types */
	BAD(VIRTIO_VIDEO_CMD_STREAM_UNBLOCK, 0, VIRTIO_VIDEO_QUEUE_TYPE_INPUT);
	expect_error(f, b, 16);
	BAD(VIRTIO_VIDEO_CMD_STREAM_DRAIN, 0, VIRTIO_VIDEO_QUEUE_TYPE_MAIN);
	expect_error(f, b, 16);
	BAD(VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, 0, VIRTIO_VIDEO_QUEUE_TYPE_MAIN);
	expect_error(f, b, 96);
	BAD(VIRTIO_VIDEO_CMD_STREAM_CLOSE, 0, 7);
	expect_error(f, b, 16);
	/* wrong sizes */
	BAD(VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, 0, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT);
	expect_error(f, b, 95);
	BAD(VIRTIO_VIDEO_CMD_STREAM_CLOSE, 0, 0);
	expect_error(f, b, 20);
	BAD(VIRTIO_VIDEO_CMD_STREAM_OPEN, 1, 0);
	expect_error(f, b, 16);
	/* too short for a header: an ERROR event anyway */
	BAD(VIRTIO_VIDEO_CMD_STREAM_CLOSE, 0, 0);
	cmd_raw(f, b, 8);
	assert_true(ev_find(f, 0, 2000, &e));
	assert_int_equal(ev_flags(&e), VIRTIO_VIDEO_EVENT_FLAG_ERROR);
	/* stream not open / already open / encoder */
	BAD(VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, 2, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT);
	expect_error(f, b, 96);
	BAD(VIRTIO_VIDEO_CMD_STREAM_OPEN, 0, 0);
	expect_error(f, b, 20);
	BAD(VIRTIO_VIDEO_CMD_STREAM_OPEN, 1, 0);
	wr32(b + 16, VIRTIO_VIDEO_STREAM_TYPE_ENCODER);
	expect_error(f, b, 20);
	/* resource not attached, UNBLOCK while not blocked */
	BAD(VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, 0, VIRTIO_VIDEO_QUEUE_TYPE_INPUT);
	expect_error(f, b, 96);
	BAD(VIRTIO_VIDEO_CMD_STREAM_UNBLOCK, 0, 0);
	expect_error(f, b, 16);
	/* bad parameters: GET_PARAMS of no set, SET_PARAMS unaligned page */
	BAD(VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS, 0, 0);
	wr32(b + 16, VIRTIO_VIDEO_TLV_LINK);
	expect_error(f, b, 24);
	BAD(VIRTIO_VIDEO_CMD_STREAM_QUEUE_RESET, 0, 0);
	wr32(b + 16, VIRTIO_VIDEO_QUEUE_TYPE_MAIN);
	expect_error(f, b, 20);
	{
		struct vm_tlvw w;
		size_t set;

		BAD(VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, 0, 0);
		vm_tlvw_init(&w, b + 16, sizeof(b) - 16);
		set = vm_tlv_open(&w, VIRTIO_VIDEO_TLV_CODED_SET);
		put32(&w, VIRTIO_VIDEO_TLV_CODED_RESOURCES, 1);
		put_pages(&w, 0, 1, IN_OFF(0) + 0x800, false, 4096);
		vm_tlv_close(&w, set);
		expect_error(f, b, 16 + w.len);
		/* backing outside guest memory */
		BAD(VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, 0, 0);
		vm_tlvw_init(&w, b + 16, sizeof(b) - 16);
		set = vm_tlv_open(&w, VIRTIO_VIDEO_TLV_CODED_SET);
		put32(&w, VIRTIO_VIDEO_TLV_CODED_RESOURCES, 1);
		put_pages(&w, 0, 1, MEM_SIZE, false, 4096);
		vm_tlv_close(&w, set);
		expect_error(f, b, 16 + w.len);
		/* a coded format not offered */
		BAD(VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, 0, 0);
		vm_tlvw_init(&w, b + 16, sizeof(b) - 16);
		set = vm_tlv_open(&w, VIRTIO_VIDEO_TLV_CODED_SET);
		put32(&w, VIRTIO_VIDEO_TLV_CODED_FORMAT, VIRTIO_VIDEO_CODED_FORMAT_MPEG2);
		vm_tlv_close(&w, set);
		expect_error(f, b, 16 + w.len);
	}
#undef BAD
	errors = stat_of(f, "errors");
	assert_true(errors >= 22);
	/* the stream still works: SET_PARAMS with adjusted raw values */
	{
		struct virtio_video_raw_format rf = {
			.planes_layout = htole32(2), .fourcc = htole32(0x34325241),
			.width = htole32(641), .height = htole32(3),
			.stride_align = htole32(48), .height_align = htole32(0),
			.plane_align = htole32(4096),
		};
		struct params_view v;
		struct vm_tlvw w;
		size_t set;
		void *p;

		vm_tlvw_init(&w, b, sizeof(b));
		set = vm_tlv_open(&w, VIRTIO_VIDEO_TLV_RAW_SET);
		p = vm_tlv_put(&w, VIRTIO_VIDEO_TLV_RAW_FORMAT, sizeof(rf));
		memcpy(p, &rf, sizeof(rf));
		vm_tlv_close(&w, set);
		assert_int_equal(call(f, VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, 0, 0,
				      b, w.len, &e), 0);
		params_parse(&e, &v);
		assert_int_equal(v.fourcc, NV12);
		assert_int_equal(v.width, 640);
		assert_int_equal(v.height, 16);
		assert_int_equal(v.stride_align, 64);
		assert_int_equal(v.height_align, 1);
		assert_int_equal(v.plane_align, 256);
		assert_false(v.has_resources);
	}
}

static void test_faults(void **state)
{
	struct fx *f = *state;
	struct event e, e2;
	uint8_t body[8];
	unsigned int i;

	bring_up(f, ~0ull);
	open_stream(f, 0);
	wr32(body, VIRTIO_VIDEO_TLV_CODED_SET);
	wr32(body + 4, 0);

	/* short-event: an 8-byte copy first, then the real answer */
	assert_string_equal(ctl(f, "fault short-event"), "ok");
	cmd(f, VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS, 0, 0, 0x111, body, 8);
	assert_true(ev_next(f, 2000, &e));
	assert_int_equal(e.len, 8);
	assert_true(ev_next(f, 2000, &e));
	assert_int_equal(ev_cookie(&e), 0x111);

	/* bad-cookie, bad-stream: a copy with a wrong field, then the answer */
	assert_string_equal(ctl(f, "fault bad-cookie"), "ok");
	cmd(f, VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS, 0, 0, 0x112, body, 8);
	assert_true(ev_next(f, 2000, &e));
	assert_int_equal(ev_cookie(&e), 0xbadc00de);
	assert_true(ev_next(f, 2000, &e));
	assert_int_equal(ev_cookie(&e), 0x112);
	assert_string_equal(ctl(f, "fault bad-stream 2"), "ok");
	for (i = 0; i < 2; i++) {
		cmd(f, VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS, 0, 0, 0x113, body, 8);
		assert_true(ev_next(f, 2000, &e));
		assert_int_equal(ev_sid(&e), 5);
		assert_int_equal(ev_cookie(&e), 0x113);
		assert_true(ev_next(f, 2000, &e2));
		assert_int_equal(ev_sid(&e2), 0);
		assert_int_equal(e.len, e2.len);
	}

	/* bad-flags: unknown flag bits on the next event */
	assert_string_equal(ctl(f, "fault bad-flags"), "ok");
	cmd(f, VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS, 0, 0, 0x114, body, 8);
	assert_true(ev_next(f, 2000, &e));
	assert_int_equal(ev_flags(&e), 0xf0);

	/* bad-params: the SET_PARAMS answer's container runs past the end */
	assert_string_equal(ctl(f, "fault bad-params"), "ok");
	{
		uint8_t b[64];
		struct vm_tlvw w;
		size_t set;
		const uint8_t *p;
		size_t left;
		struct vm_tlv t;

		vm_tlvw_init(&w, b, sizeof(b));
		set = vm_tlv_open(&w, VIRTIO_VIDEO_TLV_CODED_SET);
		put32(&w, VIRTIO_VIDEO_TLV_CODED_FORMAT, VIRTIO_VIDEO_CODED_FORMAT_VP9);
		vm_tlv_close(&w, set);
		cmd(f, VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, 0, 0, 0x115, b, w.len);
		assert_true(ev_next(f, 2000, &e));
		assert_int_equal(ev_cookie(&e), 0x115);
		p = e.b + 16;
		left = e.len - 16;
		assert_int_equal(vm_tlv_next(&p, &left, &t), -1);
	}

	/* unsolicited and dup-answer on resource answers (an unattached one) */
	assert_string_equal(ctl(f, "fault unsolicited"), "ok");
	assert_string_equal(ctl(f, "fault dup-answer"), "ok");
	{
		uint8_t b[96] = { 0 };

		put_hdr(b, VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, 0,
			VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, 0x116);
		cmd_raw(f, b, 96);
		assert_true(ev_next(f, 2000, &e));
		assert_int_equal(ev_type(&e), VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE);
		assert_int_equal(ev_flags(&e), VIRTIO_VIDEO_EVENT_FLAG_STANDALONE);
		assert_int_equal(ev_cookie(&e), 0);
		assert_int_equal(e.len, 96);
		for (i = 0; i < 2; i++) {
			assert_true(ev_next(f, 2000, &e));
			assert_int_equal(ev_cookie(&e), 0x116);
			assert_int_equal(ev_flags(&e), VIRTIO_VIDEO_EVENT_FLAG_ERROR);
		}
	}
	assert_false(ev_next(f, 30, &e));

	/* stream-error: standalone CLOSE with ERROR, then the stream is gone */
	assert_true(!strncmp(ctl(f, "fault stream-error 3"), "error: ", 7));
	assert_string_equal(ctl(f, "fault stream-error 0"), "ok");
	assert_true(ev_next(f, 2000, &e));
	assert_int_equal(ev_type(&e), VIRTIO_VIDEO_CMD_STREAM_CLOSE);
	assert_int_equal(ev_flags(&e), VIRTIO_VIDEO_EVENT_FLAG_ERROR |
			 VIRTIO_VIDEO_EVENT_FLAG_STANDALONE);
	assert_int_equal(call(f, VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS, 0, 0, body, 8, NULL),
			 VIRTIO_VIDEO_EVENT_FLAG_ERROR);
	open_stream(f, 0);

	assert_true(!strncmp(ctl(f, "fault nonsense"), "error: ", 7));
	assert_true(!strncmp(ctl(f, "bogus"), "error: ", 7));
	assert_true(!strncmp(ctl(f, "dev 1 stats"), "error: ", 7));
	assert_string_equal(ctl(f, "wait-idle 1000"), "ok");
	assert_int_equal(stat_of(f, "faults"), 9);
}

/* bad-sizes on a real frame; events wait while the driver posts no buffer */
static void test_bad_sizes_and_event_fifo(void **state)
{
	struct fx *f = *state;
	struct dec s = { .sid = 0 };
	unsigned int i, bad = 0;

	NEED_CLIP();
	bring_up(f, ~0ull);
	open_stream(f, 0);
	input_attach(f, &s);
	assert_string_equal(ctl(f, "fault bad-sizes"), "ok");
	feed(f, &s, 0, 0);
	drain(f, &s);
	for (i = 0; i < s.nframes; i++)
		if (s.frames[i].size0 > OUT_SIZE)
			bad++;
	assert_int_equal(bad, 1);
	assert_int_equal(s.nframes, nref);
}

static void test_event_fifo(void **state)
{
	struct fx *f = *state;
	struct event e;
	uint8_t body[8];
	unsigned int i;

	bring_up(f, ~0ull);
	open_stream(f, 0);
	/* use up every event buffer: 40 answers for 32 buffers */
	wr32(body, VIRTIO_VIDEO_TLV_RAW_SET);
	wr32(body + 4, 0);
	for (i = 0; i < 40; i++)
		cmd(f, VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS, 0, 0, 0x9000 + i, body, 8);
	msleep(50);
	assert_int_equal((uint16_t)(used_idx(f, EVQ) - f->q[EVQ].used_seen), NEV);
	assert_true(!strncmp(ctl(f, "wait-idle 20"), "error: timeout", 14));
	assert_int_equal(stat_of(f, "events_waiting"), 40 - NEV);
	/* the buffers come back: nothing was lost, in order */
	for (i = 0; i < 40; i++) {
		assert_true(ev_next(f, 2000, &e));
		assert_int_equal(ev_cookie(&e), 0x9000 + i);
	}
	assert_string_equal(ctl(f, "wait-idle 1000"), "ok");
}

static void test_caps_faults(void **state)
{
	static const char *const kinds[] = { "truncated", "bad-link", "no-format",
					     "huge-length" };
	struct fx *f = *state;
	unsigned int k;

	(void)f;
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		const char * const args[] = { "--caps-fault", kinds[k], NULL };
		void *st = (void *)args;
		uint8_t caps[0xc00];
		const uint8_t *p;
		size_t left;
		struct vm_tlv t, last = { 0 };
		uint32_t used;
		int r;

		assert_int_equal(setup(&st), 0);
		f = st;
		bring_up(f, ~0ull);
		query_caps(f, caps, &used, 0xc00);
		assert_int_equal(used, f->caps_length);
		p = caps + 8;
		left = f->caps_length - 8;
		while ((r = vm_tlv_next(&p, &left, &t)) == 1)
			last = t;
		switch (k) {
		case 0:
		case 3:
			assert_int_equal(r, -1);	/* the LINK runs past the end */
			break;
		case 1:
			assert_int_equal(r, 0);
			assert_int_equal(last.type, VIRTIO_VIDEO_TLV_LINK);
			assert_int_equal(last.len, 8 + 5 * 8);
			break;
		case 2: {
			const uint8_t *in;
			size_t inleft;
			struct vm_tlv sub;

			assert_int_equal(r, 0);
			p = caps + 8;
			left = f->caps_length - 8;
			assert_int_equal(vm_tlv_next(&p, &left, &t), 1);
			assert_int_equal(t.type, VIRTIO_VIDEO_TLV_CODED_SET);
			in = t.val;
			inleft = t.len;
			while (vm_tlv_next(&in, &inleft, &sub) == 1)
				assert_int_not_equal(sub.type, VIRTIO_VIDEO_TLV_CODED_FORMAT);
			break;
		}
		}
		assert_int_equal(teardown(&st), 0);
	}
}

static void test_reset_reconnect(void **state)
{
	struct fx *f = *state;
	struct event e;
	int q;

	bring_up(f, ~0ull);
	open_stream(f, 0);
	open_stream(f, 1);
	/* the front-end goes away: streams closed silently */
	close(f->sock_fd);
	for (q = 0; q < 2; q++) {
		close(f->q[q].kick);
		close(f->q[q].call);
	}
	memset(f->mem, 0, 0x10000);
	memset(f->q, 0, sizeof(f->q));
	f->npending = 0;
	msleep(50);
	bring_up(f, ~0ull);
	open_stream(f, 0);
	assert_false(ev_next(f, 20, &e));
	assert_int_equal(stat_of(f, "resets") >= 1, 1);
	assert_int_equal(stat_of(f, "streams_open"), 1);
}

static const char *const args_nolast[] = { "--no-last-buffer", "--contig", NULL };

int main(int argc, char **argv)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TA(fn, a) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)(a))
	const struct CMUnitTest tests[] = {
		T(test_caps_and_config),
		T(test_decode_h264),
		T(test_chunked_input),
		TA(test_no_last_buffer_contiguous, args_nolast),
		T(test_reset_and_close),
		T(test_bad_driver),
		T(test_faults),
		T(test_bad_sizes_and_event_fifo),
		T(test_event_fifo),
		cmocka_unit_test(test_caps_faults),
		T(test_reset_reconnect),
	};
#undef T
#undef TA
	char self[PATH_MAX], tmpl[] = "/tmp/vhu-video-clip-XXXXXX", cmdline[64];
	int ret;

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(model_path, sizeof(model_path), "%s/va-video-model", dirname(self));
	signal(SIGPIPE, SIG_IGN);
	av_log_set_level(AV_LOG_QUIET);
	if (mkdtemp(tmpl) && !make_clip(tmpl))
		have_clip = true;
	else
		fprintf(stderr, "test_video_model: cannot make the H.264 clip with ffmpeg/libx264: decoding tests skip\n");
	if (have_clip && (nref != CLIP_FRAMES || nffmpeg != CLIP_FRAMES)) {
		fprintf(stderr, "test_video_model: reference decode has %u frames, ffmpeg %u\n",
			nref, nffmpeg);
		have_clip = false;
	}
	ret = cmocka_run_group_tests_name("va_video_model", tests, NULL, NULL);
	snprintf(cmdline, sizeof(cmdline), "rm -rf '%s'", tmpl);
	if (system(cmdline))
		ret = 1;
	free(clip);
	return ret;
}
