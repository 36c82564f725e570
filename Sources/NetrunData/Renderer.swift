import Foundation
import NetrunConfig
import NetrunFormats

/// A view of a stored image: the window at (`top`, `left`) of the image padded by `pad`
/// black pixels on every side, `H x W` as the model's input, optionally mirrored, plus a
/// per-channel color offset.
struct View: Equatable {
    var top: Int
    var left: Int
    var pad: Int
    var mirrored: Bool
    /// Added to every pixel in `pixel / scale` units (PCA noise); zero for none.
    var color: (Float, Float, Float) = (0, 0, 0)
    /// The rectangle of the rendered view that random erasing sets to its value, if any.
    var erased: Erased?

    struct Erased: Equatable {
        var top: Int, left: Int, height: Int, width: Int
    }

    static func == (a: View, b: View) -> Bool {
        a.top == b.top && a.left == b.left && a.pad == b.pad && a.mirrored == b.mirrored
            && a.color.0 == b.color.0 && a.color.1 == b.color.1 && a.color.2 == b.color.2 && a.erased == b.erased
    }
}

/// Preprocessing bound to a dataset's stored shape: the normalization as `pixel * gain[c] +
/// bias[c, y, x]` and the views of each example. Immutable; shared with the loader's thread.
struct Renderer: Sendable {
    let stored: [Int]
    let input: [Int]
    let gain: [Float]
    /// `C x Hs x Ws`: minus the mean over the std (per channel or per pixel).
    let bias: [Float]
    /// What a padded (black) pixel becomes.
    let padValue: [Float]
    /// `1 / std[c]`: color offsets are in `pixel / scale` units.
    let colorGain: [Float]
    let preprocessing: Preprocessing

    init(_ p: Preprocessing, dataset: Dataset, training: Bool) throws(FileError) {
        let (c, hs, ws) = (dataset.shape[0], dataset.shape[1], dataset.shape[2])
        let (h, w) = (p.input[1], p.input[2])
        func setting(_ message: String) -> FileError { FileError(path: dataset.origin, kind: .setting, message: message) }
        guard c == p.input[0] else {
            throw FileError(path: dataset.origin, kind: .mismatch, message: "images have \(c) channels; the model's input has \(p.input[0])")
        }
        if training, let crop = p.randomCrop {
            guard crop.size == h, crop.size == w else { throw setting("random_crop size \(crop.size) is not the model's input \(h)x\(w)") }
            guard hs + 2 * crop.pad >= h, ws + 2 * crop.pad >= w else {
                throw setting("images are \(hs)x\(ws) (padded by \(crop.pad)), smaller than the \(h)x\(w) crop")
            }
        } else {
            guard hs >= h, ws >= w else { throw setting("images are \(hs)x\(ws), smaller than the model's input \(h)x\(w)") }
        }
        stored = dataset.shape
        input = p.input
        preprocessing = p
        gain = p.std.map { 1 / (p.scale * $0) }
        colorGain = p.std.map { 1 / $0 }
        let plane = hs * ws
        switch p.mean {
        case .channels(let m):
            bias = (0 ..< c).flatMap { ch in repeatElement(-m[ch] / p.std[ch], count: plane) }
            padValue = (0 ..< c).map { -m[$0] / p.std[$0] }
        case .image(let m):
            guard m.count == c * plane else {
                throw FileError(path: dataset.origin, kind: .mismatch,
                                message: "the mean image has \(m.count) values; images are \(shapeText(dataset.shape)) = \(c * plane)")
            }
            let g = gain
            bias = m.enumerated().map { i, v in -v * g[i / plane] }
            // Black padding against a per-pixel mean: the mean image's channel average stands in.
            padValue = (0 ..< c).map { ch in -m[ch * plane ..< (ch + 1) * plane].reduce(0, +) / Float(plane) * g[ch] }
        }
    }

    var viewSize: Int { input[0] * input[1] * input[2] }

    // MARK: - Views

    /// Training: the random crop (or central crop), mirror, PCA noise and erased rectangle
    /// drawn for one example from its own generator. The draws are always made in this order:
    /// crop offsets, mirror, noise, erasing (each only when configured).
    func trainingView(_ rng: inout SplitMix64) -> View {
        let p = preprocessing
        let (hs, ws, h, w) = (stored[1], stored[2], input[1], input[2])
        var view: View
        if let crop = p.randomCrop {
            let top = CounterKey.below(UInt64(hs + 2 * crop.pad - h + 1), &rng)
            let left = CounterKey.below(UInt64(ws + 2 * crop.pad - w + 1), &rng)
            view = View(top: top, left: left, pad: crop.pad, mirrored: false)
        } else {
            view = View(top: Resize.centerOffset(hs, h), left: Resize.centerOffset(ws, w), pad: 0, mirrored: false)
        }
        if let prob = p.mirror { view.mirrored = rng.unit() < prob }
        if let std = p.pcaStd, let pca = p.pca {
            let a0 = Float(rng.normal() * std), a1 = Float(rng.normal() * std), a2 = Float(rng.normal() * std)
            view.color = pca.offset(alphas: (a0, a1, a2))
        }
        if let e = p.erasing, rng.unit() < e.p { view.erased = Self.erasedRectangle(e, height: h, width: w, &rng) }
        return view
    }

