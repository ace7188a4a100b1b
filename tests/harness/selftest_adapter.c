/*
 * selftest_adapter.c - target "selftest" (tests only): purpose-built bad ops, one per oracle,
 * each next to a good twin, so tests/harness/programs can show every oracle firing on a bad
 * program and staying silent on a good one.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmfuzz/adapter.h"

struct selftest_shared {
    int invariant_broken;
};

/* leak-ipc: a segment nobody removes, and its tidy twin. */
static int op_leak(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx, (void)argv;
    return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600) == -1 ? SFZ_FAILED : SFZ_OK;
}

/* leak-ipc of a POSIX object: a name in /dev/shm nobody unlinks. */
static int op_pleak(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx, (void)argv;
    int fd = shm_open("/sfz-selftest-leak", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return SFZ_FAILED;
    close(fd);
    return SFZ_OK;
}

/* leak-ipc of objects made past libshmfault's interposers (the system calls themselves, as a
   target may make them): the sweep must not rely on the ledger having seen a create. HOW: a
   System V segment, a semaphore set, a file in /dev/shm (what shm_open makes). */
static int op_rawleak(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx;
    long r;
    if (argv[0] == 0)
        r = syscall(SYS_shmget, IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    else if (argv[0] == 1)
        r = syscall(SYS_semget, IPC_PRIVATE, 1, IPC_CREAT | 0600);
    else if ((r = syscall(SYS_openat, AT_FDCWD, "/dev/shm/sfz-selftest-raw",
                          O_CREAT | O_RDWR | O_CLOEXEC, 0600)) >= 0)
        close((int)r);
    return r < 0 ? SFZ_FAILED : SFZ_OK;
}

static int op_tidy(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx, (void)argv;
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id == -1)
        return SFZ_FAILED;
    return shmctl(id, IPC_RMID, NULL) == -1 ? SFZ_FAILED : SFZ_OK;
}

/* crash: an unplanned SIGSEGV or exit(1). */
static int op_crash(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx;
    if (argv[0] == 0)
        raise(SIGSEGV);
    _exit(1);
}

/* hang: never returns. */
static int op_hang(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx, (void)argv;
    static volatile sig_atomic_t woken; /* never set: the executor's timeout ends the worker */
    while (!woken)
        pause();
    return SFZ_OK;
}

/* hang's good twin: the op blocks on a pipe until a child it forked writes to it, 50 ms later
   (well inside the tests' 300 ms op timeout). Real blocking work the hang oracle must let finish:
   a timeout that is too short, or judged before the reply, calls it a hang. */
static int op_wait(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx, (void)argv;
    int fds[2];
    char byte = 0;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return SFZ_FAILED;
    pid_t child = fork();
    if (child == 0) {
        struct timespec t = {0, 50 * 1000 * 1000};
        (void)nanosleep(&t, NULL);
        _exit(write(fds[1], "x", 1) == 1 ? 0 : 1);
    }
    close(fds[1]);
    ssize_t n = child > 0 ? read(fds[0], &byte, 1) : -1;
    close(fds[0]);
    int st = 0;
    if (child > 0)
        (void)waitpid(child, &st, 0);
    return n == 1 ? SFZ_OK : SFZ_FAILED;
}

/* bad-error's good twin that needs the retry exemption: semop interrupted (EINTR) is retried on
   the same set until it succeeds, as a correct program does. */
static int op_retry(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx, (void)argv;
    int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (id == -1)
        return SFZ_FAILED;
    struct sembuf up = {0, 1, 0};
    int rc;
    while ((rc = semop(id, &up, 1)) == -1 && errno == EINTR)
        ;
    (void)semctl(id, 0, IPC_RMID);
    return rc == 0 ? SFZ_OK : SFZ_FAILED;
}

/* bad-error's good twin for a peer's removal: semop says the set is gone (EIDRM), the op asks
   the kernel, finds it gone for real (a peer removed it) and has nothing left to do. */
static int op_leave(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx, (void)argv;
    struct semid_ds ds;
    int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (id == -1 || semctl(id, 0, IPC_RMID) == -1) /* the peer's removal */
        return SFZ_FAILED;
    struct sembuf down = {0, -1, IPC_NOWAIT};
    if (semop(id, &down, 1) == 0)
        return SFZ_OK;
    if (errno != EIDRM && errno != EINVAL)
        return SFZ_FAILED;
    return semctl(id, 0, IPC_STAT, &ds) == -1 && (errno == EIDRM || errno == EINVAL) ? SFZ_OK
                                                                                    : SFZ_FAILED;
}

/* leave's bad twin: nothing failed before the question, yet a "removed" answer to it is taken
   for "nothing to do". The set is then removed past the layer (a raw system call, not a layer
   call after the injection) so that only the bad-error oracle speaks. */
static int op_presume(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx, (void)argv;
    struct semid_ds ds;
    int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (id == -1)
        return SFZ_FAILED;
    int asked = semctl(id, 0, IPC_STAT, &ds);
    (void)syscall(SYS_semctl, id, 0, IPC_RMID, 0);
    return asked == 0 || errno == EIDRM || errno == EINVAL ? SFZ_OK : SFZ_FAILED;
}

/* bad-error: shmget's failure turned into success, and the honest twin. */
static int op_swallow(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx, (void)argv;
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id != -1)
        (void)shmctl(id, IPC_RMID, NULL);
    return SFZ_OK;
}

