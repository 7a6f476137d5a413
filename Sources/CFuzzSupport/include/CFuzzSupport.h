#ifndef CFUZZSUPPORT_H
#define CFUZZSUPPORT_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, callable from a main of one's own (libFuzzer ≥ 12). Linked only in the
/// fuzzing build (`-sanitize=fuzzer`); the ordinary build never calls it.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
