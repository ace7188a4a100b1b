/*
 * kv.c - pattern 1, "writer/reader by key": one text value in a System V segment found by a
 * fixed key. The hardened differences from the tutorial: exclusive 0600 creation, the layout
 * checked on open, lengths instead of strlen, and nothing left behind on any failure.
 */
#include <errno.h>
#include <stdlib.h>

#include "bug.h"
#include "shmipc.h"
#include "sysv_segment.h"
#include "value_layout.h"

struct shmipc_kv {
    struct shmipc_segment seg;
    uint32_t capacity; /* validated once at open: a peer rewriting the header changes nothing */
};

struct shmipc_kv *shmipc_kv_create(key_t key, size_t capacity)
{
    if (capacity == 0 || capacity > SHMIPC_VALUE_CAPACITY_MAX) {
        errno = EINVAL;
        return NULL;
    }
    struct shmipc_kv *kv = calloc(1, sizeof(*kv));
    if (kv == NULL)
        return NULL;
    int mode = BUG(WORLD_WRITABLE) ? 0666 : SHMIPC_MODE;
    if (shmipc_segment_create(key, shmipc_value_size(capacity), mode, &kv->seg) == -1) {
        int saved = errno;
        free(kv);
        errno = saved;
        return NULL;
    }
    kv->capacity = (uint32_t)capacity;
    shmipc_value_init(kv->seg.base, kv->capacity);
    return kv;
}

struct shmipc_kv *shmipc_kv_open(key_t key)
{
    struct shmipc_kv *kv = calloc(1, sizeof(*kv));
    if (kv == NULL)
        return NULL;
    if (shmipc_segment_open(key, &kv->seg) == -1)
        goto fail;
    kv->capacity = shmipc_value_check(kv->seg.base, kv->seg.size);
    if (kv->capacity == 0) {
        int saved = errno;
        (void)shmipc_segment_detach(&kv->seg);
        errno = saved;
        goto fail;
    }
    return kv;
fail:
    if (!BUG(HANDLE_LEAK)) {
        int saved = errno;
        free(kv);
        errno = saved;
    }
    return NULL;
}

int shmipc_kv_put(struct shmipc_kv *kv, const char *text, size_t len)
{
    return shmipc_value_put(kv->seg.base, kv->capacity, text, len);
}

ssize_t shmipc_kv_get(struct shmipc_kv *kv, char *buf, size_t bufsize)
{
    return shmipc_value_get(kv->seg.base, kv->capacity, buf, bufsize);
}

int shmipc_kv_close(struct shmipc_kv *kv)
{
    if (kv == NULL)
        return 0;
    if (shmipc_segment_detach(&kv->seg) == -1)
        return -1; /* the handle stays valid: a retry detaches */
    free(kv);
    return 0;
}

int shmipc_kv_destroy(struct shmipc_kv *kv)
{
    if (kv == NULL)
        return 0;
    if (shmipc_segment_remove(&kv->seg) == -1)
        return -1; /* the handle stays valid so the caller can retry */
    return shmipc_kv_close(kv);
}
