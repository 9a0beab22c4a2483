/*
 * types.h - typed addresses, frame numbers and their conversions.
 *
 * Every address space Pagoda deals with has its own one-field struct, so a
 * guest-physical address cannot be passed where a host-physical one is
 * expected (Hafnium's habit). The names are KVM's: gva, gpa, gfn, hva,
 * hpa, hfn. All conversions live here and nowhere else.
 *
 *   63                         12 11          0
 *  +-----------------------------+-------------+
 *  |     frame number (gfn/hfn)  | page offset |
 *  +-----------------------------+-------------+
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_TYPES_H
#define PAGODA_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#ifndef static_assert
#define static_assert _Static_assert
#endif

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define HUGE_2M_SHIFT 21
#define HUGE_2M_SIZE (1ULL << HUGE_2M_SHIFT)
#define HUGE_1G_SHIFT 30
#define HUGE_1G_SIZE (1ULL << HUGE_1G_SHIFT)

typedef struct { uint64_t v; } gva_t; /* guest-virtual */
typedef struct { uint64_t v; } gpa_t; /* guest-physical */
typedef struct { uint64_t v; } gfn_t; /* guest frame number */
typedef struct { uint64_t v; } hva_t; /* host-virtual (Pagoda's own mapping) */
typedef struct { uint64_t v; } hpa_t; /* host-physical */
typedef struct { uint64_t v; } hfn_t; /* host frame number */

static inline gva_t gva(uint64_t v) { return (gva_t){ v }; }
static inline gpa_t gpa(uint64_t v) { return (gpa_t){ v }; }
static inline gfn_t gfn(uint64_t v) { return (gfn_t){ v }; }
static inline hva_t hva(uint64_t v) { return (hva_t){ v }; }
static inline hpa_t hpa(uint64_t v) { return (hpa_t){ v }; }
static inline hfn_t hfn(uint64_t v) { return (hfn_t){ v }; }

static inline gfn_t gpa_to_gfn(gpa_t a) { return gfn(a.v >> PAGE_SHIFT); }
static inline gpa_t gfn_to_gpa(gfn_t f) { return gpa(f.v << PAGE_SHIFT); }
static inline hfn_t hpa_to_hfn(hpa_t a) { return hfn(a.v >> PAGE_SHIFT); }
static inline hpa_t hfn_to_hpa(hfn_t f) { return hpa(f.v << PAGE_SHIFT); }
static inline uint64_t gpa_offset(gpa_t a) { return a.v & ~PAGE_MASK; }

/*
 * Pagoda maps all RAM 1:1 (host-virtual == host-physical), so these two
 * are identities; they exist so that every dereference of a physical
 * address is visible and greppable.
 */
static inline void *hpa_to_ptr(hpa_t a) { return (void *)(uintptr_t)a.v; }
static inline hpa_t ptr_to_hpa(const void *p) { return hpa((uintptr_t)p); }

#endif
