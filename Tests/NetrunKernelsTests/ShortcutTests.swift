import Testing
import NetrunKernels

@Suite struct ShortcutTests {
    /// One case: main `[n, c, h, w]`, added `[n, ac, ah, aw]`, with the per-axis stride,
    /// sample and count the shape rule gives (NetrunGraph's ShortcutAxis).
    struct Case: Sendable, CustomStringConvertible {
        var g: ShortcutGeometry
        var description: String { "\(g.c)x\(g.h)x\(g.w) + \(g.addedC)x\(g.addedH)x\(g.addedW)" }

        init(n: Int = 2, _ main: [Int], _ added: [Int]) {
            func axis(_ m: Int, _ a: Int) -> (stride: Int, sample: Int, count: Int) {
                a >= m ? (a / m, 1, m) : (1, m / a, a)
            }
            let v = axis(main[1], added[1]), u = axis(main[2], added[2])
            g = ShortcutGeometry(n: n, c: main[0], h: main[1], w: main[2], addedC: added[0], addedH: added[1], addedW: added[2],
                                 strideH: v.stride, strideW: u.stride, sampleH: v.sample, sampleW: u.sample, rows: v.count, cols: u.count)
        }
    }

    static let cases = [
        Case([4, 3, 3], [2, 6, 6]),     // ResNet's downsampling: every 2nd pixel, fewer channels (zero padded)
        Case([2, 3, 3], [5, 6, 6]),     // more channels (dropped)
        Case([3, 6, 6], [5, 3, 3]),     // a smaller added input lands on every 2nd pixel
        Case([3, 4, 9], [3, 8, 3]),     // rows downsampled by 2, columns spread by 3
        Case([3, 5, 5], [3, 5, 5]),     // equal shapes: add
        Case(n: 1, [1, 2, 2], [1, 8, 8]),
    ]

    /// darknet's `shortcut_cpu` (blas.c) as written there, after `copy_cpu` of the main input:
    /// `stride = w1/w2`, `sample = w2/w1` (each at least 1), over min channels, rows, columns.
    static func darknet(_ g: ShortcutGeometry, main: [Float], added: [Float]) -> [Float] {
        var out = main
        let (w1, h1, c1, w2, h2, c2) = (g.addedW, g.addedH, g.addedC, g.w, g.h, g.c)
        let strideW = max(w1 / w2, 1), sampleW = max(w2 / w1, 1), strideH = max(h1 / h2, 1), sampleH = max(h2 / h1, 1)
        for b in 0 ..< g.n {
            for k in 0 ..< min(c1, c2) {
                for j in 0 ..< min(h1, h2) {
                    for i in 0 ..< min(w1, w2) {
                        let o = i * sampleW + w2 * (j * sampleH + h2 * (k + c2 * b))
                        let a = i * strideW + w1 * (j * strideH + h1 * (k + c1 * b))
                        out[o] += added[a]
                    }
                }
            }
        }
        return out
    }

    static func forward(_ g: ShortcutGeometry, _ main: [Float], _ added: [Float], threads: Int = Parallel.processorCount) -> [Float] {
        var y = [Float](repeating: .nan, count: main.count)
        Shortcut.forward(g, main: main, added: added, output: &y, threads: threads)
        return y
    }

    static func sizes(_ g: ShortcutGeometry) -> (main: Int, added: Int) {
        (g.n * g.c * g.h * g.w, g.n * g.addedC * g.addedH * g.addedW)
    }

    @Test(arguments: cases)
    func forwardIsDarknetsShortcut(_ c: Case) {
        var rng = SeededRNG(seed: 300 + UInt64(c.g.h * 10 + c.g.addedW))
        let (m, a) = Self.sizes(c.g)
        let main = rng.floats(m), added = rng.floats(a)
        #expect(Self.forward(c.g, main, added) == Self.darknet(c.g, main: main, added: added))
    }

    @Test func forwardMayWriteOverTheMainInput() {
        let g = Self.cases[0].g
        var rng = SeededRNG(seed: 310)
        let (m, a) = Self.sizes(g)
        var main = rng.floats(m)
        let added = rng.floats(a), ref = Self.darknet(g, main: main, added: added)
        main.withUnsafeMutableBufferPointer { b in
            guard let base = b.baseAddress else { return }
            Shortcut.forward(g, main: base, added: added, output: base)
        }
        #expect(main == ref)
    }

    /// Both gradients against central differences of `sum(y * w)`: main's is `w`, the added
    /// input's is `w` at the positions read and 0 elsewhere (its extra channels included).
    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ c: Case) {
        let g = c.g
        var rng = SeededRNG(seed: 320 + UInt64(g.c * 7 + g.addedC))
        let (m, a) = Self.sizes(g)
        var main = rng.floats(m), added = rng.floats(a)
        let w = rng.floats(m)
        var dAdded = [Float](repeating: .nan, count: a)
        Shortcut.backwardAdded(g, outputGradient: w, addedGradient: &dAdded)
        let frozenAdded = added, frozenMain = main
        let errAdded = finiteDifferenceError(values: &added, analytic: dAdded, samples: a) { dot(Self.forward(g, frozenMain, $0), w) }
        let errMain = finiteDifferenceError(values: &main, analytic: w, samples: m) { dot(Self.forward(g, $0, frozenAdded), w) }
        #expect(errAdded < 1e-3 && errMain < 1e-3, "added \(errAdded), main \(errMain)")
        // Positions never read get exactly 0.
        let read = Self.darknet(g, main: [Float](repeating: 0, count: m), added: [Float](repeating: 1, count: a)).reduce(0, +)
        #expect(Float(dAdded.filter { $0 != 0 }.count) <= read)
    }

    @Test func backwardAddsIntoAnExistingGradientWhenAccumulating() {
        let g = Self.cases[2].g
        var rng = SeededRNG(seed: 330)
        let (m, a) = Self.sizes(g)
        let dy = rng.floats(m), old = rng.floats(a)
        var fresh = [Float](repeating: .nan, count: a), acc = old
        Shortcut.backwardAdded(g, outputGradient: dy, addedGradient: &fresh)
        Shortcut.backwardAdded(g, outputGradient: dy, addedGradient: &acc, accumulate: true)
        #expect(acc == zip(old, fresh).map { $0 + $1 })
    }

    @Test func planesSplitAcrossThreadsGiveTheSameResult() {
        let g = Case(n: 8, [64, 32, 32], [32, 64, 64]).g
        var rng = SeededRNG(seed: 340)
        let (m, a) = Self.sizes(g)
        let main = rng.floats(m), added = rng.floats(a)
        #expect(Self.forward(g, main, added, threads: 1) == Self.forward(g, main, added, threads: 2))
        var one = [Float](repeating: 1, count: a), two = one
        Shortcut.backwardAdded(g, outputGradient: main, addedGradient: &one, threads: 1)
        Shortcut.backwardAdded(g, outputGradient: main, addedGradient: &two, threads: 2)
        #expect(one == two)
    }
}
