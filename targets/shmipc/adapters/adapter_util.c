/*
 * adapter_util.c - helpers shared by the libshmipc adapters (see adapter_util.h).
 */
#include "adapter_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "shmfault.h"
#include "shmfuzz/host.h"
#include "shmipc.h"

/* ---- the host's keys and names (no private namespace) ----------------------------------- */

/* libshmipc's guard answers from the run's record: what the library creates is recorded, and
   it opens or removes nothing someone else holds (shmfuzz/host.h). In a namespace both are
   no-ops, so programs run exactly as written. */
static void guard_created(enum shmipc_object kind, int id, const char *name)
{
    sfz_host_created((enum sfz_host_kind)kind, id, name);
}

static int guard_foreign(enum shmipc_object kind, int id, const char *name, int fd)
{
    return sfz_host_foreign((enum sfz_host_kind)kind, id, name, fd);
}

_Static_assert((int)SHMIPC_OBJ_SHM == (int)SFZ_HOST_SHM && (int)SHMIPC_OBJ_SEM == (int)SFZ_HOST_SEM &&
                   (int)SHMIPC_OBJ_POSIX_SHM == (int)SFZ_HOST_POSIX_SHM,
               "libshmipc's object kinds are the host kinds");
static const struct shmipc_guard guard = {guard_created, guard_foreign};

/* Candidate K of a slot: key BASE + slot + 4K, or name STEM<slot> (K = 0), STEM<slot>.K. */
#define CANDIDATES 64u /* keys stay inside BASE's 256 */
#define CHOSEN_KEY 0u
#define CHOSEN_NAME 1u
/* The candidate each slot uses: 0 not chosen yet, else K + 1. Chosen once per run by the first
   process that asks, in a page mapped at load (before any fork), so every worker agrees. */
static unsigned *chosen;

