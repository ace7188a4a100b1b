/*
 * oracle_error.c - bad-error oracle: an op reported success although a fault injected into its
 * own process during the op made a call fail. Legitimate retries are accepted: if the injected
 * function was called again after the injection (semop after EINTR), the code handled it.
 */
#include <stdio.h>
#include <unistd.h>

#include "exec_internal.h"
#include "shmfault.h"

int sfz_error_swallowed(unsigned long injections_before, char *why, size_t size)
{
    struct shmfault_injection inj;
    if (shmfault_injections() == injections_before || shmfault_last_injection(&inj) != 0)
        return 0;
    if (inj.pid != getpid() || inj.action != SHMFAULT_ACT_ERRNO)
        return 0;
    if (inj.function >= 0 && shmfault_calls((unsigned)inj.function) > inj.call_number)
        return 0; /* called again after the failure: a retry that succeeded */
    const char *fn = shmfault_function_name((unsigned)inj.function);
    const char *err = shmfault_errno_name(inj.value);
    snprintf(why, size, "the op reported success although %s call %lu failed with %s (injected)",
             fn ? fn : "?", inj.call_number, err ? err : "?");
    return 1;
}
