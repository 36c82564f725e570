import Foundation
import NetrunFormats

/// The principal components of the training set's RGB values, for Krizhevsky et al.'s
/// "fancy PCA" color noise: every pixel of an image gets `[p1 p2 p3] [a1 l1, a2 l2, a3 l3]^T`
/// added, with `p_i`, `l_i` the eigenvectors and eigenvalues of the 3 x 3 covariance of RGB
/// values over all pixels of the training set, and `a_i ~ N(0, std)` drawn once per image
/// and epoch.
///
/// Values are in the units of `pixel / scale` (the config's `scale`), the units the noise is
/// added in before the mean and std are applied.
public struct ColorPCA: Equatable, Sendable {
    /// `l1 >= l2 >= l3`.
    public var eigenvalues: [Float]
    /// Row-major 3 x 3; column `j` is the unit eigenvector of `eigenvalues[j]`.
    public var eigenvectors: [Float]

    public init(eigenvalues: [Float], eigenvectors: [Float]) {
        precondition(eigenvalues.count == 3 && eigenvectors.count == 9, "ColorPCA: 3 eigenvalues and a 3x3 matrix")
        self.eigenvalues = eigenvalues
        self.eigenvectors = eigenvectors
    }

    /// The per-channel offset for the draws `alphas` (each `N(0, std)`).
    public func offset(alphas: (Float, Float, Float)) -> (Float, Float, Float) {
        let a = [alphas.0 * eigenvalues[0], alphas.1 * eigenvalues[1], alphas.2 * eigenvalues[2]]
        func row(_ r: Int) -> Float { eigenvectors[3 * r] * a[0] + eigenvectors[3 * r + 1] * a[1] + eigenvectors[3 * r + 2] * a[2] }
        return (row(0), row(1), row(2))
    }

    /// The covariance of the RGB values of every pixel of `dataset` (divided by `scale`) and its eigen-decomposition.
    public static func compute(_ dataset: Dataset, scale: Double) throws(FileError) -> ColorPCA {
        guard dataset.channels == 3 else {
            throw FileError(path: dataset.origin, kind: .mismatch, message: "PCA color noise needs RGB images; these have \(dataset.channels) channel(s)")
        }
        let covariance = Self.covariance(dataset, scale: scale)
        let (values, vectors) = symmetricEigen3(covariance)
        return ColorPCA(eigenvalues: values.map { Float(max($0, 0)) }, eigenvectors: vectors.map(Float.init))
    }

    /// Row-major 3 x 3 covariance of the pixels' (R, G, B) / scale.
    static func covariance(_ dataset: Dataset, scale: Double) -> [Double] {
        var sum = [Double](repeating: 0, count: 3), products = [Double](repeating: 0, count: 9)
        let plane = dataset.shape[1] * dataset.shape[2]
        func accumulate<P: PixelValue>(_ p: UnsafeBufferPointer<P>) {
            for e in 0 ..< dataset.count {
                // Per image in Double, then into the totals: no float drift over millions of pixels.
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, p00 = 0.0, p01 = 0.0, p02 = 0.0, p11 = 0.0, p12 = 0.0, p22 = 0.0
                let base = e * 3 * plane
                for i in 0 ..< plane {
                    let r = Double(p[base + i].floatValue), g = Double(p[base + plane + i].floatValue), b = Double(p[base + 2 * plane + i].floatValue)
                    s0 += r; s1 += g; s2 += b
                    p00 += r * r; p01 += r * g; p02 += r * b; p11 += g * g; p12 += g * b; p22 += b * b
                }
                sum[0] += s0; sum[1] += s1; sum[2] += s2
                products[0] += p00; products[1] += p01; products[2] += p02; products[4] += p11; products[5] += p12; products[8] += p22
            }
        }
        switch dataset.pixels {
        case .bytes(let b): b.withUnsafeBufferPointer { accumulate($0) }
        case .floats(let f): f.withUnsafeBufferPointer { accumulate($0) }
        }
        let n = Double(dataset.count * plane)
        var c = [Double](repeating: 0, count: 9)
        for i in 0 ..< 3 {
            for j in i ..< 3 {
                let v = (products[3 * i + j] / n - (sum[i] / n) * (sum[j] / n)) / (scale * scale)
                c[3 * i + j] = v
                c[3 * j + i] = v
            }
        }
        return c
    }

