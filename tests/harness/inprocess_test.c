/*
 * inprocess_test.c - the in-process fast path (a one-process program run in the engine's own
 * process, as libFuzzer and AFL++ persistent drivers run it) keeps its guarantees while it
 * makes no mprotect pair per input:
 *   - a wild write into the executor's area by an op faults (SIGSEGV in the engine's process,
 *     which the engine reports as a crash), and so does one from the adapter's teardown, or one
 *     between inputs: the area's view next to the model is read-only for good, and an op that
 *     made it writable (without writing) leaves it read-only again for the next input;
 *   - the executor writes through its own view of the same pages (sfz_state.area): both views
 *     see each other's writes, in forked processes too, the writable one lies between guard
 *     pages away from the model, and no descriptor is left for it;
 *   - a descriptor an op leaves open is an fd-leak finding; descriptors the engine opens
 *     between inputs are not (the begin looks again in the engine's process), also when they
 *     push the input's descriptors past the last input's reach, or close many of them;
 *   - a POSIX object left in /dev/shm is a leak-ipc even when the descriptor the sweep looks
 *     at /dev/shm through was replaced by one of another, empty tmpfs;
 *   - with the engine declared quiet (sfz_engine_quiet_fds: it opens nothing between inputs), a
 *     begin after an input that ran here takes that input's done look: a leak is still found,
 *     a descriptor opened behind the declaration's back is taken for the input's (that is what
 *     the declaration skips), and after an input in forked workers the begin looks again.
 * Each case runs in a forked child (a fault ends it); prints one line per failure.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "exec_internal.h"
#include "shmfuzz/driver.h"
#include "shmfuzz/program.h"

#define PAGE 4096


struct model {
    int later;   /* the teardown is to write into the area */
    pid_t ran_in; /* the process the last op ran in */
};

/* The executor's area ends one guard page below the model: its last bytes. */
static void write_area(void *model)
{
    volatile char *p = (char *)model - PAGE - 16;
    *p = (char)0xff;
}

static int op_scribble(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)argv;
    write_area(ctx->shared);
    return SFZ_OK;
}

static int op_later(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)argv;
    ((struct model *)ctx->shared)->later = 1;
    return SFZ_OK;
}

static int op_leak(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx;
    (void)argv;
    return dup(2) >= 0 ? SFZ_OK : SFZ_FAILED;
}

/* a POSIX shared memory object nobody unlinks: a leak-ipc the sweep finds in /dev/shm */
static int op_pleak(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx;
    (void)argv;
    int fd = shm_open("/sfz-inprocess-leak", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return SFZ_FAILED;
    (void)close(fd);
    return SFZ_OK;
}

/* a library that makes the area's read-only view writable, and writes nothing */
static int op_unprotect(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx;
    (void)argv;
    return mprotect(sfz_state.area_ro, sfz_state.area_size, PROT_READ | PROT_WRITE) == 0
               ? SFZ_OK
               : SFZ_FAILED;
}

static int op_pid(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)argv;
    ((struct model *)ctx->shared)->ran_in = getpid();
    return SFZ_OK;
}

static void teardown(struct sfz_ctx *ctx)
{
    if (((struct model *)ctx->shared)->later)
        write_area(ctx->shared);
}

static const struct sfz_op ops[] = {
    {"scribble", 0, {{0}}, op_scribble, 0},
    {"later", 0, {{0}}, op_later, 0},
    {"leak", 0, {{0}}, op_leak, 0},
    {"pid", 0, {{0}}, op_pid, 0},
    {"pleak", 0, {{0}}, op_pleak, 0},
    {"unprotect", 0, {{0}}, op_unprotect, 0},
};

static const struct sfz_adapter adapter = {
    "inprocess-test", "the in-process fast path", ops, 6, 0, sizeof(struct model),
    NULL, NULL, teardown, NULL};

static struct sfz_opset set;

/* Run TEXT in the engine's process (this one); returns the verdict. */
static enum sfz_finding_kind run(const char *text, struct sfz_result *res)
{
    static struct sfz_program prog; /* large; parse fills it */
    unsigned line = 0;
    char err[256];
    if (sfz_program_parse(&set, text, strlen(text), &prog, &line, err, sizeof(err)) != 0) {
        printf("FAIL: program line %u: %s\n", line, err);
        exit(1);
    }
    enum sfz_finding_kind kind = sfz_exec_run(&set, &prog, res);
    if (!res->inprocess) {
        printf("FAIL: '%s' did not run in the engine's process\n", text);
        exit(1);
    }
    return kind;
}

static void start(void)
{
    char err[256];
    struct sfz_exec_options opt = {0};
    if (sfz_exec_init(&adapter, &opt, err, sizeof(err)) != 0) {
        printf("FAIL: sfz_exec_init: %s\n", err);
        exit(1);
    }
    sfz_opset_init(&set, &adapter);
}

