import Foundation
import NetrunConfig
import Testing
@testable import NetrunData

/// A float dataset whose pixel values are all distinct and nonzero, so a view identifies its source pixels.
func distinctDataset(count: Int, shape: [Int], classes: Int = 3) throws -> Dataset {
    let size = shape[0] * shape[1] * shape[2]
    let pixels = (0 ..< count * size).map { Float($0 + 1) }
    return try Dataset(origin: "distinct", shape: shape, pixels: .floats(pixels), labels: (0 ..< count).map { Int32($0 % classes) }, classes: classes)
}

/// The naive reference of one view: the stored image padded with `pad` black pixels, the
/// `H x W` window at (top, left), mirrored if asked, then `(p / scale - mean[c]) / std[c]`.
func naiveView(_ d: Dataset, example e: Int, top: Int, left: Int, pad: Int, mirrored: Bool, input: [Int],
               scale: Float, mean: [Float], std: [Float], color: [Float] = [0, 0, 0]) -> [Float] {
    guard case .floats(let px) = d.pixels else { return [] }
    let (c, hs, ws) = (d.shape[0], d.shape[1], d.shape[2])
    var out: [Float] = []
    for ch in 0 ..< c {
        for y in 0 ..< input[1] {
            for x in 0 ..< input[2] {
                let xx = mirrored ? input[2] - 1 - x : x
                let sy = top + y - pad, sx = left + xx - pad
                let raw: Float = sy >= 0 && sy < hs && sx >= 0 && sx < ws ? px[((e * c + ch) * hs + sy) * ws + sx] : 0
                out.append((raw / scale - mean[ch] + (c == 3 ? color[ch] : 0)) / std[ch])
            }
        }
    }
    return out
}

func close(_ a: ArraySlice<Float>, _ b: [Float], tolerance: Float = 1e-4) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
}

@Suite struct PreprocessingTests {
    @Test func randomCropsAndMirrorsAreExactlyPaddedWindowsWithEveryOffset() throws {
        let dir = try temporaryDirectory()
        let c = try config(dir, input: [1, 4, 4], classes: 3, data: "{format: synthetic, scale: 2, mean: 0.5, std: 4}",
                           augment: "[random_crop: {size: 4, pad: 2}, mirror: {p: 0.5}]")
        let train = try #require(c.train)
        let p = try Preprocessing(source: train.data, input: [1, 4, 4], augment: train.augment)
        let d = try distinctDataset(count: 16, shape: [1, 4, 4])
        let loader = try BatchLoader(dataset: d, preprocessing: p, batch: 8, shuffle: true, seed: 7, training: true)
        var offsets: [String: Int] = [:]
        var mirrored = 0, total = 0
        for batch in take(loader, 80) {
            for (i, e) in batch.indices.enumerated() {
                let got = batch.images[i * 16 ..< (i + 1) * 16]
                var matches: [(Int, Int, Bool)] = []
                for top in 0 ... 4 {
                    for left in 0 ... 4 {
                        for m in [false, true] where close(got, naiveView(d, example: e, top: top, left: left, pad: 2, mirrored: m, input: [1, 4, 4],
                                                                              scale: 2, mean: [0.5], std: [4])) {
                            matches.append((top, left, m))
                        }
                    }
                }
                try #require(matches.count == 1, "example \(e): \(matches.count) windows match")
                offsets["\(matches[0].0),\(matches[0].1)", default: 0] += 1
                if matches[0].2 { mirrored += 1 }
                total += 1
            }
        }
        // 640 draws over 25 offsets (25.6 each expected) and a fair coin.
        #expect(offsets.count == 25)
        #expect(offsets.values.allSatisfy { $0 >= 8 && $0 <= 50 }, "\(offsets)")
        #expect(abs(Double(mirrored) / Double(total) - 0.5) < 0.1, "\(mirrored) of \(total) mirrored")
    }

