/*
 * shmipc_faults_test.c - every error path of libshmipc, reached by systematic fault
 * enumeration with libshmfault linked in-process.
 *
 * For each scenario (one library call, with whatever the other side set up beforehand), the
 * call is run once with no rule to count the intercepted calls it makes; then for every
 * function f it called n times, every occurrence i in 1..n and every errno f documents, it is
 * run again with the rule "f@i=errno". Whatever the fault, the library must:
 *   - report it (-1/NULL) with an errno, or succeed only if it called f again afterwards
 *     (a legitimate retry, e.g. semop after EINTR) - never swallow it;
 *   - leave no new object behind when it fails (no segment, semaphore set or /dev/shm name
 *     of its own; a failed destroy may have removed part of what it was removing);
 *   - keep working: the next scenario starts from a clean namespace.
 * Runs in a private IPC + /dev/shm namespace (in-namespace.sh).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "shmfault.h"
#include "shmipc.h"

#define KEY 0x5349
#define NAME "/shmipc-faults"

/* ---- the namespace's objects --------------------------------------------------------- */

/* A fingerprint of every IPC object in the namespace: counts of SysV shm/sem and /dev/shm. */
struct census {
    int shm, sem, names;
};

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    int n = -1; /* header line */
    char line[512];
    while (fgets(line, sizeof(line), f) != NULL)
        n++;
    fclose(f);
    return n;
}

static struct census census_take(void)
{
    struct census c = {count_lines("/proc/sysvipc/shm"), count_lines("/proc/sysvipc/sem"), 0};
    DIR *d = opendir("/dev/shm");
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
        c.names += e->d_name[0] != '.';
    if (d != NULL)
        closedir(d);
    return c;
}

static void remove_everything(void)
{
    int id;
    if ((id = shmget(KEY, 0, 0)) != -1)
        shmctl(id, IPC_RMID, NULL);
    if ((id = semget(KEY, 0, 0)) != -1)
        semctl(id, 0, IPC_RMID);
    shm_unlink(NAME);
}

/* ---- scenarios ----------------------------------------------------------------------- */

struct scenario {
    const char *name;
    void (*prepare)(void); /* disarmed: what the other side did before */
    int (*run)(void);      /* armed: the call under test; 0 success, -1 failure (errno) */
    void (*after)(void);   /* disarmed: close what run left open */
};

static struct shmipc_kv *kv;
static struct shmipc_records *tab;
static struct shmipc_ring *ring, *peer_ring;
static struct shmipc_file *file;

static void nothing(void) {}
static int ok_if(const void *p) { return p != NULL ? 0 : -1; }

static void kv_made(void) { kv = shmipc_kv_create(KEY, 32); shmipc_kv_put(kv, "v", 1); }
static void kv_gone(void) { shmipc_kv_close(kv); kv = NULL; remove_everything(); }
static int kv_create(void) { return ok_if(kv = shmipc_kv_create(KEY, 32)); }
static struct shmipc_kv *kv_other;
static int kv_open(void) { return ok_if(kv_other = shmipc_kv_open(KEY)); }
static void kv_other_gone(void) { shmipc_kv_close(kv_other); kv_other = NULL; kv_gone(); }
static int kv_destroy(void)
{
    if (shmipc_kv_destroy(kv) == -1)
        return -1;
    kv = NULL;
    return 0;
}

static void tab_made(void) { tab = shmipc_records_create(KEY, 4); }
static void tab_gone(void) { shmipc_records_close(tab); tab = NULL; remove_everything(); }
static int tab_create(void) { return ok_if(tab = shmipc_records_create(KEY, 4)); }
static struct shmipc_records *tab_other;
static int tab_open(void) { return ok_if(tab_other = shmipc_records_open(KEY, 4)); }
static void tab_other_gone(void) { shmipc_records_close(tab_other); tab_other = NULL; tab_gone(); }
static int tab_put(void)
{
    struct shmipc_record r = {.id = 5, .name = "five"};
    return shmipc_records_put(tab, 1, &r, 100);
}
static int tab_get(void)
{
    struct shmipc_record r;
    return shmipc_records_get(tab, 1, &r, 100);
}
static int tab_update(void)
{
    struct shmipc_record r;
    if (shmipc_records_begin(tab, 2, &r, 100) == -1)
        return -1;
    r.id++;
    return shmipc_records_commit(tab, &r);
}
static int tab_destroy(void)
{
    if (shmipc_records_destroy(tab) == -1)
        return -1;
    tab = NULL;
    return 0;
}

static void ring_made(void)
{
    ring = shmipc_ring_create(KEY, 2, 16, SHMIPC_PRODUCER);
    peer_ring = shmipc_ring_open(KEY, SHMIPC_CONSUMER);
}
static void ring_made_full(void)
{
    ring_made();
    shmipc_ring_send(ring, "m", 1, 0);
}
static void ring_gone(void)
{
    shmipc_ring_close(peer_ring);
    shmipc_ring_close(ring);
    ring = peer_ring = NULL;
    remove_everything();
}
static int ring_create(void) { return ok_if(ring = shmipc_ring_create(KEY, 2, 16, SHMIPC_CONSUMER)); }
static void ring_half(void) { ring = shmipc_ring_create(KEY, 2, 16, SHMIPC_CONSUMER); }
static int ring_open(void) { return ok_if(peer_ring = shmipc_ring_open(KEY, SHMIPC_PRODUCER)); }
static int ring_send(void) { return shmipc_ring_send(ring, "hello", 5, 100); }
static int ring_recv(void)
{
    char buf[16];
    return shmipc_ring_recv(peer_ring, buf, sizeof(buf), 100) == 1 ? 0 : -1;
}
static int ring_destroy(void)
{
    if (shmipc_ring_destroy(ring) == -1)
        return -1;
    ring = NULL;
    return 0;
}