__attribute__((constructor)) static void host_init(void)
{
    shmipc_set_guard(&guard);
    void *p = mmap(NULL, 2 * SFZ_SLOTS * sizeof(unsigned), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    chosen = p == MAP_FAILED ? NULL : p;
}

static int key_taken(key_t key)
{
    return sfz_host_key_taken(SFZ_HOST_SHM, key) || sfz_host_key_taken(SFZ_HOST_SEM, key);
}

static void name_of(char *buf, size_t size, const char *stem, unsigned slot, unsigned k)
{
    if (k == 0)
        snprintf(buf, size, "%s%u", stem, slot);
    else
        snprintf(buf, size, "%s%u.%u", stem, slot, k);
}

static int name_taken(const char *stem, unsigned slot, unsigned k)
{
    char name[64];
    name_of(name, sizeof(name), stem, slot, k);
    return sfz_host_foreign(SFZ_HOST_POSIX_SHM, -1, name, -1);
}

/* The first candidate nobody else holds, chosen once per run; says so when it is not the
   first. A candidate taken after the choice makes the slot's creates fail (EEXIST) and its
   opens fail as absent: never someone else's object. */
static unsigned candidate(unsigned which, unsigned base, const char *stem, unsigned slot)
{
    unsigned *c = chosen ? &chosen[which * SFZ_SLOTS + slot] : NULL, k = 0, none = 0;
    if (c == NULL)
        return 0;
    unsigned got = __atomic_load_n(c, __ATOMIC_ACQUIRE);
    if (got != 0)
        return got - 1;
    while (k + 1 < CANDIDATES && (which == CHOSEN_KEY ? key_taken((key_t)(base + slot + SFZ_SLOTS * k))
                                                      : name_taken(stem, slot, k)))
        k++;
    if (!__atomic_compare_exchange_n(c, &none, k + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return none - 1; /* another worker chose first */
    if (k > 0 && which == CHOSEN_KEY)
        fprintf(stderr, "shmfuzz: key 0x%08x (slot %u) is another program's object: this run "
                        "uses 0x%08x (no private IPC namespace)\n", base + slot, slot,
                base + slot + SFZ_SLOTS * k);
    else if (k > 0) {
        char name[64];
        name_of(name, sizeof(name), stem, slot, k);
        fprintf(stderr, "shmfuzz: %s%u is another program's object: this run uses %s (no "
                        "private mount namespace)\n", stem, slot, name);
    }
    return k;
}

key_t sfzt_key(unsigned base, unsigned slot)
{
    slot %= SFZ_SLOTS;
    if (!sfz_host_shared(SFZ_HOST_SHM))
        return (key_t)(base + slot);
    return (key_t)(base + slot + SFZ_SLOTS * candidate(CHOSEN_KEY, base, NULL, slot));
}

const char *sfzt_name(const char *stem, unsigned slot)
{
    static char names[SFZ_SLOTS][64]; /* per process: the choice itself is shared */
    slot %= SFZ_SLOTS;
    unsigned k = sfz_host_shared(SFZ_HOST_POSIX_SHM) ? candidate(CHOSEN_NAME, 0, stem, slot) : 0;
    name_of(names[slot], sizeof(names[slot]), stem, slot, k);
    return names[slot];
}

int sfzt_status(long rc)
{
    if (rc != -1)
        return SFZ_OK;
    return errno == EAGAIN ? SFZ_SKIPPED : SFZ_FAILED;
}

unsigned long sfzt_injections(void)
{
    return shmfault_injections();
}

int sfzt_unexplained(struct sfz_ctx *ctx, unsigned long before, const char *what)
{
    int err = errno;
    if (sfzt_injections() != before)
        return SFZ_FAILED; /* the plan's fault: failing is the right answer */
    return sfz_finding(ctx, "%s failed with %s although the object exists and no fault was injected",
                       what, strerror(err));
}

/* This worker's handles: the generation each was made for (workers are processes). */
static uint32_t handle_gen[SFZ_SLOTS][SFZT_MAX_HANDLES];

static void sfzt_created(struct sfzt_slot_state *st, unsigned slot, unsigned k)
{
    st->exists = 1;
    handle_gen[slot][k] = ++st->gen;
}

void sfzt_model_created(void *model, size_t size, unsigned slot, unsigned k)
{
    struct sfzt_slot_state *st = model;
    uint32_t gen = st->gen;
    memset(model, 0, size);
    st->gen = gen;
    sfzt_created(st, slot, k);
}

void sfzt_opened(const struct sfzt_slot_state *st, unsigned slot, unsigned k)
{
    handle_gen[slot][k] = st->gen;
}

void sfzt_destroyed(struct sfzt_slot_state *st, unsigned slot, unsigned k)
{
    if (!sfzt_stale(st, slot, k))
        st->exists = 0;
    else
        st->unsure = 1; /* a destroy by name or key (shm_unlink) through a stale handle
                           removes whatever object has that name now */
}

int sfzt_stale(const struct sfzt_slot_state *st, unsigned slot, unsigned k)
{
    return handle_gen[slot][k] != st->gen;
}

void sfzt_destroy_failed(struct sfzt_slot_state *st, unsigned slot, unsigned k)
{
    if (!sfzt_stale(st, slot, k))
        st->unsure = 1;
}

int sfzt_must_exist(const struct sfzt_slot_state *st)
{
    return st->exists && !st->unsure && !st->corrupt && sfz_peer_writes() == 0 &&
           sfz_injected_deaths() == 0;
}

int sfzt_tainted(const struct sfzt_slot_state *st, unsigned slot)
{
    return st->corrupt || sfz_peer_writes() > 0 || sfz_slot_uncertain(slot);
}

int sfzt_corruption_report(struct sfz_ctx *ctx, const struct sfzt_slot_state *st, unsigned slot,
                           unsigned k, const char *what)
{
    int err = errno;
    /* a stale handle reads an earlier object of the slot, whose corruption history the model
       dropped when the slot was created again */
    if (err != EBADMSG || sfzt_tainted(st, slot) || sfzt_stale(st, slot, k))
        return sfzt_status(-1);
    return sfz_finding(ctx, "%s reports a corrupted object (EBADMSG) although no hostile peer "
                            "wrote into it", what);
}

void sfzt_pause_faults(struct sfzt_pause *p)
{
    p->was_armed = shmfault_armed();
    if (p->was_armed)
        shmfault_disarm();
}

void sfzt_resume_faults(const struct sfzt_pause *p)
{
    if (p->was_armed)
        shmfault_arm();
}

void *sfzt_peer_attach(key_t key, size_t *size)
{
    struct sfzt_pause pause;
    struct shmid_ds ds;
    void *base = NULL;

    sfzt_pause_faults(&pause);
    int id = sfz_host_ours_at(SFZ_HOST_SHM, key); /* never someone else's */
    if (id != -1 && shmctl(id, IPC_STAT, &ds) == 0) {
        base = shmat(id, NULL, 0);
        if (base == (void *)-1)
            base = NULL;
        *size = ds.shm_segsz;
    }
    sfzt_resume_faults(&pause);
    return base;
}

void sfzt_peer_detach(void *base)
{
    struct sfzt_pause pause;
    sfzt_pause_faults(&pause);
    (void)shmdt(base);
    sfzt_resume_faults(&pause);
}

int sfzt_sysv_perms(key_t key)
{
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    if (f == NULL)
        return -1;
    char line[512];
    int perms = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        long k;
        int id;
        unsigned mode;
        if (sscanf(line, "%ld %d %o", &k, &id, &mode) == 3 && (key_t)k == key) {
            perms = (int)(mode & 0777);
            break;
        }
    }
    fclose(f);
    return perms;
}

const char *const sfzt_poison_names[SFZT_NPOISON] = {"zero", "edge", "big", "max"};

unsigned sfzt_poison(unsigned poison, unsigned edge)
{
    switch (poison) {
    case 0: return 0;
    case 1: return edge;
    case 2: return 0x40000000u;
    default: return 0xffffffffu;
    }
}

/* Close a handle; a failed close keeps it valid, so try once more. */
static void close_twice(const struct sfzt_end *end, void *h)
{
    if (end->close(h) == -1)
        (void)end->close(h);
}

void sfzt_worker_done(struct sfz_ctx *ctx, const struct sfzt_end *end)
{
    /* Close only: a handle may name an object a peer has since destroyed and re-created under
       the same key, so destroying through it would remove the wrong one. The last worker
       destroys what the model says exists, reopened by key. */
    for (unsigned i = 0; i < SFZ_SLOTS * end->nhandles; i++) {
        void **h = end->handle(ctx, i / end->nhandles, i % end->nhandles);
        if (*h == NULL)
            continue;
        close_twice(end, *h);
        *h = NULL;
    }
    if (__atomic_add_fetch(end->finished(ctx), 1u, __ATOMIC_ACQ_REL) != ctx->nprocs)
        return;
    for (unsigned s = 0; s < SFZ_SLOTS; s++) {
        struct sfzt_slot_state *st = end->state(ctx, s);
        if (!st->exists)
            continue;
        void *h = end->reopen(s);
        if (h != NULL && end->destroy(h) == -1)
            close_twice(end, h);
        else if (h == NULL && sfzt_tainted(st, s))
            end->remove_raw(s); /* a peer (the adapter's or peer.poke) or an op killed
                                      half-way broke it beyond opening: not the library's leak */
        st->exists = 0;
    }
}

void sfzt_teardown(struct sfz_ctx *ctx, const struct sfzt_end *end)
{
    if (*end->finished(ctx) == ctx->nprocs)
        return;
    for (unsigned s = 0; s < SFZ_SLOTS; s++) {
        struct sfzt_slot_state *st = end->state(ctx, s);
        if (st->exists)
            end->remove_raw(s);
        st->exists = 0;
    }
}

void sfzt_remove_key(key_t key)
{
    /* only this run's objects at the key: outside a namespace it may hold someone else's */
    int id = sfz_host_ours_at(SFZ_HOST_SHM, key);
    if (id != -1)
        (void)shmctl(id, IPC_RMID, NULL);
    id = sfz_host_ours_at(SFZ_HOST_SEM, key);
    if (id != -1)
        (void)semctl(id, 0, IPC_RMID);
}
