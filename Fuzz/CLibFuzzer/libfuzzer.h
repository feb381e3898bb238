// libFuzzer's documented driver entry point; the runtime comes from `-sanitize=fuzzer`.
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's command-line driver on `callback`, as libFuzzer's own `main` would.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
