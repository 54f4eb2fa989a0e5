// SPDX-License-Identifier: GPL-2.0
/*
 * va-rng-model - a vhost-user virtio-rng device (virtio ID 4) with a
 * deterministic byte stream, for end-to-end tests.
 *
 * One queue ("requestq"), no features, no config space.  Every available
 * chain must consist of writable descriptors only; the model fills them
 * with the next bytes of the stream and returns the number written.
 *
 * The stream: a xorshift64* generator with state = seed (seed 0 is
 * replaced by 0x9e3779b97f4a7c15 because the state must not be 0).  Each
 * step does x ^= x >> 12; x ^= x << 25; x ^= x >> 27 and outputs
 * x * 0x2545f4914f6cdd1d; the 8 output bytes are used least significant
 * byte first.  The stream is continuous across requests and connections:
 * request k starts with the byte after the last byte of request k-1.
 *
 *   va-rng-model --socket PATH [--seed N] [--log FILE] [--verbose]
 *   va-rng-model --selftest-stream N [--seed N]
 *
 * --log FILE receives exactly the bytes handed to the guest, in order,
 * flushed after each request.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "vhu.h"

#define MODEL_NAME	"va-rng-model"
#define VIRTIO_ID_RNG	4

struct rng_stream {
	uint64_t state;
	uint8_t buf[8];
	unsigned int avail;	/* unread bytes at the end of buf */
};

struct rng_model {
	struct rng_stream stream;
	FILE *log;
	const char *log_path;
	unsigned long requests, bytes, bad_requests;
};

static void stream_init(struct rng_stream *s, uint64_t seed)
{
	s->state = seed ? seed : 0x9e3779b97f4a7c15ULL;
	s->avail = 0;
}

static uint64_t stream_next64(struct rng_stream *s)
{
	uint64_t x = s->state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static void stream_fill(struct rng_stream *s, uint8_t *out, size_t len)
{
	while (len) {
		if (!s->avail) {
			uint64_t v = stream_next64(s);
			unsigned int i;

			for (i = 0; i < 8; i++)
				s->buf[i] = (uint8_t)(v >> (8 * i));
			s->avail = 8;
		}
		*out++ = s->buf[8 - s->avail];
		s->avail--;
		len--;
	}
}

static int log_bytes(struct rng_model *m, const void *p, size_t len)
{
	if (!m->log)
		return 0;
	if (fwrite(p, 1, len, m->log) != len) {
		fprintf(stderr, MODEL_NAME ": writing %s failed: %s\n",
			m->log_path, strerror(errno));
		return -EIO;
	}
	return 0;
}

static void serve(struct rng_model *m, struct vhu_vq *vq, struct vhu_elem *e)
{
	size_t done = 0;
	unsigned int i;

	m->requests++;
	if (e->out_num || !e->in_len) {
		m->bad_requests++;
		fprintf(stderr, MODEL_NAME ": request %lu (head %u): %s, returning it unused\n",
			m->requests, e->head,
			e->out_num ? "has driver-readable descriptors" :
				     "has no writable space");
		vhu_vq_push(vq, e, 0);
		return;
	}
	for (i = 0; i < e->in_num; i++) {
		stream_fill(&m->stream, e->in_sg[i].iov_base, e->in_sg[i].iov_len);
		log_bytes(m, e->in_sg[i].iov_base, e->in_sg[i].iov_len);
		done += e->in_sg[i].iov_len;
	}
	if (m->log)
		fflush(m->log);
	m->bytes += done;
	vhu_vq_push(vq, e, (uint32_t)done);
}

static void rng_kick(struct vhu_dev *dev, unsigned int qidx)
{
	struct rng_model *m = vhu_dev_priv(dev);
	struct vhu_vq *vq = vhu_dev_queue(dev, qidx);
	struct vhu_elem *e;
	bool pushed = false;
	int err;

	while ((e = vhu_vq_pop(vq, &err))) {
		serve(m, vq, e);
		vhu_elem_free(e);
		pushed = true;
	}
	if (err && err != -EAGAIN && err != -EIO)
		fprintf(stderr, MODEL_NAME ": requestq stopped after a guest error (%s)\n",
			strerror(-err));
	if (pushed)
		vhu_vq_notify(vq);
}

static const struct vhu_dev_ops rng_ops = {
	.queue_kick = rng_kick,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " MODEL_NAME " --socket PATH [--seed N] [--log FILE] [--verbose]\n"
		"       " MODEL_NAME " --selftest-stream N [--seed N]\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "log", required_argument, NULL, 'l' },
		{ "selftest-stream", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *socket_path = NULL;
	uint64_t seed = 1, selftest = 0;
	bool do_selftest = false, verbose = false;
	struct rng_model model = { 0 };
	struct vhu_dev_desc desc = {
		.name = MODEL_NAME,
		.virtio_id = VIRTIO_ID_RNG,
		.num_queues = 1,
		.ops = &rng_ops,
		.priv = &model,
	};
	struct vhu_dev dev;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'S':
			if (parse_u64(optarg, &seed)) {
				fprintf(stderr, MODEL_NAME ": invalid --seed '%s'\n", optarg);
				return 2;
			}
			break;
		case 'l':
			model.log_path = optarg;
			break;
		case 't':
			if (parse_u64(optarg, &selftest)) {
				fprintf(stderr, MODEL_NAME ": invalid --selftest-stream '%s'\n",
					optarg);
				return 2;
			}
			do_selftest = true;
			break;
		case 'v':
			verbose = true;
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
	stream_init(&model.stream, seed);

	if (do_selftest) {
		uint64_t i;

		for (i = 0; i < selftest; i++) {
			uint8_t b;

			stream_fill(&model.stream, &b, 1);
			printf("%02x", b);
		}
		printf("\n");
		return 0;
	}
	if (!socket_path) {
		fprintf(stderr, MODEL_NAME ": --socket is required\n");
		usage(stderr);
		return 2;
	}

	prctl(PR_SET_PDEATHSIG, SIGTERM);

	if (model.log_path) {
		model.log = fopen(model.log_path, "ab");
		if (!model.log) {
			fprintf(stderr, MODEL_NAME ": cannot open log %s: %s\n",
				model.log_path, strerror(errno));
			return 1;
		}
	}

	ret = vhu_dev_init(&dev, &desc);
	if (!ret) {
		dev.log.verbose = verbose;
		ret = vhu_dev_catch_signals(&dev);
	}
	if (!ret)
		ret = vhu_dev_listen(&dev, socket_path);
	if (!ret) {
		fprintf(stderr, MODEL_NAME ": listening on %s (seed %" PRIu64 ")\n",
			socket_path, seed);
		ret = vhu_dev_run(&dev);
	}
	vhu_dev_cleanup(&dev);
	if (model.log)
		fclose(model.log);
	fprintf(stderr, MODEL_NAME ": exiting: %lu requests, %lu bytes, %lu bad requests, %lu connections\n",
		model.requests, model.bytes, model.bad_requests, dev.connections);
	return ret ? 1 : 0;
}
