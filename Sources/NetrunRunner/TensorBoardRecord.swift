/// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final XOR
/// 0xFFFFFFFF, one table lookup per byte. The checksum of TFRecord framing.
public enum CRC32C {
    /// `table[i]` is the CRC register after shifting the byte `i` through it.
    static let table: [UInt32] = (0 ..< 256).map { i in
        var crc = UInt32(i)
        for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// TensorFlow's masked CRC: `((crc >> 15) | (crc << 17)) + 0xa282ead8` modulo 2^32. The
    /// rotation keeps a CRC of data that itself holds CRCs from being trivially related.
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    public static func maskedChecksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        masked(checksum(bytes))
    }
}

/// TFRecord framing, the container of TensorBoard event files: for each record, the data's
/// length as uint64 little-endian, the masked CRC-32C of those 8 bytes (uint32 LE), the
/// data, and the masked CRC-32C of the data (uint32 LE).
public enum TFRecord {
    /// The 16 bytes of framing around each record's data.
    public static let overhead = 16

    /// One framed record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + overhead)
        let length = littleEndianBytes(UInt64(data.count))
        out += length
        out += littleEndianBytes(CRC32C.maskedChecksum(length))
        out += data
        out += littleEndianBytes(CRC32C.maskedChecksum(data))
        return out
    }

    /// What a scan of a file found.
    public struct Scan: Equatable, Sendable {
        /// Each whole record: its offset in the file and the range of its data.
        public var records: [(offset: Int, data: Range<Int>)]
        /// The length of the whole records at the start of the file.
        public var validLength: Int
        /// Why the scan stopped before the end, if it did.
        public var stop: Stop?

        public enum Stop: Equatable, Sendable {
            /// The last record is cut short or has a bad checksum and reaches the end of the
            /// file, or the rest of the file is zeros: the signature of a write interrupted by
            /// a crash. Dropping it loses only that record.
            case partialLastRecord
            /// A record with a bad length or checksum followed by more data: the file was
            /// damaged, not merely cut.
            case corrupt(offset: Int, reason: String)
        }

        public static func == (a: Scan, b: Scan) -> Bool {
            a.validLength == b.validLength && a.stop == b.stop && a.records.count == b.records.count
                && zip(a.records, b.records).allSatisfy { $0.offset == $1.offset && $0.data == $1.data }
        }
    }

    /// Reads records from the start of `bytes` for as long as they are whole and their
    /// checksums hold.
    public static func scan(_ bytes: [UInt8]) -> Scan {
        var records: [(offset: Int, data: Range<Int>)] = []
        var offset = 0
        func stop(_ reason: String, recordEnd: Int) -> Scan {
            let restIsZero = bytes[offset...].allSatisfy { $0 == 0 }
            let partial = recordEnd >= bytes.count || restIsZero
            return Scan(records: records, validLength: offset,
                        stop: partial ? .partialLastRecord : .corrupt(offset: offset, reason: reason))
        }
        while offset < bytes.count {
            guard bytes.count - offset >= 12 else { return stop("a cut length field", recordEnd: bytes.count) }
            let length = bytes[offset ..< offset + 8]
            let lengthCRC = readUInt32(bytes, at: offset + 8)
            guard CRC32C.maskedChecksum(length) == lengthCRC else {
                return stop("the length's checksum does not match", recordEnd: offset + 12)
            }
            let count = readUInt64(bytes, at: offset)
            // The end of this record, saturating: a huge length is a record cut by the end of the file.
            let end = count > UInt64(bytes.count) ? Int.max : offset + 12 + Int(count) + 4
            guard end <= bytes.count else { return stop("the record is cut short", recordEnd: end) }
            let data = offset + 12 ..< end - 4
            guard CRC32C.maskedChecksum(bytes[data]) == readUInt32(bytes, at: end - 4) else {
                return stop("the data's checksum does not match", recordEnd: end)
            }
            records.append((offset, data))
            offset = end
        }
        return Scan(records: records, validLength: offset, stop: nil)
    }

    static func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0 ..< 4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    static func readUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        (0 ..< 8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
    }
}