    /// torchvision's `RandomErasing.get_params`: up to 10 tries of an area drawn uniformly from
    /// `scale` times the view's and an aspect ratio drawn log-uniformly from `ratio`, sides
    /// rounded half to even (Python's `round`), kept when both are smaller than the view's; then
    /// the corner uniformly among the places it fits. nil when no try fits (nothing erased).
    static func erasedRectangle(_ e: RandomErasing, height: Int, width: Int, _ rng: inout SplitMix64) -> View.Erased? {
        let area = Double(height * width)
        let (logLow, logHigh) = (Foundation.log(e.ratio.lowerBound), Foundation.log(e.ratio.upperBound))
        for _ in 0 ..< 10 {
            let target = area * (e.scale.lowerBound + rng.unit() * (e.scale.upperBound - e.scale.lowerBound))
            let aspect = Foundation.exp(logLow + rng.unit() * (logHigh - logLow))
            let h = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
            let w = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
            guard h < height && w < width else { continue }
            let top = CounterKey.below(UInt64(height - h + 1), &rng), left = CounterKey.below(UInt64(width - w + 1), &rng)
            return View.Erased(top: top, left: left, height: h, width: w)
        }
        return nil
    }

    /// Evaluation: the central crop; with `mirror`, it and its mirror image; with ten
    /// crops, torchvision's TenCrop order: top-left, top-right, bottom-left, bottom-right,
    /// center, then the same five mirrored.
    func evaluationViews() -> [View] {
        let (hs, ws, h, w) = (stored[1], stored[2], input[1], input[2])
        let center = View(top: Resize.centerOffset(hs, h), left: Resize.centerOffset(ws, w), pad: 0, mirrored: false)
        let unmirrored: [View]
        switch preprocessing.views {
        case .center: return [center]
        case .mirror: unmirrored = [center]
        case .tenCrop:
            unmirrored = [View(top: 0, left: 0, pad: 0, mirrored: false), View(top: 0, left: ws - w, pad: 0, mirrored: false),
                          View(top: hs - h, left: 0, pad: 0, mirrored: false), View(top: hs - h, left: ws - w, pad: 0, mirrored: false),
                          center]
        }
        return unmirrored + unmirrored.map { var v = $0; v.mirrored = true; return v }
    }

    // MARK: - Rendering

    /// Writes view `v` of example `e` (`C x H x W` floats) to `out`.
    ///
    /// Output pixel (c, y, x) reads the stored pixel (y + top - pad, x' + left - pad) with
    /// x' = x, or W - 1 - x when mirrored; outside the stored image it is black padding.
    func render<P: PixelValue>(_ src: UnsafeBufferPointer<P>, example e: Int, view v: View, bias: UnsafeBufferPointer<Float>,
                               into out: UnsafeMutablePointer<Float>) {
        guard let srcBase = src.baseAddress, let biasBase = bias.baseAddress else { return }
        let (c, hs, ws, h, w) = (stored[0], stored[1], stored[2], input[1], input[2])
        let plane = hs * ws
        let base = e * c * plane
        // Output columns [x0, x1) read stored columns x + dx; the others are padding.
        let dx = v.left - v.pad, dy = v.top - v.pad
        let x0 = min(max(-dx, 0), w), x1 = max(min(ws - dx, w), x0)
        for ch in 0 ..< c {
            let g = gain[ch]
            let color: Float = c != 3 ? 0 : ch == 0 ? v.color.0 : ch == 1 ? v.color.1 : v.color.2
            let offset = color * colorGain[ch]
            let padded = padValue[ch] + (preprocessing.pcaAfterCrop ? offset : 0)
            for y in 0 ..< h {
                let row = out + (ch * h + y) * w
                let sy = y + dy
                guard sy >= 0 && sy < hs else {
                    row.update(repeating: padded, count: w)
                    continue
                }
                if x0 > 0 { row.update(repeating: padded, count: x0) }
                // The stored pixels of this row, as pointers: no index arithmetic in the loop, so it vectorizes.
                let start = ch * plane + sy * ws + dx + x0
                let (s, b, o) = (srcBase + (base + start), biasBase + start, row + x0)
                for i in 0 ..< x1 - x0 { o[i] = s[i].floatValue * g + b[i] + offset }
                if x1 < w { (row + x1).update(repeating: padded, count: w - x1) }
                if v.mirrored {
                    var (i, j) = (0, w - 1)
                    while i < j {
                        swap(&row[i], &row[j])
                        i += 1
                        j -= 1
                    }
                }
            }
        }
        // Random erasing, after normalization and the flip (torchvision erases the tensor last).
        if let e = v.erased, let value = preprocessing.erasing.map({ Float($0.value) }) {
            for ch in 0 ..< c {
                for y in e.top ..< e.top + e.height { (out + (ch * h + y) * w + e.left).update(repeating: value, count: e.width) }
            }
        }
    }
}
