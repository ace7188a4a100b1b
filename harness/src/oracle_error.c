/*
 * oracle_error.c - bad-error oracle: an op reported success although a fault injected into its
 * own process during the op made a call fail. Legitimate retries are accepted: if the injected
 * function was called again after the injection (semop after EINTR), the code handled it.
 * An errno that only means "a peer removed the object" (semop's EIDRM/EINVAL) is not judged
 * when the op went on, after its first failure, to make other calls of the layer (calls before
 * it, such as a create's semget and semctl SETALL, do not count; the query that answered
 * "removed" after a failed semop does, whether that semop's failure was injected or the
 * kernel's own): the library may have asked the kernel
 * whether the object is gone (semctl IPC_STAT), found it gone for real, and rightly had
 * nothing left to do (a close of a removed ring); what the kernel answered is not seen here.
 * Code that takes the errno for "done" without asking anything is still judged.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exec_internal.h"
#include "shmfault.h"

/* Is ERR, for function FN, only a peer's removal (in the peer list, not among the errnos of a
   call on a live object)? */
static int peer_only(int fn, int err)
{
    int live[32], all[32];
    unsigned nlive = shmfault_errnos_realistic_union((unsigned)fn, 0, live, 32);
    unsigned nall = shmfault_errnos_realistic_union((unsigned)fn, 1, all, 32);
    int in_all = 0;
    for (unsigned i = 0; i < nall && i < 32; i++)
        in_all |= all[i] == err;
    for (unsigned i = 0; i < nlive && i < 32; i++)
        if (live[i] == err)
            return 0;
    return in_all;
}

/* The calls code asks the kernel about an object with (IPC_STAT and the like). */
static int is_control(int fn)
{
    const char *name = shmfault_function_name((unsigned)fn);
    return name != NULL && (strcmp(name, "semctl") == 0 || strcmp(name, "shmctl") == 0);
}

int sfz_error_swallowed(unsigned long injections_before, unsigned long failures_before,
                        char *why, size_t size)
{
    struct shmfault_injection inj;
    if (shmfault_injections() == injections_before || shmfault_last_injection(&inj) != 0)
        return 0;
    if (inj.pid != getpid() || inj.action != SHMFAULT_ACT_ERRNO)
        return 0;
    if (inj.function >= 0 && shmfault_calls((unsigned)inj.function) > inj.call_number)
        return 0; /* called again after the failure: a retry that succeeded */
    /* asked after the op's first failure: a call after the newest one, or the newest is itself
       the question, a control call made after an earlier failure of the op, injected or real
       (a semctl IPC_STAT that answered "removed" after a failed semop; not a semop failing
       again). With no call after the newest injection, every real failure counted since the
       op began came before it. */
    int failed_before = shmfault_injections() - injections_before > 1 ||
                        shmfault_failures() != failures_before;
    int asked = shmfault_calls_after_injection() > 0 || (failed_before && is_control(inj.function));
    if (inj.function >= 0 && peer_only(inj.function, inj.value) && asked)
        return 0; /* not judged: the op may have found the object really gone (see the top) */
    const char *fn = shmfault_function_name((unsigned)inj.function);
    const char *err = shmfault_errno_name(inj.value);
    snprintf(why, size, "the op reported success although %s call %lu failed with %s (injected)",
             fn ? fn : "?", inj.call_number, err ? err : "?");
    return 1;
}
