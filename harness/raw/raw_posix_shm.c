/*
 * raw_posix_shm.c - raw POSIX shared memory ops: shm_open (read-write, read-only, create,
 * exclusive, truncate), memfd_create, ftruncate (grow and shrink), mmap (read-write,
 * read-only, longer than the object), munmap, close and shm_unlink. A slot's fd and mapping
 * belong to the worker; the name is shared, so another worker's shm_open reaches the object.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "raw_state.h"

enum open_mode { OPEN_RDWR, OPEN_RDONLY, OPEN_CREAT, OPEN_CREAT_EXCL, OPEN_CREAT_TRUNC };
static const int open_flags[] = {O_RDWR, O_RDONLY, O_RDWR | O_CREAT, O_RDWR | O_CREAT | O_EXCL,
                                 O_RDWR | O_CREAT | O_TRUNC};

static uint64_t fd_size(int fd)
{
    struct stat st;
    int armed = raw_pause();
    int rc = fstat(fd, &st);
    raw_resume(armed);
    return rc == 0 ? (uint64_t)st.st_size : 0;
}

/* Shrinking zeroes what was cut off: a regrown object reads zeros there. */
static void model_resize(struct raw_model *m, uint16_t gen, uint64_t size)
{
    if (gen == 0)
        return;
    if (size < m->size[gen] && m->nwrites < RAW_MAX_WRITES) {
        uint64_t cut = m->size[gen] - size;
        m->writes[m->nwrites++] = (struct raw_write){gen, 0, (uint32_t)size,
                                                     cut > UINT32_MAX ? UINT32_MAX : (uint32_t)cut};
    } else if (size < m->size[gen]) {
        m->tainted[gen] = 1;
    }
    m->size[gen] = size;
}

/* A resize that may or may not happen: the call can fail, or the fault plan can kill the worker
   right after it. Until the outcome is known the model takes the smaller size (an access past
   it may fault with SIGBUS) and judges no data of the object; a worker that dies in between
   leaves it that way. */
struct resize {
    uint16_t gen;
    uint8_t tainted;
    uint64_t size;
};

static struct resize resize_begin(struct raw_model *m, uint16_t gen, uint64_t size)
{
    struct resize r = {gen, gen ? m->tainted[gen] : 0, gen ? m->size[gen] : 0};
    if (gen && size < m->size[gen]) {
        m->size[gen] = size;
        m->tainted[gen] = 1;
    }
    return r;
}

static void resize_end(struct raw_model *m, struct resize r, int done, uint64_t size)
{
    if (r.gen == 0)
        return;
    m->size[r.gen] = r.size;
    m->tainted[r.gen] = r.tainted;
    if (done)
        model_resize(m, r.gen, size);
}

static int adopt_fd(struct sfz_ctx *ctx, unsigned slot, int fd, uint16_t gen)
{
    struct raw_local *l = raw_local(ctx);
    l->pfd[slot] = fd;
    l->has_pfd[slot] = 1;
    l->pfd_gen[slot] = gen;
    return SFZ_OK;
}

int raw_shm_open(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_model *m = raw_model(ctx);
    unsigned slot = argv[0];
    char name[64];
    if (raw_local(ctx)->has_pfd[slot])
        return SFZ_SKIPPED;
    raw_name(name, sizeof(name), "shm", slot);
    /* O_TRUNC empties an existing object in place: every mapping of it sees size 0 */
    int existed = m->posix_exists[slot], truncating = argv[1] == OPEN_CREAT_TRUNC && existed;
    struct resize r = resize_begin(m, truncating ? m->posix_gen[slot] : 0, 0);
    int fd = raw_shm_open_name(name, open_flags[argv[1]] | O_CLOEXEC);
    resize_end(m, r, fd != -1, 0);
    if (fd == -1)
        return SFZ_FAILED;
    if (!existed) {
        m->posix_exists[slot] = 1;
        m->posix_gen[slot] = raw_new_gen(m, fd_size(fd));
    }
    return adopt_fd(ctx, slot, fd, m->posix_gen[slot]);
}

int raw_memfd(struct sfz_ctx *ctx, const uint32_t *argv)
{
    unsigned slot = argv[0];
    if (raw_local(ctx)->has_pfd[slot])
        return SFZ_SKIPPED;
    int fd = memfd_create("sfz", argv[1] ? MFD_CLOEXEC | MFD_ALLOW_SEALING : MFD_CLOEXEC);
    if (fd == -1)
        return SFZ_FAILED;
    return adopt_fd(ctx, slot, fd, raw_new_gen(raw_model(ctx), 0));
}

int raw_ftruncate(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_local *l = raw_local(ctx);
    unsigned slot = argv[0];
    if (!l->has_pfd[slot])
        return SFZ_SKIPPED;
    struct raw_model *m = raw_model(ctx);
    struct resize r = resize_begin(m, l->pfd_gen[slot], argv[1]);
    int rc = ftruncate(l->pfd[slot], (off_t)argv[1]);
    resize_end(m, r, rc == 0, argv[1]);
    return raw_status(rc);
}

int raw_mmap(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_local *l = raw_local(ctx);
    unsigned slot = argv[0];
    struct raw_map *map = &l->pmap[slot];
    if (!l->has_pfd[slot] || map->addr != NULL)
        return SFZ_SKIPPED;
    int prot = argv[2] == 0 ? PROT_READ | PROT_WRITE : PROT_READ;
    void *p = mmap(NULL, argv[1], prot, MAP_SHARED, l->pfd[slot], 0);
    if (p == MAP_FAILED)
        return SFZ_FAILED;
    *map = (struct raw_map){p, argv[1], l->pfd_gen[slot], argv[2] == 0};
    return SFZ_OK;
}

int raw_munmap(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_map *map = &raw_local(ctx)->pmap[argv[0]];
    if (map->addr == NULL)
        return SFZ_SKIPPED;
    if (munmap(map->addr, map->len) == -1)
        return SFZ_FAILED;
    map->addr = NULL;
    return SFZ_OK;
}

int raw_close(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_local *l = raw_local(ctx);
    if (!l->has_pfd[argv[0]])
        return SFZ_SKIPPED;
    l->has_pfd[argv[0]] = 0; /* closed even on error (EINTR): retrying would be the bug */
    return raw_status(close(l->pfd[argv[0]]));
}

int raw_shm_unlink(struct sfz_ctx *ctx, const uint32_t *argv)
{
    char name[64];
    raw_name(name, sizeof(name), "shm", argv[0]);
    if (raw_unlink_name(0, name) == -1)
        return SFZ_FAILED;
    raw_model(ctx)->posix_exists[argv[0]] = 0;
    return SFZ_OK;
}
