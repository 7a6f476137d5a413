#ifndef ACTIVATION_ORACLE_CSHA256_H
#define ACTIVATION_ORACLE_CSHA256_H
#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SHA extensions (with SSSE3 and SSE4.1); 0 elsewhere
/// (other CPUs, other architectures).
int ao_sha256_ni_available(void);

/// SHA-256's compression function over `blocks` whole 64-byte blocks at `data`,
/// updating `state` (the eight words H0..H7) in place: through the SHA extensions
/// when `use_extensions` is nonzero and the CPU has them, through the portable
/// rounds otherwise (the tests compare both).
void ao_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks, int use_extensions);

#endif
