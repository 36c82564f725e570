/// The base protocol's framing: `Content-Length: N\r\n` (other headers ignored), a blank
/// line, then N bytes of JSON. Bytes go in as they arrive; whole message bodies come out.
public struct MessageFramer: Sendable {
    /// Largest body accepted; a header announcing more is a client that cannot be followed.
    public static let maxBody = 64 << 20
    /// Largest header block; a longer one is garbage.
    static let maxHeader = 8 << 10

    public enum Problem: Error, Equatable, Sendable {
        /// A header block without a usable Content-Length, or one too large: the stream
        /// cannot be resynchronized.
        case badHeader(String)
    }

    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next complete body, nil when more bytes are needed.
    public mutating func next() throws(Problem) -> [UInt8]? {
        guard let end = headerEnd() else {
            if buffer.count - start > Self.maxHeader { throw .badHeader("no end of header in \(Self.maxHeader) bytes") }
            return nil
        }
        let header = String(decoding: buffer[start..<end], as: UTF8.self)
        var length: Int?
        for line in header.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                length = Int(parts[1].trimmingSpaces)
            }
        }
        guard let length, length >= 0, length <= Self.maxBody else { throw .badHeader("no valid Content-Length in '\(header.clipped())'") }
        let bodyStart = end + 4
        guard buffer.count - bodyStart >= length else { return nil }
        let body = Array(buffer[bodyStart..<bodyStart + length])
        start = bodyStart + length
        if start > 1 << 16, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        return body
    }

    /// Index of the `\r\n\r\n` that ends the header block.
    private func headerEnd() -> Int? {
        var i = start
        while i + 3 < buffer.count {
            if buffer[i] == 13, buffer[i + 1] == 10, buffer[i + 2] == 13, buffer[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// `body` with its header, ready to write.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
