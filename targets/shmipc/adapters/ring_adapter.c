/*
 * ring_adapter.c - fuzz target "shmipc-ring": the producer/consumer pattern. Workers create or
 * open rings as producer or consumer, send and receive, leave, and play the hostile peer.
 *
 * The model (shared) is each ring's FIFO of messages sent and not yet received. Every message
 * carries its sequence number in its bytes, so a receive that returns anything but the oldest
 * queued message, a message nobody sent, or a send accepted into a full ring is a `data`
 * finding. `recv` never waits; `wait` receives with a 5 ms deadline (the library's), so one
 * that never returns is the executor's `hang`.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "adapter_util.h"
#include "ring_layout.h"
#include "shmipc.h"

#define RING_KEY_BASE 0x53460300u
#define MODEL_QUEUE 8u         /* more than the largest ring: room to see an overfull one */
#define WAIT_SHORT_MS 5        /* "wait": long enough to block, short enough to fuzz */

struct ring_msg {
    uint32_t len, fill, seq;
};
struct ring_slot_model {
    struct sfzt_slot_state st;
    uint32_t slots, msg_max;
    uint32_t next_seq;
    uint32_t count, first; /* queued messages in queue[first..first+count) mod MODEL_QUEUE */
    struct ring_msg queue[MODEL_QUEUE];
};
struct ring_model {
    struct ring_slot_model slot[SFZ_SLOTS];
    unsigned finished; /* workers done (adapter_util.h: the end of a program) */
};
/* A worker may hold a slot's ring as producer and as consumer at once, so one process can
   play both sides (programs with one process run in the engine's process: fast). */
enum { AS_PRODUCER, AS_CONSUMER, NROLES };
struct ring_local {
    struct shmipc_ring *h[SFZ_SLOTS][NROLES];
};

static const char *const slots_names[] = {"1", "2", "4"};
static const unsigned slots_values[] = {1, 2, 4};
static const char *const msg_names[] = {"8", "64"};
static const unsigned msg_values[] = {8, 64};
static const char *const role_names[] = {"producer", "consumer"};
static const char *const len_names[] = {"0", "1", "4", "8", "9", "64", "65"};
static const unsigned len_values[] = {0, 1, 4, 8, 9, 64, 65};
enum ring_field { FIELD_HEAD, FIELD_TAIL, FIELD_LEN0, FIELD_SLOTS };
static const char *const field_names[] = {"head", "tail", "len0", "slots"};

#define NCHOICES(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static struct ring_slot_model *model_of(struct sfz_ctx *ctx, uint32_t slot)
{
    return &((struct ring_model *)ctx->shared)->slot[slot];
}

static struct shmipc_ring **handle_of(struct sfz_ctx *ctx, uint32_t slot, uint32_t role)
{
    return &((struct ring_local *)ctx->local)->h[slot][role];
}

static enum shmipc_role role_of(uint32_t choice)
{
    return choice == AS_PRODUCER ? SHMIPC_PRODUCER : SHMIPC_CONSUMER;
}

static void message_bytes(const struct ring_msg *m, unsigned char *out)
{
    for (uint32_t i = 0; i < m->len; i++)
        out[i] = (unsigned char)(m->fill + m->seq * 7u + i);
}

static int op_create(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct shmipc_ring **h = handle_of(ctx, argv[0], argv[3]);
    if (*h != NULL)
        return SFZ_SKIPPED;
    *h = shmipc_ring_create(sfzt_key(RING_KEY_BASE, argv[0]), slots_values[argv[1]],
                            msg_values[argv[2]], role_of(argv[3]));
    if (*h == NULL)
        return sfzt_status(-1);
    struct ring_slot_model *m = model_of(ctx, argv[0]);
    sfzt_model_created(m, sizeof(*m), argv[0], argv[3]);
    m->slots = slots_values[argv[1]];
    m->msg_max = msg_values[argv[2]];
    return SFZ_OK;
}

static int op_open(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct shmipc_ring **h = handle_of(ctx, argv[0], argv[1]);
    if (*h != NULL)
        return SFZ_SKIPPED;
    unsigned long before = sfzt_injections();
    *h = shmipc_ring_open(sfzt_key(RING_KEY_BASE, argv[0]), role_of(argv[1]));
    const struct ring_slot_model *m = model_of(ctx, argv[0]);
    if (*h != NULL) {
        sfzt_opened(&m->st, argv[0], argv[1]);
        return SFZ_OK;
    }
    if (sfzt_must_exist(&m->st) && errno == ENOENT)
        return sfzt_unexplained(ctx, before, "ring open");
    return sfzt_status(-1);
}

