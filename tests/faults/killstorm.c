/*
 * killstorm.c - libshmfault's shared area survives SIGKILL at any instruction (issue 10, 1).
 *
 * Run under LD_PRELOAD=libshmfault.so with SHMFAULT_RULES='shmctl=EIDRM' (every shmctl is
 * failed, so the real call is never made and no IPC object is touched):
 *
 *   killstorm KILLS
 *
 * Storm: 4 children call shmctl in a loop, each injection recording in the tree's shared area;
 * the parent SIGKILLs one of them, chosen and timed by a fixed generator (after 1..32 more calls
 * of its own), KILLS times, respawning each, and reads the last injection all along. A lock
 * orphaned by a killed writer would stop every other process of the tree: a respawned child that
 * makes no progress, or a parent stuck reading, is caught by the watchdog (SIGALRM, generous
 * bound; it never decides a pass, only a wedge).
 * Exact check: after the storm, 4 fresh children make exactly CALLS injected calls each; the
 * tree's injection count and rule 0's fired count grow by exactly 4 * CALLS, every call saw
 * EIDRM, and the last injection is a complete record of one of those calls. During the storm
 * the library's count is at least what the children saw and at most that plus one per kill (a
 * child killed between the injection and its own tally).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmfault.h"

#define NCHILD 4
#define CALLS 2000UL
#define WATCHDOG_S 60

struct tally {
    unsigned long progress[NCHILD]; /* calls made by the current child of each slot */
    unsigned long seen[NCHILD];     /* EIDRM failures every child of the slot saw */
    int stop;
};

static struct tally *t;
static pid_t kids[NCHILD];
static const char *phase = "start";

static unsigned long (*injections)(void);
static unsigned long (*fired)(unsigned);
static int (*last_injection)(struct shmfault_injection *);

static void on_alarm(int sig)
{
    (void)sig;
    for (int i = 0; i < NCHILD; i++)
        if (kids[i] > 0)
            kill(kids[i], SIGKILL);
    const char *a = "killstorm: FAIL wedged (no progress for a long time) during ";
    (void)!write(2, a, strlen(a));
    (void)!write(2, phase, strlen(phase));
    (void)!write(2, "\n", 1);
    _exit(1);
}

static uint64_t rnd_state = 0x6b696c6cULL;
static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rnd_state >> 33) % n);
}

/* A child: shmctl until told to stop (LIMIT 0) or LIMIT calls, tallying what it saw. */
static void child(int slot, unsigned long limit)
{
    struct shmid_ds ds;
    for (unsigned long n = 0; limit == 0 || n < limit; n++) {
        if (limit == 0 && __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE))
            break;
        errno = 0;
        int rc = shmctl(0, IPC_STAT, &ds);
        if (rc == -1 && errno == EIDRM)
            __atomic_add_fetch(&t->seen[slot], 1UL, __ATOMIC_RELAXED);
        __atomic_add_fetch(&t->progress[slot], 1UL, __ATOMIC_RELEASE);
    }
    _exit(0);
}

static pid_t spawn(int slot, unsigned long limit)
{
    __atomic_store_n(&t->progress[slot], 0UL, __ATOMIC_RELEASE);
    pid_t pid = fork();
    if (pid < 0) {
        perror("killstorm: fork");
        exit(2);
    }
    if (pid == 0)
        child(slot, limit);
    return pid;
}

static unsigned long seen_total(void)
{
    unsigned long s = 0;
    for (int i = 0; i < NCHILD; i++)
        s += __atomic_load_n(&t->seen[i], __ATOMIC_RELAXED);
    return s;
}

static int fail(const char *what, unsigned long a, unsigned long b)
{
    fprintf(stderr, "killstorm: FAIL %s (%lu vs %lu)\n", what, a, b);
    return 1;
}

