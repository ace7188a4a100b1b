/*
 * exec_pool.c - the forked worker processes. A worker is forked once and kept across inputs
 * (a fork costs ~0.84 ms here, a command round trip ~20 us); one that died is forked again
 * when a program next needs it. Each worker talks over a SOCK_SEQPACKET pair: one message per
 * command, MSG_NOSIGNAL so a dead peer is an error code, not a SIGPIPE in the engine.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_internal.h"

static struct {
    pid_t pid; /* 0: not running */
    int fd;    /* executor's end of the socket pair */
} pool[SFZ_MAX_PROCS];

pid_t sfz_pool_pid(unsigned w) { return pool[w].pid; }
int sfz_pool_alive(unsigned w) { return pool[w].pid > 0; }

/* A sanitizer report (UBSan, ASan) in a worker ends in the runtime's Die(), which calls the
   engine's death callback: libFuzzer's dumps "the current input", in a worker a stale copy of
   an earlier one. A worker reports, exits with the sanitizer's exit code, and the executor
   judges the death with the right input. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));
static void no_death_callback(void) {}

/* Crashes must reach the executor as what they are: the engine's and the sanitizers' handlers
   (inherited at fork) would turn a SIGSEGV into an exit code or run the engine's crash path. */
static void worker_signals(void)
{
    static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGTRAP,
                                        SIGALRM, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE};
    for (unsigned i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
        signal(crash_signals[i], SIG_DFL);
    if (__sanitizer_set_death_callback != NULL)
        __sanitizer_set_death_callback(no_death_callback);
}

static void worker_start(unsigned w, int fd, pid_t parent)
{
    for (unsigned i = 0; i < SFZ_MAX_PROCS; i++)
        if (pool[i].pid > 0)
            close(pool[i].fd);
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0); /* the executor died before the line above */
    worker_signals();
    sfz_state.self = w;
    sfz_worker_loop(w, fd, fd);
}

int sfz_pool_ensure(unsigned w)
{
    int sv[2];
    if (pool[w].pid > 0)
        return 0;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        close(sv[0]);
        worker_start(w, sv[1], parent);
    }
    close(sv[1]);
    pool[w].pid = pid;
    pool[w].fd = sv[0];
    return 0;
}

static void reap(unsigned w, int *wstatus)
{
    int st = 0;
    while (waitpid(pool[w].pid, &st, 0) < 0 && errno == EINTR)
        ;
    close(pool[w].fd);
    pool[w].pid = 0;
    if (wstatus)
        *wstatus = st;
}

enum sfz_reply sfz_pool_call(unsigned w, const struct sfz_cmd *cmd, unsigned timeout_ms,
                             int *wstatus)
{
    if (send(pool[w].fd, cmd, sizeof(*cmd), MSG_NOSIGNAL) != (ssize_t)sizeof(*cmd)) {
        reap(w, wstatus);
        return SFZ_REPLY_DIED;
    }
    struct pollfd p = {pool[w].fd, POLLIN, 0};
    int n;
    while ((n = poll(&p, 1, timeout_ms ? (int)timeout_ms : -1)) < 0 && errno == EINTR)
        ;
    if (n == 0) {
        kill(pool[w].pid, SIGKILL);
        reap(w, wstatus);
        return SFZ_REPLY_TIMEOUT;
    }
    char ack = 0;
    if (recv(pool[w].fd, &ack, 1, 0) != 1) {
        reap(w, wstatus);
        return SFZ_REPLY_DIED;
    }
    return SFZ_REPLY_DONE;
}

void sfz_pool_stop_all(void)
{
    for (unsigned w = 0; w < SFZ_MAX_PROCS; w++)
        if (pool[w].pid > 0) {
            shutdown(pool[w].fd, SHUT_RDWR); /* the worker reads EOF and leaves with _exit(0) */
            reap(w, NULL);
        }
}