    // MARK: - The cache in the run directory

    /// Stored as a float32 .npy of shape (4, 3): the eigenvalues, then the eigenvector matrix.
    public func write(to path: String) throws(FileError) {
        do {
            try NPY.write(NPYArray(shape: [4, 3], values: eigenvalues + eigenvectors), to: path)
        } catch {
            throw FileError(path: path, kind: .io, message: "cannot write the PCA cache: \(error)")
        }
    }

    public static func read(path: String) throws(FileError) -> ColorPCA {
        let array: NPYArray
        do {
            array = try NPY.read(path: path)
        } catch let e as FileError {
            throw FileError(path: path, kind: .format, message: e.message)
        } catch {
            throw FileError(path: path, kind: .io, message: "\(error)")
        }
        guard array.shape == [4, 3] else {
            throw FileError(path: path, kind: .format, message: "a PCA cache holds a (4, 3) array, found shape \(shapeText(array.shape))")
        }
        guard array.values.allSatisfy({ $0.isFinite }), array.values.prefix(3).allSatisfy({ $0 >= 0 }) else {
            throw FileError(path: path, kind: .value, message: "the PCA cache holds negative eigenvalues or values that are not finite")
        }
        return ColorPCA(eigenvalues: Array(array.values.prefix(3)), eigenvectors: Array(array.values.suffix(9)))
    }

    /// The cache at `path` if it exists, else computed from `dataset` and written there.
    public static func cached(_ dataset: Dataset, scale: Double, path: String) throws(FileError) -> ColorPCA {
        if FileManager.default.fileExists(atPath: path) { return try read(path: path) }
        let pca = try compute(dataset, scale: scale)
        try pca.write(to: path)
        return pca
    }
}

/// Eigenvalues (descending) and eigenvectors (columns of a row-major 3 x 3) of a symmetric
/// 3 x 3 matrix, by cyclic Jacobi rotations.
func symmetricEigen3(_ m: [Double]) -> (values: [Double], vectors: [Double]) {
    var a = m
    var v: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    for _ in 0 ..< 50 {
        let off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5]
        if off < 1e-30 * max(1e-300, a[0] * a[0] + a[4] * a[4] + a[8] * a[8]) { break }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] where a[3 * p + q] != 0 {
            let apq = a[3 * p + q]
            let theta = (a[3 * q + q] - a[3 * p + p]) / (2 * apq)
            let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
            let c = 1 / (t * t + 1).squareRoot(), s = t * c
            // a = J^T a J, with J the rotation in the (p, q) plane.
            for k in 0 ..< 3 {
                let akp = a[3 * k + p], akq = a[3 * k + q]
                a[3 * k + p] = c * akp - s * akq
                a[3 * k + q] = s * akp + c * akq
            }
            for k in 0 ..< 3 {
                let apk = a[3 * p + k], aqk = a[3 * q + k]
                a[3 * p + k] = c * apk - s * aqk
                a[3 * q + k] = s * apk + c * aqk
            }
            for k in 0 ..< 3 {
                let vkp = v[3 * k + p], vkq = v[3 * k + q]
                v[3 * k + p] = c * vkp - s * vkq
                v[3 * k + q] = s * vkp + c * vkq
            }
        }
    }
    let order = [0, 1, 2].sorted { a[4 * $0] > a[4 * $1] }
    var vectors = [Double](repeating: 0, count: 9)
    for (j, col) in order.enumerated() {
        for r in 0 ..< 3 { vectors[3 * r + j] = v[3 * r + col] }
    }
    return (order.map { a[4 * $0] }, vectors)
}
