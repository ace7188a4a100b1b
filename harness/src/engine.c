/*
 * engine.c - one engine input (libFuzzer and AFL++ drivers): decode, run, and on a finding
 * print one line (and append it to SHMFUZZ_FINDINGS_LOG: finding_log.c) and abort() so the
 * engine saves the input. A non-finding never aborts.
 * The executor is set up by sfz_engine_init, before the engine's first input and before its
 * own tables grow (libFuzzer: LLVMFuzzerInitialize; AFL++: after the fork server has started,
 * so the private namespaces and the workers belong to the fuzzed child), or else at the first
 * input. Workers are copies of the executor as it was then (exec_zygote.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_internal.h"
#include "harness_options.h"
#include "shmfuzz/driver.h"
#include "shmfuzz/exec.h"
#include "shmfuzz/mutate.h"

static struct sfz_opset set;
static struct sfz_program prog;
static struct sfz_result res;

static void start(const struct sfz_adapter *adapter)
{
    struct sfz_exec_options opt;
    char err[256];
    if (sfz_options_from_env(&opt, err, sizeof(err)) != 0 ||
        sfz_finding_log_init(err, sizeof(err)) != 0 ||
        sfz_exec_init(adapter, &opt, err, sizeof(err)) != 0) {
        fprintf(stderr, "shmfuzz: %s\n", err);
        exit(2);
    }
    sfz_opset_init(&set, adapter);
}

void sfz_engine_quiet_fds(void)
{
    sfz_fds_engine_quiet();
}

void sfz_engine_init(const struct sfz_adapter *adapter)
{
    if (set.adapter != NULL)
        return;
    start(adapter);
    sfz_exec_prefork();
}

int sfz_engine_one(const struct sfz_adapter *adapter, const uint8_t *data, size_t size)
{
    if (set.adapter == NULL)
        start(adapter);
    if (sfz_decode(&set, data, size, &prog) != SFZ_DECODE_OK)
        return 0; /* unknown version behind the magic: the empty program, nothing to run */
    if (sfz_exec_run(&set, &prog, &res) != SFZ_FIND_NONE) {
        fprintf(stderr, "shmfuzz: FINDING %s: %s\n", sfz_finding_name(res.kind), res.why);
        sfz_finding_log(data, size, sfz_finding_name(res.kind), res.why);
        abort();
    }
    return 0;
}

size_t sfz_engine_mutate(const struct sfz_adapter *adapter, uint8_t *data, size_t size,
                         size_t max_size, unsigned seed)
{
    static struct sfz_opset mset; /* its own: mutation may come before the first run */
    static int disabled = -1;
    if (disabled < 0) {
        const char *v = getenv("SHMFUZZ_MUTATOR");
        disabled = v != NULL && strcmp(v, "bytes") == 0;
    }
    if (disabled)
        return 0;
    if (mset.adapter == NULL)
        sfz_opset_init(&mset, adapter);
    return sfz_mutate(&mset, data, size, max_size, seed);
}
