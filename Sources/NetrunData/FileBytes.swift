import CZlib
import Foundation
import NetrunFormats

/// Whole-file reading for the data sources: plain bytes, or the inflated contents of a gzip
/// file (detected by its magic bytes, whatever the name). zlib's `inflate` is the one
/// decompressor; every C call of zlib is in this file.
public enum FileBytes {
    /// A decompressed file larger than this is refused (a gzip bomb, or not a data set this
    /// loader can hold): half the physical memory, at most 64 GiB.
    static let maximumInflatedSize = min(1 << 36, Int(clamping: ProcessInfo.processInfo.physicalMemory / 2))

    /// The contents of `path`, inflated when it is gzip.
    public static func read(_ path: String) throws(FileError) -> [UInt8] {
        try contents(readRaw(path), path: path)
    }

    /// A file's bytes as the data sources see them: `raw`, inflated when it is gzip.
    public static func contents(_ raw: [UInt8], path: String) throws(FileError) -> [UInt8] {
        isGzip(raw) ? try inflate(raw, path: path) : raw
    }

    static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    /// A regular file's bytes, read by NetrunFormats' `FileInput` (the one reader of files
    /// named by the user): a FIFO, device, socket or directory is refused before anything
    /// could block on it, and the system's reason is given when the file cannot be read.
    public static func readRaw(_ path: String) throws(FileError) -> [UInt8] {
        do {
            return [UInt8](try FileInput.read(path: path, limit: maximumInflatedSize))
        } catch let e as FileError {
            throw e.asDataSourceError
        } catch {
            throw FileError(path: path, kind: .io, message: "cannot read the file: \(error)")
        }
    }

    /// Inflates every gzip member of `input` (as `gzip -d` does, members are concatenated).
    static func inflate(_ input: [UInt8], path: String) throws(FileError) -> [UInt8] {
        func corrupt(_ what: String) -> FileError { FileError(path: path, kind: .format, message: "corrupt gzip data: \(what)") }
        // The last member's ISIZE (size mod 2^32) is a good first guess for the output; deflate
        // expands at most 1032-fold, which bounds what a forged ISIZE can make us allocate.
        var capacity = 1 << 16
        if input.count >= 4 {
            let n = input.count
            let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            capacity = max(capacity, min(isize, 1 << 30, n * 1032, maximumInflatedSize) + 1)
        }
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        var stream = z_stream()
        guard netrun_inflate_init_auto(&stream) == Z_OK else { throw corrupt("zlib could not start (out of memory)") }
        defer { inflateEnd(&stream) }
        var consumed = 0
        while true {
            if produced == output.count {
                guard output.count < maximumInflatedSize else {
                    throw FileError(path: path, kind: .format, message: "decompresses to more than \(maximumInflatedSize) bytes")
                }
                output.append(contentsOf: repeatElement(0, count: min(output.count, maximumInflatedSize - output.count)))
            }
            let inChunk = min(input.count - consumed, Int(UInt32.max))
            let outChunk = min(output.count - produced, Int(UInt32.max))
            let status: Int32 = input.withUnsafeBufferPointer { src in
                output.withUnsafeMutableBufferPointer { dst in
                    guard let inBase = src.baseAddress, let outBase = dst.baseAddress else { return Z_BUF_ERROR }
                    stream.next_in = UnsafeMutablePointer(mutating: inBase + consumed)
                    stream.avail_in = uInt(inChunk)
                    stream.next_out = outBase + produced
                    stream.avail_out = uInt(outChunk)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    consumed += inChunk - Int(stream.avail_in)
                    produced += outChunk - Int(stream.avail_out)
                    return status
                }
            }
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                // Another member may follow; anything else after a member is not gzip.
                if consumed == input.count {
                    output.removeSubrange(produced...)
                    return output
                }
                guard input.count - consumed >= 2, input[consumed] == 0x1F, input[consumed + 1] == 0x8B else {
                    throw FileError(path: path, kind: .trailingBytes, message: "\(input.count - consumed) bytes after the end of the gzip data")
                }
                guard inflateReset(&stream) == Z_OK else { throw corrupt("zlib could not restart") }
            case Z_BUF_ERROR:
                // No progress: either the output is full (grown above) or the input ran out.
                if produced < output.count && consumed == input.count {
                    throw FileError(path: path, kind: .truncated, message: "gzip data is truncated (it ends before its end marker)")
                }
            case Z_NEED_DICT:
                throw corrupt("a preset dictionary is required")
            case Z_MEM_ERROR:
                throw corrupt("out of memory")
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                throw corrupt(reason)
            }
        }
    }
}
