/*
 * mailbox.h - an example IPC library that is not part of shmfuzz: one message slot in a System V
 * segment, handed from a sender to a receiver. docs/adapters.md fuzzes it with one adapter file,
 * mailbox_adapter.c (107 lines).
 */
#ifndef MAILBOX_H
#define MAILBOX_H

#include <stddef.h>
#include <sys/types.h>

#define MAILBOX_MAX 32

struct mailbox;

/* Create (owner) or open the mailbox at KEY. NULL with errno on failure. */
struct mailbox *mailbox_create(key_t key);
struct mailbox *mailbox_open(key_t key);
/* Put LEN bytes (<= MAILBOX_MAX); EAGAIN while the previous message is unread. */
int mailbox_send(struct mailbox *mb, const void *msg, size_t len);
/* Take the message: returns its length, -1 with EAGAIN when empty. */
long mailbox_recv(struct mailbox *mb, void *out, size_t size);
/* Detach; destroy also removes the segment. */
int mailbox_close(struct mailbox *mb);
int mailbox_destroy(struct mailbox *mb);

#endif /* MAILBOX_H */
