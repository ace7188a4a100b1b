/*
 * mailbox.c - the example library. Built twice: as written, and with -DMAILBOX_TRUSTS_LEN, the
 * kind of bug a first version has: recv trusts the length a peer left in shared memory.
 */
#include "mailbox.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

struct box {
    uint32_t full, len;
    unsigned char data[MAILBOX_MAX];
};

struct mailbox {
    int id;
    struct box *box;
};

static struct mailbox *attach(int id)
{
    struct mailbox *mb = malloc(sizeof(*mb));
    if (mb == NULL)
        return NULL;
    mb->id = id;
    mb->box = shmat(id, NULL, 0);
    if (mb->box == (void *)-1) {
        int err = errno;
        free(mb);
        errno = err;
        return NULL;
    }
    return mb;
}

struct mailbox *mailbox_create(key_t key)
{
    int id = shmget(key, sizeof(struct box), IPC_CREAT | IPC_EXCL | 0600);
    if (id == -1)
        return NULL;
    struct mailbox *mb = attach(id);
    if (mb == NULL) {
        int err = errno;
        (void)shmctl(id, IPC_RMID, NULL); /* do not leave the segment behind */
        errno = err;
    }
    return mb;
}

struct mailbox *mailbox_open(key_t key)
{
    int id = shmget(key, sizeof(struct box), 0);
    return id == -1 ? NULL : attach(id);
}

int mailbox_send(struct mailbox *mb, const void *msg, size_t len)
{
    if (len > MAILBOX_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    if (__atomic_load_n(&mb->box->full, __ATOMIC_ACQUIRE)) {
        errno = EAGAIN;
        return -1;
    }
    memcpy(mb->box->data, msg, len);
    mb->box->len = (uint32_t)len;
    __atomic_store_n(&mb->box->full, 1, __ATOMIC_RELEASE);
    return 0;
}

long mailbox_recv(struct mailbox *mb, void *out, size_t size)
{
    if (!__atomic_load_n(&mb->box->full, __ATOMIC_ACQUIRE)) {
        errno = EAGAIN;
        return -1;
    }
    size_t len = mb->box->len; /* shared memory: a peer may have written anything */
#ifndef MAILBOX_TRUSTS_LEN
    if (len > MAILBOX_MAX || len > size) {
        errno = EBADMSG;
        return -1;
    }
#endif
    memcpy(out, mb->box->data, len);
    __atomic_store_n(&mb->box->full, 0, __ATOMIC_RELEASE);
    return (long)len;
}

int mailbox_close(struct mailbox *mb)
{
    if (shmdt(mb->box) == -1)
        return -1;
    free(mb);
    return 0;
}

int mailbox_destroy(struct mailbox *mb)
{
    if (shmctl(mb->id, IPC_RMID, NULL) == -1)
        return -1;
    return mailbox_close(mb);
}
