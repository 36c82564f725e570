import Testing
import NetrunKernels

@Suite struct ConcatTests {
    @Test func forwardPlacesEachPartAtItsChannelOffsetAndBackwardSlicesItOut() {
        let (n, hw) = (2, 3)
        let a = (0 ..< n * 2 * hw).map { Float($0) }, b = (0 ..< n * 3 * hw).map { Float(100 + $0) }
        var whole = [Float](repeating: .nan, count: n * 5 * hw)
        Concat.forward(a, into: &whole, n: n, channels: 2, totalChannels: 5, offset: 0, hw: hw)
        Concat.forward(b, into: &whole, n: n, channels: 3, totalChannels: 5, offset: 2, hw: hw)
        var expected: [Float] = []
        for img in 0 ..< n {
            expected += a[img * 6 ..< img * 6 + 6]
            expected += b[img * 9 ..< img * 9 + 9]
        }
        #expect(whole == expected)
        var back = [Float](repeating: .nan, count: b.count)
        Concat.backward(whole, into: &back, n: n, channels: 3, totalChannels: 5, offset: 2, hw: hw)
        #expect(back == b)
        Concat.backward(whole, into: &back, n: n, channels: 3, totalChannels: 5, offset: 2, hw: hw, accumulate: true)
        #expect(back == b.map { 2 * $0 })
    }
}
