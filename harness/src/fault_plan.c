/*
 * fault_plan.c - a program's fault entries as libshmfault rule strings. The harness never
 * interprets rules itself: it names a function and one of the errnos libshmfault documents for
 * it (or a crash), writes the rule in libshmfault's grammar, and lets libshmfault's parser be
 * the only one.
 */
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

unsigned sfz_fault_action_count(unsigned fn)
{
    const int *errs = NULL;
    if (fn >= sfz_fault_function_count())
        return 0;
    return shmfault_function_errnos(fn, &errs) + SFZ_NCRASH;
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
