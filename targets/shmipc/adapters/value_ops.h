/*
 * value_ops.h - one set of ops for the two "single text value" patterns (kv over a System V
 * key, file over a POSIX name): the backend says how to reach the library, the ops and the
 * model are shared, so both targets are fuzzed with the same checks.
 */
#ifndef SHMIPC_VALUE_OPS_H
#define SHMIPC_VALUE_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "adapter_util.h"
#include "shmfuzz/adapter.h"

#define VALUE_TEXT_MAX 255u

struct value_backend {
    const char *object; /* "kv segment", "file" in finding reasons */
    void *(*create)(unsigned slot, size_t capacity);
    void *(*open)(unsigned slot);
    int (*put)(void *h, const char *text, size_t len);
    ssize_t (*get)(void *h, char *buf, size_t bufsize);
    int (*close)(void *h);
    int (*destroy)(void *h);
    /* Permission bits of the slot's object, -1 if unknown. */
    int (*perms)(unsigned slot);
    /* The hostile peer's mapping of the slot's object; NULL if none. */
    void *(*peer_map)(unsigned slot, size_t *size);
    void (*peer_unmap)(void *base, size_t size);
    /* Remove the slot's object without the library (teardown of a corrupted object). */
    void (*remove_raw)(unsigned slot);
};

/* The backend of the target being built (kv_adapter.c or file_adapter.c). */
extern const struct value_backend value_backend;

/* The model, shared by all workers: what each slot's value must read back as. */
struct value_slot_model {
    struct sfzt_slot_state st;
    uint32_t capacity;
    uint32_t len;
    char text[VALUE_TEXT_MAX + 1];
};
struct value_model {
    struct value_slot_model slot[SFZ_SLOTS];
    unsigned finished; /* workers done (adapter_util.h: the end of a program) */
};
/* Each worker's handles. */
struct value_local {
    void *h[SFZ_SLOTS];
};

#define VALUE_NOPS 7u
extern const struct sfz_op value_ops[VALUE_NOPS];
void value_worker_done(struct sfz_ctx *ctx);
void value_teardown(struct sfz_ctx *ctx);

#endif /* SHMIPC_VALUE_OPS_H */
