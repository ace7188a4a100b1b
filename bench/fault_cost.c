/*
 * fault_cost.c - what libshmfault adds per call, measured in-process. The same binary is run
 * several ways by a bench script (directly; under LD_PRELOAD with no rule; with an armed rule
 * of another call class that never fires; with 32 rules) and the variants are compared.
 * Rounds interleave the figures so machine noise hits every figure alike; each round times a
 * batch and keeps ns per call; the median, min and max over rounds are printed as one JSON
 * line per figure:
 *   {"figure":"shmctl_stat","variant":"direct","median_ns":..,"min_ns":..,"max_ns":..}
 * Figures: shmctl(IPC_STAT); semop uncontended; shmget+shmat+shmdt+IPC_RMID cycle; a
 * sem_post+sem_trywait pair on an unnamed semaphore (no syscall: the wrapper's own cost
 * stands out); with --mmap, mmap+munmap of one private anonymous page (to compare with
 * libfiu's fiu-run, which wraps mmap but no shm call).
 * usage: bench-fault-cost [--variant NAME] [--rounds N] [--mmap]
 */
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>

#define MAX_ROUNDS 1000

struct figure {
    const char *name;
    unsigned batch;                /* calls per timed batch */
    void (*run)(unsigned n);
    double ns[MAX_ROUNDS];
};

static int shm_id = -1, sem_id = -1;
static sem_t usem;

static void run_shmctl(unsigned n)
{
    struct shmid_ds ds;
    for (unsigned i = 0; i < n; i++)
        if (shmctl(shm_id, IPC_STAT, &ds) != 0)
            abort();
}

static void run_semop(unsigned n)
{
    struct sembuf op[2] = {{0, 1, 0}, {0, -1, 0}};
    for (unsigned i = 0; i < n; i++)
        if (semop(sem_id, op, 2) != 0)
            abort();
}

static void run_cycle(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        void *p = shmat(id, NULL, 0);
        if (id < 0 || p == (void *)-1 || shmdt(p) != 0 || shmctl(id, IPC_RMID, NULL) != 0)
            abort();
    }
}

static void run_sem_pair(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (sem_post(&usem) != 0 || sem_trywait(&usem) != 0)
            abort();
}

static void run_mmap(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED || munmap(p, 4096) != 0)
            abort();
    }
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *variant = "direct";
    unsigned rounds = 31;
    int with_mmap = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--variant") == 0 && i + 1 < argc)
            variant = argv[++i];
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--mmap") == 0)
            with_mmap = 1;
        else {
            fprintf(stderr, "usage: bench-fault-cost [--variant NAME] [--rounds N] [--mmap]\n");
            return 2;
        }
    }
    if (rounds == 0 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "bench-fault-cost: --rounds is 1..%d\n", MAX_ROUNDS);
        return 2;
    }
    shm_id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    sem_id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (shm_id < 0 || sem_id < 0 || sem_init(&usem, 0, 0) != 0) {
        perror("bench-fault-cost: set-up");
        return 2;
    }
    static struct figure figs[] = {
        {"shmctl_stat", 2000, run_shmctl, {0}},
        {"semop", 2000, run_semop, {0}},
        {"shm_cycle", 200, run_cycle, {0}},
        {"sem_post_trywait", 200000, run_sem_pair, {0}},
        {"mmap_munmap", 1000, run_mmap, {0}},
    };
    size_t nfig = sizeof(figs) / sizeof(figs[0]) - (with_mmap ? 0 : 1);
    for (size_t f = 0; f < nfig; f++)
        figs[f].run(figs[f].batch / 10); /* warm up: resolve symbols, fault pages in */
    for (unsigned r = 0; r < rounds; r++)
        for (size_t f = 0; f < nfig; f++) {
            double t0 = now_ns();
            figs[f].run(figs[f].batch);
            figs[f].ns[r] = (now_ns() - t0) / figs[f].batch;
        }
    for (size_t f = 0; f < nfig; f++) {
        qsort(figs[f].ns, rounds, sizeof(double), cmp);
        printf("{\"figure\":\"%s\",\"variant\":\"%s\",\"median_ns\":%.1f,\"min_ns\":%.1f,"
               "\"max_ns\":%.1f}\n",
               figs[f].name, variant, figs[f].ns[rounds / 2], figs[f].ns[0], figs[f].ns[rounds - 1]);
    }
    shmctl(shm_id, IPC_RMID, NULL);
    semctl(sem_id, 0, IPC_RMID);
    sem_destroy(&usem);
    return 0;
}
