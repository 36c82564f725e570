// 3x3 and 5x5 stride-1 convolutions as Winograd F(4x4, 3x3), F(2x2, 3x3) and F(2x2, 5x5)
// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): a 4x4 output tile
// costs 36 multiplications per input-output channel pair instead of 144, a 2x2 tile 16 instead
// of 36, or 36 instead of 100. The transforms are in winograd_f4x4_3x3.c, winograd_f2x2_3x3.c and winograd_f2x2_5x5.c;
// between them, for each of the 36 (16) tile positions and each group, one OpenBLAS product over
// channels with the tiles of a block of images as its columns (one image's tiles alone make too
// thin a product on small images). The batch is split into parts as by im2col (Parallel.swift),
// each part with its own buffers; backward sums the weight gradient over a part's images in
// the transformed domain, then over the parts in order, so MPI ranks holding the parts add
// up what one process does. Within a part the blocks add into dU through BLAS's beta 1, the
// same sequence of identical calls in a rank holding that part (Conv.backward says why that is
// sound): a block's width follows `perPart`, the part's size rounded up, and the blocks of a
// part of `count <= perPart` images are min(perPart, target) images each, as a rank's of
// min(count, target), so the two cut the part alike; the workspace's strides differ, but they
// are addresses, not arguments of the products.
import CNetrunKernels

/// Where the Winograd buffers sit in a convolution's workspace. Float offsets, each region
/// rounded up to 16 floats (64 bytes).
struct WinogradLayout {
    let tilesH, tilesW, tiles: Int
    /// The filter's size (3 or 5), the output tile's side (2, or 4 for F(4x4, 3x3)) and the
    /// transformed tile's positions, (tile + kernel - 1)^2.
    let kernel, tile, positions: Int
    /// A block is `block` whole images, or (F(2x2), when one image has more tiles than
    /// `targetColumns`) a band of `bandRows` tile rows of one image; `columns` is a full
    /// block's tile count (F(4x4): rounded up to whole groups of 8 images), the width of its
    /// products.
    let block, bandRows, columns: Int
    /// Strides between the position planes: filters `[positions][outC][c/groups]`, input
    /// tiles `[positions][c][columns]`, products `[positions][outC][columns]`. Each is its plane's size
    /// plus 16 floats, so the planes do not all start at one offset modulo 4 KiB.
    let filterStride, inputStride, productStride: Int
    let planeCount: Int
    let parts: Int
    /// Per part: input tiles, products, the padded plane, and (backward) the filter gradient.
    let partForward, partBackward: Int
    let forwardCount, backwardCount: Int
    let filterCount: Int

    /// Columns a block aims at: wide enough for OpenBLAS's kernels, small enough that a
    /// block's tiles and products stay in L2 between the transforms and the products
    /// (measured on 6x6 to 56x56 images: 100 to 250 columns were fastest).
    static let targetColumns = 128

    init(_ g: ConvGeometry, threads: Int) {
        func round16(_ x: Int) -> Int { (x + 15) & ~15 }
        kernel = g.kh
        tile = g.winogradF4 ? 4 : 2
        positions = (tile + kernel - 1) * (tile + kernel - 1)
        tilesH = (g.outH + tile - 1) / tile
        tilesW = (g.outW + tile - 1) / tile
        tiles = tilesH * tilesW
        parts = Conv.parts(g, threads: threads)
        let perPart = (g.n + parts - 1) / parts
        if tile == 4 {
            // Whole images, in groups of 8 (the vector lanes; a last group of fewer is padded
            // with zero lanes): as many groups as fill about targetColumns columns.
            let groups = max(1, Self.targetColumns / (8 * tiles))
            (block, bandRows) = (min(perPart, 8 * groups), tilesH)
        } else if tiles <= Self.targetColumns {
            (block, bandRows) = (max(1, min(perPart, Self.targetColumns / tiles)), tilesH)
        } else {
            (block, bandRows) = (1, max(1, Self.targetColumns / tilesW))
        }
        columns = Self.columns(tile: tile, images: block, rows: bandRows, tilesW: tilesW)
        let cg = g.c / g.groups
        filterStride = round16(g.outC * cg) + 16
        inputStride = round16(g.c * columns) + 16
        productStride = round16(g.outC * columns) + 16
        // winograd_f2x2_3x3.c's and winograd_f2x2_5x5.c's padded band (even/odd halves), or winograd_f4x4_3x3.c's scratch
        planeCount = tile == 4 ? round16(netrun_wino4_scratch(tilesH, tilesW, g.w, g.outW))
            : round16((2 * bandRows + kernel - 1) * 2 * (tilesW + (kernel == 5 ? 12 : 10)))
        filterCount = positions * filterStride
        partForward = positions * inputStride + positions * productStride + planeCount
        partBackward = partForward + filterCount
        forwardCount = filterCount + parts * partForward
        backwardCount = filterCount + parts * partBackward + (parts - 1) * g.weightCount
    }

