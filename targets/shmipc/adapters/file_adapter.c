/*
 * file_adapter.c - fuzz target "shmipc-file": the persistent-sharing pattern (one text value
 * in a POSIX shm object, /dev/shm/sfz-file-<slot>, sfzt_name) through the shared single-value ops
 * (value_ops.c). The file-path variant uses the same code with open() instead of shm_open().
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapter_util.h"
#include "shmfuzz/host.h"
#include "shmipc.h"
#include "value_ops.h"

static const char *file_name(unsigned slot)
{
    return sfzt_name("/sfz-file-", slot);
}

static void *file_create(unsigned slot, size_t capacity)
{
    return shmipc_file_create(file_name(slot), capacity);
}

static void *file_open(unsigned slot)
{
    return shmipc_file_open(file_name(slot));
}

static int file_put(void *h, const char *text, size_t len)
{
    return shmipc_file_put(h, text, len);
}

static ssize_t file_get(void *h, char *buf, size_t bufsize)
{
    return shmipc_file_get(h, buf, bufsize);
}

static int file_close(void *h)
{
    return shmipc_file_close(h);
}

static int file_destroy(void *h)
{
    return shmipc_file_destroy(h);
}

static int file_perms(unsigned slot)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof(path), "/dev/shm%s", file_name(slot));
    return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

/* The hostile peer maps the object itself, with the fault plan paused. */
static void *file_peer_map(unsigned slot, size_t *size)
{
    struct sfzt_pause pause;
    void *base = NULL;
    struct stat st;

    sfzt_pause_faults(&pause);
    int fd = shm_open(file_name(slot), O_RDWR, 0);
    if (fd != -1 && sfz_host_foreign(SFZ_HOST_POSIX_SHM, -1, file_name(slot), fd)) {
        close(fd); /* someone else's object under the name: not the peer's to write */
        fd = -1;
    }
    if (fd != -1) {
        if (fstat(fd, &st) == 0 && st.st_size > 0) {
            *size = (size_t)st.st_size;
            base = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (base == MAP_FAILED)
                base = NULL;
        }
        close(fd);
    }
    sfzt_resume_faults(&pause);
    return base;
}

static void file_peer_unmap(void *base, size_t size)
{
    struct sfzt_pause pause;
    sfzt_pause_faults(&pause);
    (void)munmap(base, size);
    sfzt_resume_faults(&pause);
}

static void file_remove_raw(unsigned slot)
{
    if (!sfz_host_foreign(SFZ_HOST_POSIX_SHM, -1, file_name(slot), -1))
        (void)shm_unlink(file_name(slot));
}

const struct value_backend value_backend = {
    .object = "POSIX shm object",
    .create = file_create,
    .open = file_open,
    .put = file_put,
    .get = file_get,
    .close = file_close,
    .destroy = file_destroy,
    .perms = file_perms,
    .peer_map = file_peer_map,
    .peer_unmap = file_peer_unmap,
    .remove_raw = file_remove_raw,
};

static const struct sfz_adapter file_adapter = {
    .name = "shmipc-file",
    .summary = "libshmipc file: one text value in a POSIX shm object (persistent sharing)",
    .ops = value_ops,
    .nops = VALUE_NOPS,
    .local_size = sizeof(struct value_local),
    .shared_size = sizeof(struct value_model),
    .worker_done = value_worker_done,
    .teardown = value_teardown,
};
SFZ_TARGET(file_adapter);
