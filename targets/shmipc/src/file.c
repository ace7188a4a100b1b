/*
 * file.c - pattern 4, persistent sharing: one text value in a POSIX shared memory object
 * (name "/x", shm_open) or in a regular file (any other name, open), mapped MAP_SHARED. The
 * name is created O_EXCL and 0600 and unlinked again if ftruncate or mmap fails, so a failed
 * create never leaves a name behind; the opener checks the layout against the file's size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bug.h"
#include "guard.h"
#include "shmipc.h"
#include "value_layout.h"

struct shmipc_file {
    void *base;
    size_t size;
    uint32_t capacity; /* validated at open */
    int posix;         /* shm_open object, not a path */
    char name[256];
};

static int is_posix_name(const char *name)
{
    return name[0] == '/' && name[1] != '\0' && strchr(name + 1, '/') == NULL;
}

static void close_keep_errno(int fd);

/* A POSIX object is reported to the embedder's guard when created, and refused (as absent)
   when it is someone else's (shmipc.h "guard"). */
static int name_open(const struct shmipc_file *f, int flags, mode_t mode)
{
    flags |= O_RDWR | O_CLOEXEC;
    if (!f->posix)
        return open(f->name, flags, mode);
    int fd = shm_open(f->name, flags, mode);
    if (fd != -1 && (flags & O_CREAT))
        shmipc_guard_created(SHMIPC_OBJ_POSIX_SHM, -1, f->name);
    else if (fd != -1 && shmipc_guard_foreign(SHMIPC_OBJ_POSIX_SHM, -1, f->name, fd)) {
        close_keep_errno(fd);
        errno = ENOENT;
        return -1;
    }
    return fd;
}

static int name_unlink(const struct shmipc_file *f)
{
    if (!f->posix)
        return unlink(f->name);
    if (shmipc_guard_foreign(SHMIPC_OBJ_POSIX_SHM, -1, f->name, -1)) {
        errno = ENOENT; /* someone else's object under the name: never unlink it */
        return -1;
    }
    return shm_unlink(f->name);
}

static void close_keep_errno(int fd)
{
    int saved = errno;
    (void)close(fd);
    errno = saved;
}

static struct shmipc_file *file_new(const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) >= sizeof(((struct shmipc_file *)0)->name)) {
        errno = EINVAL;
        return NULL;
    }
    struct shmipc_file *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    strcpy(f->name, name);
    f->posix = is_posix_name(name);
    return f;
}

static void file_free(struct shmipc_file *f)
{
    int saved = errno;
    free(f);
    errno = saved;
}

static int file_map(struct shmipc_file *f, int fd)
{
    void *p = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return -1;
    f->base = p;
    return 0;
}

struct shmipc_file *shmipc_file_create(const char *name, size_t capacity)
{
    if (capacity == 0 || capacity > SHMIPC_VALUE_CAPACITY_MAX) {
        errno = EINVAL;
        return NULL;
    }
    struct shmipc_file *f = file_new(name);
    if (f == NULL)
        return NULL;
    int fd = name_open(f, O_CREAT | O_EXCL, SHMIPC_MODE);
    if (fd == -1)
        goto fail;
    f->size = shmipc_value_size(capacity);
    if (ftruncate(fd, (off_t)f->size) == -1 || file_map(f, fd) == -1) {
        int saved = errno;
        if (!BUG(POSIX_NAME_LEAK))
            (void)name_unlink(f); /* we created it with O_EXCL: it is ours to remove */
        close_keep_errno(fd);
        errno = saved;
        goto fail;
    }
    close_keep_errno(fd); /* the mapping keeps the object */
    f->capacity = (uint32_t)capacity;
    shmipc_value_init(f->base, f->capacity);
    return f;
fail:
    file_free(f);
    return NULL;
}

struct shmipc_file *shmipc_file_open(const char *name)
{
    struct shmipc_file *f = file_new(name);
    if (f == NULL)
        return NULL;
    int fd = name_open(f, 0, 0);
    if (fd == -1)
        goto fail;
    struct stat st;
    if (fstat(fd, &st) == -1) {
        close_keep_errno(fd);
        goto fail;
    }
    if (st.st_size < (off_t)sizeof(struct shmipc_value_hdr) || st.st_size > (off_t)(1u << 20)) {
        close_keep_errno(fd);
        errno = EPROTO;
        goto fail;
    }
    f->size = (size_t)st.st_size;
    int mapped = file_map(f, fd);
    close_keep_errno(fd);
    if (mapped == -1)
        goto fail;
    f->capacity = shmipc_value_check(f->base, f->size);
    if (f->capacity == 0) {
        int saved = errno;
        (void)munmap(f->base, f->size);
        errno = saved;
        goto fail;
    }
    return f;
fail:
    file_free(f);
    return NULL;
}

int shmipc_file_put(struct shmipc_file *f, const char *text, size_t len)
{
    return shmipc_value_put(f->base, f->capacity, text, len);
}

ssize_t shmipc_file_get(struct shmipc_file *f, char *buf, size_t bufsize)
{
    return shmipc_value_get(f->base, f->capacity, buf, bufsize);
}

int shmipc_file_close(struct shmipc_file *f)
{
    if (f == NULL)
        return 0;
    if (munmap(f->base, f->size) == -1)
        return -1; /* the handle stays valid: a retry unmaps */
    free(f);
    return 0;
}

int shmipc_file_destroy(struct shmipc_file *f)
{
    if (f == NULL)
        return 0;
    if (name_unlink(f) == -1)
        return -1; /* the handle stays valid so the caller can retry */
    return shmipc_file_close(f);
}
