/*
 * ring_layout.h - the in-memory layout of a producer/consumer ring (pattern 3) and its
 * semaphore set. Data slots come first and the length array after them, so an index one past
 * the end lands on the lengths (which is how the off-by-one bug shows). Adapters include this
 * header to play the hostile peer.
 */
#ifndef SHMIPC_RING_LAYOUT_H
#define SHMIPC_RING_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define SHMIPC_RING_MAGIC 0x474e4952u /* "RING" */
#define SHMIPC_RING_SLOTS_MAX 256u
#define SHMIPC_RING_MSG_MAX 4096u

/* The semaphore set under the ring's key. */
enum shmipc_ring_sem {
    SHMIPC_RING_EMPTY = 0, /* free slots */
    SHMIPC_RING_FULL,      /* queued messages */
    SHMIPC_RING_MUTEX,     /* head/tail/data */
    SHMIPC_RING_PRODUCERS, /* producers attached; SEM_UNDO takes a dead one off */
    SHMIPC_RING_NSEMS
};

struct shmipc_ring_hdr {
    uint32_t magic;   /* written last by the creator */
    uint32_t slots;
    uint32_t msg_max;
    uint32_t head;    /* next slot a producer fills */
    uint32_t tail;    /* next slot a consumer takes */
    uint32_t joined;  /* producers that ever attached: EPIPE means "had producers, all gone" */
    unsigned char data[]; /* slots * msg_max bytes, then uint32_t lens[slots] */
};

/* Offset of lens[] in data[]: right after the slots, aligned for uint32_t. */
static inline size_t shmipc_ring_lens_offset(uint32_t slots, uint32_t msg_max)
{
    return ((size_t)slots * msg_max + 3u) & ~(size_t)3u;
}

static inline size_t shmipc_ring_size(uint32_t slots, uint32_t msg_max)
{
    return sizeof(struct shmipc_ring_hdr) + shmipc_ring_lens_offset(slots, msg_max) +
           (size_t)slots * sizeof(uint32_t);
}

static inline uint32_t *shmipc_ring_lens(struct shmipc_ring_hdr *h, uint32_t slots, uint32_t msg_max)
{
    return (uint32_t *)(void *)(h->data + shmipc_ring_lens_offset(slots, msg_max));
}

#endif /* SHMIPC_RING_LAYOUT_H */
