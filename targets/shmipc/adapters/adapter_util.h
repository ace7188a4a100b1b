/*
 * adapter_util.h - what the libshmipc adapters share: where each slot's object lives, how a
 * library result becomes an op status, how the hostile peer reaches a segment without
 * disturbing the fault plan's call counts, and how an op tells "failed because a fault was
 * injected" from "failed on its own".
 */
#ifndef SHMIPC_ADAPTER_UTIL_H
#define SHMIPC_ADAPTER_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h>

#include "shmfuzz/adapter.h"

/* What the model knows of every slot's object (the first member of each slot's model). */
struct sfzt_slot_state {
    uint8_t exists;  /* created and not destroyed */
    uint8_t corrupt; /* the hostile peer wrote into it */
    uint8_t unsure;  /* a destroy failed part-way, or went through a stale handle: the
                        object may be unpublished already */
    uint32_t gen;    /* which object: one more on every create (see sfzt_created) */
};

/*
 * Object identity. A handle remembers the generation of the object it was made for, so a
 * destroy through a stale handle (its object was destroyed and re-created under the same key
 * by a peer since) does not mark the new object gone. K tells a worker's handles of one slot
 * apart (role, "as"); at most SFZT_MAX_HANDLES per slot.
 */
#define SFZT_MAX_HANDLES 4
/* A create through handle K succeeded: zero the slot's MODEL (SIZE bytes, a struct whose first
   member is its sfzt_slot_state) for the new object, keeping the generation count. */
void sfzt_model_created(void *model, size_t size, unsigned slot, unsigned k);
void sfzt_opened(const struct sfzt_slot_state *st, unsigned slot, unsigned k);
void sfzt_destroyed(struct sfzt_slot_state *st, unsigned slot, unsigned k);
/* Whether handle K of SLOT was made for an object since destroyed and re-created: reads and
   writes through it reach the old object, which the model no longer describes. */
int sfzt_stale(const struct sfzt_slot_state *st, unsigned slot, unsigned k);
/* A destroy through handle K failed: the object may or may not be reachable by key now. */
void sfzt_destroy_failed(struct sfzt_slot_state *st, unsigned slot, unsigned k);
/* Whether an open of the slot by key must succeed (the model is sure the object is there). */
int sfzt_must_exist(const struct sfzt_slot_state *st);

/* Key of SLOT for the pattern whose keys start at BASE: BASE + SLOT. Without a private IPC
   namespace, the first of BASE + SLOT + 4k (k < 64) that holds no one else's object when the
   run first asks (then fixed for the run, and said on stderr when not the first). */
key_t sfzt_key(unsigned base, unsigned slot);
/* Name of SLOT for POSIX objects: STEM<slot>; without a private mount namespace the first of
   STEM<slot>, STEM<slot>.k no one else holds, chosen the same way. */
const char *sfzt_name(const char *stem, unsigned slot);
/* Status of an op whose library call returned RC (-1 and errno on failure). */
int sfzt_status(long rc);
/* Injections so far (all processes): compare before/after a call. */
unsigned long sfzt_injections(void);
/* A failure no injected fault explains is a finding: the object is in the model. */
int sfzt_unexplained(struct sfz_ctx *ctx, unsigned long before, const char *what);

/* Whether the model cannot vouch for SLOT's object (ST is its state): a hostile write may have
   touched it (the adapter's own corrupt op, or the harness's peer.poke anywhere in this input),
   or an op on it died half-way by plan (sfz_slot_uncertain: a producer killed right after the
   semop that publishes its message did publish it). Model checks are off for such objects. */
int sfzt_tainted(const struct sfzt_slot_state *st, unsigned slot);

/* The library reported a corrupted object (EBADMSG) that no hostile op touched and no op left
   half-done, through a handle K of the slot's current object: a finding, because then the
   corruption came from the library or its honest peers. */
int sfzt_corruption_report(struct sfz_ctx *ctx, const struct sfzt_slot_state *st, unsigned slot,
                           unsigned k, const char *what);

/* Run the hostile peer's own calls with the fault plan paused (they are not the code under
   test, and must not shift the plan's call numbering). */
struct sfzt_pause {
    int was_armed;
};
void sfzt_pause_faults(struct sfzt_pause *p);
void sfzt_resume_faults(const struct sfzt_pause *p);

/* The hostile peer's mapping of KEY's segment (faults paused); NULL if there is none. */
void *sfzt_peer_attach(key_t key, size_t *size);
void sfzt_peer_detach(void *base);
/* Permission bits of KEY's segment from /proc/sysvipc/shm, -1 if not found. */
int sfzt_sysv_perms(key_t key);

/*
 * The end of a program, the same for every pattern. Each worker's worker_done releases its
 * handles by closing them (never destroying: a handle may name an object a peer has since
 * destroyed and re-created under the same key); the last worker to finish then reopens and
 * destroys, through the library, every object the model says is alive (a kv value outlives
 * its writer by design). Whatever
 * survives that is the library's leak. If a worker died, that cleanup never ran: teardown
 * removes the objects the model knows by key or name, so only objects the library lost track
 * of (never in the model) remain to be reported.
 */
struct sfzt_end {
    struct sfzt_slot_state *(*state)(struct sfz_ctx *ctx, unsigned slot); /* in the model */
    unsigned *(*finished)(struct sfz_ctx *ctx); /* in the model: workers whose worker_done ran */
    unsigned nhandles; /* handles a worker may hold per slot (e.g. one per role) */
    void **(*handle)(struct sfz_ctx *ctx, unsigned slot, unsigned k); /* this worker's K-th */
    int (*destroy)(void *h);
    int (*close)(void *h);
    void *(*reopen)(unsigned slot);   /* through the library, as a cleanup program would */
    void (*remove_raw)(unsigned slot); /* without the library */
};
void sfzt_worker_done(struct sfz_ctx *ctx, const struct sfzt_end *end);
void sfzt_teardown(struct sfz_ctx *ctx, const struct sfzt_end *end);
/* Remove KEY's segment and semaphore set, if any (raw cleanup); without a private namespace
   only those this run created. */
void sfzt_remove_key(key_t key);

/* The named values a hostile op writes into a field. */
extern const char *const sfzt_poison_names[];
#define SFZT_NPOISON 4u
/* POISON (an index into sfzt_poison_names) for a field whose legal bound is EDGE. */
unsigned sfzt_poison(unsigned poison, unsigned edge);

#endif /* SHMIPC_ADAPTER_UTIL_H */
