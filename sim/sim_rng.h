/*
 * sim_rng: the emulator's pseudo-random numbers (splitmix64).
 *
 * Every source of variation in dfota-sim (default IMEIs, noise bytes, split
 * points, duplicated percentages) draws from an rng that belongs to one
 * object and is seeded from --seed and the module's index, so that the same
 * command line yields the same bytes. splitmix64 is tiny, has no bad seeds
 * and is good enough for test noise; nothing here is cryptographic.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

typedef struct sim_rng {
	uint64_t state;
} sim_rng;

void     sim_rng_seed(sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(sim_rng *r);
/* A number in [lo, hi], both included. */
uint32_t sim_rng_range(sim_rng *r, uint32_t lo, uint32_t hi);
/* 1 with probability 1/n. */
int      sim_rng_one_in(sim_rng *r, uint32_t n);

#endif
