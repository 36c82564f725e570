// libjpeg-turbo's TurboJPEG API (tjDecompressHeader3, tjDecompress2): JPEG decoding for
// folders of images. Nothing needs wrapping: the API has no macros or variadics.
#include <stddef.h>
#include <turbojpeg.h>