static int op_send(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct shmipc_ring *h = *handle_of(ctx, argv[0], AS_PRODUCER);
    if (h == NULL)
        return SFZ_SKIPPED;
    struct ring_slot_model *m = model_of(ctx, argv[0]);
    struct ring_msg msg = {.len = len_values[argv[1]], .fill = argv[2], .seq = m->next_seq};
    unsigned char bytes[64 + 1];
    message_bytes(&msg, bytes);
    if (shmipc_ring_send(h, bytes, msg.len, 0) == -1)
        return sfzt_corruption_report(ctx, &m->st, argv[0], AS_PRODUCER, "send");
    m->next_seq++;
    if (sfzt_tainted(&m->st, argv[0]) || sfzt_stale(&m->st, argv[0], AS_PRODUCER))
        return SFZ_OK;
    if (m->count >= m->slots)
        return sfz_finding(ctx, "send of message %u succeeded although the ring's %u slot(s) "
                                "were full", msg.seq, m->slots);
    m->queue[(m->first + m->count) % MODEL_QUEUE] = msg;
    m->count++;
    return SFZ_OK;
}

static int receive(struct sfz_ctx *ctx, const uint32_t *argv, int timeout_ms)
{
    struct shmipc_ring *h = *handle_of(ctx, argv[0], AS_CONSUMER);
    if (h == NULL)
        return SFZ_SKIPPED;
    unsigned char buf[SHMIPC_RING_MSG_MAX];
    ssize_t n = shmipc_ring_recv(h, buf, sizeof(buf), timeout_ms);
    struct ring_slot_model *m = model_of(ctx, argv[0]);
    if (n == -1)
        return errno == EAGAIN || errno == ETIMEDOUT || errno == EPIPE
                   ? SFZ_SKIPPED
                   : sfzt_corruption_report(ctx, &m->st, argv[0], AS_CONSUMER, "recv");
    if (sfzt_tainted(&m->st, argv[0]) || sfzt_stale(&m->st, argv[0], AS_CONSUMER))
        return SFZ_OK;
    if (m->count == 0)
        return sfz_finding(ctx, "received a %zd-byte message from an empty ring", n);
    const struct ring_msg *want = &m->queue[m->first];
    unsigned char expect[64 + 1];
    message_bytes(want, expect);
    if ((size_t)n != want->len)
        return sfz_finding(ctx, "received %zd bytes, the oldest queued message (%u) has %u", n,
                           want->seq, want->len);
    for (uint32_t i = 0; i < want->len; i++)
        if (buf[i] != expect[i])
            return sfz_finding(ctx, "message %u corrupted in the ring: byte %u is 0x%02x, was sent "
                                    "as 0x%02x", want->seq, i, buf[i], expect[i]);
    m->first = (m->first + 1) % MODEL_QUEUE;
    m->count--;
    return SFZ_OK;
}

static int op_recv(struct sfz_ctx *ctx, const uint32_t *argv)
{
    return receive(ctx, argv, 0);
}

static int op_wait(struct sfz_ctx *ctx, const uint32_t *argv)
{
    return receive(ctx, argv, WAIT_SHORT_MS);
}

static int op_close(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct shmipc_ring **h = handle_of(ctx, argv[0], argv[1]);
    if (*h == NULL)
        return SFZ_SKIPPED;
    if (shmipc_ring_close(*h) == -1)
        return sfzt_status(-1); /* the handle stays valid: worker_done retries */
    *h = NULL;
    return SFZ_OK;
}

static int op_destroy(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct shmipc_ring **h = handle_of(ctx, argv[0], argv[1]);
    if (*h == NULL)
        return SFZ_SKIPPED;
    if (shmipc_ring_destroy(*h) == -1) {
        sfzt_destroy_failed(&model_of(ctx, argv[0])->st, argv[0], argv[1]);
        return sfzt_status(-1);
    }
    *h = NULL;
    sfzt_destroyed(&model_of(ctx, argv[0])->st, argv[0], argv[1]);
    return SFZ_OK;
}

