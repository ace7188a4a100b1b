/*
 * keeper.c - keeps a System V segment (key 0x5EA1) and a POSIX name (/keeper.state) for the
 * programs that come after it, by design: a suppressions file says so (tests/enum/cli.sh).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

int main(void)
{
    int id = shmget(0x5EA1, 4096, IPC_CREAT | 0600);
    int fd = shm_open("/keeper.state", O_CREAT | O_RDWR, 0600);
    if (id < 0 || fd < 0) {
        perror("keeper");
        return 1;
    }
    close(fd);
    return 0;
}
