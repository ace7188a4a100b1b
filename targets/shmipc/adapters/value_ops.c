/*
 * value_ops.c - ops, model and checks for the single-value patterns (kv and file).
 *
 * The model (shared by all workers) is what the value must read back as: the last text a
 * successful put stored. A get that returns anything else is a `data` finding, unless the
 * hostile peer scribbled on the object (then only crashes, hangs and leaks count). The
 * creator's permission bits are checked at once: anything but 0600 is a finding.
 */
#include "value_ops.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "adapter_util.h"
#include "value_layout.h"

static const char *const capacity_names[] = {"1", "16", "64", "255"};
static const unsigned capacities[] = {1, 16, 64, 255};
static const char *const length_names[] = {"0", "1", "3", "15", "16", "17", "64", "255"};
static const unsigned lengths[] = {0, 1, 3, 15, 16, 17, 64, 255};
enum value_field { FIELD_LEN, FIELD_SEQ, FIELD_CAPACITY, FIELD_TEXT };
static const char *const field_names[] = {"len", "seq", "capacity", "text"};

#define NCHOICES(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static struct value_slot_model *model_of(struct sfz_ctx *ctx, uint32_t slot)
{
    return &((struct value_model *)ctx->shared)->slot[slot];
}

static void **handle_of(struct sfz_ctx *ctx, uint32_t slot)
{
    return &((struct value_local *)ctx->local)->h[slot];
}

static int op_create(struct sfz_ctx *ctx, const uint32_t *argv)
{
    void **h = handle_of(ctx, argv[0]);
    if (*h != NULL)
        return SFZ_SKIPPED;
    *h = value_backend.create(argv[0], capacities[argv[1]]);
    if (*h == NULL)
        return sfzt_status(-1);
    struct value_slot_model *m = model_of(ctx, argv[0]);
    sfzt_model_created(m, sizeof(*m), argv[0], 0);
    m->capacity = capacities[argv[1]];
    int perms = value_backend.perms(argv[0]);
    if (perms != -1 && perms != 0600)
        return sfz_finding(ctx, "%s created with mode %03o: any local user can read or forge it "
                                "(want 0600)", value_backend.object, (unsigned)perms);
    return SFZ_OK;
}

static int op_open(struct sfz_ctx *ctx, const uint32_t *argv)
{
    void **h = handle_of(ctx, argv[0]);
    if (*h != NULL)
        return SFZ_SKIPPED;
    unsigned long before = sfzt_injections();
    *h = value_backend.open(argv[0]);
    struct value_slot_model *m = model_of(ctx, argv[0]);
    if (*h != NULL) {
        sfzt_opened(&m->st, argv[0], 0);
        return SFZ_OK;
    }
    if (sfzt_must_exist(&m->st) && errno == ENOENT)
        return sfzt_unexplained(ctx, before, "open");
    return sfzt_status(-1);
}

static void fill(char *text, unsigned len, uint32_t byte)
{
    for (unsigned i = 0; i < len; i++)
        text[i] = (char)('a' + (byte + i) % 26u);
    text[len] = '\0';
}

static int op_put(struct sfz_ctx *ctx, const uint32_t *argv)
{
    void *h = *handle_of(ctx, argv[0]);
    if (h == NULL)
        return SFZ_SKIPPED;
    char text[VALUE_TEXT_MAX + 1];
    unsigned len = lengths[argv[1]];
    fill(text, len, argv[2]);
    if (value_backend.put(h, text, len) == -1)
        return sfzt_status(-1);
    struct value_slot_model *m = model_of(ctx, argv[0]);
    if (sfzt_stale(&m->st, argv[0], 0))
        return SFZ_OK; /* it went to the old object */
    m->len = len;
    memcpy(m->text, text, len + 1);
    return SFZ_OK;
}

static int op_get(struct sfz_ctx *ctx, const uint32_t *argv)
{
    void *h = *handle_of(ctx, argv[0]);
    if (h == NULL)
        return SFZ_SKIPPED;
    char buf[VALUE_TEXT_MAX + 64];
    ssize_t n = value_backend.get(h, buf, sizeof(buf));
    const struct value_slot_model *m = model_of(ctx, argv[0]);
    if (n == -1)
        return sfzt_corruption_report(ctx, &m->st, argv[0], 0, "get");
    if (sfzt_tainted(&m->st, argv[0]) || !m->st.exists || sfzt_stale(&m->st, argv[0], 0))
        return SFZ_OK;
    if ((size_t)n != m->len || memcmp(buf, m->text, m->len) != 0 || buf[n] != '\0')
        return sfz_finding(ctx, "get returned %zd bytes \"%.40s\", the last put stored %u bytes "
                                "\"%.40s\"", n, buf, m->len, m->text);
    return SFZ_OK;
}

