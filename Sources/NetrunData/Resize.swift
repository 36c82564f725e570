/// Resampling of interleaved 8-bit images, separable: rows then columns, each through a
/// table of taps. Downsizing averages the area each output pixel covers (a box filter with
/// fractional edges); upsizing is bilinear with pixel centers at +0.5 (PyTorch's
/// `align_corners=False`).
enum Resize {
    /// The taps of one axis: output pixel `i` is `sum(weights[i*taps + k] * src[starts[i] + k])`.
    struct Axis {
        var taps: Int
        var starts: [Int]
        var weights: [Float]

        init(from source: Int, to target: Int) {
            precondition(source >= 1 && target >= 1, "resize: empty axis")
            let scale = Double(source) / Double(target)
            if target < source {
                taps = Int(scale.rounded(.up)) + 1
                starts = []
                weights = []
                for i in 0 ..< target {
                    let lo = Double(i) * scale, hi = Double(i + 1) * scale
                    let first = Int(lo.rounded(.down))
                    starts.append(first)
                    for k in 0 ..< taps {
                        let p = Double(first + k)
                        let overlap = max(0, min(hi, p + 1) - max(lo, p))
                        weights.append(first + k < source ? Float(overlap / scale) : 0)
                    }
                }
            } else {
                taps = 2
                starts = []
                weights = []
                for i in 0 ..< target {
                    let center = min(max((Double(i) + 0.5) * scale - 0.5, 0), Double(source - 1))
                    let first = min(Int(center.rounded(.down)), max(source - 2, 0))
                    let f = source == 1 ? 0 : center - Double(first)
                    starts.append(first)
                    weights += [Float(1 - f), source == 1 ? 0 : Float(f)]
                }
            }
        }
    }

    /// `src` (`height x width x channels`, interleaved) resampled to `newHeight x newWidth`.
    static func resample(_ src: [UInt8], height: Int, width: Int, channels: Int, to newHeight: Int, _ newWidth: Int) -> [UInt8] {
        if height == newHeight && width == newWidth { return src }
        let ax = Axis(from: width, to: newWidth), ay = Axis(from: height, to: newHeight)
        // Rows: height x newWidth x channels, in float.
        var rows = [Float](repeating: 0, count: height * newWidth * channels)
        src.withUnsafeBufferPointer { s in
            rows.withUnsafeMutableBufferPointer { r in
                ax.weights.withUnsafeBufferPointer { w in
                    for y in 0 ..< height {
                        for x in 0 ..< newWidth {
                            let start = ax.starts[x]
                            for c in 0 ..< channels {
                                var sum: Float = 0
                                for k in 0 ..< ax.taps where start + k < width {
                                    sum += w[x * ax.taps + k] * Float(s[(y * width + start + k) * channels + c])
                                }
                                r[(y * newWidth + x) * channels + c] = sum
                            }
                        }
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * channels)
        rows.withUnsafeBufferPointer { r in
            out.withUnsafeMutableBufferPointer { o in
                ay.weights.withUnsafeBufferPointer { w in
                    let rowSize = newWidth * channels
                    for y in 0 ..< newHeight {
                        let start = ay.starts[y]
                        for i in 0 ..< rowSize {
                            var sum: Float = 0
                            for k in 0 ..< ay.taps where start + k < height {
                                sum += w[y * ay.taps + k] * r[(start + k) * rowSize + i]
                            }
                            o[y * rowSize + i] = UInt8(min(max(sum.rounded(), 0), 255))
                        }
                    }
                }
            }
        }
        return out
    }

    /// The size after resizing the shorter side to `side`, as torchvision's `Resize(int)`:
    /// the longer side is `side * long / short`, truncated.
    static func shorterSide(to side: Int, height: Int, width: Int) -> (height: Int, width: Int) {
        if height <= width { return (side, max(1, side * width / height)) }
        return (max(1, side * height / width), side)
    }

    /// The offset of a central crop: torchvision's `round((size - crop) / 2)` (half to even).
    static func centerOffset(_ size: Int, _ crop: Int) -> Int {
        Int((Double(size - crop) / 2).rounded(.toNearestOrEven))
    }
}
