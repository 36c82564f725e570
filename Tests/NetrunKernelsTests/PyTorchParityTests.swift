// Values printed by PyTorch 2.15 (F.avg_pool2d, F.local_response_norm, relu,
// F.leaky_relu, a per-channel scale and shift) for tiny inputs, pasted here so the
// conventions (ceil-mode edge divisors, LRN's alpha/size and even-size window,
// NaN, infinities and signed zeros through the activations) are pinned without
// fixture files. The script is in the comment of each test.
import Foundation
import Testing
import NetrunKernels

@Suite struct PyTorchParityTests {
    /// x = arange(30).reshape(1,1,5,6)/7 - 2; F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=inc)
    @Test(arguments: [
        (true, [-0.6666667, -0.8571429, -0.6666667, -0.2857143, -0.1428571, -0.0, 0.2857143, 0.2142857,
                0.4761904, 0.8571428, 1.0476191, 0.5714286] as [Double]),
        (false, [-1.5, -1.2857143, -1.0, -0.8571429, -0.2142857, -0.0, 0.2857143, 0.4285715, 1.0714285,
                 1.2857143, 1.5714287, 1.7142857] as [Double]),
    ])
    func ceilModeAveragePoolingMatchesPyTorch(includePad: Bool, expected: [Double]) {
        let x = (0 ..< 30).map { Float($0) / 7 - 2 }
        let g = PoolGeometry(n: 1, c: 1, h: 5, w: 6, kernel: 3, stride: 2, pad: 1, ceilMode: true)
        #expect(g.outH == 3 && g.outW == 4)
        var y = [Float](repeating: .nan, count: g.outputCount)
        AvgPool.forward(g, x, &y, countIncludePad: includePad)
        let err = worstRelativeError(y, expected, floor: 1)
        #expect(err < 1e-6, "largest difference \(err)")
    }

    /// x = (arange(30).reshape(2,5,1,3) - 14)/9; F.local_response_norm(x, size, alpha=0.6, beta=0.75, k=1.5)
    /// PyTorch's alpha is divided by size, so scale = 0.6 / size.
    @Test(arguments: [
        (3, [-0.8376192, -0.8095211, -0.7766795, -0.6259057, -0.5978145, -0.564305, -0.5248956, -0.4792068,
             -0.4270217, -0.3683517, -0.3034978, -0.2330959, -0.1583179, -0.080297, 0.0, 0.080297, 0.1583179,
             0.2330959, 0.3034978, 0.3683517, 0.4270217, 0.4792068, 0.5248956, 0.564305, 0.5978146, 0.6259057,
             0.6491122, 0.8095211, 0.8376192, 0.8613622] as [Double]),
        (4, [-0.8958554, -0.8594687, -0.8185191, -0.6753232, -0.6394712, -0.5983471, -0.4835513, -0.4429262,
             -0.3964024, -0.3437937, -0.2851185, -0.2206567, -0.1511183, -0.0772992, 0.0, 0.0807093, 0.159684,
             0.2361563, 0.3091966, 0.3777957, 0.4413135, 0.4989574, 0.5500699, 0.5946035, 0.6327517, 0.6648831,
             0.6914811, 0.8313125, 0.8595023, 0.8828078] as [Double]),
    ])
    func lrnMatchesPyTorchWithAlphaOverSize(size: Int, expected: [Double]) {
        let x = (0 ..< 30).map { (Float($0) - 14) / 9 }
        var y = [Float](repeating: .nan, count: 30), s = y
        LRN.forward(x, &y, norms: &s, n: 2, c: 5, spatial: 3, size: size, scale: 0.6 / Float(size), beta: 0.75, k: 1.5)
        let err = worstRelativeError(y, expected, floor: 1)
        #expect(err < 1e-6, "largest difference \(err)")
    }

