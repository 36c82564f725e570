// 2-D convolution as im2col + GEMM (1x1, stride 1, pad 0 skips im2col), or Winograd
// F(4x4, 3x3), F(2x2, 3x3) and F(2x2, 5x5) where `ConvGeometry.winograd` says (ConvWinograd.swift), forward and backward.
// Batch split over `threads` parts (see Parallel.swift), which is also how backward sums the
// weight and bias gradients over the batch.
import CNetrunKernels

/// Shape of one 2-D convolution. Input `[n, c, h, w]`, weight
/// `[outC, c/groups, kh, kw]`, bias `[outC]`, output `[n, outC, outH, outW]`,
/// all float32 NCHW, contiguous (PyTorch layouts). The output size comes from the
/// caller (the graph's shape rule, NetrunGraph's `Window.outputSize`); here it is only
/// checked to hold whole windows inside the padded input.
public struct ConvGeometry: Sendable, Equatable, Hashable {
    public var n, c, h, w: Int
    public var outC, kh, kw: Int
    public var strideH, strideW, padH, padW, dilationH, dilationW: Int
    public var groups: Int
    public var outH, outW: Int
    /// Runs as Winograd F(4x4, 3x3), F(2x2, 3x3) or F(2x2, 5x5) (ConvWinograd.swift) rather than im2col + GEMM. Set by
    /// `init` to `winogradSuits`; a caller may turn it off (it must stay off where that is false).
    public var winograd: Bool
    /// With `winograd`, runs F(4x4, 3x3) (8 images to a vector, winograd_f4x4_3x3.c) rather than
    /// F(2x2, 3x3). Set by `init` to `winogradF4Suits`; a caller may turn it off.
    public var winogradF4: Bool

    public init(
        n: Int, c: Int, h: Int, w: Int, outC: Int, kh: Int, kw: Int,
        strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0,
        dilationH: Int = 1, dilationW: Int = 1, groups: Int = 1, outH: Int, outW: Int
    ) {
        precondition(n >= 1 && c >= 1 && h >= 1 && w >= 1 && outC >= 1 && kh >= 1 && kw >= 1,
                     "ConvGeometry: sizes must be positive")
        precondition(strideH >= 1 && strideW >= 1 && dilationH >= 1 && dilationW >= 1,
                     "ConvGeometry: stride and dilation must be positive")
        precondition(padH >= 0 && padW >= 0, "ConvGeometry: negative padding")
        precondition(groups >= 1 && c % groups == 0 && outC % groups == 0,
                     "ConvGeometry: groups must divide both channel counts")
        precondition(outH >= 1 && outW >= 1
                     && (outH - 1) * strideH + dilationH * (kh - 1) + 1 <= h + 2 * padH
                     && (outW - 1) * strideW + dilationW * (kw - 1) + 1 <= w + 2 * padW,
                     "ConvGeometry: the last window reaches past the padded input")
        (self.n, self.c, self.h, self.w, self.outC, self.kh, self.kw) = (n, c, h, w, outC, kh, kw)
        (self.strideH, self.strideW, self.padH, self.padW) = (strideH, strideW, padH, padW)
        (self.dilationH, self.dilationW, self.groups) = (dilationH, dilationW, groups)
        (self.outH, self.outW) = (outH, outW)
        (winograd, winogradF4) = (false, false)
        winograd = winogradSuits
        winogradF4 = winogradF4Suits
    }

    /// Winograd F(2x2, 3x3) or F(2x2, 5x5) can run it: 3x3 or 5x5, stride 1, no dilation,
    /// padding at most 2, the whole output; and it pays: at least 16 input and output channels
    /// per group for 3x3 (fewer leave its sixteen matrix products too thin to beat one im2col
    /// product), at least 8 in and 16 out for 5x5 (36 products instead of 100 per tile).
    public var winogradSuits: Bool {
        (kh == 3 || kh == 5) && kw == kh && strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1
            && padH <= 2 && padW <= 2 && outH == h + 2 * padH - (kh - 1) && outW == w + 2 * padW - (kw - 1)
            && c / groups >= (kh == 3 ? 16 : 8) && outC / groups >= 16
    }