static int op_honest(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx, (void)argv;
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id == -1)
        return SFZ_FAILED;
    (void)shmctl(id, IPC_RMID, NULL);
    return SFZ_OK;
}

/* fd-leak: an fd opened and never closed, and its twin. */
static int op_fdleak(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (argv[0] == 1 && fd >= 0)
        close(fd);
    return fd < 0 ? SFZ_FAILED : SFZ_OK;
}

/* data: the adapter's own model check, in an op and in check(). */
static int op_mismatch(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)argv;
    return sfz_finding(ctx, "read 0x00 where p%u wrote 0x41 (purpose-built)", ctx->proc);
}

static int op_break(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)argv;
    ((struct selftest_shared *)ctx->shared)->invariant_broken = 1;
    return SFZ_OK;
}

static int op_noop(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx, (void)argv;
    return SFZ_OK;
}

static int selftest_check(struct sfz_ctx *ctx)
{
    if (((struct selftest_shared *)ctx->shared)->invariant_broken)
        return sfz_finding(ctx, "invariant broken (purpose-built)");
    return SFZ_OK;
}

static const char *const crash_kinds[] = {"segv", "exit1"};
static const char *const fd_kinds[] = {"leak", "close"};
static const char *const raw_kinds[] = {"shm", "sem", "posix"};

static const struct sfz_op selftest_ops[] = {
    {"leak", 0, {{0}}, op_leak, 0},
    {"tidy", 0, {{0}}, op_tidy, 0},
    {"pleak", 0, {{0}}, op_pleak, 0},
    {"crash", 1, {{"how", SFZ_ARG_CHOICE, crash_kinds, 2}}, op_crash, 0},
    {"hang", 0, {{0}}, op_hang, 0},
    {"swallow", 0, {{0}}, op_swallow, 0},
    {"honest", 0, {{0}}, op_honest, 0},
    {"open", 1, {{"then", SFZ_ARG_CHOICE, fd_kinds, 2}}, op_fdleak, 0},
    {"mismatch", 0, {{0}}, op_mismatch, 0},
    {"break", 0, {{0}}, op_break, 0},
    {"noop", 0, {{0}}, op_noop, 0},
    {"wait", 0, {{0}}, op_wait, 0},
    {"retry", 0, {{0}}, op_retry, 0},
    {"leave", 0, {{0}}, op_leave, 0},
    {"rawleak", 1, {{"what", SFZ_ARG_CHOICE, raw_kinds, 3}}, op_rawleak, 0},
    {"presume", 0, {{0}}, op_presume, 0},
};

static const struct sfz_adapter selftest_adapter = {
    .name = "selftest",
    .summary = "harness self-test: one bad op per oracle",
    .ops = selftest_ops,
    .nops = sizeof(selftest_ops) / sizeof(selftest_ops[0]),
    .shared_size = sizeof(struct selftest_shared),
    .check = selftest_check,
};
SFZ_TARGET(selftest_adapter);
