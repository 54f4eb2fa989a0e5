// SPDX-License-Identifier: GPL-2.0
/*
 * va-video-model - a vhost-user virtio-video device (virtio ID 50, draft
 * v10) that decodes for real with the host's libavcodec, for end-to-end
 * tests and benchmarks of the guest driver.
 *
 *   va-video-model --socket PATH [--socket PATH ...] [--ctl-dir DIR]
 *                  [--max-streams N] [--no-last-buffer] [--contig]
 *                  [--caps-fault KIND] [--threads N] [--verbose]
 *   va-video-model --bench FILE --codec h264|hevc|vp8|vp9 [--threads N]
 *
 * Every --socket is one device (0, 1, ... in order), all with the same
 * options.  QEMU: vhost-user-test-device-pci,virtio-id=50,num_vqs=2,
 * config_size=8 (or vhost-user-test-device on virtio-mmio).
 *
 * The contract the guest driver relies on
 * ---------------------------------------
 * Device: 2 queues, 0 commandq, 1 eventq.  Config: le32 max_streams
 * (--max-streams, default 4, at most 64), le32 caps_length = the exact size
 * of the QUERY_CAPS response (8-byte header + TLVs).  Features offered:
 * DECODER, RESOURCE_GUEST_PAGES, RESOURCE_NON_CONTIG (not with --contig),
 * V4L2_COMPATIBLE_LAST_BUFFER (not with --no-last-buffer).
 *
 * QUERY_CAPS (the only synchronous command; readable part exactly 4
 * bytes, writable part at least caps_length, else result ERROR): coded
 * sets H264, HEVC, VP8, VP9 (num_resources 1..32, resource_size
 * 4 KiB..16 MiB step 4 KiB, RESOURCE_GUEST_PAGES), one raw set NV12 (DRM
 * fourcc 0x3231564e, modifier 0, planes_layout_mask SINGLE_BUFFER, width
 * and height 16..4096 step 2, stride/height/plane align masks 0x1ff,
 * num_resources 1..32, RESOURCE_GUEST_PAGES, CROP), one decoder LINK
 * linking every coded set to NV12.
 *
 * Stream commands: the commandq descriptor is returned at once (used
 * length 0); the answer is an event on eventq (virtio_video_event_header
 * with the command's type, stream_id and cookie, then a body).  A bad
 * command (too short, unknown type, stream_id >= max_streams, wrong size,
 * wrong queue_type, stream not open or already open, ...) is answered
 * with the same header and VIRTIO_VIDEO_EVENT_FLAG_ERROR; RESOURCE_QUEUE
 * answers are always the full 96-byte virtio_video_resource_queue_async_resp,
 * other error answers are the bare header.  Sizes are exact: OPEN and
 * QUEUE_RESET 20 bytes, RESOURCE_QUEUE 96, GET_PARAMS 24, CLOSE, UNBLOCK
 * and DRAIN 16; SET_PARAMS 16 + one container.  Queues: OPEN, CLOSE,
 * UNBLOCK, QUEUE_RESET on mainq; SET/GET_PARAMS on mainq (at once) or
 * inputq (in order with the input); DRAIN on inputq; RESOURCE_QUEUE on
 * inputq or outputq.
 *
 * Eventq: the driver posts device-writable buffers (1024 bytes are
 * enough for every event).  Events wait in a FIFO until a buffer comes;
 * none is dropped (an event larger than its buffer is truncated).
 *
 * OPEN(DECODER) opens the stream (ENCODER: ERROR).  CLOSE answers every
 * queued resource and pending DRAIN/params command of the stream CANCELED,
 * frees the decoder, then answers CLOSE.
 *
 * SET_PARAMS: exactly one CODED_SET (inputq's parameters) or RAW_SET
 * (outputq's).  Answer: the same kind of container with the values in
 * effect for every kind of value given (format, resources, crop), plus an
 * 8-byte RESOURCE_GUEST_PAGES {resource_id, pad} per attached resource of
 * the queue if resources or backing were given.  CODED_FORMAT must be one
 * of the four offered.  RAW_FORMAT is adjusted: NV12, SINGLE_BUFFER,
 * modifier 0, alignments rounded up to a power of two and capped at 256;
 * width/height are the decoded coded size once the stream had its first
 * DPC (before that the driver's, made even and clamped to 16..4096;
 * initially 320x240 with alignments 1).  CROP is read-only: the answer
 * holds the current crop.  CODED_RESOURCES/RAW_RESOURCES N (0..32)
 * detaches all resources of the queue and sets num_resources (queued
 * output resources are answered CANCELED first; queued input resources
 * keep their copied data and are answered as usual); then each
 * RESOURCE_GUEST_PAGES attaches resource_id < num_resources.  Without a
 * RESOURCES value, RESOURCE_GUEST_PAGES replaces the backing of single
 * resources (not of a queued output resource).  Backing: entries page
 * aligned, in guest memory, only the first plane buffer (num_entries[1..7]
 * = 0), coded resources 4 KiB..16 MiB, raw at most 64 MiB; without
 * RESOURCE_NON_CONTIG negotiated the entries must be adjacent.  Any error:
 * nothing changes, ERROR answer.
 * GET_PARAMS: body = an empty CODED_SET or RAW_SET TLV; the answer holds
 * every current value of that queue (format, resources, attached
 * resources, and for RAW_SET the crop).
 *
 * RESOURCE_QUEUE(inputq): data_sizes[0] bytes at offsets[0] of the
 * resource are copied when queued and fed in order through
 * av_parser_parse2 and the decoder (any chunking); the resource is
 * answered (flags 0, timestamp echoed) once its bytes were consumed
 * (ERROR if the decoder could not be opened).  Decoding pauses while 8
 * decoded frames wait for output resources.
 * RESOURCE_QUEUE(outputq): waits for a decoded frame.  Answer: flags
 * KEY_FRAME for key frames, timestamp = that of the input buffer the
 * frame's first byte came from (frames in presentation order), NV12
 * single buffer: offsets[0] 0, data_sizes[0] stride * height; offsets[1]
 * ALIGN(stride * ALIGN(height, height_align), plane_align), data_sizes[1]
 * stride * ALIGN(height, height_align) / 2, with stride = ALIGN(width,
 * stride_align) and width/height the output format's.  The visible
 * picture is written, the rest of width x height is black; bytes between
 * width and stride are not written.  A frame that does not fit the
 * resource (or a pixel format other than 8-bit 4:2:0) is an ERROR answer
 * for that resource; the frame is dropped.
 *
 * DPC: the output format is the decoded picture size rounded up to even
 * numbers (NV12 needs them), CROP (0, 0, visible width, visible height).
 * The rows are not padded to macroblocks: clients that take the frame
 * size from VIDIOC_G_FMT (FFmpeg) then get exactly the visible picture.  Before the first frame of
 * a stream, and before every frame whose size differs from the last
 * announced one, the model emits event_type STREAM_SET_PARAMS, flags
 * STANDALONE|BLOCKED, cookie 0, body RAW_SET {RAW_FORMAT, RAW_RESOURCES
 * (num_resources 4, the minimum), CROP}.  From then the output queue is
 * blocked: queued output resources are not filled until UNBLOCK (mainq;
 * ERROR if not blocked).  On a change after the stream's first UNBLOCK,
 * all frames of the old size go out first, then (LAST_BUFFER negotiated)
 * one empty output resource flagged V4L2_DPC_LAST, then the DPC event.
 *
 * DRAIN (inputq): after all earlier input, the parser and decoder are
 * flushed, all frames returned, then (LAST_BUFFER negotiated, and the
 * stream has had a DPC) one empty output resource flagged
 * V4L2_DRAIN_LAST, then the DRAIN answer; the output resources this needs
 * are waited for.  Decoding then goes on with new input (the decoder
 * keeps its parameter sets); drains can repeat.
 *
 * QUEUE_RESET (mainq, body INPUT or OUTPUT; else ERROR): INPUT: every
 * queued input resource, pending DRAIN and inputq params command answered
 * CANCELED, decoded frames not yet delivered dropped, parser and decoder
 * flushed (parameter sets kept); OUTPUT: every queued output resource
 * answered CANCELED.  Then the QUEUE_RESET answer.
 *
 * Device reset or front-end disconnect: all streams closed silently,
 * waiting events and armed faults dropped.
 *
 * Fault injection (control directory, see video/video-ctl.c and
 * tools/testing/guest/video-ctl.sh): "fault KIND [N]" arms the next N
 * (default 1) matching events.  An "answer" is any event that is not
 * STANDALONE.
 *   short-event   before the next answer, an 8-byte copy of it (shorter
 *                 than the event header); the answer follows intact
 *   bad-cookie    before the next answer, a copy with cookie 0xbadc00de
 *   bad-stream    before the next answer, a copy with stream_id
 *                 max_streams + 1
 *   unsolicited   before the next resource answer, an extra
 *                 RESOURCE_QUEUE event with STANDALONE, cookie 0, on the
 *                 same stream, answering nothing
 *   dup-answer    the next resource answer is sent twice
 *   bad-sizes     the next output answer carrying a frame gets
 *                 data_sizes[0] = resource size + 4096 (beyond the
 *                 resource)
 *   bad-flags     the next event gets unknown event_flags bits 0xf0
 *   bad-params    the next SET_PARAMS answer or DPC event gets a container
 *                 whose length runs 4 bytes past the end of the event
 *   stream-error S  at once: every queued resource of stream S answered
 *                 CANCELED, then a standalone STREAM_CLOSE with
 *                 ERROR|STANDALONE, cookie 0; the stream is closed as
 *                 after CLOSE
 * --caps-fault KIND (at start, for every device):
 *   truncated     caps_length (and the response) 4 bytes short: the last
 *                 TLV (LINK) runs past the end
 *   bad-link      the LINK has one 64-bit word too many
 *   no-format     the first CODED_SET (H264) has no CODED_FORMAT
 *   huge-length   the LINK's length is 0x7ffffff0
 *
 * --bench FILE --codec C decodes FILE in 64 KiB chunks through the same
 * functions the streams use (parser, decoder, NV12 conversion into a
 * buffer; the conversion in a second thread, as the device's main thread
 * writes frames while a stream's worker decodes) and prints
 * "frames=N seconds=S.SSS fps=F.F fill_seconds=S.SSS", the last being the
 * time spent in the NV12 conversion.  --threads N sets
 * libavcodec's thread count in both modes (default 1; 0 = automatic).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <libavutil/frame.h>
#include <libavutil/log.h>

#include "video/video.h"

#define TOK_WAKE	VM_MAX_DEVS
#define TOK_SIGNAL	(2 * VM_MAX_DEVS)
#define TOK_CTL		(2 * VM_MAX_DEVS + 1)
#define TOK_TIMER	(2 * VM_MAX_DEVS + 2)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " VM_NAME " --socket PATH [--socket PATH ...] [--ctl-dir DIR]\n"
		"                      [--max-streams N] [--no-last-buffer] [--contig]\n"
		"                      [--caps-fault KIND] [--threads N] [--verbose]\n"
		"       " VM_NAME " --bench FILE --codec h264|hevc|vp8|vp9 [--threads N]\n"
		"  --socket PATH       one more device (0, 1, ... in order) listening on PATH\n"
		"  --ctl-dir DIR       control directory (requests req-SEQ, replies rsp-SEQ)\n"
		"  --max-streams N     config max_streams (1..64, default 4)\n"
		"  --no-last-buffer    do not offer V4L2_COMPATIBLE_LAST_BUFFER\n"
		"  --contig            do not offer RESOURCE_NON_CONTIG\n"
		"  --caps-fault KIND   truncated, bad-link, no-format or huge-length\n"
		"  --threads N         libavcodec threads per stream (default 1, 0 = auto)\n"
		"  --bench FILE        decode FILE, print frames=N seconds=S fps=F\n"
		"  --verbose           trace to stderr\n");
}

/* ---- --bench ------------------------------------------------------------ */

