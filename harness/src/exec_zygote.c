/*
 * exec_zygote.c - replacement workers forked from a small process, not from the executor.
 *
 * A fork copies the forking process's page tables, and the executor's grow with the engine:
 * under libFuzzer and ASan (corpus, quarantine, shadow) a fork of it costs milliseconds, and
 * while fuzzing most inputs end a worker (planned kills, crashes, proc.exit), so replacing
 * workers was most of the time per input. The zygote is forked from the executor once, right
 * after sfz_exec_init (namespaces, shared area, shared coverage counters and the record are in
 * place) when the engine driver asks (sfz_exec_prefork from LLVMFuzzerInitialize, before
 * libFuzzer's corpus and feature tables exist), else when the first worker is needed, and then
 * forks every worker on request: a copy of a small process.
 *
 * A worker must still be the executor's child (SIGCHLD, waitpid, the death oracles): the zygote
 * makes it with clone(CLONE_PARENT), which gives it the zygote's parent. A raw clone runs none
 * of fork()'s handlers, so the child does what they would: the thread id in glibc's thread
 * block (CLONE_CHILD_SETTID at the address the kernel holds for the zygote, checked against
 * gettid() when the zygote starts), the robust-mutex list, and libshmfault's child side (its pid,
 * per-process counters). Nothing else needs it: the zygote is single-threaded and idle in recv()
 * when it clones, so it holds no lock, and it never runs adapter code.
 *
 * What a worker starts from: the executor's memory as it was when the zygote was forked, the
 * same for every worker of the run (before: as it was at each replacement). A worker resets
 * all that an input depends on at its BEGIN (adapter-local state, libshmfault counters and
 * rules, the inside mechanism), and the shared mappings (area, model, live page, coverage
 * counters, libshmfault's tree area) are the same pages either way.
 *
 * The zygote's descriptor and the executor's end of the socket sit above the 256 descriptors
 * the fd oracle probes, so no fd number an input sees changes. It dies with the executor
 * (PR_SET_PDEATHSIG) and blocks every other signal while idle (a terminal's SIGINT is the
 * executor's to handle). A zygote that cannot start, dies or stops answering is reaped and
 * the worker is forked directly, as before; a dead one is replaced at the next request.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_internal.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__)
#define ZYGOTE_SUPPORTED 1
#else
#define ZYGOTE_SUPPORTED 0
#endif

/* Above the fd oracle's 256 probed descriptors (oracle_fds.c). */
#define ZYGOTE_FD_MIN 700

/* libshmfault's fork child handler, when it is linked in (shmfault_static; absent otherwise). */
void sf_after_fork_child(void) __attribute__((weak));

static struct {
    pid_t pid;    /* 0: none running */
    int fd;       /* the executor's end */
    int disabled; /* cannot work here: fork directly for the rest of the run */
} zy = {0, -1, 0};

struct zygote_req {
    uint32_t worker;
    uint32_t seq; /* its channel's last sequence number (sfz_worker_loop) */
};

/* What the child of a raw clone needs that fork()'s handlers would have done. */
struct zygote_fixup {
    pid_t *tid_word;
    void *robust_head;
    size_t robust_len;
};

static int move_high(int fd)
{
    int high = fcntl(fd, F_DUPFD_CLOEXEC, ZYGOTE_FD_MIN);
    close(fd);
    return high;
}

#if ZYGOTE_SUPPORTED
/* The zygote's own checks: the kernel knows where glibc keeps this thread's id, and can say
   where its robust list is. Without them a cloned child would run with the zygote's thread id
   in its mutexes and abort()'s signal. */
static int fixup_known(struct zygote_fixup *f)
{
    pid_t *word = NULL;
    if (prctl(PR_GET_TID_ADDRESS, &word, 0, 0, 0) != 0 || word == NULL ||
        *word != (pid_t)syscall(SYS_gettid))
        return 0;
    f->tid_word = word;
    return syscall(SYS_get_robust_list, 0, &f->robust_head, &f->robust_len) == 0;
}

