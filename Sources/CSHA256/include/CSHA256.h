#ifndef ACTIVATION_ORACLE_CSHA256_H
#define ACTIVATION_ORACLE_CSHA256_H
#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SHA extensions (with SSSE3 and SSE4.1) that
/// `ao_sha256_ni_blocks` needs; 0 elsewhere (other CPUs, other architectures).
int ao_sha256_ni_available(void);

/// SHA-256's compression function over `blocks` whole 64-byte blocks at `data`,
/// updating `state` (the eight words H0..H7) in place. Call only when
/// `ao_sha256_ni_available()` is 1.
void ao_sha256_ni_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
