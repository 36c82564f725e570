import NetrunFormats
import CSPNG
import CTurboJPEG

/// An 8-bit RGB image, interleaved (`H x W x 3`), as the decoders produce it.
struct RGBImage {
    var height: Int
    var width: Int
    var pixels: [UInt8]
}

/// JPEG (libjpeg-turbo's TurboJPEG) and PNG (libspng) decoding to 8-bit RGB; the format is
/// told by the file's magic bytes, not its name. Every C call of both libraries is here.
enum ImageDecoding {
    /// Images larger than this (either side, or in pixels) are refused before decoding:
    /// a corrupt or hostile header must not make the loader allocate gigabytes.
    static let maximumSide = 1 << 15
    static let maximumPixels = 1 << 27

    static func decode(_ bytes: [UInt8], path: String) throws(FileError) -> RGBImage {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return try jpeg(bytes, path: path) }
        if bytes.count >= 8, bytes.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return try png(bytes, path: path) }
        throw FileError(path: path, kind: .format, message: "is neither a JPEG nor a PNG image (unknown magic bytes)")
    }

    static func checkSize(_ width: Int, _ height: Int, path: String) throws(FileError) {
        guard width >= 1, height >= 1, width <= maximumSide, height <= maximumSide, width * height <= maximumPixels else {
            throw FileError(path: path, kind: .format, message: "image is \(width)x\(height); netrun decodes images up to \(maximumSide) on a side and \(maximumPixels) pixels")
        }
    }

    /// `tjDecompressHeader3` for the size, then `tjDecompress2` to `TJPF_RGB`.
    static func jpeg(_ bytes: [UInt8], path: String) throws(FileError) -> RGBImage {
        func failed(_ handle: tjhandle?) -> FileError {
            let reason = handle.flatMap { tjGetErrorStr2($0) }.map { String(cString: $0) } ?? "TurboJPEG could not start"
            return FileError(path: path, kind: .format, message: "JPEG does not decode: \(reason)")
        }
        guard let handle = tjInitDecompress() else { throw failed(nil) }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer { tjDecompressHeader3(handle, $0.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace) }
        guard header == 0 else { throw failed(handle) }
        // A cut or garbled file can pass the header call with no frame read.
        guard width > 0, height > 0 else {
            throw FileError(path: path, kind: .format, message: "JPEG does not decode: no image size in its header (the file is cut short or corrupt)")
        }
        guard colorspace != Int32(TJCS_CMYK.rawValue), colorspace != Int32(TJCS_YCCK.rawValue) else {
            throw FileError(path: path, kind: .format,
                            message: "is a CMYK JPEG; netrun decodes grayscale and RGB JPEGs (convert it, e.g. `convert in.jpg -colorspace sRGB out.jpg`)")
        }
        try checkSize(Int(width), Int(height), path: path)
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        // TJFLAG_STOPONWARNING: a truncated or corrupt JPEG is an error, not a gray remainder.
        // TJFLAG_LIMITSCANS: progressive JPEGs with absurd scan counts are refused.
        let flags = Int32(TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS | TJFLAG_ACCURATEDCT)
        let status = bytes.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, src.baseAddress, UInt(bytes.count), dst.baseAddress, width, 0, height, Int32(TJPF_RGB.rawValue), flags)
            }
        }
        guard status == 0 else { throw failed(handle) }
        return RGBImage(height: Int(height), width: Int(width), pixels: pixels)
    }

    /// `spng_decode_image` to `SPNG_FMT_RGB8` (any bit depth and color type; alpha dropped).
    static func png(_ bytes: [UInt8], path: String) throws(FileError) -> RGBImage {
        // libspng keeps the buffer's address until the context is freed: all calls happen
        // while the address is valid.
        let result = bytes.withUnsafeBufferPointer { src in
            Result { () throws(FileError) -> RGBImage in try png(src, path: path) }
        }
        return try result.get()
    }

    private static func png(_ src: UnsafeBufferPointer<UInt8>, path: String) throws(FileError) -> RGBImage {
        func failed(_ code: Int32) -> FileError {
            FileError(path: path, kind: .format, message: "PNG does not decode: \(String(cString: spng_strerror(code)))")
        }
        guard let ctx = spng_ctx_new(0) else { throw FileError(path: path, kind: .format, message: "PNG does not decode: libspng could not start") }
        defer { spng_ctx_free(ctx) }
        var status = spng_set_image_limits(ctx, UInt32(maximumSide), UInt32(maximumSide))
        if status == 0 { status = spng_set_chunk_limits(ctx, 1 << 26, 1 << 26) }
        if status == 0 { status = spng_set_png_buffer(ctx, src.baseAddress, src.count) }
        var ihdr = spng_ihdr()
        if status == 0 { status = spng_get_ihdr(ctx, &ihdr) }
        guard status == 0 else { throw failed(status) }
        try checkSize(Int(ihdr.width), Int(ihdr.height), path: path)
        let format = Int32(SPNG_FMT_RGB8.rawValue)
        var size = 0
        status = spng_decoded_image_size(ctx, format, &size)
        guard status == 0 else { throw failed(status) }
        guard size == Int(ihdr.width) * Int(ihdr.height) * 3 else {
            throw FileError(path: path, kind: .format, message: "PNG does not decode: libspng reports \(size) bytes for \(ihdr.width)x\(ihdr.height) RGB")
        }
        var pixels = [UInt8](repeating: 0, count: size)
        status = pixels.withUnsafeMutableBufferPointer { spng_decode_image(ctx, $0.baseAddress, size, format, 0) }
        guard status == 0 else { throw failed(status) }
        return RGBImage(height: Int(ihdr.height), width: Int(ihdr.width), pixels: pixels)
    }
}