/* FN in a child; returns its wait status. */
static int in_child(void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        failures = 0; /* this case's own */
        start();
        fn();
        fflush(stdout);
        _exit(failures ? 1 : 0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

static void scribble_in_op(void)
{
    struct sfz_result res;
    (void)run("procs 1\np0 pid\n", &res); /* an input before: the area is writable between */
    (void)run("procs 1\np0 scribble\n", &res);
}

static void scribble_in_teardown(void)
{
    struct sfz_result res;
    (void)run("procs 1\np0 later\n", &res);
}

static void scribble_between(void)
{
    struct sfz_result res;
    (void)run("procs 1\np0 pid\n", &res);
    write_area(sfz_state.shared); /* the engine, say, between two inputs */
}

static void scribble_after_unprotect(void)
{
    struct sfz_result res;
    CHECK(run("procs 1\np0 unprotect\n", &res) == SFZ_FIND_NONE);
    (void)run("procs 1\np0 scribble\n", &res);
    fflush(stdout);
    _exit(0); /* the scribble was not stopped */
}

/* The harness's view of the area: the read-only one's pages, not next to the model. */
static void two_views(void)
{
    volatile char *rw = (char *)sfz_state.area, *ro = sfz_state.area_ro;
    struct sfz_result res;
    CHECK(ro == (char *)sfz_state.shared - PAGE - sfz_state.area_size);
    CHECK((char *)rw + sfz_state.area_size + PAGE <= (char *)ro ||
          (char *)ro + sfz_state.area_size + PAGE <= (char *)rw);
    char last = rw[sfz_state.area_size - 1]; /* the views cover the whole area */
    rw[sfz_state.area_size - 1] = 0x5a;
    CHECK(ro[sfz_state.area_size - 1] == 0x5a);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) { /* a forked worker's views are the same pages */
        sfz_state.area->peer_writes = 0x33; /* as peer.poke counts */
        _exit(ro[sfz_state.area_size - 1] == 0x5a ? 0 : 1);
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(((const struct sfz_area *)sfz_state.area_ro)->peer_writes == 0x33);
    rw[sfz_state.area_size - 1] = last;
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE);
    /* which way the views were made: mremap, or a memfd where that is refused (Valgrind) */
    char line[512];
    const char *how = "mremap";
    FILE *maps = fopen("/proc/self/maps", "r");
    CHECK(maps != NULL);
    while (maps != NULL && fgets(line, sizeof(line), maps) != NULL)
        if (strtoull(line, NULL, 16) == (uintptr_t)rw && strstr(line, "shmfuzz-area") != NULL)
            how = "memfd";
    if (maps != NULL)
        (void)fclose(maps);
    printf("inprocess: views by %s\n", how);
    /* no descriptor holds the area (a memfd's is closed once it is mapped) */
    char path[64], target[128];
    for (int fd = 0; fd < 1024; fd++) {
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        CHECK(strstr(target, "shmfuzz-area") == NULL);
    }
}

/* Just below and just above the writable view: guard pages. */
static void below_view(void)
{
    *((volatile char *)sfz_state.area - 1) = 1;
}

static void above_view(void)
{
    *((volatile char *)sfz_state.area + sfz_state.area_size) = 1;
}

static void descriptors(void)
{
    struct sfz_result res;
    struct model *m = sfz_state.shared;
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE);
    CHECK(m->ran_in == getpid());
    /* the area is the executor's to write again after the input */
    sfz_state.area->peer_writes = 0;

    CHECK(run("procs 1\np0 leak\n", &res) == SFZ_FIND_FD_LEAK);
    CHECK(strstr(res.why, "left fd") != NULL);

    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE); /* an input that ended clean */
    /* the engine opens descriptors between inputs and keeps them: not the input's leak */
    int engine = open("/dev/null", O_RDONLY);
    CHECK(engine >= 0);
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE);

    /* so many that the input's descriptors land past the last input's reach */
    int many[100], n = 0;
    for (; n < 100; n++)
        if ((many[n] = open("/dev/null", O_RDONLY)) < 0)
            break;
    CHECK(n == 100);
    int next = dup(2); /* where the input's own descriptor will land */
    CHECK(next >= 0);
    (void)close(next);
    CHECK(run("procs 1\np0 leak\n", &res) == SFZ_FIND_FD_LEAK);
    char want[32];
    snprintf(want, sizeof(want), "left fd %d open", next);
    CHECK(strstr(res.why, want) != NULL);
    (void)close(next);
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE);
    for (int i = 0; i < n; i++)
        (void)close(many[i]);
    (void)close(engine);
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE);
}

