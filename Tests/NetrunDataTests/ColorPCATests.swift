import Foundation
import NetrunConfig
import Testing
@testable import NetrunData

@Suite struct ColorPCATests {
    /// RGB images with correlated channels: (t, t/2 + u, 200 - t) for random t, u.
    func correlated(count: Int) throws -> Dataset {
        var rng = SystemRandomNumberGenerator()
        var px: [UInt8] = []
        for _ in 0 ..< count {
            var planes = [[UInt8]](repeating: [], count: 3)
            for _ in 0 ..< 16 {
                let t = Int.random(in: 0 ... 200, using: &rng), u = Int.random(in: 0 ... 50, using: &rng)
                planes[0].append(UInt8(t)); planes[1].append(UInt8(t / 2 + u)); planes[2].append(UInt8(200 - t))
            }
            px += planes.flatMap { $0 }
        }
        return try Dataset(origin: "rgb", shape: [3, 4, 4], pixels: .bytes(px), labels: Array(repeating: 0, count: count), classes: 1)
    }

    /// The covariance of every pixel's (R, G, B) / scale, computed the plain way.
    func naiveCovariance(_ d: Dataset, scale: Double) -> [Double] {
        guard case .bytes(let px) = d.pixels else { return [] }
        var rows: [[Double]] = []
        for e in 0 ..< d.count {
            for i in 0 ..< 16 {
                var row: [Double] = []
                for c in 0 ..< 3 { row.append(Double(px[e * 48 + c * 16 + i]) / scale) }
                rows.append(row)
            }
        }
        let n = Double(rows.count)
        var mean = [0.0, 0.0, 0.0]
        for r in rows { for c in 0 ..< 3 { mean[c] += r[c] / n } }
        var cov = [Double](repeating: 0, count: 9)
        for r in rows { for k in 0 ..< 9 { cov[k] += (r[k / 3] - mean[k / 3]) * (r[k % 3] - mean[k % 3]) / n } }
        return cov
    }

    @Test func componentsAreTheEigenvectorsOfTheRGBCovariance() throws {
        let d = try correlated(count: 50)
        let cov = naiveCovariance(d, scale: 255)
        let pca = try ColorPCA.compute(d, scale: 255)
        let l = pca.eigenvalues.map(Double.init), v = pca.eigenvectors.map(Double.init)
        #expect(l[0] >= l[1] && l[1] >= l[2] && l[2] >= 0)
        #expect(abs(l.reduce(0, +) - (cov[0] + cov[4] + cov[8])) < 1e-5)
        for j in 0 ..< 3 {
            for r in 0 ..< 3 {
                let cv = (0 ..< 3).map { cov[3 * r + $0] * v[3 * $0 + j] }.reduce(0, +)
                #expect(abs(cv - l[j] * v[3 * r + j]) < 1e-5, "C v\(j) != l v\(j) in row \(r)")
            }
            for k in 0 ..< 3 {
                let dot = (0 ..< 3).map { v[3 * $0 + j] * v[3 * $0 + k] }.reduce(0, +)
                #expect(abs(dot - (j == k ? 1 : 0)) < 1e-5)
            }
        }
    }

    @Test func theCacheIsWrittenOnceThenRead() throws {
        let dir = try temporaryDirectory()
        let d = try correlated(count: 10)
        let path = dir + "/pca.npy"
        let first = try ColorPCA.cached(d, scale: 1, path: path)
        #expect(try ColorPCA.read(path: path) == first)
        // A different file at the path is what a later run gets: nothing is recomputed.
        let other = ColorPCA(eigenvalues: [3, 2, 1], eigenvectors: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        try other.write(to: path)
        #expect(try ColorPCA.cached(d, scale: 1, path: path) == other)
        try write([1, 2, 3], to: path)
        let e = try #require(dataError { _ = try ColorPCA.cached(d, scale: 1, path: path) })
        #expect(e.path == path)
    }

    @Test func noiseIsOneOffsetPerImageWithTheComponentsCovariance() throws {
        let dir = try temporaryDirectory()
        let c = try config(dir, input: [3, 2, 2], classes: 1, data: "{format: synthetic}", augment: "[pca_color: {std: 0.5}]")
        let s = 1 / Float(2).squareRoot()
        let pca = ColorPCA(eigenvalues: [4, 2, 1], eigenvectors: [s, -s, 0, s, s, 0, 0, 0, 1])
        let n = 4000
        let d = try Dataset(origin: "flat", shape: [3, 2, 2], pixels: .bytes(Array(repeating: 100, count: n * 12)),
                            labels: Array(repeating: 0, count: n), classes: 1)
        let pre = try Preprocessing(source: try #require(c.train?.data), input: [3, 2, 2], augment: try #require(c.train?.augment), pca: pca)
        let loader = try BatchLoader(dataset: d, preprocessing: pre, batch: 100, shuffle: true, seed: 5, training: true)
        var offsets: [[Double]] = []
        for b in take(loader, n / 100) {
            for i in 0 ..< b.count {
                let img = b.images[i * 12 ..< (i + 1) * 12].map { Double($0) - 100 }
                // The same offset on every pixel of a channel.
                for ch in 0 ..< 3 { #expect(Set(img[ch * 4 ..< ch * 4 + 4].map { ($0 * 1e4).rounded() }).count == 1) }
                offsets.append([img[0], img[4], img[8]])
            }
        }
        // Cov(P (a * l)) = P diag(l^2 std^2) P^T with std 0.5.
        let l: [Double] = [4, 2, 1], p = pca.eigenvectors.map(Double.init)
        for r in 0 ..< 3 {
            for k in 0 ..< 3 {
                let want = (0 ..< 3).map { p[3 * r + $0] * p[3 * k + $0] * l[$0] * l[$0] * 0.25 }.reduce(0, +)
                let got = offsets.map { $0[r] * $0[k] }.reduce(0, +) / Double(offsets.count)
                #expect(abs(got - want) < 0.08 * 4, "cov[\(r)][\(k)] = \(got), expected \(want)")
            }
            let mean = offsets.map { $0[r] }.reduce(0, +) / Double(offsets.count)
            #expect(abs(mean) < 0.1, "mean offset \(mean) in channel \(r)")
        }
    }

    @Test func pcaColorNeedsRGBAndItsComponents() throws {
        let dir = try temporaryDirectory()
        let gray = try config(dir, input: [1, 2, 2], classes: 1, data: "{format: synthetic}", augment: "[pca_color: {std: 0.1}]")
        let (gd, ga) = (try #require(gray.train?.data), try #require(gray.train?.augment))
        let g = try #require(dataError { _ = try Preprocessing(source: gd, input: [1, 2, 2], augment: ga) })
        #expect(g.message == "pca_color needs RGB input; the model's input has 1 channels")
        let rgb = try config(dir, input: [3, 2, 2], classes: 1, data: "{format: synthetic}", augment: "[pca_color: {std: 0.1}]")
        let (rd, ra) = (try #require(rgb.train?.data), try #require(rgb.train?.augment))
        let r = try #require(dataError { _ = try Preprocessing(source: rd, input: [3, 2, 2], augment: ra) })
        #expect(r.message.contains("needs the training set's components"))
        let gray1 = try distinctDataset(count: 1, shape: [1, 2, 2])
        let e = try #require(dataError { _ = try ColorPCA.compute(gray1, scale: 1) })
        #expect(e.path == "distinct")
    }
}