    /// F(4x4, 3x3) runs it: a 3x3 `winogradSuits` convolution on an image of at most 196 of its
    /// 4x4 tiles (outputs up to 56x56). Measured against F(2x2, 3x3) on an AMD Zen 4, forward
    /// and backward: 24-39% less time per node on 7x7 and 14x14 images (Fashion's GoogLeNet),
    /// 21-30% on 28x28 and 19% on 56x56 (GoogLeNet's). Its blocks are whole groups of 8 images, so a 56x56 layer's
    /// workspace holds 8 x 196 tiles (GoogLeNet's conv2: about 60 MB a thread); larger images
    /// keep F(2x2, 3x3)'s bands of tile rows.
    public var winogradF4Suits: Bool {
        winogradSuits && kh == 3 && ((outH + 3) / 4) * ((outW + 3) / 4) <= 196
    }

    public var inputCount: Int { n * c * h * w }
    public var outputCount: Int { n * outC * outH * outW }
    public var weightCount: Int { outC * (c / groups) * kh * kw }
    /// Multiply-adds of the forward pass for the whole batch.
    public var multiplyAdds: Int { n * outC * outH * outW * (c / groups) * kh * kw }
    /// 1x1, stride 1, no padding: the input image is already the column matrix.
    public var isPointwise: Bool {
        kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
    }
    /// Floats of one image's column matrix `[c*kh*kw, outH*outW]` (0 when pointwise).
    public var columnCount: Int { isPointwise ? 0 : c * kh * kw * outH * outW }
    /// How `Conv` computes it, as `netrun bench` names it: `winograd4` (F(4x4, 3x3)), `winograd`
    /// (F(2x2, 3x3) or F(2x2, 5x5)), `gemm` (pointwise: the image is the column matrix) or `im2col`.
    public var algorithm: String { winograd ? (winogradF4 ? "winograd4" : "winograd") : isPointwise ? "gemm" : "im2col" }
}

public enum Conv {
    /// The image's im2col columns written to `col`, or the image itself when the conv is
    /// pointwise (no workspace).
    @inline(__always)
    private static func columns(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>?) -> UnsafePointer<Float> {
        guard let col else { return x }
        im2col(g, x, col)
        return UnsafePointer(col)
    }

    /// Parts the batch is split into for `threads` threads.
    public static func parts(_ g: ConvGeometry, threads: Int) -> Int { Parallel.batchParts(g.n, threads: threads) }

    /// Floats of workspace `forward` needs: one column matrix per part.
    public static func forwardWorkspaceCount(_ g: ConvGeometry, threads: Int) -> Int {
        if g.winograd { return WinogradLayout(g, threads: threads).forwardCount }
        return parts(g, threads: threads) * g.columnCount
    }

    /// Floats of workspace `backward` needs: one column matrix per part, plus a
    /// weight-gradient partial for every part but the first (or Winograd's buffers), then
    /// `PreparedOutputGradient`'s buffers.
    public static func backwardWorkspaceCount(_ g: ConvGeometry, threads: Int) -> Int {
        backwardAlgorithmCount(g, threads: threads) + PreparedOutputGradient(g, threads: threads, base: nil).count
    }

    /// `backwardWorkspaceCount` without the prepared output gradient's buffers (which follow).
    static func backwardAlgorithmCount(_ g: ConvGeometry, threads: Int) -> Int {
        if g.winograd { return WinogradLayout(g, threads: threads).backwardCount }
        let p = parts(g, threads: threads)
        return p * g.columnCount + (p - 1) * g.weightCount
    }

    /// `backward`'s way to the output gradient when it is not one contiguous tensor, or is the
    /// gradient after an activation fused into the convolution: writes image `image`'s gradient
    /// of the convolution's own output (before the activation), `outC*outH*outW` floats, to
    /// `into`. `backward` calls it image by image into a buffer of each part's, so that pass
    /// over the image runs while the image stays in cache for the products that follow, and
    /// sums the bias gradient there.
    public typealias OutputGradientPreparation = (_ image: Int, _ into: UnsafeMutablePointer<Float>) -> Void