static int storm(unsigned kills)
{
    struct shmfault_injection inj;
    phase = "the storm";
    for (int i = 0; i < NCHILD; i++)
        kids[i] = spawn(i, 0);
    for (unsigned k = 0; k < kills; k++) {
        int v = (int)rnd(NCHILD);
        unsigned long target = __atomic_load_n(&t->progress[v], __ATOMIC_ACQUIRE) + 1 + rnd(32);
        while (__atomic_load_n(&t->progress[v], __ATOMIC_ACQUIRE) < target) {
            (void)last_injection(&inj); /* a reader in the middle of it all: never waits */
            sched_yield();
        }
        kill(kids[v], SIGKILL);
        waitpid(kids[v], NULL, 0);
        kids[v] = spawn(v, 0);
    }
    /* every child of the last generation still answers: makes progress, then stops */
    phase = "the stop of the last generation";
    for (int i = 0; i < NCHILD; i++) {
        unsigned long target = __atomic_load_n(&t->progress[i], __ATOMIC_ACQUIRE) + 1;
        while (__atomic_load_n(&t->progress[i], __ATOMIC_ACQUIRE) < target)
            sched_yield();
    }
    __atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < NCHILD; i++) {
        int st;
        waitpid(kids[i], &st, 0);
        kids[i] = 0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return fail("a storm child did not finish cleanly (status)", (unsigned long)st, 0);
    }
    unsigned long lib = injections(), seen = seen_total();
    if (lib < seen)
        return fail("the library counted fewer injections than the children saw", lib, seen);
    if (lib > seen + kills)
        return fail("the library counted more injections than seen + one per kill", lib,
                    seen + kills);
    printf("storm: %u kills, %lu injections counted, %lu seen by the children\n", kills, lib,
           seen);
    return 0;
}

static int exact_phase(void)
{
    struct shmfault_injection inj;
    phase = "the exact phase after the storm";
    unsigned long inj0 = injections(), fired0 = fired(0);
    memset(t->seen, 0, sizeof(t->seen));
    for (int i = 0; i < NCHILD; i++)
        kids[i] = spawn(i, CALLS);
    for (int i = 0; i < NCHILD; i++) {
        int st;
        waitpid(kids[i], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return fail("an exact-phase child did not finish cleanly (status)", (unsigned long)st, 0);
    }
    int bad = 0;
    if (injections() - inj0 != NCHILD * CALLS)
        bad |= fail("injections after the storm", injections() - inj0, NCHILD * CALLS);
    if (fired(0) - fired0 != NCHILD * CALLS)
        bad |= fail("rule 0 fired after the storm", fired(0) - fired0, NCHILD * CALLS);
    if (seen_total() != NCHILD * CALLS)
        bad |= fail("EIDRM seen by the children after the storm", seen_total(), NCHILD * CALLS);
    if (last_injection(&inj) != 0)
        return bad | fail("no last injection after the storm", 0, 1);
    int ours = 0;
    for (int i = 0; i < NCHILD; i++)
        ours |= inj.pid == kids[i];
    if (!ours || inj.function != 3 || inj.value != EIDRM || inj.call_number < 1 ||
        inj.call_number > CALLS || inj.rule != 0)
        bad |= fail("last injection is not a complete record of an exact-phase call",
                    (unsigned long)inj.pid, inj.call_number);
    if (!bad)
        printf("exact: %lu injections, all seen, last from pid %d call %lu\n", NCHILD * CALLS,
               (int)inj.pid, inj.call_number);
    return bad;
}

int main(int argc, char **argv)
{
    unsigned kills = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 300;
    injections = (unsigned long (*)(void))dlsym(RTLD_DEFAULT, "shmfault_injections");
    fired = (unsigned long (*)(unsigned))dlsym(RTLD_DEFAULT, "shmfault_fired");
    last_injection = (int (*)(struct shmfault_injection *))dlsym(RTLD_DEFAULT,
                                                                 "shmfault_last_injection");
    if (!injections || !fired || !last_injection) {
        fprintf(stderr, "killstorm: run me with LD_PRELOAD=libshmfault.so\n");
        return 2;
    }
    t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED) {
        perror("killstorm: mmap");
        return 2;
    }
    signal(SIGALRM, on_alarm);
    alarm(WATCHDOG_S);
    int bad = storm(kills);
    if (!bad)
        bad = exact_phase();
    puts(bad ? "killstorm: FAIL" : "killstorm: ok");
    return bad;
}
