import CTurboJPEG
import Foundation
import NetrunConfig
import Testing
@testable import NetrunData

@Suite struct ImageFolderTests {
    /// Interleaved RGB of a `w x h` image with distinct values.
    func rgb(_ w: Int, _ h: Int, _ seed: Int = 0) -> [UInt8] { (0 ..< w * h * 3).map { UInt8(truncatingIfNeeded: $0 * 11 + seed * 5 + 3) } }

    /// Planes (`C x H x W`) of interleaved RGB.
    func planes(_ px: [UInt8], _ w: Int, _ h: Int) -> [UInt8] {
        (0 ..< 3).flatMap { c in (0 ..< w * h).map { px[$0 * 3 + c] } }
    }

    @Test func classesAreSortedFolderNamesAndPNGDecodesExactly() throws {
        let dir = try temporaryDirectory()
        let a = rgb(3, 2, 1), b = rgb(3, 2, 2), c = rgb(3, 2, 3)
        try write(png(width: 3, height: 2, channels: 3, pixels: a), to: dir + "/root/zebra/1.png")
        try write(png(width: 3, height: 2, channels: 3, pixels: c), to: dir + "/root/ant/b.PNG")
        try write(png(width: 3, height: 2, channels: 3, pixels: b), to: dir + "/root/ant/a.png")
        try write(Array("not an image".utf8), to: dir + "/root/ant/notes.txt")
        try write(Array("hidden".utf8), to: dir + "/root/.cache/x.png")
        let s = try source(dir, input: [3, 2, 3], classes: 3, data: "{format: folder, root: root}")
        let d = try Dataset.open(s, classes: 3, input: [3, 2, 3])
        #expect(d.labels == [0, 0, 1])
        #expect(d.shape == [3, 2, 3])
        #expect(d.pixels == .bytes(planes(b, 3, 2) + planes(c, 3, 2) + planes(a, 3, 2)))
        #expect(d.origin == dir + "/root")
    }

    @Test func grayAndRGBConvertToTheModelsChannels() throws {
        let dir = try temporaryDirectory()
        let gray: [UInt8] = [0, 50, 100, 200]
        let color: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        try write(png(width: 2, height: 2, channels: 1, pixels: gray), to: dir + "/r/a/g.png")
        try write(png(width: 2, height: 2, channels: 3, pixels: color), to: dir + "/r/a/h.png")
        let s = try source(dir, input: [1, 2, 2], classes: 1, data: "{format: folder, root: r}")
        let one = try Dataset.open(s, classes: 1, input: [1, 2, 2])
        // ITU-R 601 luma: 0.299 R + 0.587 G + 0.114 B, rounded.
        let luma = [76, 150, 29, 18].map(UInt8.init)
        #expect(one.pixels == .bytes(gray + luma))
        let three = try Dataset.open(s, classes: 1, input: [3, 2, 2])
        #expect(three.pixels == .bytes(gray + gray + gray + planes(color, 2, 2)))
    }

