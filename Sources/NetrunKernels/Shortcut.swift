// Darknet's shortcut: a residual sum whose added input may differ from the main one in
// height, width and channels (darknet's `shortcut_cpu` in src/blas.c, with its weights
// s1 = s2 = 1, the defaults Debian's cfgs use). Plain Swift loops: the op moves each value
// once, and only the downsampling blocks of a ResNet cfg use it; equal shapes are `add`.

/// The sizes of one shortcut over NCHW batches: main `[n, c, h, w]` (the output's shape)
/// and added `[n, addedC, addedH, addedW]`. Along each axis the added input is `stride`
/// times larger (every stride-th value is read) or `sample` times smaller (its values land
/// on every sample-th output position); `rows` and `cols` positions meet, `min(c, addedC)`
/// channels.
public struct ShortcutGeometry: Sendable, Equatable {
    public var n, c, h, w: Int
    public var addedC, addedH, addedW: Int
    public var strideH, strideW, sampleH, sampleW: Int
    public var rows, cols: Int

    public init(n: Int, c: Int, h: Int, w: Int, addedC: Int, addedH: Int, addedW: Int,
                strideH: Int, strideW: Int, sampleH: Int, sampleW: Int, rows: Int, cols: Int) {
        (self.n, self.c, self.h, self.w) = (n, c, h, w)
        (self.addedC, self.addedH, self.addedW) = (addedC, addedH, addedW)
        (self.strideH, self.strideW, self.sampleH, self.sampleW) = (strideH, strideW, sampleH, sampleW)
        (self.rows, self.cols) = (rows, cols)
    }

    /// Channels that meet: the main input's others pass unchanged, the added input's others are dropped.
    public var channels: Int { min(c, addedC) }

    /// The kernel's contract: every position read or written lies inside its tensor.
    var isValid: Bool {
        n >= 1 && c >= 1 && h >= 1 && w >= 1 && addedC >= 1 && addedH >= 1 && addedW >= 1
            && strideH >= 1 && strideW >= 1 && sampleH >= 1 && sampleW >= 1 && rows >= 1 && cols >= 1
            && (rows - 1) * strideH < addedH && (cols - 1) * strideW < addedW
            && (rows - 1) * sampleH < h && (cols - 1) * sampleW < w
    }
}

public enum Shortcut {
    /// `y = main`, then for `k < min(c, addedC)`, `j < rows`, `i < cols`:
    /// `y[b, k, j*sampleH, i*sampleW] += added[b, k, j*strideH, i*strideW]`.
    /// `y` may alias `main`. Planes `(b, k)` of the output are split over `threads`.
    public static func forward(_ g: ShortcutGeometry, main: UnsafePointer<Float>, added: UnsafePointer<Float>,
                               output y: UnsafeMutablePointer<Float>, threads: Int = Parallel.processorCount) {
        precondition(g.isValid, "Shortcut: sizes outside the tensors")
        let plane = g.h * g.w, addedPlane = g.addedH * g.addedW, planes = g.n * g.c
        let copy = UnsafePointer(y) != main
        Parallel.forEachPart(count: planes, threads: Parallel.elementwiseThreads(planes * plane, threads)) { _, range in
            for p in range {
                let b = p / g.c, k = p % g.c
                let yp = y + p * plane
                if copy { yp.update(from: main + p * plane, count: plane) }
                guard k < g.addedC else { continue }
                let ap = added + (b * g.addedC + k) * addedPlane
                for j in 0 ..< g.rows {
                    let yr = yp + j * g.sampleH * g.w, ar = ap + j * g.strideH * g.addedW
                    for i in 0 ..< g.cols { yr[i * g.sampleW] += ar[i * g.strideW] }
                }
            }
        }
    }

    /// The added input's gradient: `dAdded[b, k, j*strideH, i*strideW] = dy[b, k, j*sampleH, i*sampleW]`
    /// where the forward read it, 0 elsewhere (overwritten); or those values added to `dAdded`
    /// when `accumulate`. (The main input's gradient is `dy` itself: `Add.backward`.)
    /// Planes of the added input are split over `threads`.
    public static func backwardAdded(_ g: ShortcutGeometry, outputGradient dy: UnsafePointer<Float>,
                                     addedGradient da: UnsafeMutablePointer<Float>, accumulate: Bool = false,
                                     threads: Int = Parallel.processorCount) {
        precondition(g.isValid, "Shortcut: sizes outside the tensors")
        let plane = g.h * g.w, addedPlane = g.addedH * g.addedW, planes = g.n * g.addedC
        Parallel.forEachPart(count: planes, threads: Parallel.elementwiseThreads(planes * addedPlane, threads)) { _, range in
            for p in range {
                let b = p / g.addedC, k = p % g.addedC
                let ap = da + p * addedPlane
                if !accumulate { ap.update(repeating: 0, count: addedPlane) }
                guard k < g.c else { continue }
                let yp = dy + (b * g.c + k) * plane
                for j in 0 ..< g.rows {
                    let yr = yp + j * g.sampleH * g.w, ar = ap + j * g.strideH * g.addedW
                    for i in 0 ..< g.cols { ar[i * g.strideW] += yr[i * g.sampleW] }
                }
            }
        }
    }
}