#define BENCH_QUEUE	8	/* frames waiting for conversion (PIPE_LIMIT) */

/*
 * As in a device stream, one thread decodes and another converts the
 * frames, so that the two overlap: bench_frame() queues each frame for
 * bench_converter().
 */
struct bench {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* protected by lock */
	struct AVFrame *q[BENCH_QUEUE];
	unsigned int head, cnt;
	bool done;		/* no more frames will come */
	/* the converter's */
	unsigned long frames, failed;
	uint8_t *buf;
	size_t size;
	uint64_t fill_ns;	/* in the NV12 conversion */
};

static void bench_convert(struct bench *b, AVFrame *f)
{
	struct vd_layout l;
	struct vd_seg seg;
	uint64_t t0;
	int ret;

	vd_layout(&l, (f->width + 15) & ~15, (f->height + 15) & ~15, 1, 1, 1);
	if (l.total > b->size) {
		uint8_t *n = realloc(b->buf, l.total);

		if (n) {
			b->buf = n;
			b->size = l.total;
		}
	}
	seg.p = b->buf;
	seg.len = b->size;
	t0 = vm_now_ns();
	ret = b->buf ? vd_frame_to_nv12(f, &l, &seg, 1) : -1;
	b->fill_ns += vm_now_ns() - t0;
	if (!ret)
		b->frames++;
	else
		b->failed++;
	av_frame_free(&f);
}

