/*
 * options.c - the executor's environment variables, read in one place and validated: a
 * misspelled SHMFUZZ_* variable or a bad value is an error, never silently ignored.
 *   SHMFUZZ_OP_TIMEOUT_MS   an op slower than this is a hang (default 1000)
 *   SHMFUZZ_ALWAYS_FORK     1: run every program in forked workers (benchmarks, debugging)
 *   SHMFUZZ_MUTATOR         "bytes": libFuzzer mutates bytes only (no program-level mutation;
 *                           read by engine.c, listed here so it is a known name)
 *   SHMFUZZ_INSIDE          lint | trace: every adapter op runs with the peer inside the call
 *                           (inside.c reads it and SHMFUZZ_INSIDE_SUPPRESS, its suppressions)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_options.h"
#include "inside.h"

extern char **environ;

static const char *const known[] = {"SHMFUZZ_OP_TIMEOUT_MS", "SHMFUZZ_ALWAYS_FORK",
                                    "SHMFUZZ_PRIVATE_IPC", "SHMFUZZ_MUTATOR", "SHMFUZZ_INSIDE",
                                    "SHMFUZZ_INSIDE_SUPPRESS", "SHMFUZZ_FINDINGS_LOG"};

static int number(const char *name, unsigned long max, unsigned long *out, char *err, size_t size)
{
    const char *v = getenv(name);
    char *end = NULL;
    if (v == NULL)
        return 0;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n > max) {
        snprintf(err, size, "%s=%s: expected a number 0..%lu", name, v, max);
        return -1;
    }
    *out = n;
    return 0;
}

/* Unknown SHMFUZZ_* names are warned about (a typo must not pass unnoticed) but not fatal:
   the shmfuzz command has variables of its own. */
static void warn_unknown(void)
{
    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, "SHMFUZZ_", 8) != 0)
            continue;
        size_t len = strcspn(*e, "=");
        int ok = 0;
        for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok |= strlen(known[i]) == len && strncmp(*e, known[i], len) == 0;
        if (!ok)
            fprintf(stderr, "shmfuzz: warning: %.*s is not a harness variable (known: "
                    "SHMFUZZ_OP_TIMEOUT_MS, SHMFUZZ_ALWAYS_FORK, SHMFUZZ_MUTATOR, SHMFUZZ_INSIDE, "
                    "SHMFUZZ_INSIDE_SUPPRESS, SHMFUZZ_FINDINGS_LOG)\n", (int)len, *e);
    }
}

int sfz_options_from_env(struct sfz_exec_options *opt, char *err, size_t size)
{
    unsigned long timeout = 0, fork_all = 0;
    memset(opt, 0, sizeof(*opt));
    if (number("SHMFUZZ_OP_TIMEOUT_MS", 600000, &timeout, err, size) != 0 ||
        number("SHMFUZZ_ALWAYS_FORK", 1, &fork_all, err, size) != 0 ||
        sfz_inside_init(err, size) != 0)
        return -1;
    warn_unknown();
    opt->op_timeout_ms = (unsigned)timeout;
    opt->always_fork = (int)fork_all;
    return 0;
}
