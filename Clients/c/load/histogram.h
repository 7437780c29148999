/* A log-linear histogram of microsecond values (about 3 % precision), cheap to record into. */
#ifndef SWARM_LOAD_HISTOGRAM_H
#define SWARM_LOAD_HISTOGRAM_H

#include <stdint.h>

/* Values below 64 have a bucket each; above, each power of two is cut into 32 buckets. */
#define HISTOGRAM_BUCKETS (64 + 58 * 32)

struct histogram {
    uint64_t count;
    uint64_t max;
    uint64_t buckets[HISTOGRAM_BUCKETS];
};

static inline int histogram_bucket(uint64_t v)
{
    if (v < 64)
        return (int)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 5; /* v >> shift is in [32, 63] */
    return 64 + (shift - 1) * 32 + (int)((v >> shift) - 32);
}

/* The middle of a bucket's range. */
static inline double histogram_value(int bucket)
{
    if (bucket < 64)
        return bucket;
    int shift = (bucket - 64) / 32 + 1;
    uint64_t mantissa = (uint64_t)((bucket - 64) % 32 + 32);
    return (double)(mantissa << shift) + (double)(1ull << shift) / 2.0;
}

static inline void histogram_record(struct histogram *h, uint64_t v)
{
    h->buckets[histogram_bucket(v)]++;
    h->count++;
    if (v > h->max)
        h->max = v;
}

/* The value below which `percent` of the recorded values fall; 0 when nothing was recorded. */
static inline double histogram_percentile(const struct histogram *h, double percent)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = (uint64_t)((percent / 100.0) * (double)h->count + 0.5);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (int b = 0; b < HISTOGRAM_BUCKETS; b++) {
        seen += h->buckets[b];
        if (seen >= rank) {
            double v = histogram_value(b);
            return v > (double)h->max ? (double)h->max : v;
        }
    }
    return (double)h->max;
}

#endif