    /// `out[n, o, y, x] = bias[o] + sum_{i, a, b} weight[o, i, a, b] *
    /// in[n, g*c/groups + i, y*strideH - padH + a*dilationH, x*strideW - padW + b*dilationW]`
    /// (zero outside the input), where g = o / (outC/groups). Per image and group:
    /// `out_g [outC/groups, outH*outW] = W_g [outC/groups, K] * col_g [K, outH*outW]`,
    /// K = (c/groups)*kh*kw. `workspace` holds at least `forwardWorkspaceCount`
    /// floats (may be nil when that is 0). OpenBLAS should be single-threaded when threads > 1.
    /// `outputImageStride`: floats from one output image to the next (default `outC*outH*outW`;
    /// larger when the output is a channel slice of a concat). `relu`: the output is ReLU's,
    /// applied to each image as it is written (while it is in cache), as `ReLU.forward` computes it.
    public static func forward(
        _ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputImageStride: Int? = nil,
        relu: Bool = false, workspace: UnsafeMutablePointer<Float>?, workspaceCount: Int,
        threads: Int = Parallel.processorCount
    ) {
        precondition(workspaceCount >= forwardWorkspaceCount(g, threads: threads),
                     "Conv.forward: workspace too small")
        precondition(g.columnCount == 0 || workspace != nil, "Conv.forward: workspace missing")
        let mg = g.outC / g.groups, kg = (g.c / g.groups) * g.kh * g.kw
        let hwo = g.outH * g.outW, inImage = g.c * g.h * g.w, outImage = outputImageStride ?? g.outC * hwo
        precondition(outImage >= g.outC * hwo, "Conv.forward: output images overlap")
        if g.winograd, let workspace {
            return winogradForward(g, input: input, weight: weight, bias: bias, output: output,
                                   outputImageStride: outImage, relu: relu, workspace: workspace, threads: threads)
        }
        Parallel.forEachPart(count: g.n, threads: threads) { part, images in
            let col = g.columnCount == 0 ? nil : workspace.map { $0 + part * g.columnCount }
            for img in images {
                let x = input + img * inImage, y = output + img * outImage
                let cols = columns(g, x, col)
                for grp in 0 ..< g.groups {
                    GEMM.multiply(m: mg, n: hwo, k: kg, a: weight + grp * mg * kg,
                                  b: cols + grp * kg * hwo, beta: 0, c: y + grp * mg * hwo)
                }
                // Bias and ReLU in one pass over the image, while it is in cache.
                if bias != nil || relu { netrun_bias_relu(y, bias, g.outC, hwo, relu ? 1 : 0) }
            }
        }
    }

