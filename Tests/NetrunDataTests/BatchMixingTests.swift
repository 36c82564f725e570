import Foundation
import Testing
import NetrunConfig
@testable import NetrunData

/// Mixup and CutMix draws against their distributions, and what `apply` does to a batch.
@Suite struct BatchMixingTests {
    static let draws = 40_000

    static func lambdas(_ m: BatchMixing, height: Int = 28, width: Int = 28) -> [BatchMixing.Draw] {
        (0 ..< draws).map { m.draw(seed: 11, step: $0, height: height, width: width) }
    }

    static func moments(_ v: [Double]) -> (mean: Double, sd: Double) {
        let mean = v.reduce(0, +) / Double(v.count)
        return (mean, (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot())
    }

    /// λ ~ Beta(α, α): mean 1/2, variance 1/(4(2α + 1)); within 4 standard errors.
    @Test(arguments: [0.2, 1.0, 2.5])
    func mixupLambdaIsBetaAlphaAlpha(alpha: Double) {
        let m = BatchMixing(mixup: .init(alpha: alpha, p: 1), cutmix: nil)
        let v = Self.lambdas(m).map(\.lambda)
        let (mean, sd) = Self.moments(v)
        let variance = 1 / (4 * (2 * alpha + 1))
        #expect(v.allSatisfy { (0 ... 1).contains($0) })
        #expect(abs(mean - 0.5) < 4 * variance.squareRoot() / Double(Self.draws).squareRoot(), "mean \(mean)")
        // The variance's standard error for a Beta: about var·sqrt(2/n) (a bound good enough at 4 SE).
        #expect(abs(sd * sd - variance) < 4 * variance * (2.0 / Double(Self.draws)).squareRoot() * 1.5, "variance \(sd * sd), expected \(variance)")
    }

    /// CutMix's λ after the area correction, against 10^6 draws of timm's rand_bbox written
    /// with numpy (np.random.default_rng(1): beta, integers, clip): mean and standard deviation.
    @Test(arguments: [(1.0, 28, 0.703940181122449, 0.18176309076491096), (0.5, 32, 0.7105186865234375, 0.21294606380145908)])
    func cutmixLambdaFollowsTimmsBoxes(alpha: Double, side: Int, mean: Double, sd: Double) {
        let m = BatchMixing(mixup: nil, cutmix: .init(alpha: alpha, p: 1))
        let draws = Self.lambdas(m, height: side, width: side)
        var lambdas: [Double] = []
        for d in draws {
            guard case .cutmix(let l, let box) = d else { Issue.record("not a cutmix draw"); return }
            #expect(box.y0 >= 0 && box.y0 <= box.y1 && box.y1 <= side && box.x0 >= 0 && box.x0 <= box.x1 && box.x1 <= side)
            #expect(l == 1 - Double(box.area) / Double(side * side))
            lambdas.append(l)
        }
        let (mine, mySD) = Self.moments(lambdas)
        #expect(abs(mine - mean) < 4 * sd / Double(Self.draws).squareRoot(), "mean \(mine), numpy \(mean)")
        #expect(abs(mySD - sd) < 0.01, "sd \(mySD), numpy \(sd)")
    }

    /// cutmix p 0.5 first, then mixup p 1 on the rest: half and half; p 0 never; a draw is a
    /// function of (seed, step) alone.
    @Test func probabilitiesAndKeys() {
        let both = BatchMixing(mixup: .init(alpha: 0.2, p: 1), cutmix: .init(alpha: 1, p: 0.5))
        let draws = Self.lambdas(both)
        let cut = draws.filter { if case .cutmix = $0 { return true } else { return false } }.count
        #expect(abs(Double(cut) / Double(Self.draws) - 0.5) < 4 * (0.25 / Double(Self.draws)).squareRoot(), "\(cut) cutmix")
        #expect(!draws.contains(.none))
        let never = BatchMixing(mixup: .init(alpha: 0.2, p: 0), cutmix: nil)
        #expect(Self.lambdas(never).allSatisfy { $0 == .none })
        #expect(both.draw(seed: 3, step: 17, height: 28, width: 28) == both.draw(seed: 3, step: 17, height: 28, width: 28))
        #expect(both.draw(seed: 3, step: 17, height: 28, width: 28) != both.draw(seed: 4, step: 17, height: 28, width: 28))
    }

    /// One batch: each example with the one at the mirrored place, from the originals; the
    /// same as a rank mixing its part with the mirrored rank's part (MPI), bit for bit.
    @Test(arguments: [BatchMixing.Draw.mixup(lambda: 0.3), .cutmix(lambda: 0.75, box: .init(y0: 1, y1: 3, x0: 0, x1: 2))])
    func aBatchMixesAsItsTwoHalvesDoAcrossRanks(draw: BatchMixing.Draw) {
        let n = 6, c = 2, h = 4, w = 4, size = c * h * w
        let images = (0 ..< n * size).map { Float(($0 * 7919) % 1013) / 97 - 5 }, labels: [Int32] = [0, 1, 2, 3, 4, 5]
        var whole = images
        let partners = BatchMixing.apply(draw, images: &whole, labels: labels, partner: nil, channels: c, height: h, width: w)
        #expect(partners == [5, 4, 3, 2, 1, 0])
        for i in 0 ..< n {
            let j = n - 1 - i
            for k in 0 ..< size {
                let a = images[i * size + k], b = images[j * size + k]
                let expected: Float
                switch draw {
                case .mixup(let l): expected = Float(l) * a + Float(1 - l) * b
                case .cutmix(_, let box):
                    let (y, x) = (k % (h * w) / w, k % w)
                    expected = (box.y0 ..< box.y1).contains(y) && (box.x0 ..< box.x1).contains(x) ? b : a
                case .none: expected = a
                }
                #expect(whole[i * size + k].bitPattern == expected.bitPattern, "example \(i), value \(k)")
            }
        }
        // Two ranks of 3: rank r mixes its part with rank 1 − r's.
        let half = 3 * size
        var first = Array(images[..<half]), second = Array(images[half...])
        let p0 = BatchMixing.apply(draw, images: &first, labels: Array(labels[..<3]), partner: (Array(images[half...]), Array(labels[3...])),
                                   channels: c, height: h, width: w)
        let p1 = BatchMixing.apply(draw, images: &second, labels: Array(labels[3...]), partner: (Array(images[..<half]), Array(labels[..<3])),
                                   channels: c, height: h, width: w)
        #expect((first + second).map(\.bitPattern) == whole.map(\.bitPattern))
        #expect(p0 + p1 == partners)
    }

    @Test func onlyTheBatchLevelEntriesMakeAMixing() {
        #expect(BatchMixing([.mirror(p: 0.5)]) == nil)
        #expect(BatchMixing([.mirror(p: 0.5), .cutmix(alpha: 1, p: 0.5)]) == BatchMixing(mixup: nil, cutmix: .init(alpha: 1, p: 0.5)))
    }
}
