/*
 * pkg_checksum: XOR-16 over big-endian byte pairs, as the modules compute it
 * for an upload. See pkg_checksum.h for the definition of the odd tail.
 */
#include "packages/pkg_checksum.h"

void
pkg_checksum_init(pkg_checksum *c)
{
	c->sum = 0;
	c->odd = 0;
	c->high = 0;
}

void
pkg_checksum_update(pkg_checksum *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		if (c->odd) {
			c->sum ^= (uint16_t)((c->high << 8) | p[i]);
			c->odd = 0;
		} else {
			c->high = p[i];
			c->odd = 1;
		}
	}
}

uint16_t
pkg_checksum_final(const pkg_checksum *c)
{
	/* A pending high byte pairs with a zero low byte. */
	return c->odd ? (uint16_t)(c->sum ^ (c->high << 8)) : c->sum;
}

uint16_t
pkg_checksum_xor16(const void *data, size_t len)
{
	pkg_checksum c;

	pkg_checksum_init(&c);
	pkg_checksum_update(&c, data, len);
	return pkg_checksum_final(&c);
}
