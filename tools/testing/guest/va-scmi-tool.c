// SPDX-License-Identifier: GPL-2.0
/*
 * va-scmi-tool - the guest side of the virtio-scmi-ext tests and benchmark:
 * SCMI commands through the user channel (/dev/vscmiN, VSCMI_IOC_XFER),
 * and timing of sensor reads.
 *
 *   va-scmi-tool xfer DEV PROTO MSG [-d] [-w SECONDS] [-r ROOM] [BYTES...]
 *	one command; BYTES are hex bytes of the parameters ("2a", or a u32
 *	as "u32:42"); -d waits for the delayed response; -w sleeps between
 *	open and the command; -r sets the room for return values (default
 *	1024).  Prints "status=S rx=HEX" or "error=NAME".
 *   va-scmi-tool bench DEV SENSOR HWMON_FILE IIO_FILE N ROUNDS
 *	per round, N reads of sensor SENSOR each way, in alternating chunks:
 *	SENSOR_READING_GET through DEV (bare), the hwmon file, the IIO file;
 *	prints one line per round: "round R bare_us=.. hwmon_us=.. iio_us=.."
 *	(medians)
 *   va-scmi-tool iio-event DEVNODE SECONDS [READY_FILE]
 *	waits for one IIO event on DEVNODE (/dev/iio:deviceN) and prints
 *	"event type=T dir=D channel_type=C"; creates READY_FILE once it
 *	listens, so a caller knows when to cause the event
 *   va-scmi-tool latency IIO_DEV_DIR N
 *	enables the IIO device's buffer (all channels and the timestamp, the
 *	monotonic clock), reads N samples one at a time and prints the
 *	percentiles of (read time - sample timestamp) in microseconds
 *
 * Plain C against the C library and the UAPI header, built on the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/iio/events.h>
#include <linux/virtio_scmi_ext.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static const char *err_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EPROTO: return "EPROTO";
	case ENODEV: return "ENODEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EFAULT: return "EFAULT";
	case ENOENT: return "ENOENT";
	}
	return strerror(e);
}

static int parse_bytes(int argc, char **argv, uint8_t *out, size_t max, size_t *len)
{
	int i;

	*len = 0;
	for (i = 0; i < argc; i++) {
		unsigned long v;
		char *end;

		if (!strncmp(argv[i], "u32:", 4)) {
			v = strtoul(argv[i] + 4, &end, 0);
			if (*end || *len + 4 > max)
				return -1;
			out[(*len)++] = v;
			out[(*len)++] = v >> 8;
			out[(*len)++] = v >> 16;
			out[(*len)++] = v >> 24;
			continue;
		}
		v = strtoul(argv[i], &end, 16);
		if (*end || v > 0xff || *len + 1 > max)
			return -1;
		out[(*len)++] = v;
	}
	return 0;
}

static int cmd_xfer(int argc, char **argv)
{
	static uint8_t tx[4096], rx[4096];
	struct vscmi_ioc_xfer io = { 0 };
	unsigned int wait_s = 0, room = 1024;
	int fd, c, i;
	size_t len;

	if (argc < 4)
		return 2;
	io.protocol = strtoul(argv[2], NULL, 0);
	io.message = strtoul(argv[3], NULL, 0);
	optind = 4;
	while ((c = getopt(argc, argv, "dw:r:")) != -1) {
		switch (c) {
		case 'd':
			io.flags |= VSCMI_XFER_F_DELAYED;
			break;
		case 'w':
			wait_s = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			room = strtoul(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	}
	if (parse_bytes(argc - optind, argv + optind, tx, sizeof(tx), &len))
		return 2;
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		printf("error=%s\n", err_name(errno));
		return 1;
	}
	if (wait_s)
		sleep(wait_s);
	io.tx_len = len;
	io.tx_ptr = (uintptr_t)tx;
	io.rx_len = room < sizeof(rx) ? room : sizeof(rx);
	io.rx_ptr = (uintptr_t)rx;
	if (ioctl(fd, VSCMI_IOC_XFER, &io)) {
		printf("error=%s\n", err_name(errno));
		close(fd);
		return 1;
	}
	printf("status=%d rx=", io.status);
	for (i = 0; i < (int)io.rx_len; i++)
		printf("%02x", rx[i]);
	printf("\n");
	close(fd);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_us(uint64_t *t, unsigned int n)
{
	qsort(t, n, sizeof(*t), cmp_u64);
	return t[n / 2] / 1000.0;
}

static int read_file(int fd)
{
	char buf[64];

	return pread(fd, buf, sizeof(buf), 0) > 0 ? 0 : -1;
}

static int bare_read(int fd, unsigned int sensor)
{
	struct vscmi_ioc_xfer io = { .protocol = 0x15, .message = 0x6 };
	uint8_t tx[8] = { sensor }, rx[64];

	io.tx_len = sizeof(tx);
	io.tx_ptr = (uintptr_t)tx;
	io.rx_len = sizeof(rx);
	io.rx_ptr = (uintptr_t)rx;
	if (ioctl(fd, VSCMI_IOC_XFER, &io) || io.status) {
		fprintf(stderr, "bare read failed: %s status %d\n", strerror(errno), io.status);
		return -1;
	}
	return 0;
}

/*
 * Each round takes n reads each way, in chunks of BENCH_CHUNK that
 * alternate between the three, so drift on the machine hits all three.
 */
#define BENCH_CHUNK	25

