/*
 * pkg_checksum: the 16-bit XOR checksum that Quectel modules report after an
 * upload (+QFUPL: <size>,<checksum> and +QFOTADL: <size>,<checksum>).
 *
 * The data is taken as big-endian 16-bit words and XORed together; an odd
 * last byte is the high byte of a final word whose low byte is 0. The state
 * is kept across calls so that an upload can be summed block by block, with
 * block boundaries anywhere (also at odd offsets).
 */
#ifndef PKG_CHECKSUM_H
#define PKG_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

typedef struct pkg_checksum {
	uint16_t sum;
	int      odd;      /* 1 when the last byte fed was a high byte */
	uint8_t  high;     /* that high byte, waiting for its partner */
} pkg_checksum;

void     pkg_checksum_init(pkg_checksum *c);
void     pkg_checksum_update(pkg_checksum *c, const void *data, size_t len);
uint16_t pkg_checksum_final(const pkg_checksum *c);
uint16_t pkg_checksum_xor16(const void *data, size_t len);

#endif
