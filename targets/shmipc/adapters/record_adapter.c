/*
 * record_adapter.c - fuzz target "shmipc-record": the record-updater pattern. Workers create
 * or open tables (possibly expecting another size), read and write records, and increment a
 * record's id in a read-modify-write transaction that other workers can interleave with.
 *
 * The model (shared) holds every record's id. Findings: a read that disagrees with the model,
 * a read of an index the table does not have, and a lost update (a transaction that commits
 * over a change another worker made after this one read the record).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "adapter_util.h"
#include "records_layout.h"
#include "shmipc.h"

#define RECORD_KEY_BASE 0x53460200u
#define MODEL_RECORDS 32u

struct record_slot_model {
    struct sfzt_slot_state st;
    uint32_t count;
    int32_t id[MODEL_RECORDS];
};
struct record_model {
    struct record_slot_model slot[SFZ_SLOTS];
    unsigned finished; /* workers done (adapter_util.h: the end of a program) */
};
/* A worker may hold two handles on one table ("as=a", "as=b"), so a single process can
   interleave two transactions (programs with one process run in the engine's process: fast). */
enum { AS_A, AS_B, NHANDLES };
struct record_handle {
    struct shmipc_records *h;
    int32_t txn_read; /* the id the open transaction read */
    uint32_t txn_index;
    uint8_t txn_open;
};
struct record_local {
    struct record_handle hd[SFZ_SLOTS][NHANDLES];
};

static const char *const count_names[] = {"2", "8", "32"};
static const unsigned count_values[] = {2, 8, 32};
static const char *const expect_names[] = {"any", "2", "8", "32"};
static const unsigned expect_values[] = {0, 2, 8, 32};
static const char *const index_names[] = {"0", "1", "7", "31"};
static const unsigned index_values[] = {0, 1, 7, 31};
enum record_field { FIELD_COUNT, FIELD_NAME, FIELD_USERS };
static const char *const field_names[] = {"count", "name", "users"};
static const char *const as_names[] = {"a", "b"};

#define NCHOICES(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static struct record_slot_model *model_of(struct sfz_ctx *ctx, uint32_t slot)
{
    return &((struct record_model *)ctx->shared)->slot[slot];
}

static struct record_handle *hd_of(struct sfz_ctx *ctx, uint32_t slot, uint32_t as)
{
    return &((struct record_local *)ctx->local)->hd[slot][as];
}

static struct shmipc_record make_record(int32_t id)
{
    struct shmipc_record r = {.id = id};
    snprintf(r.name, sizeof(r.name), "rec-%d", (int)id);
    return r;
}

static int op_create(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct record_handle *hd = hd_of(ctx, argv[0], argv[2]);
    if (hd->h != NULL)
        return SFZ_SKIPPED;
    hd->h = shmipc_records_create(sfzt_key(RECORD_KEY_BASE, argv[0]), count_values[argv[1]]);
    if (hd->h == NULL)
        return sfzt_status(-1);
    struct record_slot_model *m = model_of(ctx, argv[0]);
    sfzt_model_created(m, sizeof(*m), argv[0], argv[2]);
    m->count = count_values[argv[1]];
    return SFZ_OK;
}

static int op_open(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct record_handle *hd = hd_of(ctx, argv[0], argv[2]);
    if (hd->h != NULL)
        return SFZ_SKIPPED;
    unsigned long before = sfzt_injections();
    hd->h = shmipc_records_open(sfzt_key(RECORD_KEY_BASE, argv[0]), expect_values[argv[1]]);
    const struct record_slot_model *m = model_of(ctx, argv[0]);
    if (hd->h != NULL) {
        sfzt_opened(&m->st, argv[0], argv[2]);
        return SFZ_OK;
    }
    if (sfzt_must_exist(&m->st) && errno == ENOENT)
        return sfzt_unexplained(ctx, before, "records open");
    return sfzt_status(-1);
}

/* A finding if the table has no record I (the access should have failed). */
static int check_exists(struct sfz_ctx *ctx, const struct record_slot_model *m, unsigned i,
                        const char *what)
{
    if (i >= m->count)
        return sfz_finding(ctx, "%s of record %u succeeded but the table has %u records: "
                                "the reader trusted its own idea of the size", what, i, m->count);
    return SFZ_OK;
}