static pid_t clone_worker(const struct zygote_fixup *f, const sigset_t *worker_mask, int fd,
                          const struct zygote_req *req, pid_t executor)
{
    long pid =
        syscall(SYS_clone,
                (unsigned long)(CLONE_PARENT | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD),
                NULL, NULL, f->tid_word, NULL);
    if (pid != 0)
        return (pid_t)pid;
    (void)syscall(SYS_set_robust_list, f->robust_head, f->robust_len);
    if (sf_after_fork_child != NULL)
        sf_after_fork_child();
    close(fd);
    sigprocmask(SIG_SETMASK, worker_mask, NULL);
    sfz_pool_worker_main(req->worker, executor, req->seq);
}

static void zygote_main(int fd, pid_t executor, const sigset_t *worker_mask)
{
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != executor)
        _exit(0); /* the executor died before the line above */
    struct zygote_fixup f;
    uint32_t ready = fixup_known(&f) ? 1u : 0u;
    if (send(fd, &ready, sizeof(ready), MSG_NOSIGNAL) != (ssize_t)sizeof(ready) || !ready)
        _exit(0);
    for (;;) {
        struct zygote_req req;
        ssize_t n = recv(fd, &req, sizeof(req), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof(req) || req.worker >= SFZ_MAX_PROCS)
            _exit(0); /* the executor closed its end (or broke): nothing more to do */
        int32_t pid = clone_worker(&f, worker_mask, fd, &req, executor);
        if (pid < 0)
            pid = -errno;
        if (send(fd, &pid, sizeof(pid), MSG_NOSIGNAL) != (ssize_t)sizeof(pid))
            _exit(0);
    }
}
#endif

/* Collect the zygote (it ended or is made to); the next request starts another. */
static void zygote_drop(void)
{
    if (zy.fd >= 0)
        close(zy.fd);
    zy.fd = -1;
    if (zy.pid > 0) {
        kill(zy.pid, SIGKILL);
        while (waitpid(zy.pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    zy.pid = 0;
}

static int recv_word(int32_t *v)
{
    ssize_t n;
    while ((n = recv(zy.fd, v, sizeof(*v), 0)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)sizeof(*v) ? 0 : -1;
}

static int zygote_start(void)
{
#if ZYGOTE_SUPPORTED
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    sv[0] = move_high(sv[0]);
    sv[1] = move_high(sv[1]);
    if (sv[0] < 0 || sv[1] < 0) {
        if (sv[0] >= 0)
            close(sv[0]);
        if (sv[1] >= 0)
            close(sv[1]);
        zy.disabled = 1; /* no descriptor above the probed ones (RLIMIT_NOFILE): never here */
        return -1;
    }
    sigset_t all, before;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &before);
    pid_t executor = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        zygote_main(sv[1], executor, &before);
        _exit(0);
    }
    sigprocmask(SIG_SETMASK, &before, NULL);
    close(sv[1]);
    zy.fd = sv[0];
    if (pid < 0) {
        close(zy.fd);
        zy.fd = -1;
        return -1;
    }
    zy.pid = pid;
    int32_t ready = 0;
    if (recv_word(&ready) != 0 || ready != 1) {
        zygote_drop();
        zy.disabled = 1; /* this system cannot clone workers safely: the old way from now on */
        return -1;
    }
    return 0;
#else
    zy.disabled = 1;
    return -1;
#endif
}

pid_t sfz_zygote_spawn(unsigned w, uint32_t seq)
{
    if (zy.disabled)
        return -1;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (zy.pid == 0 && zygote_start() != 0)
            return -1;
        struct zygote_req req = {w, seq};
        int32_t pid = -1;
        if (send(zy.fd, &req, sizeof(req), MSG_NOSIGNAL) == (ssize_t)sizeof(req) &&
            recv_word(&pid) == 0) {
            if (pid > 0)
                return pid;
            errno = -pid;
            return -1; /* the clone failed (limits): so would a fork */
        }
        zygote_drop(); /* it died: a new one, once */
    }
    return -1;
}

void sfz_exec_prefork(void)
{
    if (sfz_state.adapter != NULL && !zy.disabled && zy.pid == 0)
        (void)zygote_start(); /* if it cannot, the first worker tries again or forks */
}

void sfz_zygote_stop(void)
{
    zygote_drop();
}
