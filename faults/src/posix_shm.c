/*
 * posix_shm.c - interposers of shm_open, shm_unlink and memfd_create. glibc's shm_open opens
 * the file inside libc, so it is hooked itself (an open hook never sees it). Descriptors they
 * return are remembered so ftruncate knows its shm fault points. memfds die with their last
 * descriptor and are never in the ledger.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "internal.h"

const int sf_family_posix_shm = 1;

typedef int (*shm_open_fn)(const char *, int, mode_t);
typedef int (*shm_unlink_fn)(const char *);
typedef int (*memfd_create_fn)(const char *, unsigned int);

/* NAME is the program's pointer, not yet validated: it is only ever read through sf_peek_str. */
static int is_afl_name(const char *name)
{
    char copy[256];
    if (name == NULL || (!sf_afl_shm_name[0][0] && !sf_afl_shm_name[1][0]) ||
        sf_peek_str(copy, sizeof(copy), name) != 0)
        return 0;
    return (sf_afl_shm_name[0][0] && __builtin_strcmp(copy, sf_afl_shm_name[0]) == 0) ||
           (sf_afl_shm_name[1][0] && __builtin_strcmp(copy, sf_afl_shm_name[1]) == 0);
}

/* O_CREAT|O_EXCL creates; O_CREAT alone creates when the name was absent just before (an
 * unreadable or overlong name cannot be created: the call fails, nothing to probe). */
static int probe_absent(const char *name, int oflag)
{
    char copy[256];
    if (!sf_observe || !(oflag & O_CREAT) || (oflag & O_EXCL) || name == NULL ||
        sf_peek_str(copy, sizeof(copy), name) != 0)
        return 0;
    return !sf_posix_exists(SHMFAULT_OBJ_POSIX_SHM, copy);
}

static void note_open(const char *name, int oflag, int fd, int absent, uintptr_t site)
{
    if (fd < 0)
        return;
    sf_shmfd_mark(fd);
    if (sf_observe && (oflag & O_CREAT) && ((oflag & O_EXCL) || absent))
        sf_ledger_create(SHMFAULT_OBJ_POSIX_SHM, -1, -1, name, 0, site);
}

int shm_open(const char *name, int oflag, mode_t mode)
{
    shm_open_fn real = (shm_open_fn)sf_real(SF_FN_shm_open);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return -1;
    }
    if (is_afl_name(name)) {
        sf_note_call(SF_FN_shm_open);
        return real(name, oflag, mode);
    }
    int absent = probe_absent(name, oflag);
    if (!sf_enter(&c, SF_FN_shm_open, (unsigned)oflag, SF_CALLER)) {
        int fd = real(name, oflag, mode);
        note_open(name, oflag, fd, absent, SF_CALLER);
        return fd;
    }
    if (c.tracing) {
        sf_arg_str(&c, "name", name);
        sf_arg_hex(&c, "oflag", (unsigned)oflag);
        sf_arg_hex(&c, "mode", mode);
    }
    if (sf_before(&c))
        return -1;
    int fd = real(name, oflag, mode);
    note_open(name, oflag, fd, absent, SF_CALLER);
    sf_after_int(&c, fd);
    return fd;
}

int shm_unlink(const char *name)
{
    shm_unlink_fn real = (shm_unlink_fn)sf_real(SF_FN_shm_unlink);
    struct sf_call c;
    int rc;
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return -1;
    }
    if (is_afl_name(name)) {
        sf_note_call(SF_FN_shm_unlink);
        return real(name);
    }
    if (!sf_enter(&c, SF_FN_shm_unlink, 0, SF_CALLER)) {
        rc = real(name);
        if (rc == 0)
            sf_ledger_remove(SHMFAULT_OBJ_POSIX_SHM, -1, name);
        return rc;
    }
    if (c.tracing)
        sf_arg_str(&c, "name", name);
    if (sf_before(&c))
        return -1;
    rc = real(name);
    if (rc == 0)
        sf_ledger_remove(SHMFAULT_OBJ_POSIX_SHM, -1, name);
    sf_after_int(&c, rc);
    return rc;
}

int memfd_create(const char *name, unsigned int flags)
{
    memfd_create_fn real = (memfd_create_fn)sf_real(SF_FN_memfd_create);
    struct sf_call c;
    int fd;
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return -1;
    }
    if (!sf_enter(&c, SF_FN_memfd_create, flags, SF_CALLER)) {
        fd = real(name, flags);
        if (fd >= 0)
            sf_shmfd_mark(fd);
        return fd;
    }
    if (c.tracing) {
        sf_arg_str(&c, "name", name);
        sf_arg_hex(&c, "flags", flags);
    }
    if (sf_before(&c))
        return -1;
    fd = real(name, flags);
    if (fd >= 0)
        sf_shmfd_mark(fd);
    sf_after_int(&c, fd);
    return fd;
}
