/*
 * symtab.c - the name of the function at an address, from the module's own .symtab: dladdr
 * knows only exported (dynamic) symbols, and the sites the double-fetch lint reports are
 * mostly static functions of the library under test. Reads the file, never trusts it: every
 * offset is checked against its size. Used outside signal handlers only.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inside.h"

static int fits(size_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

/* The STT_FUNC symbol of section SH (a SHT_SYMTAB) holding VADDR, with its string table. */
static int lookup(const unsigned char *m, size_t size, const Elf64_Shdr *sh, const Elf64_Shdr *all,
                  unsigned nsec, uint64_t vaddr, char *name, size_t name_size, uint64_t *off)
{
    if (sh->sh_link >= nsec || sh->sh_entsize != sizeof(Elf64_Sym) ||
        !fits(size, sh->sh_offset, sh->sh_size))
        return -1;
    const Elf64_Shdr *str = &all[sh->sh_link];
    if (!fits(size, str->sh_offset, str->sh_size))
        return -1;
    const Elf64_Sym *sym = (const Elf64_Sym *)(m + sh->sh_offset);
    for (uint64_t i = 0; i < sh->sh_size / sizeof(Elf64_Sym); i++) {
        if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC || sym[i].st_value > vaddr ||
            vaddr - sym[i].st_value >= sym[i].st_size || sym[i].st_name >= str->sh_size)
            continue;
        const char *s = (const char *)m + str->sh_offset + sym[i].st_name;
        size_t max = (size_t)(str->sh_size - sym[i].st_name);
        snprintf(name, name_size, "%.*s", (int)strnlen(s, max < 200 ? max : 200), s);
        *off = vaddr - sym[i].st_value;
        return 0;
    }
    return -1;
}

int sfz_symtab_function(const char *path, uint64_t vaddr, char *name, size_t name_size,
                        uint64_t *off)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
        eh->e_shentsize == sizeof(Elf64_Shdr) &&
        fits(size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
        const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
        for (unsigned i = 0; i < eh->e_shnum && rc != 0; i++)
            if (sh[i].sh_type == SHT_SYMTAB)
                rc = lookup(m, size, &sh[i], sh, eh->e_shnum, vaddr, name, name_size, off);
    }
    munmap((void *)m, size);
    return rc;
}