    /// nan = float('nan'); inf = float('inf')
    /// x = torch.tensor([nan, inf, -inf, -0.0, 0.0, 1.5, -1.5, -2.25, 0.75, 3.0, -1e-3], requires_grad=True)
    /// y = F.leaky_relu(x, slope) (torch.relu(x) for nil); y.backward(torch.arange(1., 12.) / 4)
    /// print(y.tolist(), x.grad.tolist())
    @Test(arguments: [
        (nil, [.nan, .infinity, 0.0, -0.0, 0.0, 1.5, 0.0, 0.0, 0.75, 3.0, 0.0],
         [0.25, 0.5, 0.0, 0.0, 0.0, 1.5, 0.0, 0.0, 2.25, 2.5, 0.0]),
        (0.1, [.nan, .infinity, -.infinity, -0.0, 0.0, 1.5, -0.15000000596046448, -0.22500000894069672, 0.75, 3.0,
               -0.00010000000474974513],
         [0.02500000037252903, 0.5, 0.07500000298023224, 0.10000000149011612, 0.125, 1.5, 0.17499999701976776,
          0.20000000298023224, 2.25, 2.5, 0.2750000059604645]),
        (-0.5, [.nan, .infinity, .infinity, 0.0, -0.0, 1.5, 0.75, 1.125, 0.75, 3.0, 0.0005000000237487257],
         [-0.125, 0.5, -0.375, -0.5, -0.625, 1.5, -0.875, -1.0, 2.25, 2.5, -1.375]),
        (0.0, [.nan, .infinity, .nan, -0.0, 0.0, 1.5, -0.0, -0.0, 0.75, 3.0, -0.0],
         [0.0, 0.5, 0.0, 0.0, 0.0, 1.5, 0.0, 0.0, 2.25, 2.5, 0.0]),
    ] as [(Float?, [Float], [Float])])
    func reluAndLeakyReLUMatchPyTorchOnNaNInfinitiesAndSignedZeros(slope: Float?, y expected: [Float], dx expectedDx: [Float]) {
        let x: [Float] = [.nan, .infinity, -.infinity, -0.0, 0.0, 1.5, -1.5, -2.25, 0.75, 3.0, -1e-3]
        let dy = (1 ... 11).map { Float($0) / 4 }
        var y = [Float](repeating: 7, count: x.count), dx = y
        if let slope {
            LeakyReLU.forward(x, &y, count: x.count, slope: slope)
            LeakyReLU.backward(input: x, outputGradient: dy, inputGradient: &dx, count: x.count, slope: slope)
        } else {
            ReLU.forward(x, &y, count: x.count)
            ReLU.backward(output: y, outputGradient: dy, inputGradient: &dx, count: x.count)
        }
        // Exact, signs of zeros included (NaN: any sign; torch prints no sign for it).
        let same = { (a: Float, b: Float) in a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern }
        #expect(zip(y, expected).allSatisfy(same), "y \(y)")
        #expect(zip(dx, expectedDx).allSatisfy(same), "dx \(dx)")
    }

    /// x = (torch.arange(24.).reshape(2,3,2,2)/5 - 2).requires_grad_()
    /// g = torch.tensor([0.5, -1.5, 2.]).requires_grad_(); b = torch.tensor([0.25, 0., -1.]).requires_grad_()
    /// y = x * g.view(1,3,1,1) + b.view(1,3,1,1); y.backward(torch.cos(torch.arange(24.)).reshape(2,3,2,2))
    /// print(y.flatten().tolist(), x.grad.flatten().tolist(), g.grad.tolist(), b.grad.tolist())  (rounded to 7 places)
    @Test func scaleForwardAndBackwardMatchPyTorch() {
        let x = (0 ..< 24).map { Float($0) / 5 - 2 }, gamma: [Float] = [0.5, -1.5, 2], beta: [Float] = [0.25, 0, -1]
        let dy = (0 ..< 24).map { Float(Foundation.cos(Double($0))) }
        let yRef = [-0.75, -0.65, -0.55, -0.45, 1.8000001, 1.5, 1.1999999, 0.9, -1.8, -1.4000001, -1.0, -0.5999999,
                    0.45, 0.55, 0.65, 0.75, -1.8000001, -2.1000001, -2.3999999, -2.6999998, 3.0, 3.3999996, 3.8000002,
                    4.1999998]
        let dxRef = [0.5, 0.2701512, -0.2080734, -0.4949962, 0.9804654, -0.4254933, -1.4402554, -1.1308534, -0.2910001,
                     -1.8222605, -1.678143, 0.0088514, 0.421927, 0.4537234, 0.0683686, -0.379844, 1.4364892, 0.412745,
                     -0.9904751, -1.4830569, 0.8161641, -1.0954585, -1.9999217, -1.0656661]
        let dgRef = [-0.689008355140686, 0.5819875001907349, -3.9328010082244873]
        let dbRef = [1.2625130414962769, 1.7602896690368652, -3.5637171268463135]
        var y = [Float](repeating: .nan, count: 24), dx = y, dg = [Float](repeating: .nan, count: 3), db = dg
        Scale.forward(x, &y, n: 2, c: 3, spatial: 4, gamma: gamma, beta: beta)
        Scale.backward(input: x, outputGradient: dy, inputGradient: &dx, n: 2, c: 3, spatial: 4, gamma: gamma,
                       gammaGradient: &dg, betaGradient: &db)
        let errors = [worstRelativeError(y, yRef, floor: 1), worstRelativeError(dx, dxRef, floor: 1),
                      worstRelativeError(dg, dgRef, floor: 1), worstRelativeError(db, dbRef, floor: 1)]
        #expect(errors.allSatisfy { $0 < 1e-6 }, "largest differences y, dx, dgamma, dbeta: \(errors)")
    }
}
