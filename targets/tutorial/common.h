/*
 * common.h - what the tutorial programs share, as the tutorials write it: fixed keys and
 * names, known to both sides at compile time. These programs are *deliberately* written the
 * tutorial way (docs/targets.md lists their weaknesses): do not harden them, libshmipc is the
 * hardened version.
 */
#ifndef TUTORIAL_COMMON_H
#define TUTORIAL_COMMON_H

#define SHM_KEY 0x1234        /* writer/reader by key */
#define SHM_SIZE 1024
#define RECORD_PATH "/"       /* ftok() input of the record updater */
#define RECORD_PROJ 'R'
#define RING_KEY 0x2345       /* producer/consumer: segment and semaphore set */
#define RING_SIZE 5
#define POSIX_NAME "/tutorial_shm"
#define MMAP_FILE "tutorial_shared.dat"
#define MAP_SIZE 4096

#endif /* TUTORIAL_COMMON_H */