static int cmd_bench(int argc, char **argv)
{
	unsigned int sensor, n, rounds, r, i, k, way;
	uint64_t *t[3], t0;
	int fd, hw, iio, err;

	if (argc != 7)
		return 2;
	sensor = strtoul(argv[2], NULL, 0);
	n = strtoul(argv[5], NULL, 0);
	rounds = strtoul(argv[6], NULL, 0);
	fd = open(argv[1], O_RDWR);
	hw = open(argv[3], O_RDONLY);
	iio = open(argv[4], O_RDONLY);
	for (way = 0; way < 3; way++)
		t[way] = calloc(n + BENCH_CHUNK, sizeof(uint64_t));
	if (fd < 0 || hw < 0 || iio < 0 || !t[0] || !t[1] || !t[2] || !n) {
		perror("va-scmi-tool bench: open");
		return 1;
	}
	for (r = 1; r <= rounds; r++) {
		for (i = 0; i < n; i += BENCH_CHUNK) {
			for (way = 0; way < 3; way++) {
				for (k = i; k < i + BENCH_CHUNK && k < n; k++) {
					t0 = now_ns();
					if (way == 0)
						err = bare_read(fd, sensor);
					else
						err = read_file(way == 1 ? hw : iio);
					if (err) {
						perror("va-scmi-tool bench: read");
						return 1;
					}
					t[way][k] = now_ns() - t0;
				}
			}
		}
		printf("round %u bare_us=%.1f hwmon_us=%.1f iio_us=%.1f\n", r,
		       median_us(t[0], n), median_us(t[1], n), median_us(t[2], n));
		fflush(stdout);
	}
	return 0;
}

static int write_attr(const char *dir, const char *name, const char *val)
{
	char path[512];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

static int cmd_latency(int argc, char **argv)
{
	const char *dir;
	unsigned int n, i, k, naxes = 0;
	uint64_t *lat;
	char path[512];
	int64_t s[8];
	int fd;

	if (argc != 3)
		return 2;
	dir = argv[1];
	n = strtoul(argv[2], NULL, 0);
	lat = calloc(n, sizeof(*lat));
	if (!lat || !n)
		return 1;
	/* every *_en scan element: axes plus the timestamp */
	for (k = 0; k < 7; k++) {
		static const char *const ch[] = {
			"in_accel_x_en", "in_accel_y_en", "in_accel_z_en",
			"in_anglvel_x_en", "in_anglvel_y_en", "in_anglvel_z_en",
			"in_timestamp_en",
		};
		char el[64];

		snprintf(el, sizeof(el), "scan_elements/%s", ch[k]);
		if (!write_attr(dir, el, "1") && k < 6)
			naxes++;
	}
	if (write_attr(dir, "current_timestamp_clock", "monotonic") ||
	    write_attr(dir, "buffer/length", "64") ||
	    write_attr(dir, "buffer/watermark", "1") ||
	    write_attr(dir, "buffer/enable", "1")) {
		perror("va-scmi-tool latency: buffer setup");
		return 1;
	}
	snprintf(path, sizeof(path), "/dev/%s", strrchr(dir, '/') + 1);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	for (i = 0; i < n; i++) {
		size_t want = (naxes + 1) * 8;

		if (read(fd, s, want) != (ssize_t)want) {
			perror("va-scmi-tool latency: read");
			return 1;
		}
		lat[i] = now_ns() - (uint64_t)s[naxes];
	}
	close(fd);
	write_attr(dir, "buffer/enable", "0");
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("latency_us p50=%.1f p90=%.1f p99=%.1f max=%.1f samples=%u\n",
	       lat[n / 2] / 1000.0, lat[n * 9 / 10] / 1000.0, lat[n * 99 / 100] / 1000.0,
	       lat[n - 1] / 1000.0, n);
	return 0;
}

static int cmd_iio_event(int argc, char **argv)
{
	struct iio_event_data ev;
	struct pollfd pfd;
	int fd, efd;

	if (argc != 3 && argc != 4)
		return 2;
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || ioctl(fd, IIO_GET_EVENT_FD_IOCTL, &efd) < 0) {
		printf("error=%s\n", err_name(errno));
		return 1;
	}
	if (argc == 4) {
		int rfd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (rfd < 0) {
			printf("error=%s\n", err_name(errno));
			return 1;
		}
		close(rfd);
	}
	pfd.fd = efd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, atoi(argv[2]) * 1000) != 1) {
		printf("error=no event\n");
		return 1;
	}
	if (read(efd, &ev, sizeof(ev)) != sizeof(ev)) {
		printf("error=%s\n", err_name(errno));
		return 1;
	}
	printf("event type=%u dir=%u channel_type=%u\n",
	       (unsigned int)IIO_EVENT_CODE_EXTRACT_TYPE(ev.id),
	       (unsigned int)IIO_EVENT_CODE_EXTRACT_DIR(ev.id),
	       (unsigned int)IIO_EVENT_CODE_EXTRACT_CHAN_TYPE(ev.id));
	close(efd);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	if (argc >= 2 && !strcmp(argv[1], "xfer"))
		rc = cmd_xfer(argc - 1, argv + 1);
	else if (argc >= 2 && !strcmp(argv[1], "bench"))
		rc = cmd_bench(argc - 1, argv + 1);
	else if (argc >= 2 && !strcmp(argv[1], "iio-event"))
		rc = cmd_iio_event(argc - 1, argv + 1);
	else if (argc >= 2 && !strcmp(argv[1], "latency"))
		rc = cmd_latency(argc - 1, argv + 1);
	if (rc == 2)
		fprintf(stderr, "usage: va-scmi-tool xfer|bench|iio-event|latency ... (see the source)\n");
	return rc;
}
