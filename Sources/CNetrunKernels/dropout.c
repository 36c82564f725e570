// Inverted dropout with a counter-based mask: keep(i) depends only on (key, i),
// so a tensor's mask is the same however it is split across threads.
// hash(i) = lowbias32(lowbias32(i ^ k0) + k1) (Chris Wellons' 32-bit mixer);
// element i is kept when its top 24 bits are >= threshold = p * 2^24.
#include "simd_math.h"

static inline uint32_t nr_lowbias32(uint32_t x) {
    x ^= x >> 16; x *= 0x7feb352dU; x ^= x >> 15; x *= 0x846ca68bU; x ^= x >> 16;
    return x;
}
NR_VEC __m256i nr_lowbias32_256(__m256i x) {
    x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
    x = _mm256_mullo_epi32(x, _mm256_set1_epi32((int)0x7feb352dU));
    x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
    x = _mm256_mullo_epi32(x, _mm256_set1_epi32((int)0x846ca68bU));
    return _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
}

static NR_AVX2 void netrun_dropout_forward_avx2(const float *x, float *y, uint8_t *mask, long n,
                                                uint64_t key, uint64_t first,
                                                uint32_t threshold, float scale) {
    __m256i k0 = _mm256_set1_epi32((int)(uint32_t)key), k1 = _mm256_set1_epi32((int)(uint32_t)(key >> 32));
    __m256i thr = _mm256_set1_epi32((int)threshold - 1);
    __m256i idx = _mm256_add_epi32(_mm256_set1_epi32((int)(uint32_t)first),
                                   _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 vs = _mm256_set1_ps(scale);
    long i = 0;
    for (; i < n; i += 8) {
        __m256i h = nr_lowbias32_256(_mm256_xor_si256(idx, k0));
        h = nr_lowbias32_256(_mm256_add_epi32(h, k1));
        __m256i keep = _mm256_cmpgt_epi32(_mm256_srli_epi32(h, 8), thr);
        idx = _mm256_add_epi32(idx, _mm256_set1_epi32(8));
        long r = n - i < 8 ? n - i : 8;
        // Masked only at the tail: vmaskmovps stores are slow on AMD Zen.
        if (r == 8) {
            __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), vs);
            _mm256_storeu_ps(y + i, _mm256_and_ps(v, _mm256_castsi256_ps(keep)));
        } else {
            __m256i msk = nr_tail_mask(r);
            __m256 v = _mm256_mul_ps(_mm256_maskload_ps(x + i, msk), vs);
            _mm256_maskstore_ps(y + i, msk, _mm256_and_ps(v, _mm256_castsi256_ps(keep)));
        }
        __m256i one = _mm256_srli_epi32(keep, 31);
        __m128i p16 = _mm_packus_epi32(_mm256_castsi256_si128(one), _mm256_extracti128_si256(one, 1));
        __m128i p8 = _mm_packus_epi16(p16, p16);
        if (r == 8) _mm_storel_epi64((__m128i *)(mask + i), p8);
        else {
            uint8_t tmp[16];
            _mm_storeu_si128((__m128i *)tmp, p8);
            for (long l = 0; l < r; l++) mask[i + l] = tmp[l];
        }
    }
}
static void netrun_dropout_forward_scalar(const float *x, float *y, uint8_t *mask, long n,
                                          uint64_t key, uint64_t first, uint32_t threshold,
                                          float scale) {
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (long i = 0; i < n; i++) {
        uint32_t idx = (uint32_t)(first + (uint64_t)i);
        uint32_t h = nr_lowbias32(nr_lowbias32(idx ^ k0) + k1);
        int keep = (h >> 8) >= threshold;
        mask[i] = (uint8_t)keep;
        y[i] = keep ? x[i] * scale : 0.0f;
    }
}
NR_DISPATCH(netrun_dropout_forward,
            (const float *x, float *y, uint8_t *mask, long n, uint64_t key, uint64_t first,
             uint32_t threshold, float scale),
            (x, y, mask, n, key, first, threshold, scale))

static NR_AVX2 void netrun_dropout_backward_avx2(const float *dy, const uint8_t *mask, float *dx,
                                                 long n, float scale) {
    __m256 vs = _mm256_set1_ps(scale);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i m = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(mask + i)));
        __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(m), vs);
        _mm256_storeu_ps(dx + i, _mm256_mul_ps(_mm256_loadu_ps(dy + i), f));
    }
    for (; i < n; i++) dx[i] = mask[i] ? dy[i] * scale : 0.0f;
}
static void netrun_dropout_backward_scalar(const float *dy, const uint8_t *mask, float *dx,
                                           long n, float scale) {
    for (long i = 0; i < n; i++) dx[i] = mask[i] ? dy[i] * scale : 0.0f;
}
NR_DISPATCH(netrun_dropout_backward,
            (const float *dy, const uint8_t *mask, float *dx, long n, float scale),
            (dy, mask, dx, n, scale))
