/*
 * kv_adapter.c - fuzz target "shmipc-kv": the writer/reader-by-key pattern (one text value in
 * a System V segment) through the shared single-value ops (value_ops.c).
 */
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "adapter_util.h"
#include "shmipc.h"
#include "value_ops.h"

#define KV_KEY_BASE 0x53460100u

static void *kv_create(unsigned slot, size_t capacity)
{
    return shmipc_kv_create(sfzt_key(KV_KEY_BASE, slot), capacity);
}

static void *kv_open(unsigned slot)
{
    return shmipc_kv_open(sfzt_key(KV_KEY_BASE, slot));
}

static int kv_put(void *h, const char *text, size_t len)
{
    return shmipc_kv_put(h, text, len);
}

static ssize_t kv_get(void *h, char *buf, size_t bufsize)
{
    return shmipc_kv_get(h, buf, bufsize);
}

static int kv_close(void *h)
{
    return shmipc_kv_close(h);
}

static int kv_destroy(void *h)
{
    return shmipc_kv_destroy(h);
}

/* The segment's permission bits straight from the kernel: two system calls, made as such, not
   through libc, so libshmfault's interposers never see them (the plan's call counts do not
   move, and no pause of the faults is needed) nor a sanitizer's shmctl interceptor; the same
   answer the kernel gives shmget and shmctl. /proc/sysvipc/shm only when IPC_STAT is refused
   (not root, a segment without read permission): that read cost ~5 % of a one-process input. */
static int kv_perms(unsigned slot)
{
    key_t key = sfzt_key(KV_KEY_BASE, slot);
    struct shmid_ds ds;
    long id = syscall(SYS_shmget, key, 0, 0);
    if (id == -1)
        return -1; /* no segment with that key: as the /proc read would say */
    if (syscall(SYS_shmctl, id, IPC_STAT, &ds) != 0)
        return sfzt_sysv_perms(key);
    return (int)(ds.shm_perm.mode & 0777);
}

static void *kv_peer_map(unsigned slot, size_t *size)
{
    return sfzt_peer_attach(sfzt_key(KV_KEY_BASE, slot), size);
}

static void kv_peer_unmap(void *base, size_t size)
{
    (void)size;
    sfzt_peer_detach(base);
}

static void kv_remove_raw(unsigned slot)
{
    sfzt_remove_key(sfzt_key(KV_KEY_BASE, slot));
}

const struct value_backend value_backend = {
    .object = "kv segment",
    .create = kv_create,
    .open = kv_open,
    .put = kv_put,
    .get = kv_get,
    .close = kv_close,
    .destroy = kv_destroy,
    .perms = kv_perms,
    .peer_map = kv_peer_map,
    .peer_unmap = kv_peer_unmap,
    .remove_raw = kv_remove_raw,
};

static const struct sfz_adapter kv_adapter = {
    .name = "shmipc-kv",
    .summary = "libshmipc kv: one text value under a System V key (writer/reader by key)",
    .ops = value_ops,
    .nops = VALUE_NOPS,
    .local_size = sizeof(struct value_local),
    .shared_size = sizeof(struct value_model),
    .worker_done = value_worker_done,
    .teardown = value_teardown,
};
SFZ_TARGET(kv_adapter);
