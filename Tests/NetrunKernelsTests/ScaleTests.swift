import Testing
import NetrunKernels

@Suite struct ScaleTests {
    struct Shape: Sendable, CustomStringConvertible {
        var n, c, spatial: Int
        var count: Int { n * c * spatial }
        var description: String { "\(n)x\(c)x\(spatial)" }
    }
    /// NCHW with an odd plane, N x C vectors (spatial 1), planes of exactly one and two SIMD blocks.
    static let shapes = [Shape(n: 2, c: 3, spatial: 13), Shape(n: 5, c: 7, spatial: 1), Shape(n: 1, c: 2, spatial: 8),
                         Shape(n: 3, c: 1, spatial: 17)]

    /// Naive references in Double.
    static func forwardReference(_ x: [Float], _ s: Shape, _ gamma: [Float], _ beta: [Float]?) -> [Double] {
        x.indices.map { i in
            let ch = i / s.spatial % s.c
            return Double(x[i]) * Double(gamma[ch]) + (beta.map { Double($0[ch]) } ?? 0)
        }
    }

    static func run(_ x: [Float], _ s: Shape, _ gamma: [Float], _ beta: [Float]?, threads: Int = 1) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        if let beta {
            Scale.forward(x, &y, n: s.n, c: s.c, spatial: s.spatial, gamma: gamma, beta: beta, threads: threads)
        } else {
            Scale.forward(x, &y, n: s.n, c: s.c, spatial: s.spatial, gamma: gamma, beta: nil, threads: threads)
        }
        return y
    }

    @Test(arguments: shapes, [true, false])
    func forwardMatchesANaiveLoopWithAndWithoutShiftAndInPlace(shape s: Shape, shift: Bool) {
        var rng = SeededRNG(seed: 100 + UInt64(s.count))
        let x = rng.floats(s.count, in: -3 ... 3), gamma = rng.floats(s.c), beta = shift ? rng.floats(s.c) : nil
        let ref = Self.forwardReference(x, s, gamma, beta)
        let y = Self.run(x, s, gamma, beta)
        // x * gamma + beta rounds at most twice (scalar C: the product, then the sum; the SIMD
        // versions fuse them and round once): |y - exact| <= 2u (|x gamma| + |beta|), u = 2^-24.
        // A relative bound on y alone fails where the sum cancels (seen under NETRUN_ISA=scalar).
        var worst = 0.0
        for i in x.indices {
            let ch = i / s.spatial % s.c
            let scale = abs(Double(x[i]) * Double(gamma[ch])) + abs(beta.map { Double($0[ch]) } ?? 0)
            worst = max(worst, abs(Double(y[i]) - ref[i]) / max(scale * 0x1p-24, Double(Float.leastNonzeroMagnitude)))
        }
        #expect(worst <= 2.001, "worst error \(worst) units of u (|x gamma| + |beta|)")
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { b in
            guard let p = b.baseAddress else { return }
            Scale.forward(p, p, n: s.n, c: s.c, spatial: s.spatial, gamma: gamma, beta: beta, threads: 1)
        }
        #expect(inPlace == y)
    }

    @Test func withoutAShiftANegativeZeroProductStaysNegativeZeroAsPyTorch() {
        let y = Self.run([-0.0, 2, 0, -1], Shape(n: 1, c: 2, spatial: 2), [1, -0.0], nil)
        #expect(zip(y, [-0.0, 2, -0.0, 0] as [Float]).allSatisfy { sameFloat($0, $1) }, "\(y)")
    }

    @Test(arguments: shapes)
    func backwardMatchesNaiveSumsOverwritingAccumulatingOrSkipping(shape s: Shape) {
        var rng = SeededRNG(seed: 110 + UInt64(s.count))
        let x = rng.floats(s.count, in: -3 ... 3), dy = rng.floats(s.count), gamma = rng.floats(s.c)
        var dgRef = [Double](repeating: 0, count: s.c), dbRef = dgRef
        for i in x.indices {
            let ch = i / s.spatial % s.c
            dgRef[ch] += Double(dy[i]) * Double(x[i])
            dbRef[ch] += Double(dy[i])
        }
        let dxRef = dy.indices.map { Double(dy[$0]) * Double(gamma[$0 / s.spatial % s.c]) }

        var dx = [Float](repeating: .nan, count: s.count), dg = [Float](repeating: .nan, count: s.c), db = dg
        Scale.backward(input: x, outputGradient: dy, inputGradient: &dx, n: s.n, c: s.c, spatial: s.spatial, gamma: gamma,
                       gammaGradient: &dg, betaGradient: &db, threads: 1)
        #expect(worstRelativeError(dx, dxRef, floor: 1e-3) < 1e-6)
        #expect(worstRelativeError(dg, dgRef, floor: 1) < 1e-5 && worstRelativeError(db, dbRef, floor: 1) < 1e-5)

        // Accumulating into an existing dx; the parameter gradients are still overwritten.
        var acc = (0 ..< s.count).map { Float($0 % 5) - 2 }
        let accRef = zip(acc, dxRef).map { Double($0) + $1 }
        var dg2 = [Float](repeating: 100, count: s.c)
        Scale.backward(input: x, outputGradient: dy, inputGradient: &acc, n: s.n, c: s.c, spatial: s.spatial, gamma: gamma,
                       gammaGradient: &dg2, betaGradient: nil, accumulateInputGradient: true, threads: 1)
        #expect(worstRelativeError(acc, accRef, floor: 1) < 1e-6)
        #expect(dg2 == dg)

        // dx skipped: only the parameter gradients.
        var dg3 = [Float](repeating: .nan, count: s.c), db3 = dg3
        Scale.backward(input: x, outputGradient: dy, inputGradient: nil, n: s.n, c: s.c, spatial: s.spatial, gamma: gamma,
                       gammaGradient: &dg3, betaGradient: &db3, threads: 1)
        #expect(dg3 == dg && db3 == db)

        // In place over the output gradient (dx == dy).
        var inPlace = dy
        inPlace.withUnsafeMutableBufferPointer { b in
            guard let p = b.baseAddress else { return }
            var g = [Float](repeating: 0, count: s.c)
            Scale.backward(input: x, outputGradient: p, inputGradient: p, n: s.n, c: s.c, spatial: s.spatial, gamma: gamma,
                           gammaGradient: &g, betaGradient: nil, threads: 1)
            #expect(g == dg)
        }
        #expect(inPlace == dx)
    }

    @Test(arguments: shapes)
    func backwardMatchesFiniteDifferencesForInputScaleAndShift(shape s: Shape) {
        var rng = SeededRNG(seed: 120 + UInt64(s.count))
        var x = rng.floats(s.count, in: -2 ... 2), gamma = rng.floats(s.c), beta = rng.floats(s.c)
        let w = rng.floats(s.count)
        var dx = [Float](repeating: .nan, count: s.count), dg = [Float](repeating: .nan, count: s.c), db = dg
        Scale.backward(input: x, outputGradient: w, inputGradient: &dx, n: s.n, c: s.c, spatial: s.spatial, gamma: gamma,
                       gammaGradient: &dg, betaGradient: &db, threads: 1)
        let (g0, b0, x0) = (gamma, beta, x)
        let ex = finiteDifferenceError(values: &x, analytic: dx, samples: 40) { dot(Self.run($0, s, g0, b0), w) }
        let eg = finiteDifferenceError(values: &gamma, analytic: dg) { dot(Self.run(x0, s, $0, b0), w) }
        let eb = finiteDifferenceError(values: &beta, analytic: db) { dot(Self.run(x0, s, g0, $0), w) }
        #expect(ex < 1e-3 && eg < 1e-3 && eb < 1e-3, "dx \(ex), dgamma \(eg), dbeta \(eb)")
    }

    @Test func splittingOverTwoThreadsGivesTheSameResult() {
        let s = Shape(n: 2, c: 5, spatial: 13_111) // above two elementwise grains: two parts
        var rng = SeededRNG(seed: 130)
        let x = rng.floats(s.count), dy = rng.floats(s.count), gamma = rng.floats(s.c), beta = rng.floats(s.c)
        #expect(Self.run(x, s, gamma, beta, threads: 1) == Self.run(x, s, gamma, beta, threads: 2))
        var r: [[Float]] = []
        for threads in [1, 2] {
            var dx = [Float](repeating: .nan, count: s.count), dg = [Float](repeating: .nan, count: s.c), db = dg
            Scale.backward(input: x, outputGradient: dy, inputGradient: &dx, n: s.n, c: s.c, spatial: s.spatial,
                           gamma: gamma, gammaGradient: &dg, betaGradient: &db, threads: threads)
            r.append(dx + dg + db)
        }
        #expect(r[0] == r[1])
    }
}
