/*
 * fault_plan.c - a program's fault entries as libshmfault rule strings. The harness never
 * interprets rules itself: it names a function and one of the errnos libshmfault documents for
 * it (or a crash), writes the rule in libshmfault's grammar, and lets libshmfault's parser be
 * the only one. Also the action byte of each format version: v1/v2 index the documented
 * errnos, v3 only those realistic for the function (docs/program-format.md).
 */
#include <pthread.h>
#include <stdio.h>

#include "fault_names.h"
#include "shmfault.h"
#include "shmfuzz/program.h"

static const char *const crash_names[SFZ_NCRASH] = {
    [SFZ_CRASH_SIGKILL] = "SIGKILL", [SFZ_CRASH_SIGSEGV] = "SIGSEGV",
    [SFZ_CRASH_SIGBUS] = "SIGBUS",   [SFZ_CRASH_ABORT] = "abort",
    [SFZ_CRASH_EXIT0] = "exit(0)",   [SFZ_CRASH_EXIT1] = "exit(1)",
};

const char *sfz_crash_name(unsigned crash)
{
    return crash < SFZ_NCRASH ? crash_names[crash] : NULL;
}

int sfz_crash_lookup(const char *name)
{
    for (unsigned i = 0; i < SFZ_NCRASH; i++)
        if (strcmp(name, crash_names[i]) == 0)
            return (int)i;
    return -1;
}

unsigned sfz_fault_function_count(void)
{
    unsigned n = shmfault_function_count();
    return n < SFZ_FAULT_FUNCTIONS ? n : SFZ_FAULT_FUNCTIONS;
}

/* Whether ERR is in FN's realistic set: the realistic and peer errnos of any class of call
   (libshmfault's realistic.def). A plan is armed per function, not per class, so the union. */
static int realistic_errno(unsigned fn, int err)
{
    int list[64];
    unsigned n = shmfault_errnos_realistic_union(fn, 1, list, 64);
    for (unsigned i = 0; i < n && i < 64; i++)
        if (list[i] == err)
            return 1;
    return 0;
}

/* The v3 errno list of FN: the documented indexes of its realistic errnos, in documented order
   (so the table's own order, not realistic.def's, fixes what a v3 byte means). */
static unsigned realistic_indexes(unsigned fn, uint8_t *idx, unsigned max)
{
    const int *errs = NULL;
    unsigned nerr = shmfault_function_errnos(fn, &errs), n = 0;
    for (unsigned i = 0; i < nerr && n < max; i++)
        if (realistic_errno(fn, errs[i]))
            idx[n++] = (uint8_t)i;
    return n;
}

/* The v3 lists of every function, built once: every decoded fault asks for its list. */
static uint8_t v3_index[SFZ_FAULT_FUNCTIONS][64], v3_count[SFZ_FAULT_FUNCTIONS];
static pthread_once_t v3_once = PTHREAD_ONCE_INIT;

static void v3_build(void)
{
    for (unsigned fn = 0; fn < sfz_fault_function_count(); fn++)
        v3_count[fn] = (uint8_t)realistic_indexes(fn, v3_index[fn], 64);
}

static unsigned v3_actions(unsigned fn, const uint8_t **idx)
{
    (void)pthread_once(&v3_once, v3_build);
    *idx = v3_index[fn];
    return v3_count[fn];
}

unsigned sfz_fault_action_count(unsigned fn, unsigned version)
{
    const int *errs = NULL;
    const uint8_t *idx;
    if (fn >= sfz_fault_function_count())
        return 0;
    if (version >= 3)
        return v3_actions(fn, &idx) + SFZ_NCRASH;
    return shmfault_function_errnos(fn, &errs) + SFZ_NCRASH;
}

uint8_t sfz_fault_action_nth(unsigned fn, unsigned version, unsigned i)
{
    const int *errs = NULL;
    const uint8_t *idx;
    unsigned nerr = shmfault_function_errnos(fn, &errs);
    if (version < 3)
        return (uint8_t)i;
    unsigned nreal = v3_actions(fn, &idx);
    return i < nreal ? idx[i] : (uint8_t)(nerr + (i - nreal));
}

/* v3: the low bit picks errno (0) or crash (1), the other bits which one. One errno to one
   crash whatever the function's count k, near what v2 gave (mean crash share 0.58): with
   "byte mod (k + 6)" functions with few realistic errnos mostly crash, and with three errnos
   to a crash most plans fail an early create or open, and either way libFuzzer needed several
   times more executions for a catalogue entry (size-mismatch; docs/program-format.md). */
uint8_t sfz_fault_action_decode(unsigned fn, unsigned version, unsigned byte)
{
    unsigned count = sfz_fault_action_count(fn, version), nreal = count - SFZ_NCRASH;
    if (version < 3)
        return sfz_fault_action_nth(fn, version, byte % count);
    if (nreal > 0 && (byte & 1u) == 0)
        return sfz_fault_action_nth(fn, version, (byte >> 1) % nreal);
    return sfz_fault_action_nth(fn, version, nreal + (byte >> 1) % SFZ_NCRASH);
}

int sfz_fault_action_encode(const struct sfz_fault *f, unsigned version)
{
    const int *errs = NULL;
    const uint8_t *idx;
    unsigned nerr = shmfault_function_errnos(f->function, &errs);
    if (version < 3)
        return f->action;
    if (f->function >= sfz_fault_function_count())
        return -1;
    unsigned nreal = v3_actions(f->function, &idx);
    if (f->action >= nerr) /* a crash */
        return (int)(((f->action - nerr) << 1) | 1u);
    for (unsigned i = 0; i < nreal; i++)
        if (idx[i] == f->action)
            return (int)(i << 1);
    return -1; /* a documented errno that is not realistic: only v1/v2 can say it */
}

int sfz_fault_realistic(const struct sfz_fault *f)
{
    return sfz_fault_action_encode(f, 3) >= 0;
}

int sfz_fault_is_crash(const struct sfz_fault *f, unsigned *crash)
{
    const int *errs = NULL;
    unsigned nerr = shmfault_function_errnos(f->function, &errs);
    if (f->action < nerr)
        return 0;
    *crash = f->action - nerr;
    return 1;
}

/* The action as written in a rule: "ENOMEM", "SIGKILL", "exit(1)". */
const char *sfz_fault_action_name(const struct sfz_fault *f)
{
    const int *errs = NULL;
    unsigned nerr = shmfault_function_errnos(f->function, &errs);
    if (f->action < nerr)
        return shmfault_errno_name(errs[f->action]);
    return sfz_crash_name((unsigned)(f->action - nerr));
}

int sfz_fault_rule(const struct sfz_fault *f, char *buf, size_t size)
{
    const char *fn = shmfault_function_name(f->function);
    const char *action = sfz_fault_action_name(f);
    unsigned crash = 0;
    if (fn == NULL || action == NULL)
        return -1;
    int after = sfz_fault_is_crash(f, &crash) && f->after;
    int n = snprintf(buf, size, "%s@%u%s=%s%s", fn, f->nth, f->from_on ? "+" : "", action,
                     after ? ",after" : "");
    return n < 0 || (size_t)n >= size ? -1 : 0;
}
