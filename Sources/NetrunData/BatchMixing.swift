// Mixup and CutMix: batch-level augmentation, as timm's `Mixup` in its per-batch mode, with
// every draw keyed by (seed, step) so that a resumed run mixes exactly as an uninterrupted one.
import Foundation
import NetrunConfig
import NetrunFormats

/// The `mixup` and `cutmix` entries of `train.augment`, and what they do to one step's batch.
///
/// Per step, from a generator keyed by (seed, step): CutMix takes the batch with probability
/// its `p`; otherwise mixup takes it with probability its `p`; otherwise it is left alone.
/// (timm's `prob` and `switch_prob` are `p_cutmix + (1 − p_cutmix)·p_mixup` and
/// `p_cutmix / prob`.) λ is drawn from Beta(alpha, alpha) of the one that took it.
///
/// Each example is paired with the one at the mirrored place of the step's whole batch
/// (timm's `x.flip(0)`; under MPI, that example may be on another rank, whose part the rank
/// loads too):
/// - mixup: `x = λ·x + (1 − λ)·x'`, each product rounded to float, then their sum (timm's
///   `x.mul_(λ).add_(x.flip(0).mul_(1 − λ))`);
/// - CutMix: timm's `rand_bbox`: `cut = ⌊side·√(1 − λ)⌋` for height and width, a centre
///   uniform over the image, the box `centre ± ⌊cut/2⌋` clipped to it, pasted from the
///   partner on every channel; λ becomes `1 − box area / image area`.
/// The loss is then `λ·L(x, y) + (1 − λ)·L(x, y')`, as timm's soft target `λ·y + (1 − λ)·y'`
/// (with label smoothing on both) gives it.
public struct BatchMixing: Sendable, Equatable {
    public struct Setting: Sendable, Equatable {
        public var alpha: Double
        public var p: Double
    }

    public var mixup: Setting?
    public var cutmix: Setting?

    /// A box of rows `y0 ..< y1` and columns `x0 ..< x1`.
    public struct Box: Sendable, Equatable {
        public var y0, y1, x0, x1: Int
        public var area: Int { (y1 - y0) * (x1 - x0) }
    }

    /// What one step does.
    public enum Draw: Sendable, Equatable {
        case none
        case mixup(lambda: Double)
        /// `lambda` already corrected to the box's area.
        case cutmix(lambda: Double, box: Box)

        /// The weight of the example's own label (1 when nothing was mixed).
        public var lambda: Double {
            switch self {
            case .none: return 1
            case .mixup(let l), .cutmix(let l, _): return l
            }
        }
    }

    /// The batch-level entries of `augment`, or nil when there are none.
    public init?(_ augment: [Augmentation]) {
        for a in augment {
            switch a {
            case .mixup(let alpha, let p): mixup = Setting(alpha: alpha, p: p)
            case .cutmix(let alpha, let p): cutmix = Setting(alpha: alpha, p: p)
            case .randomCrop, .mirror, .pcaColor, .randomErasing: break
            }
        }
        if mixup == nil && cutmix == nil { return nil }
    }

    public init(mixup: Setting?, cutmix: Setting?) {
        self.mixup = mixup
        self.cutmix = cutmix
    }

    /// Step `step`'s draw for images of `height` x `width`.
    public func draw(seed: Int, step: Int, height: Int, width: Int) -> Draw {
        var rng = SplitMix64(seed: CounterKey.hash(CounterKey.mixing, UInt64(bitPattern: Int64(seed)), UInt64(bitPattern: Int64(step))))
        let uCut = rng.unit(), uMix = rng.unit()
        if let c = cutmix, uCut < c.p {
            let lambda = Self.beta(c.alpha, &rng)
            let box = Self.box(lambda: lambda, height: height, width: width, &rng)
            return .cutmix(lambda: 1 - Double(box.area) / Double(height * width), box: box)
        }
        if let m = mixup, uMix < m.p { return .mixup(lambda: Self.beta(m.alpha, &rng)) }
        return .none
    }

