/*
 * voidclose.c - a small "library" whose close returns void (like many real ones): seg_open
 * creates and attaches a private segment, seg_close detaches and removes it and has no way to
 * report a failure. The program checks what it can: open fails cleanly, undoing what it did.
 * PLANTED DEFECT (-DBUGGY): seg_open returns the error of a failed shmat without removing the
 * segment it just created (shmat@1: leak).
 */
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

struct seg {
    int id;
    char *p;
};

static int seg_open(struct seg *s, size_t size)
{
    s->id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
    if (s->id < 0)
        return -1;
    s->p = shmat(s->id, NULL, 0);
    if (s->p == (void *)-1) {
#ifndef BUGGY
        shmctl(s->id, IPC_RMID, NULL);
#endif
        return -1;
    }
    return 0;
}

/* void: a failed detach or removal cannot be reported to the caller */
static void seg_close(struct seg *s)
{
    shmdt(s->p);
    shmctl(s->id, IPC_RMID, NULL);
}

int main(void)
{
    struct seg s;
    if (seg_open(&s, 4096) != 0) {
        perror("voidclose: seg_open");
        return 1;
    }
    strcpy(s.p, "data");
    seg_close(&s);
    return 0;
}
