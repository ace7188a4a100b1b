/*
 * fmt.c - the fault layer's own tiny formatter: strings, decimal, hex and JSON strings into a
 * caller's buffer, truncating silently. The interposers, traces and reports use it because
 * stdio may allocate, lock, or be the very thing a signal interrupted.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

void sf_putn(struct sf_buf *b, const char *s, size_t n)
{
    if (b->size == 0)
        return;
    size_t room = b->size - 1 - b->len;
    if (n > room)
        n = room;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sf_put(struct sf_buf *b, const char *s)
{
    sf_putn(b, s, strlen(s));
}

void sf_putc(struct sf_buf *b, char ch)
{
    sf_putn(b, &ch, 1);
}

void sf_put_udec(struct sf_buf *b, unsigned long v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    sf_putn(b, tmp + i, sizeof(tmp) - i);
}

void sf_put_dec(struct sf_buf *b, long v)
{
    if (v < 0) {
        sf_putc(b, '-');
        sf_put_udec(b, 0UL - (unsigned long)v);
    } else {
        sf_put_udec(b, (unsigned long)v);
    }
}

/* 0x-prefixed; WIDTH pads with zeros (0 = as short as possible). */
void sf_put_hex(struct sf_buf *b, unsigned long v, int width)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    int digits = 0;
    do {
        tmp[--i] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
        digits++;
    } while (v != 0 || digits < width);
    sf_put(b, "0x");
    sf_putn(b, tmp + i, sizeof(tmp) - i);
}

void sf_put_json(struct sf_buf *b, const char *s)
{
    sf_putc(b, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            sf_putc(b, '\\');
            sf_putc(b, (char)ch);
        } else if (ch < 0x20 || ch >= 0x7f) {
            char esc[7] = {'\\', 'u', '0', '0', "0123456789abcdef"[ch >> 4],
                           "0123456789abcdef"[ch & 0xf], 0};
            sf_put(b, esc);
        } else {
            sf_putc(b, (char)ch);
        }
    }
    sf_putc(b, '"');
}

void sf_write_all(int fd, const char *p, size_t n)
{
    int saved = errno;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        n -= (size_t)w;
    }
    errno = saved;
}
