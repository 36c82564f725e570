import CTurboJPEG
import Foundation
import NetrunConfig
import NetrunFormats
import Testing
@testable import NetrunData

/// A fresh temporary directory for one test (removed by the OS's temp cleaning; tests write a few KB).
func temporaryDirectory() throws -> String {
    let dir = NSTemporaryDirectory() + "netrun-data-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func write(_ bytes: [UInt8], to path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// An IDX file: zero bytes, type 0x08, the rank, big-endian dimensions, then `data`.
func idx(_ dims: [Int], _ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0, 0, 8, UInt8(dims.count)]
    for d in dims { out += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
    return out + data
}

/// `path.gz`, written by the system's gzip (an implementation independent of ours).
func gzip(_ path: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["gzip", "-k", "-f", "-9", path]
    try p.run()
    p.waitUntilExit()
    try #require(p.terminationStatus == 0, "gzip failed")
    return path + ".gz"
}

/// A version 1.0 .npy file of `descr` with `data` as its raw bytes.
func npy(_ descr: String, _ shape: [Int], _ data: [UInt8]) -> [UInt8] {
    let tuple = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    let n = header.utf8.count
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 255), UInt8(n >> 8)] + Array(header.utf8) + data
}

func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in (0 ..< MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: v.littleEndian >> (8 * $0)) } }
}

func floatBytes(_ values: [Float]) -> [UInt8] { littleEndianBytes(values.map(\.bitPattern)) }

// MARK: - PNG written by hand (stored deflate blocks), independent of libspng

func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0 ..< 8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }

/// An 8-bit PNG (color type 0 gray, 2 RGB) of interleaved `pixels`, filter 0 on every row.
func png(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> [UInt8] {
    func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }
    var raw: [UInt8] = []
    for y in 0 ..< height { raw += [0] + pixels[y * width * channels ..< (y + 1) * width * channels] }
    var a: UInt32 = 1, b: UInt32 = 0
    for v in raw { a = (a + UInt32(v)) % 65521; b = (b + a) % 65521 }
    let n = raw.count
    let zlib: [UInt8] = [0x78, 0x01, 1, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8((~n >> 8) & 255)] + raw + bigEndian(b << 16 | a)
    let ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, channels == 1 ? 0 : 2, 0, 0, 0]
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", zlib) + chunk("IEND", [])
}

/// A baseline JPEG of interleaved RGB `pixels` (quality 100, no chroma subsampling), by TurboJPEG's encoder.
func jpeg(width: Int, height: Int, pixels: [UInt8]) throws -> [UInt8] {
    let handle = try #require(tjInitCompress())
    defer { tjDestroy(handle) }
    var out: UnsafeMutablePointer<UInt8>?
    var size: UInt = 0
    let status = pixels.withUnsafeBufferPointer {
        tjCompress2(handle, $0.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue), &out, &size, Int32(TJSAMP_444.rawValue), 100, 0)
    }
    defer { tjFree(out) }
    try #require(status == 0 && out != nil, "tjCompress2 failed")
    return Array(UnsafeBufferPointer(start: out, count: Int(size)))
}

// MARK: - Configs

/// A config whose model takes `input` and has `classes`, with the given `data` mapping (and
/// augmentations and eval views), loaded from `dir/net.yaml` (so relative paths resolve there).
func config(_ dir: String, input: [Int], classes: Int, data: String, augment: String = "[]", views: String = "center") throws -> Config {
    let (c, h, w) = (input[0], input[1], input[2])
    let text = """
    model:
      input: [\(c), \(h), \(w)]
      classes: \(classes)
      layers:
        - dense: {name: fc, out: \(classes)}
        - loss: {name: loss}
    train:
      epochs: 1
      batch: 2
      optimizer: {type: sgd, lr: 0.1}
      data: \(data)
      augment: \(augment)
    eval:
      data: \(data)
      views: \(views)
    """
    let path = dir + "/net.yaml"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let loaded = ConfigLoader.load(file: path)
    return try #require(loaded.config, "config does not load: \(loaded.diagnostics.all.map(\.description))")
}

/// The training data source of a one-off config.
func source(_ dir: String, input: [Int], classes: Int, data: String) throws -> DataSource {
    try #require(try config(dir, input: input, classes: classes, data: data).train?.data)
}

/// The FileError `body` throws (a test failure if it throws nothing or something else).
func dataError(_ body: () throws -> Void) -> FileError? {
    do {
        try body()
        Issue.record("expected a FileError, nothing was thrown")
        return nil
    } catch let error as FileError {
        return error
    } catch {
        Issue.record("expected a FileError, got \(error)")
        return nil
    }
}

/// Every batch a loader gives (evaluation), or the first `count` (training).
func take(_ loader: BatchLoader, _ count: Int = .max) -> [Batch] {
    var out: [Batch] = []
    while out.count < count, let b = loader.next() { out.append(b) }
    return out
}