    /// timm's `rand_bbox` with no margin: sides `⌊side·√(1 − λ)⌋`, a uniform centre, clipped.
    static func box(lambda: Double, height: Int, width: Int, _ rng: inout SplitMix64) -> Box {
        let ratio = (1 - lambda).squareRoot()
        let cutH = Int(Double(height) * ratio), cutW = Int(Double(width) * ratio)
        let cy = CounterKey.below(UInt64(height), &rng), cx = CounterKey.below(UInt64(width), &rng)
        func clip(_ v: Int, _ side: Int) -> Int { min(max(v, 0), side) }
        return Box(y0: clip(cy - cutH / 2, height), y1: clip(cy + cutH / 2, height),
                   x0: clip(cx - cutW / 2, width), x1: clip(cx + cutW / 2, width))
    }

    /// Beta(a, a) as `G₁ / (G₁ + G₂)` with `G ~ Gamma(a, 1)`.
    static func beta(_ a: Double, _ rng: inout SplitMix64) -> Double {
        let g1 = gamma(a, &rng), g2 = gamma(a, &rng)
        return g1 + g2 > 0 ? g1 / (g1 + g2) : 0.5
    }

    /// Gamma(a, 1): Marsaglia and Tsang (2000) for a ≥ 1; for a < 1, `Gamma(a + 1)·U^(1/a)`.
    static func gamma(_ a: Double, _ rng: inout SplitMix64) -> Double {
        if a < 1 {
            let u = max(rng.unit(), 0x1p-60)
            return gamma(a + 1, &rng) * Foundation.pow(u, 1 / a)
        }
        let d = a - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = rng.normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = rng.unit()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if Foundation.log(max(u, 0x1p-60)) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { return d * v }
        }
    }

    /// Mixes `images` (`count` examples of `channels` x `height` x `width`) in place by
    /// `draw`, each example with its partner, and returns the partners' labels. `partner`
    /// is nil when the batch is the step's whole batch (the partner of example i is example
    /// count − 1 − i); under MPI it is the mirrored rank's part (the partner of example i is
    /// its example count − 1 − i).
    public static func apply(_ draw: Draw, images: inout [Float], labels: [Int32], partner: (images: [Float], labels: [Int32])?,
                             channels: Int, height: Int, width: Int) -> [Int32] {
        let n = labels.count, size = channels * height * width
        precondition(images.count == n * size && partner.map { $0.labels.count == n && $0.images.count == n * size } ?? true,
                     "BatchMixing.apply: sizes")
        let partnerLabels = (0 ..< n).map { i in partner?.labels[n - 1 - i] ?? labels[n - 1 - i] }
        guard draw != .none else { return partnerLabels }
        let other = partner?.images ?? []
        images.withUnsafeMutableBufferPointer { xb in
            other.withUnsafeBufferPointer { ob in
                guard let x = xb.baseAddress else { return }
                for i in 0 ..< (partner == nil ? (n + 1) / 2 : n) {
                    let j = n - 1 - i, a = x + i * size
                    if partner != nil, let o = ob.baseAddress {
                        mix(draw, a, UnsafeMutablePointer(mutating: o + j * size), both: false, channels, height, width)
                    } else {
                        // Within one batch, i and j = n − 1 − i are both computed from the originals.
                        mix(draw, a, x + j * size, both: i != j, channels, height, width)
                    }
                }
            }
        }
        return partnerLabels
    }

    /// Mixes example `a` with `b` (and, when `both`, `b` with `a`'s original). With `a` = `b`
    /// (the middle of an odd batch) mixup still rounds `λ·x + (1 − λ)·x`, as timm does.
    private static func mix(_ draw: Draw, _ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, both: Bool,
                            _ channels: Int, _ height: Int, _ width: Int) {
        switch draw {
        case .none: break
        case .mixup(let lambda):
            let l = Float(lambda), m = Float(1 - lambda)
            for k in 0 ..< channels * height * width {
                let u = a[k], v = b[k]
                a[k] = l * u + m * v
                if both { b[k] = l * v + m * u }
            }
        case .cutmix(_, let box):
            for ch in 0 ..< channels {
                for y in box.y0 ..< box.y1 {
                    let o = (ch * height + y) * width
                    for x in box.x0 ..< box.x1 {
                        if both { swap(&a[o + x], &b[o + x]) } else { a[o + x] = b[o + x] }
                    }
                }
            }
        }
    }
}
