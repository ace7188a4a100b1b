/*
 * tables.c - the interesting sizes and offsets that SIZE and OFFSET arguments draw from.
 * Entries are append-only: a canonical input stores table indexes, so reordering would change
 * what saved corpora mean. The page edges are where off-by-one bugs live; "huge" reaches the
 * kernel's limits without touching memory.
 */
#include "shmfuzz/program.h"

#define PAGE 4096u

static const uint32_t sizes[] = {
    0, 1, 8, 64, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE, 65536, 1u << 20, 1u << 31,
};
static const uint32_t offsets[] = {
    0, 1, 8, 63, PAGE - 8, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE - 1, 65536, 1u << 20, 1u << 30,
};

#define COUNT(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

unsigned sfz_size_count(void) { return COUNT(sizes); }
uint32_t sfz_size_value(unsigned i) { return sizes[i % COUNT(sizes)]; }
unsigned sfz_offset_count(void) { return COUNT(offsets); }
uint32_t sfz_offset_value(unsigned i) { return offsets[i % COUNT(offsets)]; }

static int index_of(const uint32_t *table, unsigned n, uint32_t value)
{
    for (unsigned i = 0; i < n; i++)
        if (table[i] == value)
            return (int)i;
    return -1;
}

int sfz_size_index(uint32_t value) { return index_of(sizes, COUNT(sizes), value); }
int sfz_offset_index(uint32_t value) { return index_of(offsets, COUNT(offsets), value); }
