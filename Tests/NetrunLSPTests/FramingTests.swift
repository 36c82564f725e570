import Testing
@testable import NetrunLSP

@Suite struct FramingTests {
    @Test func messagesSplitAnywhereComeOutWhole() throws {
        let a = Array(#"{"jsonrpc":"2.0","method":"a"}"#.utf8), b = Array(#"{"x":"é"}"#.utf8)
        let stream = MessageFramer.frame(a) + Array("content-length: \(b.count)\r\nContent-Type: x\r\n\r\n".utf8) + b
        for cut in 0...stream.count {
            var f = MessageFramer()
            var out: [[UInt8]] = []
            f.append(stream[..<cut])
            while let m = try f.next() { out.append(m) }
            f.append(stream[cut...])
            while let m = try f.next() { out.append(m) }
            #expect(out == [a, b], "cut at \(cut)")
        }
    }

    @Test func aHeaderWithoutLengthIsAnError() {
        var f = MessageFramer()
        f.append(Array("Content-Type: x\r\n\r\n{}".utf8))
        #expect(throws: MessageFramer.Problem.self) { try f.next() }
        var g = MessageFramer()
        g.append(Array("Content-Length: 99999999999\r\n\r\n".utf8))
        #expect(throws: MessageFramer.Problem.self) { try g.next() }
    }
}
