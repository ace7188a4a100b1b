/*
 * mailbox_adapter.c - the whole cost of fuzzing the example mailbox library with shmfuzz: its
 * ops, their argument shapes, a model of what the receiver must see, and cleanup.
 */
#include <errno.h>
#include <string.h>

#include "mailbox.h"
#include "shmfuzz/adapter.h"

#define KEY 0x6d420000 /* one key per slot: KEY + slot */

struct local { struct mailbox *mb[SFZ_SLOTS]; }; /* each worker's handles; the model is shared */
struct model { unsigned created[SFZ_SLOTS], sent[SFZ_SLOTS], len[SFZ_SLOTS], fill[SFZ_SLOTS]; };

static struct mailbox **handle(struct sfz_ctx *c, uint32_t slot)
{
    return &((struct local *)c->local)->mb[slot];
}

static int status(int failed) { return !failed ? SFZ_OK : errno == EAGAIN ? SFZ_SKIPPED : SFZ_FAILED; }

static int op_create(struct sfz_ctx *c, const uint32_t *a)
{
    if (*handle(c, a[0]))
        return SFZ_SKIPPED;
    *handle(c, a[0]) = mailbox_create(KEY + (key_t)a[0]);
    if (*handle(c, a[0]) != NULL) /* this program owns it now: teardown removes it */
        ((struct model *)c->shared)->created[a[0]] = 1;
    return status(*handle(c, a[0]) == NULL);
}

static int op_open(struct sfz_ctx *c, const uint32_t *a)
{
    if (*handle(c, a[0]))
        return SFZ_SKIPPED;
    *handle(c, a[0]) = mailbox_open(KEY + (key_t)a[0]);
    return status(*handle(c, a[0]) == NULL);
}

static int op_send(struct sfz_ctx *c, const uint32_t *a)
{
    struct model *m = c->shared;
    unsigned char msg[MAILBOX_MAX];
    unsigned len = a[1] % (MAILBOX_MAX + 1);
    if (*handle(c, a[0]) == NULL)
        return SFZ_SKIPPED;
    memset(msg, (int)a[2], len);
    if (mailbox_send(*handle(c, a[0]), msg, len) == -1)
        return status(1);
    m->sent[a[0]] = 1, m->len[a[0]] = len, m->fill[a[0]] = a[2];
    return SFZ_OK;
}

static int op_recv(struct sfz_ctx *c, const uint32_t *a)
{
    struct model *m = c->shared;
    unsigned char out[MAILBOX_MAX];
    if (*handle(c, a[0]) == NULL)
        return SFZ_SKIPPED;
    long n = mailbox_recv(*handle(c, a[0]), out, sizeof(out));
    if (n == -1 || sfz_peer_writes() > 0) /* after a hostile write only crashes count */
        return status(n == -1);
    if (!m->sent[a[0]] || (unsigned long)n != m->len[a[0]] ||
        (n > 0 && (out[0] != m->fill[a[0]] || out[n - 1] != m->fill[a[0]])))
        return sfz_finding(c, "received %ld bytes that nobody sent that way", n);
    m->sent[a[0]] = 0;
    return SFZ_OK;
}

static void worker_done(struct sfz_ctx *c)
{
    for (uint32_t s = 0; s < SFZ_SLOTS; s++)
        if (*handle(c, s) && mailbox_close(*handle(c, s)) == 0)
            *handle(c, s) = NULL;
}

/* The owner's job in real use: destroy each mailbox it created once everybody is done. Only
   those (and slots whose op the plan killed half-way: uncertain), through the library: a
   segment a failed create left behind is the library's leak, and stays for leak-ipc to see. */
static void teardown(struct sfz_ctx *c)
{
    struct model *m = c->shared;
    for (uint32_t s = 0; s < SFZ_SLOTS; s++) {
        struct mailbox *mb = NULL;
        if (m->created[s] || sfz_slot_uncertain(s))
            mb = mailbox_open(KEY + (key_t)s);
        if (mb != NULL && mailbox_destroy(mb) == -1)
            (void)mailbox_close(mb);
    }
}

#define SLOT {"slot", SFZ_ARG_SLOT, NULL, 0}
static const struct sfz_op ops[] = {
    {"create", 1, {SLOT}, op_create, 0},
    {"open", 1, {SLOT}, op_open, 0},
    {"send", 3, {SLOT, {"len", SFZ_ARG_BYTE, NULL, 0}, {"fill", SFZ_ARG_BYTE, NULL, 0}}, op_send, 0},
    {"recv", 1, {SLOT}, op_recv, 0},
};

static const struct sfz_adapter mailbox_adapter = {
    .name = "mailbox", .summary = "example: a one-slot System V mailbox (docs/adapters.md)",
    .ops = ops, .nops = sizeof(ops) / sizeof(ops[0]),
    .local_size = sizeof(struct local), .shared_size = sizeof(struct model),
    .worker_done = worker_done, .teardown = teardown,
};
SFZ_TARGET(mailbox_adapter);
