/*
 * finding_log.c - SHMFUZZ_FINDINGS_LOG=FILE: every finding an engine driver judges is appended
 * to FILE as one line, before the abort that makes the engine save the input. AFL++ discards
 * the target's stderr, so without it a saved crash whose replay does not give the same verdict
 * (a finding that depended on earlier inputs of the persistent loop, or on the machine's load)
 * would have no reason at all. The line names the input by size and FNV-1a 64 of its bytes,
 * what the engine saves as the crash file:
 *   shmfuzz-finding input=<16 hex> size=<N> <kind>: <why>
 * The file is checked at start-up (a path that cannot be written is a configuration error,
 * exit 2) and opened only when a finding is written, so no descriptor of ours is open while
 * the program runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_internal.h"

static char path[4096]; /* empty: not asked for */

static int open_log(void)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

int sfz_finding_log_init(char *err, size_t size)
{
    const char *v = getenv("SHMFUZZ_FINDINGS_LOG");
    if (v == NULL)
        return 0;
    if (*v == '\0' || strlen(v) >= sizeof(path)) {
        snprintf(err, size, "SHMFUZZ_FINDINGS_LOG: want a file name, got \"%.64s\"", v);
        return -1;
    }
    memcpy(path, v, strlen(v) + 1);
    int fd = open_log();
    if (fd < 0) {
        snprintf(err, size, "SHMFUZZ_FINDINGS_LOG: cannot write %.200s: %s", path,
                 strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

static uint64_t input_hash(const uint8_t *data, size_t size)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 0x100000001b3ull;
    return h;
}

void sfz_finding_log(const uint8_t *data, size_t size, const char *kind, const char *why)
{
    if (path[0] == '\0')
        return;
    char line[1024];
    int n = snprintf(line, sizeof(line), "shmfuzz-finding input=%016llx size=%zu %s: %.900s\n",
                     (unsigned long long)input_hash(data, size), size, kind, why);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    int fd = open_log();
    if (fd < 0 || write(fd, line, (size_t)n) != n)
        fprintf(stderr, "shmfuzz: SHMFUZZ_FINDINGS_LOG: cannot append to %s: %s\n", path,
                strerror(errno));
    if (fd >= 0)
        close(fd);
}