static void *bench_converter(void *arg)
{
	struct bench *b = arg;
	AVFrame *f;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		if (!b->cnt) {
			if (b->done)
				break;
			pthread_cond_wait(&b->cond, &b->lock);
			continue;
		}
		f = b->q[b->head];
		b->head = (b->head + 1) % BENCH_QUEUE;
		b->cnt--;
		pthread_cond_signal(&b->cond);
		pthread_mutex_unlock(&b->lock);
		bench_convert(b, f);
		pthread_mutex_lock(&b->lock);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static void bench_frame(void *opaque, AVFrame *f, uint64_t ts, bool key)
{
	struct bench *b = opaque;

	(void)ts;
	(void)key;
	pthread_mutex_lock(&b->lock);
	while (b->cnt == BENCH_QUEUE)
		pthread_cond_wait(&b->cond, &b->lock);
	b->q[(b->head + b->cnt) % BENCH_QUEUE] = f;
	b->cnt++;
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static int bench(const char *path, const char *codec, int threads)
{
	uint32_t format = codec ? vd_codec_parse(codec) : 0;
	struct bench b = { .lock = PTHREAD_MUTEX_INITIALIZER,
			   .cond = PTHREAD_COND_INITIALIZER };
	struct vd_dec *dec;
	pthread_t conv;
	uint64_t t0, t1;
	uint8_t *data;
	size_t len, off, n;
	struct stat st;
	double secs;
	FILE *f;

	if (!format) {
		fprintf(stderr, VM_NAME ": --bench needs --codec h264, hevc, vp8 or vp9\n");
		return 2;
	}
	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, VM_NAME ": cannot read %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	len = st.st_size;
	data = malloc(len ? len : 1);
	if (!data || fread(data, 1, len, f) != len) {
		fprintf(stderr, VM_NAME ": cannot read %s\n", path);
		fclose(f);
		free(data);
		return 1;
	}
	fclose(f);
	if (vd_dec_open(&dec, format, threads)) {
		fprintf(stderr, VM_NAME ": cannot open the %s decoder\n", codec);
		free(data);
		return 1;
	}
	t0 = vm_now_ns();
	if (pthread_create(&conv, NULL, bench_converter, &b)) {
		fprintf(stderr, VM_NAME ": no converter thread\n");
		vd_dec_close(dec);
		free(data);
		return 1;
	}
	for (off = 0; off < len; off += n) {
		n = len - off < 65536 ? len - off : 65536;
		vd_dec_feed(dec, data + off, n, off, bench_frame, &b);
	}
	vd_dec_drain(dec, bench_frame, &b);
	pthread_mutex_lock(&b.lock);
	b.done = true;
	pthread_cond_broadcast(&b.cond);
	pthread_mutex_unlock(&b.lock);
	pthread_join(conv, NULL);
	t1 = vm_now_ns();
	secs = (t1 - t0) / 1e9;
	printf("frames=%lu seconds=%.3f fps=%.1f fill_seconds=%.3f\n", b.frames, secs,
	       secs > 0 ? b.frames / secs : 0.0, b.fill_ns / 1e9);
	if (b.failed || vd_dec_errors(dec))
		fprintf(stderr, VM_NAME ": %lu frames not converted, %lu decoding errors\n",
			b.failed, vd_dec_errors(dec));
	vd_dec_close(dec);
	free(b.buf);
	free(data);
	return b.frames ? 0 : 1;
}

/* ---- device mode -------------------------------------------------------- */

static int ep_add(int ep, int fd, uint64_t tok)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tok };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		fprintf(stderr, VM_NAME ": epoll_ctl: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void arm_timer(struct vm_model *m, int tfd)
{
	uint64_t due = vm_ctl_next_deadline(m);
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = due / 1000000000ULL;
	its.it_value.tv_nsec = due % 1000000000ULL;
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int run(struct vm_model *m, int ep, int sfd, int tfd)
{
	struct epoll_event evs[16];
	uint64_t v;
	int n, i;

	for (;;) {
		vm_ctl_check_waits(m);
		arm_timer(m, tfd);
		if (m->quit)
			return 0;
		n = epoll_wait(ep, evs, 16, -1);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, VM_NAME ": epoll_wait: %s\n", strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			uint64_t tok = evs[i].data.u64;

			if (tok < m->ndev) {
				if (vm_dev_poll(m->devs[tok]) < 0)
					return -1;
			} else if (tok >= TOK_WAKE && tok < TOK_WAKE + m->ndev) {
				int wfd = vm_dev_wake_fd(m->devs[tok - TOK_WAKE]);

				if (read(wfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
					fprintf(stderr, VM_NAME ": eventfd: %s\n", strerror(errno));
				vm_dev_deliver(m->devs[tok - TOK_WAKE]);
			} else if (tok == TOK_SIGNAL) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == sizeof(si))
					m->quit = true;
			} else if (tok == TOK_CTL) {
				vm_ctl_event(m);
			} else if (tok == TOK_TIMER) {
				if (read(tfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
					fprintf(stderr, VM_NAME ": timerfd: %s\n", strerror(errno));
			}
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "ctl-dir", required_argument, NULL, 'c' },
		{ "max-streams", required_argument, NULL, 'm' },
		{ "no-last-buffer", no_argument, NULL, 'L' },
		{ "contig", no_argument, NULL, 'C' },
		{ "caps-fault", required_argument, NULL, 'F' },
		{ "threads", required_argument, NULL, 't' },
		{ "bench", required_argument, NULL, 'b' },
		{ "codec", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct vm_opts o = { .max_streams = 4, .threads = 1 };
	const char *sockets[VM_MAX_DEVS], *ctl_dir = NULL, *bench_file = NULL;
	const char *codec = NULL;
	struct vm_model m = { 0 };
	unsigned int nsock = 0, i;
	int c, ret = 0, ep = -1, sfd = -1, tfd = -1;
	char *end;
	long v;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (nsock == VM_MAX_DEVS) {
				fprintf(stderr, VM_NAME ": at most %d sockets\n", VM_MAX_DEVS);
				return 2;
			}
			sockets[nsock++] = optarg;
			break;
		case 'c':
			ctl_dir = optarg;
			break;
		case 'm':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > VM_MAX_STREAMS_LIMIT) {
				fprintf(stderr, VM_NAME ": --max-streams 1..%d\n",
					VM_MAX_STREAMS_LIMIT);
				return 2;
			}
			o.max_streams = v;
			break;
		case 'L':
			o.no_last_buffer = true;
			break;
		case 'C':
			o.contig = true;
			break;
		case 'F':
			o.caps_fault = vm_caps_fault_parse(optarg);
			if (!o.caps_fault) {
				fprintf(stderr, VM_NAME ": unknown --caps-fault '%s' (truncated, bad-link, no-format, huge-length)\n",
					optarg);
				return 2;
			}
			break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 64) {
				fprintf(stderr, VM_NAME ": --threads 0..64\n");
				return 2;
			}
			o.threads = v;
			break;
		case 'b':
			bench_file = optarg;
			break;
		case 'k':
			codec = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	av_log_set_level(o.verbose ? AV_LOG_WARNING : AV_LOG_QUIET);
	if (bench_file)
		return bench(bench_file, codec, o.threads);
	if (!nsock) {
		fprintf(stderr, VM_NAME ": at least one --socket (or --bench) is required\n");
		usage(stderr);
		return 2;
	}
	m.verbose = o.verbose;

	prctl(PR_SET_PDEATHSIG, SIGTERM);

	sfd = vhu_signalfd();
	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || ep < 0 || tfd < 0) {
		fprintf(stderr, VM_NAME ": setup: %s\n", strerror(errno));
		ret = -1;
	}
	if (!ret)
		ret = ep_add(ep, sfd, TOK_SIGNAL) || ep_add(ep, tfd, TOK_TIMER);
	for (i = 0; i < nsock && !ret; i++) {
		ret = vm_dev_create(&m.devs[i], i, sockets[i], &o);
		if (ret)
			break;
		m.ndev++;
		ret = ep_add(ep, vm_dev_vhu(m.devs[i])->epoll_fd, i) ||
		      ep_add(ep, vm_dev_wake_fd(m.devs[i]), TOK_WAKE + i);
		if (!ret)
			fprintf(stderr, VM_NAME ": dev%u listening on %s\n", i, sockets[i]);
	}
	if (!ret && ctl_dir) {
		ret = vm_ctl_open(&m, ctl_dir);
		if (!ret)
			ret = ep_add(ep, vm_ctl_fd(&m), TOK_CTL);
	}
	if (!ret)
		ret = run(&m, ep, sfd, tfd);

	for (i = 0; i < m.ndev; i++)
		vm_dev_summary(m.devs[i], stderr);
	vm_ctl_close(&m);
	for (i = 0; i < m.ndev; i++)
		vm_dev_destroy(m.devs[i]);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	if (ep >= 0)
		close(ep);
	return ret ? 1 : 0;
}
