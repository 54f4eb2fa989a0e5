// SPDX-License-Identifier: GPL-2.0
/*
 * va-can-bench - SocketCAN throughput and latency probe, run inside a rig
 * guest by tools/testing/bench/can.sh. It measures what a CAN application
 * sees through a raw socket, the same way on every interface (virtio-can
 * with either driver, vcan).
 *
 *   va-can-bench tx IFACE SECONDS [fd]   send as fast as the socket takes
 *   va-can-bench rx IFACE SECONDS [self|selffd]
 *                                        count frames received; "self": a
 *                                        second socket sends them (vcan),
 *                                        classic or FD
 *   va-can-bench rtt IFACE COUNT [fd]    write a frame, wait for its local
 *                                        echo (the TX confirmation), COUNT
 *                                        times
 *
 * Output, one line: "frames=N secs=S fps=F cpu_us_per_frame=C" (tx, rx) or
 * "samples=N p50_us=A p99_us=B max_us=C" (rtt). CPU time is the guest's
 * busy time on all CPUs (/proc/stat) over the measurement.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/can.h>
#include <linux/can/raw.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Busy time of all CPUs in seconds (user .. softirq, without idle/iowait). */
static double cpu_busy(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	double hz = sysconf(_SC_CLK_TCK);

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8) {
		perror("/proc/stat");
		exit(1);
	}
	fclose(f);
	return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
}

static int can_socket(const char *ifname, int fd_frames, int recv_own)
{
	struct sockaddr_can addr = { .can_family = AF_CAN };
	int s, on = 1;

	s = socket(PF_CAN, SOCK_RAW, CAN_RAW);
	if (s < 0) {
		perror("socket");
		exit(1);
	}
	addr.can_ifindex = if_nametoindex(ifname);
	if (!addr.can_ifindex) {
		fprintf(stderr, "no interface %s\n", ifname);
		exit(1);
	}
	if (fd_frames &&
	    setsockopt(s, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, &on, sizeof(on))) {
		perror("CAN_RAW_FD_FRAMES");
		exit(1);
	}
	if (recv_own &&
	    setsockopt(s, SOL_CAN_RAW, CAN_RAW_RECV_OWN_MSGS, &on, sizeof(on))) {
		perror("CAN_RAW_RECV_OWN_MSGS");
		exit(1);
	}
	if (bind(s, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("bind");
		exit(1);
	}
	return s;
}

static void frame_init(struct canfd_frame *cf, int fd, uint32_t seq)
{
	memset(cf, 0, sizeof(*cf));
	cf->can_id = 0x123;
	cf->len = fd ? 64 : 8;
	memcpy(cf->data, &seq, sizeof(seq));
}

/* Write one frame, waiting while the queue is full (ENOBUFS). */
static int send_frame(int s, struct canfd_frame *cf, int fd)
{
	size_t len = fd ? CANFD_MTU : CAN_MTU;
	struct pollfd p = { .fd = s, .events = POLLOUT };

	for (;;) {
		ssize_t n = write(s, cf, len);

		if (n == (ssize_t)len)
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			poll(&p, 1, 10);
			continue;
		}
		perror("write");
		return -1;
	}
}

static void report(unsigned long frames, double secs, double cpu)
{
	printf("frames=%lu secs=%.3f fps=%.0f cpu_us_per_frame=%.2f\n", frames,
	       secs, frames / secs, frames ? cpu * 1e6 / frames : 0.0);
}

static int do_tx(const char *ifname, double secs, int fd)
{
	int s = can_socket(ifname, fd, 0);
	struct canfd_frame cf;
	unsigned long n = 0;
	double t0, c0, end;

	c0 = cpu_busy();
	t0 = now();
	end = t0 + secs;
	while (now() < end) {
		frame_init(&cf, fd, n);
		if (send_frame(s, &cf, fd))
			return 1;
		n++;
	}
	report(n, now() - t0, cpu_busy() - c0);
	return 0;
}

static int do_rx(const char *ifname, double secs, int self, int fd)
{
	int s = can_socket(ifname, 1, 0), rcvbuf = 1 << 22;
	struct canfd_frame cf;
	unsigned long n = 0;
	double t0, c0, end, t;
	pid_t child = 0;

	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (self) {
		child = fork();
		if (child == 0) {
			int w = can_socket(ifname, fd, 0);
			uint32_t seq = 0;

			for (;;) {
				frame_init(&cf, fd, seq++);
				if (send_frame(w, &cf, fd))
					_exit(1);
			}
		}
	}
	/* Warm up: the first frame starts the clock. */
	if (read(s, &cf, sizeof(cf)) < 0) {
		perror("read");
		return 1;
	}
	c0 = cpu_busy();
	t0 = now();
	end = t0 + secs;
	while ((t = now()) < end) {
		struct pollfd p = { .fd = s, .events = POLLIN };

		if (poll(&p, 1, 100) <= 0)
			continue;
		if (read(s, &cf, sizeof(cf)) > 0)
			n++;
	}
	report(n, t - t0, cpu_busy() - c0);
	if (child) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int do_rtt(const char *ifname, unsigned long count, int fd)
{
	int s = can_socket(ifname, fd, 1);
	double *lat = calloc(count, sizeof(*lat));
	struct canfd_frame cf, in;
	unsigned long i;

	if (!lat)
		return 1;
	for (i = 0; i < count; i++) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		double t0;

		frame_init(&cf, fd, i);
		t0 = now();
		if (send_frame(s, &cf, fd))
			return 1;
		for (;;) {
			if (poll(&p, 1, 2000) <= 0) {
				fprintf(stderr, "no echo for frame %lu\n", i);
				return 1;
			}
			if (read(s, &in, sizeof(in)) > 0 &&
			    !memcmp(in.data, cf.data, sizeof(uint32_t)))
				break;
		}
		lat[i] = (now() - t0) * 1e6;
	}
	qsort(lat, count, sizeof(*lat), cmp_double);
	printf("samples=%lu p50_us=%.1f p99_us=%.1f max_us=%.1f\n", count,
	       lat[count / 2], lat[count * 99 / 100], lat[count - 1]);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	const char *opt = argc > 4 ? argv[4] : "";
	int fd = !strcmp(opt, "fd") || !strcmp(opt, "selffd");
	int self = !strncmp(opt, "self", 4);

	if (argc < 4) {
		fprintf(stderr, "usage: va-can-bench tx|rx|rtt IFACE SECONDS|COUNT [fd|self|selffd]\n");
		return 2;
	}
	if (!strcmp(argv[1], "tx"))
		return do_tx(argv[2], atof(argv[3]), fd);
	if (!strcmp(argv[1], "rx"))
		return do_rx(argv[2], atof(argv[3]), self, fd);
	if (!strcmp(argv[1], "rtt"))
		return do_rtt(argv[2], strtoul(argv[3], NULL, 0), fd);
	fprintf(stderr, "unknown mode %s\n", argv[1]);
	return 2;
}
