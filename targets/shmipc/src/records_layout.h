/*
 * records_layout.h - the in-memory layout of a record table (pattern 2). The lock is a
 * one-semaphore System V set under the same key as the segment. Adapters include this header
 * to play the hostile peer.
 */
#ifndef SHMIPC_RECORDS_LAYOUT_H
#define SHMIPC_RECORDS_LAYOUT_H

#include <stdint.h>

#include "shmipc.h"

#define SHMIPC_RECORDS_MAGIC 0x43455253u /* "SREC" */
#define SHMIPC_RECORDS_MAX 1024u

struct shmipc_records_hdr {
    uint32_t magic;  /* written last by the creator */
    uint32_t count;  /* records in the table */
    uint32_t users;  /* handles attached (informational: a dead peer never decrements it) */
    uint32_t reserved;
    struct shmipc_record rec[];
};

#endif /* SHMIPC_RECORDS_LAYOUT_H */
