/*
 * peer_objects.c - the program's shared objects as the hostile peer numbers them (peer.poke,
 * peer.inside; peer_objects.h). Read with plain read(2) and getdents64(2) into stack buffers,
 * not stdio and opendir: in an ASan build fopen, fgets, fclose and opendir each allocate and
 * pass through the sanitizer's interceptors, and the peer looked twice per peer.inside op and
 * once per peer.poke (~10 % of the CPU per input while fuzzing). The segments come from the
 * kernel by index when that takes a few calls, else from /proc/sysvipc/shm; what the reader
 * takes from a line is what sscanf("%ld %d %o %lu") took: the same numbers, the same lines
 * skipped.
 */
#include "peer_objects.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec_internal.h"

/* Lines of a file, each NUL-terminated in place; one longer than the buffer comes in pieces
   of the buffer's size (as fgets into a line buffer does; the kernel's are ~200 bytes). */
struct lines {
    int fd, eof;
    size_t len, pos;
    char buf[4096];
};

static char *next_line(struct lines *l)
{
    for (;;) {
        char *start = l->buf + l->pos;
        size_t left = l->len - l->pos;
        char *nl = memchr(start, '\n', left);
        if (nl != NULL) {
            *nl = '\0';
            l->pos += (size_t)(nl - start) + 1;
            return start;
        }
        if (l->eof || left == sizeof(l->buf) - 1) { /* a last line without its newline */
            if (left == 0)
                return NULL;
            start[left] = '\0';
            l->pos = l->len;
            return start;
        }
        memmove(l->buf, start, left);
        l->pos = 0;
        l->len = left;
        ssize_t n = read(l->fd, l->buf + l->len, sizeof(l->buf) - 1 - l->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            l->eof = 1;
        else
            l->len += (size_t)n;
    }
}

/* sscanf's %ld (%d, %o, %lu): whitespace, a sign, at least one digit of BASE. */
static int number(const char **p, int base, long *v)
{
    char *end;
    *v = strtol(*p, &end, base);
    if (end == *p)
        return 0;
    *p = end;
    return 1;
}

static int unsigned_number(const char **p, int base, unsigned long *v)
{
    char *end;
    *v = strtoul(*p, &end, base);
    if (end == *p)
        return 0;
    *p = end;
    return 1;
}

/* The segments by index, from the highest in use down (SHM_INFO, then SHM_STAT_ANY, Linux
   4.17; raw system calls: not the fault layer's or the sanitizer's business). The file lists
   them in the kernel's index order, and the few segments of an input hold the latest indices
   (handed out cyclically), so a handful of calls do what the file's printing and parsing did.
   -1 when it takes more than MAX_PROBES calls or the kernel cannot: the file then. */
#define MAX_PROBES 64
static int segments_by_index(struct sfz_segment *seg, unsigned max, unsigned *total)
{
    struct shm_info info;
    struct sfz_segment found[MAX_PROBES];
    unsigned n = 0;
    /* zeroed first: a memory checker that does not know SHM_STAT_ANY (Valgrind) sees what
       the kernel writes as never written */
    memset(&info, 0, sizeof(info));
    long top = syscall(SYS_shmctl, 0, SHM_INFO, &info);
    if (top < 0) /* with no segment the highest index is 0 and used_ids 0 */
        return -1;
    for (long i = top; i >= 0 && n < (unsigned)info.used_ids; i--) {
        struct shmid_ds ds;
        memset(&ds, 0, sizeof(ds));
        if (top - i >= MAX_PROBES)
            return -1;
        long id = syscall(SYS_shmctl, i, SHM_STAT_ANY, &ds);
        if (id >= 0)
            found[n++] =
                (struct sfz_segment){(long)ds.shm_perm.__key, (int)id, (unsigned long)ds.shm_segsz};
        else if (errno != EINVAL) /* EINVAL: a free index */
            return -1;
    }
    if (n != (unsigned)info.used_ids) /* no SHM_STAT_ANY (every index EINVAL), or a change */
        return -1;
    for (unsigned i = 0; i < n && i < max; i++)
        seg[i] = found[n - 1 - i];
    *total = n;
    return (int)(n < max ? n : max);
}

unsigned sfz_peer_segments(struct sfz_segment *seg, unsigned max, unsigned *total)
{
    unsigned all_by_index = 0;
    int by_index = segments_by_index(seg, max, &all_by_index);
    if (by_index >= 0) {
        if (total != NULL)
            *total = all_by_index;
        return (unsigned)by_index;
    }
    struct lines l;
    unsigned n = 0, all = 0;
    l.fd = open("/proc/sysvipc/shm", O_RDONLY | O_CLOEXEC);
    l.eof = 0;
    l.len = l.pos = 0;
    if (total != NULL)
        *total = 0;
    if (l.fd < 0)
        return 0;
    for (char *line; (line = next_line(&l)) != NULL;) {
        const char *p = line;
        long key, id;
        unsigned long perms, size;
        /* the header line has no number: skipped, as sscanf's match count said */
        if (!number(&p, 10, &key) || !number(&p, 10, &id) || !unsigned_number(&p, 8, &perms) ||
            !unsigned_number(&p, 10, &size))
            continue;
        if (n < max)
            seg[n++] = (struct sfz_segment){key, (int)id, size};
        all++;
    }
    close(l.fd);
    if (total != NULL)
        *total = all;
    return n;
}

struct dirent64 {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

int sfz_peer_file_nth(unsigned nth, char *name, size_t size)
{
    int fd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char buf[4096] __attribute__((aligned(8)));
    unsigned seen = 0;
    int found = -1;
    if (fd < 0)
        return -1;
    for (long n;
         found < 0 && seen <= nth && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0;)
        for (long at = 0; at < n && found < 0 && seen <= nth;) {
            const struct dirent64 *e = (const struct dirent64 *)(void *)(buf + at);
            at += e->reclen;
            if (sfz_peer_file(e->name) && seen++ == nth) {
                size_t len = strlen(e->name);
                if (len >= size)
                    break; /* NAME too short for it (NAME_MAX + 1 never is) */
                memcpy(name, e->name, len + 1);
                found = 0;
            }
        }
    close(fd);
    return found;
}

int sfz_peer_file_open(unsigned nth)
{
    char name[256], path[sizeof("/dev/shm/") + sizeof(name)];
    if (sfz_peer_file_nth(nth, name, sizeof(name)) != 0)
        return -1;
    snprintf(path, sizeof(path), "/dev/shm/%s", name);
    return open(path, O_RDWR | O_CLOEXEC);
}
