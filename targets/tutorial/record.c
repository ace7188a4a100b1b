/*
 * record.c - tutorial pattern 2, the record updater: a struct {id, name} in a segment found
 * through ftok(), created with IPC_CREAT and 0640; read it, update it from the command line,
 * or remove it. Tutorial habits kept: unchecked shmget/shmat, strcpy into a fixed buffer,
 * every command creates the segment if it is missing.
 * usage: tutorial-record read | update ID NAME | remove
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>

#include "common.h"

struct record {
    int id;
    char name[32];
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s read | update ID NAME | remove\n", argv[0]);
        return 2;
    }
    key_t key = ftok(RECORD_PATH, RECORD_PROJ);
    int shmid = shmget(key, sizeof(struct record), IPC_CREAT | 0640);
    struct record *rec = (struct record *)shmat(shmid, NULL, 0);

    if (strcmp(argv[1], "read") == 0) {
        printf("id=%d name=%s\n", rec->id, rec->name);
    } else if (strcmp(argv[1], "update") == 0 && argc == 4) {
        rec->id = atoi(argv[2]);
        strcpy(rec->name, argv[3]);
        printf("updated: id=%d name=%s\n", rec->id, rec->name);
    } else if (strcmp(argv[1], "remove") == 0) {
        shmctl(shmid, IPC_RMID, NULL);
        printf("removed\n");
    } else {
        fprintf(stderr, "usage: %s read | update ID NAME | remove\n", argv[0]);
        return 2;
    }
    shmdt(rec);
    return 0;
}
