/*
 * raw_mem.c - reads and writes of patterns at offsets in a slot's mapping (System V attachment
 * or POSIX mmap), and the data oracle of the raw op sets.
 *
 * Where an access lands decides what may happen: inside the object it must work; in pages of
 * the mapping past the end of a POSIX object it raises SIGBUS; past the mapping, or a write to
 * a read-only mapping, SIGSEGV. Those deaths are announced with sfz_expect_crash() and are not
 * findings. Past the mapping the op only goes ahead when every page it would touch there is unmapped (msync says
 * ENOMEM), so it never scribbles over an unrelated mapping of the worker.
 *
 * The model (raw_state.h) records every write by object generation; a read that returns
 * anything else than the last write covering each byte (or zero) is a data finding, unless the
 * hostile peer wrote this input or an access the model cannot follow tainted the object.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "raw_state.h"

static const uint32_t len_values[] = {1, 8, 64, 4096};
enum family { FAMILY_SYSV, FAMILY_POSIX };

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t round_page(size_t n)
{
    return (n + page_size() - 1) & ~(page_size() - 1);
}

static struct raw_map *map_of(struct sfz_ctx *ctx, enum family fam, unsigned slot)
{
    struct raw_local *l = raw_local(ctx);
    return fam == FAMILY_SYSV ? &l->shm[slot] : &l->pmap[slot];
}

/* Nothing mapped in any page of [FROM, TO): touching there is a clean SIGSEGV. */
static int unmapped(uintptr_t from, uintptr_t to)
{
    uintptr_t page = from & ~(uintptr_t)(page_size() - 1);
    for (; page < to; page += page_size())
        if (msync((void *)page, page_size(), MS_ASYNC) == 0 || errno != ENOMEM)
            return 0;
    return 1;
}

enum reach { REACH_OK, REACH_SIGBUS, REACH_SIGSEGV, REACH_UNSAFE };

/* What touching [off, off+len) of MAP does. SIZE is the object's size (POSIX: its pages past
   the end of the object fault with SIGBUS). */
static enum reach reach(const struct raw_map *map, int posix, uint64_t size, uint64_t off,
                        uint64_t len, int writing)
{
    uint64_t end = off + len, mapped = round_page(map->len);
    if (end > mapped) {
        uintptr_t base = (uintptr_t)map->addr;
        uint64_t first = off > mapped ? off : mapped;
        return unmapped(base + first, base + end) ? REACH_SIGSEGV : REACH_UNSAFE;
    }
    if (writing && !map->writable)
        return REACH_SIGSEGV; /* the protection fault comes before the page is looked up */
    return posix && end > round_page((size_t)size) ? REACH_SIGBUS : REACH_OK;
}

/* Do the access if it is safe, or if it may crash and this worker may die; else skip. */
static int guard(struct sfz_ctx *ctx, struct raw_model *m, const struct raw_map *map,
                 enum reach r)
{
    if (r == REACH_OK)
        return 0;
    if (r == REACH_UNSAFE || !sfz_expect_crash(ctx, r == REACH_SIGBUS ? SIGBUS : SIGSEGV))
        return -1;
    if (map->gen)
        m->tainted[map->gen] = 1; /* a partial write before the fault is beyond the model */
    return 0;
}

static uint64_t object_size(const struct raw_model *m, const struct raw_map *map)
{
    return map->gen ? m->size[map->gen] : map->len;
}

/* argv: slot, off, len, byte */
static int write_op(struct sfz_ctx *ctx, enum family fam, const uint32_t *argv)
{
    struct raw_model *m = raw_model(ctx);
    const struct raw_map *map = map_of(ctx, fam, argv[0]);
    uint32_t off = argv[1], len = len_values[argv[2]];
    uint8_t byte = (uint8_t)argv[3];
    if (map->addr == NULL)
        return SFZ_SKIPPED;
    uint64_t size = object_size(m, map);
    if (guard(ctx, m, map, reach(map, fam == FAMILY_POSIX, size, off, len, 1)) != 0)
        return SFZ_SKIPPED;
    if (map->gen && (uint64_t)off + len > size)
        m->tainted[map->gen] = 1; /* bytes past the object's end: kernel-defined, not modelled */
    memset(map->addr + off, byte, len);
    if (map->gen && m->nwrites < RAW_MAX_WRITES)
        m->writes[m->nwrites++] = (struct raw_write){map->gen, byte, off, len};
    else if (map->gen)
        m->tainted[map->gen] = 1;
    return SFZ_OK;
}

/* The byte the model says is at OFF of generation GEN. */
static int expected(const struct raw_model *m, uint16_t gen, uint64_t off, unsigned *writer)
{
    for (unsigned i = m->nwrites; i-- > 0;) {
        const struct raw_write *w = &m->writes[i];
        if (w->gen == gen && off >= w->off && off < (uint64_t)w->off + w->len) {
            *writer = i;
            return w->byte;
        }
    }
    *writer = RAW_MAX_WRITES;
    return 0;
}

static int judge(struct sfz_ctx *ctx, const struct raw_model *m, const struct raw_map *map,
                 uint32_t off, uint32_t len)
{
    uint64_t size = object_size(m, map);
    if (map->gen == 0 || m->tainted[map->gen] || sfz_peer_writes() > 0)
        return SFZ_OK;
    for (uint64_t i = off; i < (uint64_t)off + len && i < size; i++) {
        unsigned writer = 0;
        int want = expected(m, map->gen, i, &writer);
        if (map->addr[i] != want)
            return sfz_finding(ctx, "read 0x%02x at offset %lu, the model has 0x%02x (%s)",
                               map->addr[i], (unsigned long)i, want,
                               writer < RAW_MAX_WRITES ? "written by an earlier write op"
                                                       : "never written: zero");
    }
    return SFZ_OK;
}

/* argv: slot, off, len */
static int read_op(struct sfz_ctx *ctx, enum family fam, const uint32_t *argv)
{
    struct raw_model *m = raw_model(ctx);
    const struct raw_map *map = map_of(ctx, fam, argv[0]);
    uint32_t off = argv[1], len = len_values[argv[2]];
    if (map->addr == NULL)
        return SFZ_SKIPPED;
    uint64_t size = object_size(m, map);
    if (guard(ctx, m, map, reach(map, fam == FAMILY_POSIX, size, off, len, 0)) != 0)
        return SFZ_SKIPPED;
    volatile unsigned char sink = 0;
    for (uint32_t i = 0; i < len; i++)
        sink ^= map->addr[off + i]; /* touch every byte: the fault, if any, happens here */
    (void)sink;
    return judge(ctx, m, map, off, len);
}

int raw_shm_write(struct sfz_ctx *ctx, const uint32_t *argv) { return write_op(ctx, FAMILY_SYSV, argv); }
int raw_map_write(struct sfz_ctx *ctx, const uint32_t *argv) { return write_op(ctx, FAMILY_POSIX, argv); }
int raw_shm_read(struct sfz_ctx *ctx, const uint32_t *argv) { return read_op(ctx, FAMILY_SYSV, argv); }
int raw_map_read(struct sfz_ctx *ctx, const uint32_t *argv) { return read_op(ctx, FAMILY_POSIX, argv); }
