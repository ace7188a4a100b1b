/* check.h - the CHECK macro of the harness's C unit tests: a failed condition is printed with
   its line and counted in `failures`, and the test goes on (main returns failures != 0). */
#ifndef SHMFUZZ_TESTS_HARNESS_CHECK_H
#define SHMFUZZ_TESTS_HARNESS_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                 \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#endif