static int op_get(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct shmipc_records *h = hd_of(ctx, argv[0], argv[2])->h;
    if (h == NULL)
        return SFZ_SKIPPED;
    unsigned i = index_values[argv[1]];
    struct shmipc_record out;
    if (shmipc_records_get(h, i, &out, 0) == -1)
        return sfzt_status(-1);
    const struct record_slot_model *m = model_of(ctx, argv[0]);
    if (sfzt_tainted(&m->st, argv[0]) || !m->st.exists || sfzt_stale(&m->st, argv[0], argv[2]))
        return SFZ_OK;
    if (check_exists(ctx, m, i, "get") != SFZ_OK)
        return SFZ_FINDING;
    if (out.id != m->id[i])
        return sfz_finding(ctx, "record %u reads id %d, the last write stored %d", i, (int)out.id,
                           (int)m->id[i]);
    return SFZ_OK;
}

static int op_put(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct shmipc_records *h = hd_of(ctx, argv[0], argv[3])->h;
    if (h == NULL)
        return SFZ_SKIPPED;
    unsigned i = index_values[argv[1]];
    struct shmipc_record in = make_record((int32_t)argv[2]);
    if (shmipc_records_put(h, i, &in, 0) == -1)
        return sfzt_status(-1);
    struct record_slot_model *m = model_of(ctx, argv[0]);
    if (sfzt_tainted(&m->st, argv[0]) || !m->st.exists || sfzt_stale(&m->st, argv[0], argv[3]))
        return SFZ_OK;
    if (check_exists(ctx, m, i, "put") != SFZ_OK)
        return SFZ_FINDING;
    m->id[i] = in.id;
    return SFZ_OK;
}

static int op_begin(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct record_handle *hd = hd_of(ctx, argv[0], argv[2]);
    if (hd->h == NULL || hd->txn_open)
        return SFZ_SKIPPED;
    unsigned i = index_values[argv[1]];
    struct shmipc_record out;
    if (shmipc_records_begin(hd->h, i, &out, 0) == -1)
        return sfzt_status(-1);
    hd->txn_open = 1;
    hd->txn_index = i;
    hd->txn_read = out.id;
    return SFZ_OK;
}

/* Commit "id + 1". Under a working lock nobody can have changed the record since begin. */
static int op_commit(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct record_handle *hd = hd_of(ctx, argv[0], argv[1]);
    if (hd->h == NULL || !hd->txn_open)
        return SFZ_SKIPPED;
    unsigned i = hd->txn_index;
    struct shmipc_record in = make_record(hd->txn_read + 1);
    hd->txn_open = 0;
    if (shmipc_records_commit(hd->h, &in) == -1)
        return sfzt_status(-1);
    struct record_slot_model *m = model_of(ctx, argv[0]);
    if (sfzt_tainted(&m->st, argv[0]) || !m->st.exists || i >= m->count ||
        sfzt_stale(&m->st, argv[0], argv[1]))
        return SFZ_OK;
    if (m->id[i] != hd->txn_read)
        return sfz_finding(ctx, "lost update: record %u changed from %d to %d while this "
                                "transaction held it, and the commit wrote %d over it", i,
                           (int)hd->txn_read, (int)m->id[i], (int)in.id);
    m->id[i] = in.id;
    return SFZ_OK;
}

static int op_abort(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct record_handle *hd = hd_of(ctx, argv[0], argv[1]);
    if (hd->h == NULL || !hd->txn_open)
        return SFZ_SKIPPED;
    if (shmipc_records_abort(hd->h) == -1)
        return sfzt_status(-1); /* still open: the library keeps the lock until abort works */
    hd->txn_open = 0;
    return SFZ_OK;
}

static int op_close(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct record_handle *hd = hd_of(ctx, argv[0], argv[1]);
    if (hd->h == NULL)
        return SFZ_SKIPPED;
    if (shmipc_records_close(hd->h) == -1)
        return sfzt_status(-1); /* the handle stays valid: worker_done retries */
    memset(hd, 0, sizeof(*hd));
    return SFZ_OK;
}

static int op_destroy(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct record_handle *hd = hd_of(ctx, argv[0], argv[1]);
    if (hd->h == NULL)
        return SFZ_SKIPPED;
    if (shmipc_records_destroy(hd->h) == -1) {
        sfzt_destroy_failed(&model_of(ctx, argv[0])->st, argv[0], argv[1]);
        return sfzt_status(-1);
    }
    memset(hd, 0, sizeof(*hd));
    sfzt_destroyed(&model_of(ctx, argv[0])->st, argv[0], argv[1]);
    return SFZ_OK;
}