static void file_made(void) { file = shmipc_file_create(NAME, 32); }
static void file_gone(void) { shmipc_file_close(file); file = NULL; remove_everything(); }
static int file_create(void) { return ok_if(file = shmipc_file_create(NAME, 32)); }
static struct shmipc_file *file_other;
static int file_open(void) { return ok_if(file_other = shmipc_file_open(NAME)); }
static void file_other_gone(void) { shmipc_file_close(file_other); file_other = NULL; file_gone(); }
static int file_destroy(void)
{
    if (shmipc_file_destroy(file) == -1)
        return -1;
    file = NULL;
    return 0;
}

static const struct scenario scenarios[] = {
    {"kv_create", nothing, kv_create, kv_gone},
    {"kv_open", kv_made, kv_open, kv_other_gone},
    {"kv_destroy", kv_made, kv_destroy, kv_gone},
    {"records_create", nothing, tab_create, tab_gone},
    {"records_open", tab_made, tab_open, tab_other_gone},
    {"records_put", tab_made, tab_put, tab_gone},
    {"records_get", tab_made, tab_get, tab_gone},
    {"records_update", tab_made, tab_update, tab_gone},
    {"records_destroy", tab_made, tab_destroy, tab_gone},
    {"ring_create", nothing, ring_create, ring_gone},
    {"ring_open", ring_half, ring_open, ring_gone},
    {"ring_send", ring_made, ring_send, ring_gone},
    {"ring_recv", ring_made_full, ring_recv, ring_gone},
    {"ring_destroy", ring_made, ring_destroy, ring_gone},
    {"file_create", nothing, file_create, file_gone},
    {"file_open", file_made, file_open, file_other_gone},
    {"file_destroy", file_made, file_destroy, file_gone},
};

/* ---- the enumeration ----------------------------------------------------------------- */

static int failures;

#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            printf("FAIL %s: ", #cond);                                                           \
            printf(__VA_ARGS__);                                                                  \
            printf("\n");                                                                         \
            failures++;                                                                           \
        }                                                                                         \
    } while (0)

/* Run S once under RULE (NULL: none); *calls gets the per-function call counts. */
static int run_once(const struct scenario *s, const char *rule, unsigned long *calls, int *err,
                    struct census *before, struct census *after)
{
    struct shmfault_error e;
    shmfault_disarm();
    if (shmfault_rules_set(rule != NULL ? rule : "", &e) == -1) {
        printf("FAIL rule '%s' refused: %s\n", rule, e.msg);
        failures++;
        return 0;
    }
    s->prepare();
    *before = census_take();
    shmfault_reset();
    shmfault_arm();
    errno = 0;
    int rc = s->run();
    *err = errno;
    shmfault_disarm();
    *after = census_take();
    for (unsigned f = 0; f < shmfault_function_count(); f++)
        calls[f] = shmfault_calls(f);
    s->after();
    return rc;
}

/* Each scenario is deterministic: a run with rule f@i is the fault-free run up to the i-th
   call of f, which the fault-free run made (i <= its count). So every run must inject exactly
   once; one that does not means the layer or the rule is broken, and it would otherwise check
   nothing at all. */
static void enumerate(const struct scenario *s, unsigned *points, unsigned *injected)
{
    unsigned nf = shmfault_function_count();
    unsigned long base[256], calls[256];
    struct census before, after;
    int err;
    CHECK(run_once(s, NULL, base, &err, &before, &after) == 0, "%s fails with no fault: %s",
          s->name, strerror(err));
    for (unsigned f = 0; f < nf && f < 256; f++) {
        const int *errnos;
        unsigned ne = shmfault_function_errnos(f, &errnos);
        for (unsigned long i = 1; i <= base[f]; i++) {
            for (unsigned k = 0; k < ne; k++) {
                char rule[128];
                snprintf(rule, sizeof(rule), "%s@%lu=%s", shmfault_function_name(f), i,
                         shmfault_errno_name(errnos[k]));
                int rc = run_once(s, rule, calls, &err, &before, &after);
                (*points)++;
                CHECK(shmfault_injections() == 1, "%s under %s: %lu injections, want 1",
                      s->name, rule, shmfault_injections());
                if (shmfault_injections() == 0)
                    continue;
                (*injected)++;
                if (rc == 0)
                    CHECK(calls[f] > i, "%s under %s: succeeded without retrying %s", s->name,
                          rule, shmfault_function_name(f));
                else
                    CHECK(err != 0, "%s under %s: failed with errno 0", s->name, rule);
                if (rc != 0)
                    CHECK(after.shm <= before.shm && after.sem <= before.sem &&
                              after.names <= before.names,
                          "%s under %s: failed but left new objects (shm %d->%d, sem %d->%d, "
                          "names %d->%d)", s->name, rule, before.shm, after.shm, before.sem,
                          after.sem, before.names, after.names);
                struct census clean = census_take();
                CHECK(clean.shm == 0 && clean.sem == 0 && clean.names == 0,
                      "%s under %s: cleanup left objects behind", s->name, rule);
                remove_everything();
            }
        }
    }
}

int main(void)
{
    unsigned points = 0, injected = 0;
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        unsigned before = points, before_inj = injected;
        int before_fail = failures;
        enumerate(&scenarios[i], &points, &injected);
        CHECK(injected > before_inj, "%s: no run injected a fault", scenarios[i].name);
        printf("%-16s %4u fault runs, %4u injected, %s\n", scenarios[i].name, points - before,
               injected - before_inj, failures == before_fail ? "ok" : "FAILED");
    }
    printf("%u fault runs, %u injected, %d failures\n", points, injected, failures);
    return failures == 0 ? 0 : 1;
}