/* The engine holds many descriptors for an input, then closes them: the next input's looks
   are shorter than the last ones, and what those saw past the new reach (open then, closed now)
   is not this input's leak, for every place of the reach within a word of eight. */
static void shrinking(void)
{
    struct sfz_result res;
    for (int k = 0; k < 8; k++) {
        int many[100], extra[8];
        for (int i = 0; i < 100; i++)
            CHECK((many[i] = open("/dev/null", O_RDONLY)) >= 0);
        CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE);
        for (int i = 0; i < 100; i++)
            (void)close(many[i]);
        for (int i = 0; i < k; i++)
            CHECK((extra[i] = open("/dev/null", O_RDONLY)) >= 0);
        CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE);
        CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE);
        for (int i = 0; i < k; i++)
            (void)close(extra[i]);
    }
}

/* The sweep looks at /dev/shm through a descriptor it holds (namespace.c); one that now
   names another, empty tmpfs (here the test's own, put in its place) must not hide a leak. */
static void swapped_shm_dir(void)
{
    struct sfz_result res;
    struct stat shm;
    struct statfs fs;
    if (!sfz_state.private_posix)
        return; /* no private /dev/shm: no descriptor held */
    CHECK(stat("/dev/shm", &shm) == 0);
    int held = -1;
    for (int fd = 640; fd < 1024 && held < 0; fd++) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == shm.st_dev &&
            st.st_ino == shm.st_ino)
            held = fd;
    }
    CHECK(held >= 0);
    char dir[] = "/tmp/sfz-inprocess-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(mount("none", dir, "tmpfs", 0, "size=64k") == 0); /* the private mount namespace */
    int other = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(other >= 0 && fstatfs(other, &fs) == 0 && fs.f_files - fs.f_ffree <= 1);
    CHECK(dup3(other, held, O_CLOEXEC) == held);
    (void)close(other);
    CHECK(run("procs 1\np0 pleak\n", &res) == SFZ_FIND_LEAK_IPC);
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE); /* the sweep removed it */
    (void)umount2(dir, MNT_DETACH);
    (void)rmdir(dir);
}

static void quiet_engine(void)
{
    struct sfz_result res;
    sfz_engine_quiet_fds();
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE); /* looks: nothing ran here before */
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE);
    CHECK(run("procs 1\np0 leak\n", &res) == SFZ_FIND_FD_LEAK); /* on the last done's look */
    CHECK(strstr(res.why, "left fd") != NULL);
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE); /* a leak's done: looked again */
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE); /* the leaked one stays open */

    /* an input in forked workers between: the executor may have opened descriptors (here the
       test stands for it), and the next input here looks again */
    static struct sfz_program forked;
    const char *two = "procs 2\np0 pid\np1 pid\n";
    unsigned line = 0;
    char err[256];
    CHECK(sfz_program_parse(&set, two, strlen(two), &forked, &line, err, sizeof(err)) == 0);
    CHECK(sfz_exec_run(&set, &forked, &res) == SFZ_FIND_NONE && !res.inprocess);
    CHECK(open("/dev/null", O_RDONLY) >= 0);
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE);
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_NONE);

    /* what the declaration promises not to happen: a descriptor opened between two inputs
       here is not looked for, so the next input's done takes it for the input's own */
    CHECK(open("/dev/null", O_RDONLY) >= 0);
    CHECK(run("procs 1\np0 pid\n", &res) == SFZ_FIND_FD_LEAK);
}

/* Every case in a child of its own: the signal it must die of (a wild write that faults), or 0
   when it must exit with its checks passed. */
static const struct {
    const char *name;
    void (*fn)(void);
    int sig;
} cases[] = {
    {"scribble_in_op", scribble_in_op, SIGSEGV},
    {"scribble_in_teardown", scribble_in_teardown, SIGSEGV},
    {"scribble_between", scribble_between, SIGSEGV},
    {"scribble_after_unprotect", scribble_after_unprotect, SIGSEGV},
    {"two_views", two_views, 0},
    {"below_view", below_view, SIGSEGV},
    {"above_view", above_view, SIGSEGV},
    {"descriptors", descriptors, 0},
    {"swapped_shm_dir", swapped_shm_dir, 0},
    {"shrinking", shrinking, 0},
    {"quiet_engine", quiet_engine, 0},
};

int main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int st = in_child(cases[i].fn);
        int ok = cases[i].sig ? WIFSIGNALED(st) && WTERMSIG(st) == cases[i].sig
                              : WIFEXITED(st) && WEXITSTATUS(st) == 0;
        if (!ok)
            printf("case %s: wait status %#x\n", cases[i].name, (unsigned)st);
        CHECK(ok);
    }
    if (failures == 0)
        printf("inprocess: all checks passed\n");
    return failures ? 1 : 0;
}
