/*
 * sim_rng: splitmix64 (Steele, Lea, Flood 2014). One 64-bit state, one
 * add-and-mix per number. See sim_rng.h for why each object has its own.
 */
#include "sim/sim_rng.h"

void
sim_rng_seed(sim_rng *r, uint64_t seed)
{
	r->state = seed;
	/* Discard one output so that neighbouring seeds (seed+index) diverge
	 * from the first number on. */
	(void)sim_rng_next(r);
}

uint64_t
sim_rng_next(sim_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
sim_rng_range(sim_rng *r, uint32_t lo, uint32_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (uint32_t)(sim_rng_next(r) % ((uint64_t)hi - lo + 1));
}

int
sim_rng_one_in(sim_rng *r, uint32_t n)
{
	return n <= 1 || sim_rng_next(r) % n == 0;
}
