/*
 * value_layout.h - the in-memory layout of a shared text value (kv and file patterns), and
 * the code that reads and writes it without trusting whoever else maps it.
 *
 * A writer bumps seq to odd, writes, and bumps it to even (a sequence lock): a reader that saw
 * the same even seq before and after its copy has a consistent value. len is what counts, the
 * NUL after the text is a courtesy; both are checked against the capacity the opener validated.
 * Adapters include this header to play the hostile peer.
 */
#ifndef SHMIPC_VALUE_LAYOUT_H
#define SHMIPC_VALUE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h> /* key_t, even in strict C11 */
#include <sys/types.h>

#define SHMIPC_VALUE_MAGIC 0x4c415653u /* "SVAL" */
#define SHMIPC_VALUE_CAPACITY_MAX 65536u

struct shmipc_value_hdr {
    uint32_t magic;     /* written last by the creator: the value is ready */
    uint32_t capacity;  /* text bytes, the NUL excluded */
    uint32_t seq;       /* odd while a writer is inside */
    uint32_t len;       /* bytes of text */
    int32_t writer;     /* pid of the last writer, for people reading a core */
    uint32_t reserved;
    char text[];        /* capacity + 1 bytes */
};

/* Bytes a value of CAPACITY needs. */
size_t shmipc_value_size(size_t capacity);
/* Creator: initialise an empty value in fresh zeroed memory and publish it. */
void shmipc_value_init(void *base, uint32_t capacity);
/* Opener: check that MAPPED bytes at BASE hold a value; returns its capacity or 0 (errno). */
uint32_t shmipc_value_check(const void *base, size_t mapped);
int shmipc_value_put(void *base, uint32_t capacity, const char *text, size_t len);
ssize_t shmipc_value_get(const void *base, uint32_t capacity, char *buf, size_t bufsize);

#endif /* SHMIPC_VALUE_LAYOUT_H */
