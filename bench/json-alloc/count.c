// Counts malloc-family calls for `baton bench-json` (issue 21, item 5): preloaded,
// it forwards to glibc and exports the running count, which the benchmark reads.
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static uint64_t calls;

uint64_t bench_malloc_calls(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }

void *malloc(size_t n) { __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED); return __libc_malloc(n); }
void *calloc(size_t n, size_t m) { __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED); return __libc_calloc(n, m); }
void *realloc(void *p, size_t n) { __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED); return __libc_realloc(p, n); }