    /// Gradients of `forward`. Per image and group:
    /// `dW_g += dOut_g [M, HWo] * col_g^T [HWo, K]`, `dCol_g = W_g^T * dOut_g` then
    /// col2im; `dBias[o] += sum_{n, y, x} dOut[n, o, y, x]`.
    /// - `inputGradient`: nil when not needed (first layer). Overwritten, or
    ///   added to when `accumulateInputGradient` (for fan-out).
    /// - `weightGradient`, `biasGradient`: ADDED to when `accumulate` (the usual
    ///   case: zero them once per step), overwritten otherwise. Both nil (a frozen
    ///   layer): the input gradient only, without the products or transforms of dW.
    /// - `outputGradient`: the gradient of the output, contiguous; or nil, and
    ///   `prepare` gives it image by image (`OutputGradientPreparation`).
    /// - `workspace`: at least `backwardWorkspaceCount` floats.
    public static func backward(
        _ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        outputGradient: UnsafePointer<Float>?, preparingOutputGradient prepare: OutputGradientPreparation? = nil,
        inputGradient: UnsafeMutablePointer<Float>?,
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
        accumulate: Bool = true, accumulateInputGradient: Bool = false,
        workspace: UnsafeMutablePointer<Float>?, workspaceCount: Int,
        threads: Int = Parallel.processorCount
    ) {
        let needed = backwardWorkspaceCount(g, threads: threads)
        precondition(workspaceCount >= needed, "Conv.backward: workspace too small")
        precondition(needed == 0 || workspace != nil, "Conv.backward: workspace missing")
        precondition((outputGradient == nil) != (prepare == nil), "Conv.backward: give the output gradient or its preparation")
        precondition(weightGradient != nil || biasGradient == nil, "Conv.backward: a bias gradient without the weight gradient")
        let prepared = PreparedOutputGradient(g, threads: threads, base: workspace.map { $0 + backwardAlgorithmCount(g, threads: threads) },
                                              prepare: prepare, sumsBias: biasGradient != nil)
        if g.winograd, let workspace {
            winogradBackward(g, input: input, weight: weight, outputGradient: outputGradient, prepared: prepared,
                             inputGradient: inputGradient, weightGradient: weightGradient,
                             accumulate: accumulate, accumulateInputGradient: accumulateInputGradient,
                             workspace: workspace, threads: threads)
            finishBias(g, outputGradient: outputGradient, prepared: prepared, biasGradient: biasGradient, accumulate: accumulate,
                       threads: threads)
            return
        }
        let mg = g.outC / g.groups, kg = (g.c / g.groups) * g.kh * g.kw
        let hwo = g.outH * g.outW, inImage = g.c * g.h * g.w, outImage = g.outC * hwo
        let nParts = parts(g, threads: threads)
        let partials = workspace.map { $0 + nParts * g.columnCount }
        Parallel.forEachPart(count: g.n, threads: threads) { part, images in
            let col = g.columnCount == 0 ? nil : workspace.map { $0 + part * g.columnCount }
            let dW: UnsafeMutablePointer<Float>?
            if weightGradient == nil { dW = nil } else if part == 0 { dW = weightGradient } else if let partials {
                dW = partials + (part - 1) * g.weightCount
            } else { preconditionFailure("Conv.backward: workspace missing") }
            // A part's images add into its dW through BLAS's beta 1, image after image. That is
            // sound for the claim of Parallel.batchParts: the rank holding these images makes the
            // same sequence of calls (same shapes, same leading dimensions, the first with beta 0
            // when not accumulating, as the executor calls it) on the same values, C included
            // (it holds what the same earlier calls wrote), so its dW is bitwise this part's;
            // the parts are then added by netrun (addPartials), as the ranks' all-reduce adds.
            // With `accumulate` part 0 starts from the gradient already there, which a rank's
            // part 0 does too: the claim holds for ranks whose gradients start equal.
            var beta: Float = (part == 0 && accumulate) ? 1 : 0
            for (k, img) in images.enumerated() {
                let x = input + img * inImage
                let dy = prepared.image(img, part: part, slot: 0, first: k == 0).map { UnsafePointer($0) } ?? outputGradient.unsafelyUnwrapped + img * outImage
                if let dW {
                    let cols = columns(g, x, col)
                    for grp in 0 ..< g.groups {
                        GEMM.multiply(transposeB: true, m: mg, n: kg, k: hwo, a: dy + grp * mg * hwo,
                                      b: cols + grp * kg * hwo, beta: beta, c: dW + grp * mg * kg)
                    }
                    beta = 1
                }
                guard let dx = inputGradient.map({ $0 + img * inImage }) else { continue }
                if let col {
                    for grp in 0 ..< g.groups {
                        GEMM.multiply(transposeA: true, m: kg, n: hwo, k: mg, a: weight + grp * mg * kg,
                                      b: dy + grp * mg * hwo, beta: 0, c: col + grp * kg * hwo)
                    }
                    if !accumulateInputGradient { dx.update(repeating: 0, count: inImage) }
                    netrun_col2im(col, g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW,
                                  g.dilationH, g.dilationW, g.outH, g.outW, dx)
                } else {
                    for grp in 0 ..< g.groups {
                        GEMM.multiply(transposeA: true, m: kg, n: hwo, k: mg, a: weight + grp * mg * kg,
                                      b: dy + grp * mg * hwo, beta: accumulateInputGradient ? 1 : 0,
                                      c: dx + grp * kg * hwo)
                    }
                }
            }
        }
        if let partials, let weightGradient {
            addPartials(partials, parts: nParts, into: weightGradient, count: g.weightCount, threads: threads)
        }
        finishBias(g, outputGradient: outputGradient, prepared: prepared, biasGradient: biasGradient, accumulate: accumulate,
                   threads: threads)
    }

    /// The bias gradient: from the parts' sums when the output gradient was prepared, else by `biasBackward`.
    private static func finishBias(_ g: ConvGeometry, outputGradient: UnsafePointer<Float>?, prepared: PreparedOutputGradient,
                                   biasGradient: UnsafeMutablePointer<Float>?, accumulate: Bool, threads: Int) {
        guard let biasGradient else { return }
        if let outputGradient {
            biasBackward(g, outputGradient: outputGradient, biasGradient: biasGradient, accumulate: accumulate, threads: threads)
        } else {
            prepared.finishBias(biasGradient, accumulate: accumulate)
        }
    }

