/*
 * many.c - fifty non-blocking semops, each on its own semaphore of one set, whose failures are
 * all ignored: fifty `swallowed` cells, more than enumerate's summary lists (tests/enum/cli.sh:
 * the exit status stays 1). Each call is on a different semaphore, so none retries another.
 */
#include <sys/ipc.h>
#include <sys/sem.h>

#define N 50

int main(void)
{
    unsigned short values[N];
    int id = semget(IPC_PRIVATE, N, IPC_CREAT | 0600);
    for (int i = 0; i < N; i++)
        values[i] = 1;
    if (id < 0 || semctl(id, 0, SETALL, values) != 0)
        return 1;
    for (unsigned short i = 0; i < N; i++) {
        struct sembuf b = {i, -1, IPC_NOWAIT};
        (void)semop(id, &b, 1);
    }
    return semctl(id, 0, IPC_RMID) == 0 ? 0 : 1;
}
