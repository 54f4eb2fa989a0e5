// SPDX-License-Identifier: GPL-2.0
/*
 * Print the host's TSC frequency in kHz, measured against CLOCK_MONOTONIC_RAW.
 *
 * Under TCG, QEMU's guest TSC is the host's TSC. A rig guest without ACPI
 * has no HPET or PM timer to calibrate it against, and calibration against
 * the emulated PIT fails under TCG, so the guest's clock would be wrong; the
 * rig passes this value as tsc_early_khz= instead.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	uint64_t khz[3];
	int i;

	/* The median of three 100 ms windows: one disturbed window (preempted
	 * between reading the two clocks) cannot move it.
	 */
	for (i = 0; i < 3; i++) {
		struct timespec d = { 0, 100000000 };
		uint64_t t0 = now_ns(), c0 = __rdtsc();

		nanosleep(&d, NULL);
		khz[i] = (__rdtsc() - c0) * 1000000 / (now_ns() - t0);
	}
	qsort(khz, 3, sizeof(khz[0]), cmp_u64);
	printf("%llu\n", (unsigned long long)khz[1]);
	return 0;
}