    /// A block's columns: its images' tiles in `rows` tile rows (F(4x4): whole images, rounded up
    /// to groups of 8).
    static func columns(tile: Int, images: Int, rows: Int, tilesW: Int) -> Int {
        tile == 4 ? (images + 7) / 8 * 8 * rows * tilesW : images * rows * tilesW
    }

    /// The blocks of `images`, in order: first image, image count, first tile row, tile rows, columns.
    func forEachBlock(_ images: Range<Int>, _ body: (_ first: Int, _ count: Int, _ ty0: Int, _ rows: Int, _ cols: Int) -> Void) {
        for first in stride(from: images.lowerBound, to: images.upperBound, by: block) {
            let count = min(block, images.upperBound - first)
            for ty0 in stride(from: 0, to: tilesH, by: bandRows) {
                let rows = min(bandRows, tilesH - ty0)
                body(first, count, ty0, rows, Self.columns(tile: tile, images: count, rows: rows, tilesW: tilesW))
            }
        }
    }
}

/// The transforms of the layout's filter size (winograd_f2x2_3x3.c, winograd_f2x2_5x5.c), in the layout's strides.
extension WinogradLayout {
    func input(_ x: UnsafePointer<Float>, _ images: Int, _ g: ConvGeometry, _ ty0: Int, _ rows: Int,
               _ v: UnsafeMutablePointer<Float>, _ cols: Int, _ plane: UnsafeMutablePointer<Float>) {
        if tile == 4 { return netrun_wino4_input(x, images, g.c, g.h, g.w, g.padH, g.padW, tilesH, tilesW, v, inputStride, cols, plane) }
        let f = kernel == 5 ? netrun_wino5_input : netrun_wino_input
        f(x, images, g.c, g.h, g.w, g.padH, g.padW, ty0, rows, tilesW, v, inputStride, cols, 0, plane)
    }

    func output(_ m: UnsafePointer<Float>, _ cols: Int, _ images: Int, _ g: ConvGeometry, _ ty0: Int, _ rows: Int,
                _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>, _ yStride: Int, _ relu: Bool,
                _ plane: UnsafeMutablePointer<Float>) {
        if tile == 4 {
            return netrun_wino4_output(m, productStride, cols, images, g.outC, g.outH, g.outW, tilesH, tilesW, bias, y,
                                       yStride, relu ? 1 : 0, plane)
        }
        let f = kernel == 5 ? netrun_wino5_output : netrun_wino_output
        f(m, productStride, cols, 0, images, g.outC, g.outH, g.outW, ty0, rows, tilesW, bias, y, yStride, relu ? 1 : 0)
    }

    func outputBackward(_ dy: UnsafePointer<Float>, _ images: Int, _ g: ConvGeometry, _ ty0: Int, _ rows: Int,
                        _ m: UnsafeMutablePointer<Float>, _ cols: Int, _ plane: UnsafeMutablePointer<Float>) {
        if tile == 4 {
            return netrun_wino4_output_backward(dy, images, g.outC, g.outH, g.outW, tilesH, tilesW, m, productStride, cols, plane)
        }
        let f = kernel == 5 ? netrun_wino5_output_backward : netrun_wino_output_backward
        f(dy, images, g.outC, g.outH, g.outW, ty0, rows, tilesW, m, productStride, cols, 0)
    }

    func inputBackward(_ dv: UnsafePointer<Float>, _ images: Int, _ g: ConvGeometry, _ ty0: Int, _ rows: Int,
                       _ cols: Int, _ plane: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                       accumulate: Bool) {
        if tile == 4 {
            return netrun_wino4_input_backward(dv, images, g.c, g.h, g.w, g.padH, g.padW, tilesH, tilesW, inputStride, cols,
                                               plane, dx, accumulate ? 1 : 0)
        }
        let f = kernel == 5 ? netrun_wino5_input_backward : netrun_wino_input_backward
        f(dv, images, g.c, g.h, g.w, g.padH, g.padW, ty0, rows, tilesW, inputStride, cols, 0, plane, dx, accumulate ? 1 : 0)
    }

    func filter(_ w: UnsafePointer<Float>, _ oc: Int, _ cg: Int, _ u: UnsafeMutablePointer<Float>) {
        (tile == 4 ? netrun_wino4_filter : kernel == 5 ? netrun_wino5_filter : netrun_wino_filter)(w, oc, cg, u, filterStride)
    }

    func filterBackward(_ du: UnsafePointer<Float>, _ g: ConvGeometry, _ dw: UnsafeMutablePointer<Float>, accumulate: Bool) {
        (tile == 4 ? netrun_wino4_filter_backward : kernel == 5 ? netrun_wino5_filter_backward : netrun_wino_filter_backward)(
            du, filterStride, g.outC, g.c / g.groups, dw, accumulate ? 1 : 0)
    }
}

