/*
 * format_test.c - unit tests of the program format, against the raw target's op table:
 *   - canonical text files (corpus seeds) parse, print back byte for byte, and survive
 *     text -> binary -> text exactly;
 *   - saved binary fixtures, including version-1 and -2 inputs, decode to their recorded text
 *     form (a fixture "x.bin" is checked against "x.txt"; "x.badversion.bin" must be refused);
 *   - the v3 action lists (the realistic errnos of each function) are the ones pinned in
 *     FIXTURE_DIR/v3-actions.list: changing them changes what saved v3 inputs mean;
 *   - the encoder writes v3 exactly when every fault is realistic (else v2), and v3 bytes
 *     and the mutator only ever give realistic faults;
 *   - 200000 fixed-seed random byte strings decode without error and round-trip through the
 *     canonical binary and the text form (the same property the libFuzzer decoder target
 *     checks for longer, with coverage guidance).
 *   - the program-level mutator: 20000 fixed-seed mutations of growing programs give canonical,
 *     in-bounds programs that round-trip, change something, and repeat exactly for a seed.
 * Usage: harness_format_test FIXTURE_DIR SEED_DIR. Prints one line per failure.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault_names.h"
#include "shmfault.h"
#include "shmfuzz/mutate.h"
#include "shmfuzz/program.h"
#include "shmfuzz/raw.h"

static struct sfz_opset set;
static int failures;

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                        \
            printf(__VA_ARGS__);                                                               \
            printf("\n");                                                                      \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* The text without comments and blank lines: what the printer produces. */
static void strip_comments(const char *in, char *out)
{
    while (*in) {
        const char *nl = strchr(in, '\n');
        size_t n = nl ? (size_t)(nl - in) : strlen(in);
        if (n > 0 && in[0] != '#') {
            memcpy(out, in, n);
            out += n;
            *out++ = '\n';
        }
        in += n + (nl != NULL);
    }
    *out = '\0';
}

static int all_realistic(const struct sfz_program *p)
{
    for (unsigned i = 0; i < p->nfaults; i++)
        if (!sfz_fault_realistic(&p->faults[i]))
            return 0;
    return 1;
}

/* decode(encode(p)) == p and parse(print(p)) == p; the encoding is v3 unless it needs v2. */
static void round_trip(const struct sfz_program *p, const char *what)
{
    static struct sfz_program q;
    static uint8_t bin[SFZ_ENCODED_MAX];
    static char text[16384], err[256];
    long n = sfz_encode(&set, p, bin, sizeof(bin));
    CHECK(n > 0, "%s: does not encode", what);
    if (n <= 0)
        return;
    CHECK(bin[SFZ_MAGIC_LEN] == (all_realistic(p) ? 3 : 2), "%s: encoded as version %u", what,
          bin[SFZ_MAGIC_LEN]);
    CHECK(sfz_decode(&set, bin, (size_t)n, &q) == SFZ_DECODE_OK, "%s: encoding refused", what);
    q.version = p->version;
    CHECK(memcmp(p, &q, sizeof(q)) == 0, "%s: decode(encode(p)) != p", what);
    size_t len = sfz_program_print(&set, p, text, sizeof(text));
    unsigned line = 0;
    int rc = sfz_program_parse(&set, text, len, &q, &line, err, sizeof(err));
    CHECK(rc == 0, "%s: printed text does not parse (line %u: %s)", what, line, err);
    q.version = p->version;
    CHECK(rc != 0 || memcmp(p, &q, sizeof(q)) == 0, "%s: parse(print(p)) != p", what);
}

static void text_file(const char *path)
{
    static struct sfz_program p;
    static char canon[1 << 16], printed[1 << 16], err[256];
    size_t len = 0;
    unsigned line = 0;
    char *text = slurp(path, &len);
    CHECK(text != NULL, "%s: unreadable", path);
    if (text == NULL)
        return;
    int rc = sfz_program_parse(&set, text, len, &p, &line, err, sizeof(err));
    CHECK(rc == 0, "%s:%u: %s", path, line, err);
    if (rc == 0) {
        strip_comments(text, canon);
        sfz_program_print(&set, &p, printed, sizeof(printed));
        CHECK(strcmp(canon, printed) == 0, "%s: prints back as\n%s", path, printed);
        round_trip(&p, path);
    }
    free(text);
}

