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

/* v3 reads the byte as v2 does, r = byte mod (documented + 6): r names a crash exactly where it
   did in v2, and an errno byte names the (r mod k)-th of the k realistic errnos (a crash, r mod
   6, when there are none). So every function keeps v2's share of crashes and errnos per byte,
   and each realistic errno is at least as likely as in v2: the engines find what needs a
   realistic errno no later than before, and the rest of the search is not reshaped ("byte mod
   (k + 6)" would make a function with few realistic errnos mostly crash its worker). */
uint8_t sfz_fault_action_decode(unsigned fn, unsigned version, unsigned byte)
{
    unsigned ndoc = sfz_fault_action_count(fn, 2) - SFZ_NCRASH;
    unsigned nreal = sfz_fault_action_count(fn, 3) - SFZ_NCRASH;
    unsigned r = byte % (ndoc + SFZ_NCRASH);
    if (version < 3 || r >= ndoc)
        return (uint8_t)r; /* v1/v2, or a crash: the same action in every version */
    if (nreal == 0)
        return sfz_fault_action_nth(fn, version, r % SFZ_NCRASH); /* a crash */
    return sfz_fault_action_nth(fn, version, r % nreal);
}

int sfz_fault_action_encode(const struct sfz_fault *f, unsigned version)
{
    const int *errs = NULL;
    const uint8_t *idx;
    unsigned nerr = shmfault_function_errnos(f->function, &errs);
    if (version < 3 || f->action >= nerr) /* v1/v2, or a crash: v3 writes it as v2 does */
        return f->action;
    if (f->function >= sfz_fault_function_count())
        return -1;
    unsigned nreal = v3_actions(f->function, &idx);
    for (unsigned i = 0; i < nreal; i++)
        if (idx[i] == f->action)
            return (int)i;
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