extension Conv {
    /// `forward` for a geometry with `winograd` on.
    static func winogradForward(
        _ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputImageStride: Int, relu: Bool,
        workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        precondition(g.winogradSuits && (!g.winogradF4 || g.kh == 3), "Conv: Winograd cannot run this convolution")
        let l = WinogradLayout(g, threads: threads)
        let cg = g.c / g.groups, mg = g.outC / g.groups
        let inImage = g.c * g.h * g.w
        let u = workspace
        transformFilters(g, weight, u, l, threads: threads)
        Parallel.forEachPart(count: g.n, threads: threads) { part, images in
            let base = workspace + l.filterCount + part * l.partForward
            let v = base, m = base + l.positions * l.inputStride, plane = m + l.positions * l.productStride
            l.forEachBlock(images) { first, count, ty0, rows, cols in
                l.input(input + first * inImage, count, g, ty0, rows, v, cols, plane)
                for q in 0 ..< l.positions {
                    for grp in 0 ..< g.groups {
                        GEMM.multiply(m: mg, n: cols, k: cg, a: u + q * l.filterStride + grp * mg * cg,
                                      b: v + q * l.inputStride + grp * cg * cols,
                                      c: m + q * l.productStride + grp * mg * cols)
                    }
                }
                l.output(m, cols, count, g, ty0, rows, bias, output + first * outputImageStride, outputImageStride, relu, plane)
            }
        }
    }

    /// `backward`'s weight and input gradients for a geometry with `winograd` on (the bias
    /// gradient is the caller's). Per block of images: the input's tiles V, the output
    /// gradient's M = A dY A^T; `dU += M V^T` per position and group; then, for the input
    /// gradient, `dV = U^T M` into V's buffer and its adjoint transform into dX.
    static func winogradBackward(
        _ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        outputGradient: UnsafePointer<Float>?, prepared: PreparedOutputGradient, inputGradient: UnsafeMutablePointer<Float>?,
        weightGradient: UnsafeMutablePointer<Float>?, accumulate: Bool, accumulateInputGradient: Bool,
        workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        precondition(g.winogradSuits && (!g.winogradF4 || g.kh == 3), "Conv: Winograd cannot run this convolution")
        let l = WinogradLayout(g, threads: threads)
        let cg = g.c / g.groups, mg = g.outC / g.groups
        let inImage = g.c * g.h * g.w, outImage = g.outC * g.outH * g.outW
        let u = workspace
        if inputGradient != nil { transformFilters(g, weight, u, l, threads: threads) }
        let partials = workspace + l.filterCount + l.parts * l.partBackward
        Parallel.forEachPart(count: g.n, threads: threads) { part, images in
            let base = workspace + l.filterCount + part * l.partBackward
            let v = base, m = base + l.positions * l.inputStride, plane = m + l.positions * l.productStride
            let du = plane + l.planeCount
            var beta: Float = 0
            l.forEachBlock(images) { first, count, ty0, rows, cols in
                // The input's tiles serve dU only (a frozen layer has none to compute).
                if weightGradient != nil { l.input(input + first * inImage, count, g, ty0, rows, v, cols, plane) }
                // A prepared block's images are prepared once, with its first band.
                if ty0 == 0 {
                    for b in 0 ..< count { _ = prepared.image(first + b, part: part, slot: b, first: first == images.lowerBound && b == 0) }
                }
                let dy = prepared.buffer(part: part).map { UnsafePointer($0) } ?? outputGradient.unsafelyUnwrapped + first * outImage
                l.outputBackward(dy, count, g, ty0, rows, m, cols, plane)
                if weightGradient != nil {
                    for q in 0 ..< l.positions {
                        for grp in 0 ..< g.groups {
                            GEMM.multiply(transposeB: true, m: mg, n: cg, k: cols,
                                          a: m + q * l.productStride + grp * mg * cols,
                                          b: v + q * l.inputStride + grp * cg * cols, beta: beta,
                                          c: du + q * l.filterStride + grp * mg * cg)
                        }
                    }
                    beta = 1
                }
                guard let dx = inputGradient else { return }
                for q in 0 ..< l.positions {
                    for grp in 0 ..< g.groups {
                        GEMM.multiply(transposeA: true, m: cg, n: cols, k: mg,
                                      a: u + q * l.filterStride + grp * mg * cg,
                                      b: m + q * l.productStride + grp * mg * cols,
                                      c: v + q * l.inputStride + grp * cg * cols)
                    }
                }
                l.inputBackward(v, count, g, ty0, rows, cols, plane, dx + first * inImage, accumulate: accumulateInputGradient)
            }
            guard let weightGradient else { return }
            let dw = part == 0 ? weightGradient : partials + (part - 1) * g.weightCount
            l.filterBackward(du, g, dw, accumulate: part == 0 && accumulate)
        }
        if let weightGradient { addPartials(partials, parts: l.parts, into: weightGradient, count: g.weightCount, threads: threads) }
    }

    /// U = G g G^T for every filter, output channels split over the threads.
    private static func transformFilters(_ g: ConvGeometry, _ weight: UnsafePointer<Float>,
                                         _ u: UnsafeMutablePointer<Float>, _ l: WinogradLayout, threads: Int) {
        let cg = g.c / g.groups
        Parallel.forEachPart(count: g.outC, threads: threads) { _, r in
            l.filter(weight + r.lowerBound * cg * l.kernel * l.kernel, r.count, cg, u + r.lowerBound * cg)
        }
    }
}
