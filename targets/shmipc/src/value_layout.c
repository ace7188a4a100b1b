/*
 * value_layout.c - sequence-locked text value in shared memory (see value_layout.h). The
 * catalogue's "missing-nul" bug is the tutorial habit of copying the bytes without the
 * terminator and reading the value back with strlen; "double-fetch-len" checks the length in
 * shared memory and then reads it again for the copy.
 */
#include "value_layout.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bug.h"

/* How often a reader retries while writers keep the value busy before reporting EAGAIN. */
#define READ_RETRIES 64

size_t shmipc_value_size(size_t capacity)
{
    return sizeof(struct shmipc_value_hdr) + capacity + 1;
}

void shmipc_value_init(void *base, uint32_t capacity)
{
    struct shmipc_value_hdr *h = base;
    h->capacity = capacity;
    h->seq = 0;
    h->len = 0;
    h->text[0] = '\0';
    __atomic_store_n(&h->magic, SHMIPC_VALUE_MAGIC, __ATOMIC_RELEASE);
}

uint32_t shmipc_value_check(const void *base, size_t mapped)
{
    const struct shmipc_value_hdr *h = base;
    if (mapped < sizeof(*h) || __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != SHMIPC_VALUE_MAGIC) {
        errno = EPROTO;
        return 0;
    }
    uint32_t cap = h->capacity;
    if (cap == 0 || cap > SHMIPC_VALUE_CAPACITY_MAX || shmipc_value_size(cap) > mapped) {
        errno = EPROTO;
        return 0;
    }
    return cap;
}

int shmipc_value_put(void *base, uint32_t capacity, const char *text, size_t len)
{
    struct shmipc_value_hdr *h = base;
    if (len > capacity) {
        errno = E2BIG;
        return -1;
    }
    /* Force seq odd even if a dead writer left it odd: we own it until the even store. */
    uint32_t seq = __atomic_load_n(&h->seq, __ATOMIC_RELAXED) | 1u;
    __atomic_store_n(&h->seq, seq, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memcpy(h->text, text, len);
    if (!BUG(MISSING_NUL))
        h->text[len] = '\0';
    h->len = (uint32_t)len;
    h->writer = (int32_t)getpid();
    __atomic_store_n(&h->seq, seq + 1u, __ATOMIC_RELEASE);
    return 0;
}

/* One attempt at a consistent copy; 1 if a writer interfered. */
static int value_copy(const struct shmipc_value_hdr *h, uint32_t capacity, char *buf,
                      size_t bufsize, size_t *len)
{
    uint32_t s1 = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
    if (s1 & 1u)
        return 1;
    /* The length is read once into n, and only n is checked and used: a peer rewriting len
       after the checks changes nothing here (the sequence check below then retries). */
    size_t n = BUG(MISSING_NUL) ? strnlen(h->text, capacity + 1)
                                : __atomic_load_n(&h->len, __ATOMIC_RELAXED);
    if (n > capacity) {
        errno = EBADMSG; /* a peer wrote a length its own capacity cannot hold */
        return -1;
    }
    if (n >= bufsize) {
        errno = ERANGE;
        return -1;
    }
    /* The double-fetch-len bug: the copy takes the length from the header again ("it was
       just checked"), so a peer that rewrites len between the check and the copy makes it
       copy as much as it likes into BUF. */
    if (BUG(DOUBLE_FETCH_LEN))
        n = shmipc_refetch_u32(&h->len);
    memcpy(buf, h->text, n);
    buf[n] = '\0';
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&h->seq, __ATOMIC_RELAXED) != s1)
        return 1;
    *len = n;
    return 0;
}

ssize_t shmipc_value_get(const void *base, uint32_t capacity, char *buf, size_t bufsize)
{
    const struct shmipc_value_hdr *h = base;
    for (int i = 0; i < READ_RETRIES; i++) {
        size_t len;
        int rc = value_copy(h, capacity, buf, bufsize, &len);
        if (rc == 0)
            return (ssize_t)len;
        if (rc < 0)
            return -1;
    }
    errno = EAGAIN;
    return -1;
}