static void fixture(const char *dir, const char *name)
{
    static struct sfz_program p;
    static char path[1024], printed[1 << 16];
    size_t len = 0, tlen = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    char *bin = slurp(path, &len);
    int rc = sfz_decode(&set, (const uint8_t *)bin, len, &p);
    if (strstr(name, ".badversion.")) {
        CHECK(rc == SFZ_DECODE_BAD_VERSION && p.nops == 0, "%s: unknown version accepted", name);
    } else {
        snprintf(path + strlen(path) - 4, 5, ".txt");
        char *want = slurp(path, &tlen);
        CHECK(rc == SFZ_DECODE_OK, "%s: refused", name);
        sfz_program_print(&set, &p, printed, sizeof(printed));
        CHECK(want && strcmp(want, printed) == 0, "%s: decodes as\n%s", name, printed);
        round_trip(&p, name);
        free(want);
    }
    free(bin);
}

static void each_file(const char *dir, const char *suffix, void (*fn)(const char *, const char *))
{
    DIR *d = opendir(dir);
    CHECK(d != NULL, "%s: cannot open", dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name), s = strlen(suffix);
        if (n > s && strcmp(e->d_name + n - s, suffix) == 0)
            fn(dir, e->d_name);
    }
    if (d)
        closedir(d);
}

static void seed_file(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    text_file(path);
}

static uint64_t rng = 0x5346a11ce;
static unsigned next_byte(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng >> 24) & 0xffu;
}

static void random_bytes(void)
{
    static uint8_t buf[400];
    static struct sfz_program p;
    for (int i = 0; i < 200000; i++) {
        size_t len = next_byte() + next_byte() % 144;
        for (size_t j = 0; j < len; j++)
            buf[j] = (uint8_t)next_byte();
        static const char *const magic[] = {"SFZ\x01", "SFZ\x02", "SFZ\x03"};
        if (len >= 4 && i % 4 == 0)
            memcpy(buf, magic[(i / 4) % 3], 4); /* every known version; else no magic = v3 */
        int rc = sfz_decode(&set, buf, len, &p);
        CHECK(p.version < 3 || all_realistic(&p), "random input %d: v3 gave a non-realistic fault",
              i);
        CHECK(rc == SFZ_DECODE_OK, "random input %d refused", i);
        CHECK(p.nprocs >= 1 && p.nprocs <= SFZ_MAX_PROCS && p.nops <= SFZ_MAX_OPS &&
              p.nfaults <= SFZ_MAX_FAULTS, "random input %d out of bounds", i);
        round_trip(&p, "random input");
        if (failures > 10)
            return;
    }
}

/* The mutator's output is a canonical program (what it encodes decodes back to the same
   bytes), it changes the input, and the same seed gives the same mutation. */
static void mutations(void)
{
    static uint8_t cur[SFZ_ENCODED_MAX], a[SFZ_ENCODED_MAX], b[SFZ_ENCODED_MAX];
    static uint8_t again[SFZ_ENCODED_MAX];
    static struct sfz_program p;
    size_t len = 0;
    unsigned changed = 0;
    for (unsigned i = 0; i < 20000 && failures <= 10; i++) {
        if (i % 200 == 0)
            len = 0; /* start again from the empty program now and then */
        memcpy(a, cur, len);
        memcpy(b, cur, len);
        size_t na = sfz_mutate(&set, a, len, sizeof(a), i);
        size_t nb = sfz_mutate(&set, b, len, sizeof(b), i);
        CHECK(na == nb && memcmp(a, b, na) == 0, "mutation %u: same seed, different output", i);
        if (na == 0)
            continue;
        changed += na != len || memcmp(a, cur, na) != 0;
        CHECK(sfz_decode(&set, a, na, &p) == SFZ_DECODE_OK, "mutation %u: does not decode", i);
        CHECK(p.nprocs >= 1 && p.nprocs <= SFZ_MAX_PROCS && p.nops <= SFZ_MAX_OPS &&
              p.nfaults <= SFZ_MAX_FAULTS, "mutation %u: out of bounds", i);
        long n = sfz_encode(&set, &p, again, sizeof(again));
        CHECK(n == (long)na && memcmp(again, a, na) == 0, "mutation %u: not canonical", i);
        /* from the empty program, with no v1/v2 seed: every fault it plants is realistic */
        CHECK(all_realistic(&p), "mutation %u: planted a non-realistic fault", i);
        round_trip(&p, "mutated program");
        memcpy(cur, a, na);
        len = na;
    }
    CHECK(changed > 15000, "only %u of 20000 mutations changed the program", changed);
}