    @Test func jpegDecodesCloseToTheEncodedPixels() throws {
        let dir = try temporaryDirectory()
        // A smooth image: JPEG at quality 100 without subsampling keeps it within a few levels.
        let (w, h) = (16, 8)
        let px = (0 ..< w * h * 3).map { i -> UInt8 in
            let (p, c) = (i / 3, i % 3)
            return UInt8(30 + 6 * (p % w) + 10 * (p / w) + 20 * c)
        }
        try write(try jpeg(width: w, height: h, pixels: px), to: dir + "/r/only/x.jpg")
        let s = try source(dir, input: [3, 8, 16], classes: 2, data: "{format: folder, root: r}")
        let d = try Dataset.open(s, classes: 2, input: [3, 8, 16])
        guard case .bytes(let got) = d.pixels else { Issue.record("not bytes"); return }
        let want = planes(px, w, h)
        let worst = zip(got, want).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 3, "largest difference \(worst)")
    }

    @Test func downsizingByTwoAveragesEachTwoByTwoBlock() throws {
        let dir = try temporaryDirectory()
        let (w, h) = (8, 4)
        let px = rgb(w, h).map { $0 & 0xFC }        // multiples of 4: block means are exact
        try write(png(width: w, height: h, channels: 3, pixels: px), to: dir + "/r/a/x.png")
        let s = try source(dir, input: [3, 2, 2], classes: 1, data: "{format: folder, root: r, resize: 2, crop: 2}")
        let d = try Dataset.open(s, classes: 1, input: [3, 2, 2])
        // Resized to 2 x 4 (shorter side 2), then the central 2 x 2: columns 1 and 2 of 4.
        var want: [UInt8] = []
        for c in 0 ..< 3 {
            for y in 0 ..< 2 {
                for x in 1 ... 2 {
                    var sum = 0
                    for dy in 0 ..< 2 { for dx in 0 ..< 2 { sum += Int(px[((2 * y + dy) * w + 2 * x + dx) * 3 + c]) } }
                    want.append(UInt8((Double(sum) / 4).rounded()))
                }
            }
        }
        #expect(d.pixels == .bytes(want))
    }

    @Test func upsizingIsBilinearWithHalfPixelCenters() {
        // A 2-pixel row to 4: centers at -0.25, 0.25, 0.75, 1.25 in source pixels (clamped).
        let out = Resize.resample([0, 100], height: 1, width: 2, channels: 1, to: 1, 4)
        #expect(out == [0, 25, 75, 100])
        let axis = Resize.Axis(from: 3, to: 2)     // area: [0, 1.5) and [1.5, 3)
        #expect(axis.starts == [0, 1])
        #expect(Array(axis.weights.prefix(3)) == [Float(2) / 3, Float(1) / 3, 0])
    }

    @Test func resizeOnlyTakesTheCentralSquare() throws {
        let dir = try temporaryDirectory()
        try write(png(width: 6, height: 3, channels: 3, pixels: rgb(6, 3)), to: dir + "/r/a/x.png")
        let s = try source(dir, input: [3, 3, 3], classes: 1, data: "{format: folder, root: r, resize: 3}")
        let d = try Dataset.open(s, classes: 1, input: [3, 3, 3])
        let px = rgb(6, 3)
        var want: [UInt8] = []
        for c in 0 ..< 3 { for y in 0 ..< 3 { for x in 0 ..< 3 { want.append(px[(y * 6 + x + 2) * 3 + c]) } } }
        #expect(d.shape == [3, 3, 3])
        #expect(d.pixels == .bytes(want))
    }

    @Test func anImageThatDoesNotDecodeIsNamed() throws {
        let dir = try temporaryDirectory()
        try write(png(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4]), to: dir + "/r/a/good.png")
        let whole = png(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4])
        try write(Array(whole.prefix(40)), to: dir + "/r/b/cut.png")
        let s = try source(dir, input: [1, 2, 2], classes: 2, data: "{format: folder, root: r}")
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 2, input: [1, 2, 2]) })
        #expect(e.description.hasPrefix("\(dir)/r/b/cut.png: error: PNG does not decode"))

        try FileManager.default.removeItem(atPath: dir + "/r/b/cut.png")
        try write(Array("GIF89a....".utf8), to: dir + "/r/b/fake.jpg")
        let f = try #require(dataError { _ = try Dataset.open(s, classes: 2, input: [1, 2, 2]) })
        #expect(f.description == "\(dir)/r/b/fake.jpg: error: is neither a JPEG nor a PNG image (unknown magic bytes)")

        let j = try jpeg(width: 8, height: 8, pixels: rgb(8, 8))
        try FileManager.default.removeItem(atPath: dir + "/r/b/fake.jpg")
        try write(Array(j.prefix(j.count / 2)), to: dir + "/r/b/half.jpg")
        let g = try #require(dataError { _ = try Dataset.open(s, classes: 2, input: [1, 2, 2]) })
        #expect(g.description.hasPrefix("\(dir)/r/b/half.jpg: error: JPEG does not decode"))
    }

    @Test func imagesOfDifferentSizesNeedResize() throws {
        let dir = try temporaryDirectory()
        try write(png(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4]), to: dir + "/r/a/1.png")
        try write(png(width: 3, height: 2, channels: 1, pixels: [1, 2, 3, 4, 5, 6]), to: dir + "/r/a/2.png")
        let s = try source(dir, input: [1, 2, 2], classes: 1, data: "{format: folder, root: r}")
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 1, input: [1, 2, 2]) })
        #expect(e.path == dir + "/r/a/2.png")
        #expect(e.message.hasPrefix("is 3x2 after resizing and cropping, but \(dir)/r/a/1.png is 2x2"))
    }

    @Test func aMissingRootMoreClassesThanTheModelAndNoImagesAreErrors() throws {
        let dir = try temporaryDirectory()
        let s = try source(dir, input: [1, 2, 2], classes: 1, data: "{format: folder, root: absent}")
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 1, input: [1, 2, 2]) })
        #expect(e.description == "\(dir)/absent: error: no such directory")
        for name in ["a", "b"] { try write(Array("x".utf8), to: "\(dir)/r/\(name)/readme.txt") }
        let r = try source(dir, input: [1, 2, 2], classes: 1, data: "{format: folder, root: r}")
        let m = try #require(dataError { _ = try Dataset.open(r, classes: 1, input: [1, 2, 2]) })
        #expect(m.description == "\(dir)/r: error: has 2 class folders; the model has 1 classes")
        let n = try #require(dataError { _ = try Dataset.open(r, classes: 2, input: [1, 2, 2]) })
        #expect(n.description == "\(dir)/r: error: has no .jpg, .jpeg or .png images in its class folders")
    }

    @Test func anAbsurdImageSizeIsRefusedBeforeDecoding() throws {
        var bytes = png(width: 1, height: 1, channels: 1, pixels: [0])
        // IHDR width at bytes 16..<20: 100000 wide.
        bytes.replaceSubrange(16 ..< 20, with: bigEndian(100_000))
        bytes.replaceSubrange(29 ..< 33, with: bigEndian(crc32(Array(bytes[12 ..< 29]))))
        let e = try #require(dataError { _ = try ImageDecoding.decode(bytes, path: "big.png") })
        #expect(e.path == "big.png")
    }

    /// A JPEG cut after 20 bytes, or a JPEG header then random bytes: "does not decode", not
    /// "image is 0x0"; a CMYK JPEG is named as CMYK.
    @Test func cutGarbledAndCMYKJPEGsAreNamedForWhatTheyAre() throws {
        let whole = try jpeg(width: 8, height: 8, pixels: rgb(8, 8))
        // Fixed pseudo-random bytes (a multiplicative sequence), so a failure reproduces.
        let garbled = Array(whole.prefix(20)) + (0 ..< 200).map { UInt8(truncatingIfNeeded: $0 &* 73 &+ 41) }
        for bytes in [Array(whole.prefix(20)), garbled] {
            let e = try #require(dataError { _ = try ImageDecoding.decode(bytes, path: "x.jpg") })
            #expect(e.description.hasPrefix("x.jpg: error: JPEG does not decode"), "\(e)")
            #expect(!e.message.contains("0x0"), "\(e)")
        }
        let handle = try #require(tjInitCompress())
        defer { tjDestroy(handle) }
        var out: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let cmyk = [UInt8](repeating: 40, count: 8 * 8 * 4)
        let status = cmyk.withUnsafeBufferPointer {
            tjCompress2(handle, $0.baseAddress, 8, 0, 8, Int32(TJPF_CMYK.rawValue), &out, &size, Int32(TJSAMP_444.rawValue), 90, 0)
        }
        defer { tjFree(out) }
        try #require(status == 0 && out != nil, "tjCompress2 (CMYK) failed")
        let bytes = Array(UnsafeBufferPointer(start: out, count: Int(size)))
        let c = try #require(dataError { _ = try ImageDecoding.decode(bytes, path: "c.jpg") })
        #expect(c.description.hasPrefix("c.jpg: error: is a CMYK JPEG; netrun decodes grayscale and RGB JPEGs"), "\(c)")
    }
}