static int op_corrupt(struct sfz_ctx *ctx, const uint32_t *argv)
{
    size_t size = 0;
    struct shmipc_records_hdr *t = sfzt_peer_attach(sfzt_key(RECORD_KEY_BASE, argv[0]), &size);
    if (t == NULL)
        return SFZ_SKIPPED;
    struct record_slot_model *m = model_of(ctx, argv[0]);
    unsigned poison = sfzt_poison(argv[2], m->count);
    switch ((enum record_field)argv[1]) {
    case FIELD_COUNT: t->count = poison; break;
    case FIELD_NAME:
        if (size >= sizeof(*t) + sizeof(t->rec[0]))
            memset(t->rec[0].name, 'N', sizeof(t->rec[0].name));
        break;
    case FIELD_USERS: t->users = poison; break;
    }
    m->st.corrupt = 1;
    sfzt_peer_detach(t);
    return SFZ_OK;
}

static struct sfzt_slot_state *record_state(struct sfz_ctx *ctx, unsigned slot)
{
    return &model_of(ctx, slot)->st;
}

static unsigned *record_finished(struct sfz_ctx *ctx)
{
    return &((struct record_model *)ctx->shared)->finished;
}

static void **record_handle(struct sfz_ctx *ctx, unsigned slot, unsigned k)
{
    return (void **)&hd_of(ctx, slot, k)->h;
}

static int record_destroy(void *h)
{
    return shmipc_records_destroy(h);
}

static int record_close(void *h)
{
    return shmipc_records_close(h);
}

static void *record_reopen(unsigned slot)
{
    return shmipc_records_open(sfzt_key(RECORD_KEY_BASE, slot), 0);
}

static void record_remove_raw(unsigned slot)
{
    sfzt_remove_key(sfzt_key(RECORD_KEY_BASE, slot));
}

static const struct sfzt_end record_end = {
    .state = record_state,
    .finished = record_finished,
    .nhandles = NHANDLES,
    .handle = record_handle,
    .destroy = record_destroy,
    .close = record_close,
    .reopen = record_reopen,
    .remove_raw = record_remove_raw,
};

static void record_worker_done(struct sfz_ctx *ctx)
{
    sfzt_worker_done(ctx, &record_end);
}

static void record_teardown(struct sfz_ctx *ctx)
{
    sfzt_teardown(ctx, &record_end);
}

#define SLOT {"slot", SFZ_ARG_SLOT, NULL, 0}
#define CHOICE(name, list) {name, SFZ_ARG_CHOICE, list, NCHOICES(list)}
#define AS CHOICE("as", as_names)
static const struct sfz_op record_ops[] = {
    {"create", 3, {SLOT, CHOICE("count", count_names), AS}, op_create, 0},
    {"open", 3, {SLOT, CHOICE("expect", expect_names), AS}, op_open, 0},
    {"get", 3, {SLOT, CHOICE("index", index_names), AS}, op_get, 0},
    {"put", 4, {SLOT, CHOICE("index", index_names), {"id", SFZ_ARG_BYTE, NULL, 0}, AS}, op_put, 0},
    {"begin", 3, {SLOT, CHOICE("index", index_names), AS}, op_begin, 0},
    {"commit", 2, {SLOT, AS}, op_commit, 0},
    {"abort", 2, {SLOT, AS}, op_abort, 0},
    {"close", 2, {SLOT, AS}, op_close, 0},
    {"destroy", 2, {SLOT, AS}, op_destroy, 0},
    {"corrupt", 3, {SLOT, CHOICE("field", field_names),
                    {"value", SFZ_ARG_CHOICE, sfzt_poison_names, SFZT_NPOISON}},
     op_corrupt, SFZ_OP_HOSTILE},
};

static const struct sfz_adapter record_adapter = {
    .name = "shmipc-record",
    .summary = "libshmipc records: a table of {id, name} records with a SEM_UNDO lock",
    .ops = record_ops,
    .nops = NCHOICES(record_ops),
    .local_size = sizeof(struct record_local),
    .shared_size = sizeof(struct record_model),
    .worker_done = record_worker_done,
    .teardown = record_teardown,
};
SFZ_TARGET(record_adapter);
