/*
 * libfuzzer_floor.c - the floor of figure 2's libfuzzer-fixed rows: a fuzz target that does
 * nothing with its input, built by the libfuzzer preset (clang, ASan+UBSan, -fsanitize=fuzzer)
 * and run the same way (-runs=N FILE minus -runs=1). What it costs per input is libFuzzer's
 * own work in that mode (it reads the file again for every run), which no harness can save;
 * docs/bench.md, "libfuzzer-floor".
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One branch on the input, as a real target has. */
static volatile unsigned char sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sink = size > 0 && data[0] == 'x';
    return 0;
}