    /// Parts 1 ..< parts of the weight gradient (`partials`, one after another) added into
    /// part 0's, in part order: the last step of the batch sum (Parallel.batchParts).
    static func addPartials(_ partials: UnsafePointer<Float>, parts: Int, into weightGradient: UnsafeMutablePointer<Float>,
                            count: Int, threads: Int) {
        guard parts > 1 else { return }
        Parallel.forEachPart(count: count, threads: threads) { _, r in
            for p in 1 ..< parts {
                netrun_accumulate(partials + (p - 1) * count + r.lowerBound, weightGradient + r.lowerBound, r.count)
            }
        }
    }

    /// `dBias[o] (+)= sum_{n, y, x} dOut[n, o, y, x]`, summed like the weight gradient: each
    /// part's images in order, then the parts.
    static func biasBackward(_ g: ConvGeometry, outputGradient: UnsafePointer<Float>,
                             biasGradient: UnsafeMutablePointer<Float>?, accumulate: Bool, threads: Int) {
        guard let biasGradient else { return }
        let hwo = g.outH * g.outW, outImage = g.outC * hwo, nParts = parts(g, threads: threads)
        Parallel.forEachPart(count: g.outC, threads: threads) { _, channels in
            for o in channels {
                var s: Float = 0
                for part in 0 ..< nParts {
                    var partSum: Float = 0
                    for img in Parallel.range(part: part, of: nParts, count: g.n) {
                        partSum += netrun_sum(outputGradient + img * outImage + o * hwo, hwo)
                    }
                    s = part == 0 ? partSum : s + partSum
                }
                biasGradient[o] = accumulate ? biasGradient[o] + s : s
            }
        }
    }

    @inline(__always)
    static func im2col(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
        netrun_im2col(x, g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW,
                      g.dilationH, g.dilationW, g.outH, g.outW, col)
    }
}

/// Where `Conv.backward` prepares the output gradient (`Conv.OutputGradientPreparation`):
/// per part, a buffer of `images` whole images (one for im2col; a Winograd block's) and the
/// part's bias sums, after the algorithm's own workspace.
struct PreparedOutputGradient {
    let images, imageCount, bufferCount, perPart, parts, outC, hwo: Int
    let base: UnsafeMutablePointer<Float>?
    let prepare: Conv.OutputGradientPreparation?
    let sumsBias: Bool

    init(_ g: ConvGeometry, threads: Int, base: UnsafeMutablePointer<Float>?, prepare: Conv.OutputGradientPreparation? = nil,
         sumsBias: Bool = false) {
        func round16(_ x: Int) -> Int { (x + 15) & ~15 }
        parts = Conv.parts(g, threads: threads)
        images = g.winograd ? WinogradLayout(g, threads: threads).block : 1
        (outC, hwo) = (g.outC, g.outH * g.outW)
        imageCount = outC * hwo
        bufferCount = round16(images * imageCount)
        perPart = bufferCount + round16(outC)
        (self.base, self.prepare, self.sumsBias) = (base, prepare, sumsBias)
    }

    /// Floats of workspace.
    var count: Int { parts * perPart }

    /// Part `part`'s buffer (nil when the output gradient is not prepared).
    func buffer(part: Int) -> UnsafeMutablePointer<Float>? { prepare == nil ? nil : base.map { $0 + part * perPart } }

    /// Prepares image `image` into slot `slot` of part `part`'s buffer and returns the slot
    /// (nil when the output gradient is not prepared); adds its rows' sums to the part's bias
    /// sums, which `first` (the part's first image) starts from zero. Image by image, in order:
    /// the sums are `Conv.biasBackward`'s, bitwise.
    func image(_ image: Int, part: Int, slot: Int, first: Bool) -> UnsafeMutablePointer<Float>? {
        guard let prepare, let dst = buffer(part: part).map({ $0 + slot * imageCount }) else { return nil }
        prepare(image, dst)
        if sumsBias {
            let sums = dst - slot * imageCount + bufferCount   // after the part's buffer
            if first { sums.update(repeating: 0, count: outC) }
            for o in 0 ..< outC { sums[o] += netrun_sum(dst + o * hwo, hwo) }
        }
        return dst
    }

    /// `bias (+)= the parts' sums`, added in part order.
    func finishBias(_ bias: UnsafeMutablePointer<Float>, accumulate: Bool) {
        guard let base else { return }
        for o in 0 ..< outC {
            var s: Float = 0
            for part in 0 ..< parts { s = part == 0 ? base[part * perPart + bufferCount + o] : s + base[part * perPart + bufferCount + o] }
            bias[o] = accumulate ? bias[o] + s : s
        }
    }
}