static int op_corrupt(struct sfz_ctx *ctx, const uint32_t *argv)
{
    size_t size = 0;
    struct shmipc_ring_hdr *r = sfzt_peer_attach(sfzt_key(RING_KEY_BASE, argv[0]), &size);
    if (r == NULL)
        return SFZ_SKIPPED;
    struct ring_slot_model *m = model_of(ctx, argv[0]);
    unsigned poison = sfzt_poison(argv[2], m->slots);
    switch ((enum ring_field)argv[1]) {
    case FIELD_HEAD: r->head = poison; break;
    case FIELD_TAIL: r->tail = poison; break;
    case FIELD_LEN0:
        if (m->slots != 0 && shmipc_ring_size(m->slots, m->msg_max) <= size)
            shmipc_ring_lens(r, m->slots, m->msg_max)[0] = sfzt_poison(argv[2], m->msg_max);
        break;
    case FIELD_SLOTS: r->slots = poison; break;
    }
    m->st.corrupt = 1;
    sfzt_peer_detach(r);
    return SFZ_OK;
}

static struct sfzt_slot_state *ring_state(struct sfz_ctx *ctx, unsigned slot)
{
    return &model_of(ctx, slot)->st;
}

static unsigned *ring_finished(struct sfz_ctx *ctx)
{
    return &((struct ring_model *)ctx->shared)->finished;
}

static void **ring_handle(struct sfz_ctx *ctx, unsigned slot, unsigned k)
{
    return (void **)handle_of(ctx, slot, k);
}

static int ring_destroy(void *h)
{
    return shmipc_ring_destroy(h);
}

static int ring_close(void *h)
{
    return shmipc_ring_close(h);
}

static void *ring_reopen(unsigned slot)
{
    return shmipc_ring_open(sfzt_key(RING_KEY_BASE, slot), SHMIPC_CONSUMER);
}

static void ring_remove_raw(unsigned slot)
{
    sfzt_remove_key(sfzt_key(RING_KEY_BASE, slot));
}

static const struct sfzt_end ring_end = {
    .state = ring_state,
    .finished = ring_finished,
    .nhandles = NROLES,
    .handle = ring_handle,
    .destroy = ring_destroy,
    .close = ring_close,
    .reopen = ring_reopen,
    .remove_raw = ring_remove_raw,
};

static void ring_worker_done(struct sfz_ctx *ctx)
{
    sfzt_worker_done(ctx, &ring_end);
}

static void ring_teardown(struct sfz_ctx *ctx)
{
    sfzt_teardown(ctx, &ring_end);
}

#define SLOT {"slot", SFZ_ARG_SLOT, NULL, 0}
#define CHOICE(name, list) {name, SFZ_ARG_CHOICE, list, NCHOICES(list)}
static const struct sfz_op ring_ops[] = {
    {"create", 4, {SLOT, CHOICE("slots", slots_names), CHOICE("msg", msg_names),
                   CHOICE("role", role_names)}, op_create, 0},
    {"open", 2, {SLOT, CHOICE("role", role_names)}, op_open, 0},
    {"send", 3, {SLOT, CHOICE("len", len_names), {"fill", SFZ_ARG_BYTE, NULL, 0}}, op_send, 0},
    {"recv", 1, {SLOT}, op_recv, 0},
    {"wait", 1, {SLOT}, op_wait, SFZ_OP_BLOCKS},
    {"close", 2, {SLOT, CHOICE("role", role_names)}, op_close, 0},
    {"destroy", 2, {SLOT, CHOICE("role", role_names)}, op_destroy, 0},
    {"corrupt", 3, {SLOT, CHOICE("field", field_names),
                    {"value", SFZ_ARG_CHOICE, sfzt_poison_names, SFZT_NPOISON}},
     op_corrupt, SFZ_OP_HOSTILE},
};

static const struct sfz_adapter ring_adapter = {
    .name = "shmipc-ring",
    .summary = "libshmipc ring: producer/consumer messages guarded by System V semaphores",
    .ops = ring_ops,
    .nops = NCHOICES(ring_ops),
    .local_size = sizeof(struct ring_local),
    .shared_size = sizeof(struct ring_model),
    .worker_done = ring_worker_done,
    .teardown = ring_teardown,
};
SFZ_TARGET(ring_adapter);
