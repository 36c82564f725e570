// zlib's public header; NetrunData uses its streaming inflater to read `.gz` files, and
// NetrunFormats its crc32_z for the checksum of each tensor in a safetensors file.
#include <zlib.h>

// inflateInit2 is a macro (it passes ZLIB_VERSION and the struct size to inflateInit2_),
// which Swift cannot call: this wrapper opens a stream that accepts gzip or zlib headers
// (window bits 15, +32 for automatic header detection).
static inline int netrun_inflate_init_auto(z_streamp stream) {
    return inflateInit2(stream, 15 + 32);
}
