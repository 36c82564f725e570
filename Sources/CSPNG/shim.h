// libspng's public header: PNG decoding for folders of images (spng_decode_image to RGB8).
#include <spng.h>