    @Test func mirrorProbabilitiesZeroAndOneAreNeverAndAlways() throws {
        let dir = try temporaryDirectory()
        let d = try distinctDataset(count: 6, shape: [1, 3, 3])
        for (p, expected) in [("0", false), ("1", true)] {
            let c = try config(dir, input: [1, 3, 3], classes: 3, data: "{format: synthetic}", augment: "[mirror: {p: \(p)}]")
            let pre = try Preprocessing(source: try #require(c.train?.data), input: [1, 3, 3], augment: try #require(c.train?.augment))
            let loader = try BatchLoader(dataset: d, preprocessing: pre, batch: 3, shuffle: true, seed: 1, training: true, prefetch: 0)
            for batch in take(loader, 4) {
                for (i, e) in batch.indices.enumerated() {
                    let want = naiveView(d, example: e, top: 0, left: 0, pad: 0, mirrored: expected, input: [1, 3, 3], scale: 1, mean: [0], std: [1])
                    #expect(close(batch.images[i * 9 ..< (i + 1) * 9], want))
                }
            }
        }
    }

    @Test func paddingIsBlackBeforeNormalization() throws {
        let dir = try temporaryDirectory()
        // A 1x1 image padded by 1 into a 3x3 crop: at least 5 of the 9 pixels are padding.
        let c = try config(dir, input: [1, 3, 3], classes: 2, data: "{format: synthetic, scale: 255, mean: 0.25, std: 0.5}",
                           augment: "[random_crop: {size: 3, pad: 1}]")
        let d = try Dataset(origin: "one", shape: [1, 1, 1], pixels: .bytes([200]), labels: [1], classes: 2)
        let pre = try Preprocessing(source: try #require(c.train?.data), input: [1, 3, 3], augment: try #require(c.train?.augment))
        let loader = try BatchLoader(dataset: d, preprocessing: pre, batch: 1, shuffle: false, seed: 0, training: true, prefetch: 0)
        let b = try #require(loader.next())
        let black: Float = (0 - 0.25) / 0.5, pixel: Float = (200 / 255 - 0.25) / 0.5
        #expect(b.images.filter { abs($0 - black) < 1e-6 }.count == 8)
        #expect(b.images.filter { abs($0 - pixel) < 1e-6 }.count == 1)
    }

    @Test func perChannelMeanAndStdNormalizeEachChannel() throws {
        let dir = try temporaryDirectory()
        let c = try config(dir, input: [3, 2, 2], classes: 3, data: "{format: synthetic, scale: 10, mean: [1, 2, 3], std: [0.5, 2, 4]}")
        let d = try distinctDataset(count: 2, shape: [3, 2, 2])
        let pre = try Preprocessing(source: try #require(c.eval?.data), input: [3, 2, 2])
        let b = try #require(try BatchLoader(dataset: d, preprocessing: pre, batch: 2, shuffle: false, seed: 0, training: false).next())
        for e in 0 ..< 2 {
            let want = naiveView(d, example: e, top: 0, left: 0, pad: 0, mirrored: false, input: [3, 2, 2], scale: 10, mean: [1, 2, 3], std: [0.5, 2, 4])
            #expect(close(b.images[e * 12 ..< (e + 1) * 12], want))
        }
    }

    @Test func aMeanWithTheWrongChannelCountNamesTheDataSection() throws {
        let dir = try temporaryDirectory()
        let c = try config(dir, input: [3, 2, 2], classes: 3, data: "{format: synthetic, mean: [1, 2]}")
        let data = try #require(c.train?.data)
        let e = try #require(dataError { _ = try Preprocessing(source: data, input: [3, 2, 2]) })
        #expect(e.description == "\(data.location): error: mean has 2 values; the model's input has 3 channels")
        #expect(e.description.hasPrefix(dir + "/net.yaml:"))
    }

    @Test func perPixelMeanIsTheTrainingSetsMeanImage() throws {
        let dir = try temporaryDirectory()
        let px: [UInt8] = [10, 20, 30, 40, 0, 0, 90, 200, 50, 100, 0, 255]
        let d = try Dataset(origin: "m", shape: [1, 2, 2], pixels: .bytes(px), labels: [0, 1, 0], classes: 2)
        let naive = (0 ..< 4).map { i in Float((0 ..< 3).map { Int(px[$0 * 4 + i]) }.reduce(0, +)) / 3 }
        let mean = d.meanImage()
        #expect(close(mean[...], naive, tolerance: 1e-6))
        let c = try config(dir, input: [1, 2, 2], classes: 2, data: "{format: synthetic, scale: 2, mean: per_pixel, std: 0.5}")
        let data = try #require(c.eval?.data)
        #expect(dataError { _ = try Preprocessing(source: data, input: [1, 2, 2]) }?.message.contains("per_pixel needs") == true)
        let pre = try Preprocessing(source: data, input: [1, 2, 2], meanImage: mean)
        let batch = try #require(try BatchLoader(dataset: d, preprocessing: pre, batch: 3, shuffle: false, seed: 0, training: false).next())
        let want = (0 ..< 12).map { (Float(px[$0]) - naive[$0 % 4]) / 2 / 0.5 }
        #expect(close(batch.images[...], want, tolerance: 1e-5))
    }

    @Test func tenCropGivesTheCornersAndCenterThenTheirMirrorsConsecutively() throws {
        let dir = try temporaryDirectory()
        let c = try config(dir, input: [1, 3, 4], classes: 3, data: "{format: synthetic}", views: "ten_crop")
        let d = try distinctDataset(count: 3, shape: [1, 5, 6])
        let pre = try Preprocessing(source: try #require(c.eval?.data), input: [1, 3, 4], views: try #require(c.eval?.views))
        let loader = try BatchLoader(dataset: d, preprocessing: pre, batch: 2, shuffle: false, seed: 0, training: false)
        let batches = take(loader)
        #expect(batches.map(\.shape) == [[20, 1, 3, 4], [10, 1, 3, 4]])
        #expect(batches.map(\.views) == [10, 10])
        #expect(batches.flatMap(\.labels) == [0, 1, 2])
        // Offsets (top, left): corners of 5x6 for a 3x4 window, and the center (1, 1).
        let five = [(0, 0), (0, 2), (2, 0), (2, 2), (1, 1)]
        for (b, batch) in batches.enumerated() {
            for i in 0 ..< batch.count {
                let e = b * 2 + i
                for (k, (o, m)) in (five.map { ($0, false) } + five.map { ($0, true) }).enumerated() {
                    let want = naiveView(d, example: e, top: o.0, left: o.1, pad: 0, mirrored: m, input: [1, 3, 4], scale: 1, mean: [0], std: [1])
                    let start = (i * 10 + k) * 12
                    #expect(close(batch.images[start ..< start + 12], want), "example \(e) view \(k)")
                }
            }
        }
    }

    @Test func mirrorGivesTheCenterThenItsMirrorImage() throws {
        let dir = try temporaryDirectory()
        let c = try config(dir, input: [1, 3, 4], classes: 3, data: "{format: synthetic}", views: "mirror")
        let d = try distinctDataset(count: 3, shape: [1, 5, 6])
        let pre = try Preprocessing(source: try #require(c.eval?.data), input: [1, 3, 4], views: try #require(c.eval?.views))
        #expect(pre.evaluationViews == 2)
        let batches = take(try BatchLoader(dataset: d, preprocessing: pre, batch: 2, shuffle: false, seed: 0, training: false))
        #expect(batches.map(\.shape) == [[4, 1, 3, 4], [2, 1, 3, 4]])
        #expect(batches.map(\.views) == [2, 2])
        for (b, batch) in batches.enumerated() {
            for i in 0 ..< batch.count {
                for (k, mirrored) in [false, true].enumerated() {
                    let want = naiveView(d, example: b * 2 + i, top: 1, left: 1, pad: 0, mirrored: mirrored, input: [1, 3, 4], scale: 1,
                                         mean: [0], std: [1])
                    let start = (i * 2 + k) * 12
                    #expect(close(batch.images[start ..< start + 12], want), "example \(b * 2 + i) view \(k)")
                }
            }
        }
        // The mirror is the center read right to left: not the center itself.
        #expect(batches[0].images[0 ..< 12] != batches[0].images[12 ..< 24])
    }

    @Test func centerViewCropsTheMiddleOfALargerImage() throws {
        let dir = try temporaryDirectory()
        let c = try config(dir, input: [1, 2, 2], classes: 3, data: "{format: synthetic}")
        let d = try distinctDataset(count: 1, shape: [1, 4, 5])
        let pre = try Preprocessing(source: try #require(c.eval?.data), input: [1, 2, 2])
        let b = try #require(try BatchLoader(dataset: d, preprocessing: pre, batch: 1, shuffle: false, seed: 0, training: false).next())
        // torchvision: round((4 - 2) / 2) = 1, round((5 - 2) / 2) = round(1.5) = 2.
        #expect(b.images == naiveView(d, example: 0, top: 1, left: 2, pad: 0, mirrored: false, input: [1, 2, 2], scale: 1, mean: [0], std: [1]))
        // Training without random_crop takes the same central window.
        let t = try #require(try BatchLoader(dataset: d, preprocessing: pre, batch: 1, shuffle: true, seed: 3, training: true).next())
        #expect(t.images == b.images)
    }

    @Test func imagesSmallerThanTheInputAreRefused() throws {
        let dir = try temporaryDirectory()
        let c = try config(dir, input: [1, 4, 4], classes: 3, data: "{format: synthetic}", augment: "[random_crop: {size: 4, pad: 1}]")
        let d = try distinctDataset(count: 2, shape: [1, 3, 3])
        let pre = try Preprocessing(source: try #require(c.train?.data), input: [1, 4, 4], augment: try #require(c.train?.augment))
        let e = try #require(dataError { _ = try BatchLoader(dataset: d, preprocessing: pre, batch: 1, shuffle: true, seed: 0, training: false) })
        #expect(e.description == "distinct: error: images are 3x3, smaller than the model's input 4x4")
        // Padding makes them large enough for training crops.
        #expect(try BatchLoader(dataset: d, preprocessing: pre, batch: 1, shuffle: true, seed: 0, training: true).next() != nil)
    }
}