/* Each function's v3 action list, one line per function: "shmget EACCES EEXIST ... +6". */
static void v3_actions(const char *dir)
{
    static char got[8192], path[1024];
    size_t len = 0, tlen = 0;
    for (unsigned fn = 0; fn < sfz_fault_function_count(); fn++) {
        struct sfz_fault f = {.function = (uint8_t)fn, .nth = 1};
        unsigned n = sfz_fault_action_count(fn, 3);
        len += (size_t)snprintf(got + len, sizeof(got) - len, "%s", shmfault_function_name(fn));
        for (unsigned i = 0; i < n; i++) {
            f.action = sfz_fault_action_nth(fn, 3, i);
            int b = sfz_fault_action_encode(&f, 3);
            if (i + SFZ_NCRASH < n)
                len += (size_t)snprintf(got + len, sizeof(got) - len, " %s",
                                        sfz_fault_action_name(&f));
            CHECK(b >= 0 && sfz_fault_action_decode(fn, 3, (unsigned)b) == f.action,
                  "%s: v3 action %u does not encode and decode back", shmfault_function_name(fn), i);
        }
        /* v3 keeps v2's choice between errno and crash for every byte (when the function has
           realistic errnos), and names the same crash */
        unsigned differ = 0;
        for (unsigned b = 0; b < 256; b++) {
            struct sfz_fault g = f;
            unsigned c2 = 0, c3 = 0;
            f.action = sfz_fault_action_decode(fn, 3, b);
            g.action = sfz_fault_action_decode(fn, 2, b);
            int crash3 = sfz_fault_is_crash(&f, &c3), crash2 = sfz_fault_is_crash(&g, &c2);
            differ += n > SFZ_NCRASH && (crash3 != crash2 || (crash2 && c2 != c3));
            differ += !crash3 && !sfz_fault_realistic(&f);
        }
        CHECK(differ == 0, "%s: %u v3 bytes break from v2's errno/crash choice or are not "
              "realistic", shmfault_function_name(fn), differ);
        len += (size_t)snprintf(got + len, sizeof(got) - len, " +%d\n", SFZ_NCRASH);
    }
    snprintf(path, sizeof(path), "%s/v3-actions.list", dir);
    char *want = slurp(path, &tlen);
    CHECK(want && strcmp(want, got) == 0,
          "the v3 action lists changed (what saved v3 inputs mean): a change to realistic.def "
          "needs a new format version; now\n%s", got);
    free(want);
}

/* Error lines name the problem; a few representative ones. */
static void parse_errors(void)
{
    static const char *const bad[] = {"p0 shmgett slot=0\n", "p1 shmdt slot=0\n",
                                      "p0 shmdt slot=9\n", "p0 shmdt\n",
                                      "p0 noop\nprocs 2\n", "procs 5\n",
                                      "p0 shmget slot=0 key=slot size=12 flags=creat\n"};
    static struct sfz_program p;
    char err[256];
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned line = 0;
        err[0] = '\0';
        CHECK(sfz_program_parse(&set, bad[i], strlen(bad[i]), &p, &line, err, sizeof(err)) == -1 &&
              line >= 1 && err[0] != '\0', "accepted: %s", bad[i]);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FIXTURE_DIR SEED_DIR\n", argv[0]);
        return 2;
    }
    sfz_opset_init(&set, &sfz_raw_adapter);
    each_file(argv[2], ".txt", seed_file);
    each_file(argv[1], ".bin", fixture);
    v3_actions(argv[1]);
    parse_errors();
    random_bytes();
    mutations();
    printf("%s (%d failures)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