static int op_close(struct sfz_ctx *ctx, const uint32_t *argv)
{
    void **h = handle_of(ctx, argv[0]);
    if (*h == NULL)
        return SFZ_SKIPPED;
    if (value_backend.close(*h) == -1)
        return sfzt_status(-1); /* the handle stays valid: worker_done retries */
    *h = NULL;
    return SFZ_OK;
}

static int op_destroy(struct sfz_ctx *ctx, const uint32_t *argv)
{
    void **h = handle_of(ctx, argv[0]);
    if (*h == NULL)
        return SFZ_SKIPPED;
    if (value_backend.destroy(*h) == -1) {
        sfzt_destroy_failed(&model_of(ctx, argv[0])->st, argv[0], 0);
        return sfzt_status(-1); /* the handle stays valid: worker_done or teardown retries */
    }
    *h = NULL;
    sfzt_destroyed(&model_of(ctx, argv[0])->st, argv[0], 0);
    return SFZ_OK;
}

/* The hostile peer: write a poison value into one header field, or unterminate the text. */
static int op_corrupt(struct sfz_ctx *ctx, const uint32_t *argv)
{
    size_t size = 0;
    struct shmipc_value_hdr *v = value_backend.peer_map(argv[0], &size);
    if (v == NULL)
        return SFZ_SKIPPED;
    struct value_slot_model *m = model_of(ctx, argv[0]);
    unsigned poison = sfzt_poison(argv[2], m->capacity);
    switch ((enum value_field)argv[1]) {
    case FIELD_LEN: v->len = poison; break;
    case FIELD_SEQ: v->seq = poison | 1u; break;
    case FIELD_CAPACITY: v->capacity = poison; break;
    case FIELD_TEXT:
        if (size > sizeof(*v))
            memset(v->text, 'Z', size - sizeof(*v));
        break;
    }
    m->st.corrupt = 1;
    value_backend.peer_unmap(v, size);
    return SFZ_OK;
}

#define SLOT {"slot", SFZ_ARG_SLOT, NULL, 0}
const struct sfz_op value_ops[VALUE_NOPS] = {
    {"create", 2, {SLOT, {"capacity", SFZ_ARG_CHOICE, capacity_names, NCHOICES(capacity_names)}},
     op_create, 0},
    {"open", 1, {SLOT}, op_open, 0},
    {"put", 3, {SLOT, {"len", SFZ_ARG_CHOICE, length_names, NCHOICES(length_names)},
                {"fill", SFZ_ARG_BYTE, NULL, 0}}, op_put, 0},
    {"get", 1, {SLOT}, op_get, 0},
    {"close", 1, {SLOT}, op_close, 0},
    {"destroy", 1, {SLOT}, op_destroy, 0},
    {"corrupt", 3, {SLOT, {"field", SFZ_ARG_CHOICE, field_names, NCHOICES(field_names)},
                    {"value", SFZ_ARG_CHOICE, sfzt_poison_names, SFZT_NPOISON}},
     op_corrupt, SFZ_OP_HOSTILE},
};

static struct sfzt_slot_state *value_state(struct sfz_ctx *ctx, unsigned slot)
{
    return &model_of(ctx, slot)->st;
}

static unsigned *value_finished(struct sfz_ctx *ctx)
{
    return &((struct value_model *)ctx->shared)->finished;
}

static void **value_handle(struct sfz_ctx *ctx, unsigned slot, unsigned k)
{
    (void)k;
    return handle_of(ctx, slot);
}

/* The backend's functions in the shape the end of a program needs. */
static int end_destroy(void *h)
{
    return value_backend.destroy(h);
}

static int end_close(void *h)
{
    return value_backend.close(h);
}

static void *end_reopen(unsigned slot)
{
    return value_backend.open(slot);
}

static void end_remove_raw(unsigned slot)
{
    value_backend.remove_raw(slot);
}

static const struct sfzt_end value_end = {
    .state = value_state,
    .finished = value_finished,
    .nhandles = 1,
    .handle = value_handle,
    .destroy = end_destroy,
    .close = end_close,
    .reopen = end_reopen,
    .remove_raw = end_remove_raw,
};

void value_worker_done(struct sfz_ctx *ctx)
{
    sfzt_worker_done(ctx, &value_end);
}

void value_teardown(struct sfz_ctx *ctx)
{
    sfzt_teardown(ctx, &value_end);
}
