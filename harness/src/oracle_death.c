/*
 * oracle_death.c - crash oracle: was a worker's end planned? A death is planned when the op
 * announced a possible SIGSEGV/SIGBUS (sfz_expect_crash), when libshmfault's last injection was
 * exactly this crash in this process, or when proc.exit left on purpose. Anything else is a
 * crash finding: the engines never see a worker's death on their own.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "exec_internal.h"
#include "shmfault.h"

int sfz_death_injected(pid_t pid, int wstatus)
{
    struct shmfault_injection inj;
    if (shmfault_last_injection(&inj) != 0 || inj.pid != pid)
        return 0;
    if (inj.action == SHMFAULT_ACT_SIGNAL)
        return WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == inj.value;
    if (inj.action == SHMFAULT_ACT_EXIT)
        return WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == inj.value;
    return 0;
}

int sfz_death_planned(const struct sfz_wctl *ctl, pid_t pid, int wstatus)
{
    if (WIFSIGNALED(wstatus) && ctl->planned_signal == WTERMSIG(wstatus))
        return 1;
    if (ctl->planned_exit && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
        return 1;
    return sfz_death_injected(pid, wstatus);
}

void sfz_death_describe(int wstatus, char *buf, size_t size)
{
    if (WIFSIGNALED(wstatus))
        snprintf(buf, size, "killed by SIG%s", sigabbrev_np(WTERMSIG(wstatus)) ?
                 sigabbrev_np(WTERMSIG(wstatus)) : "?");
    else
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(wstatus));
}
