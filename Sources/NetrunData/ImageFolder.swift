import Foundation
import NetrunFormats

/// A directory with one folder of JPEG/PNG images per class: classes are the folder names
/// sorted, label `i` the `i`-th; within a class, files are read sorted by name. Hidden
/// entries and files without a `.jpg`, `.jpeg` or `.png` extension are skipped.
public enum ImageFolder {
    /// Each image: shorter side resized to `resize` (when given), then the central
    /// `crop x crop` (when given); with neither, every image must have the first one's size.
    public struct Geometry: Equatable, Sendable {
        public var resize: Int?
        public var crop: Int?

        public init(resize: Int?, crop: Int?) {
            self.resize = resize
            self.crop = crop
        }
    }

    static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    static func load(root: String, channels: Int, geometry: Geometry, classes: Int) throws(FileError) -> Dataset {
        guard channels == 1 || channels == 3 else {
            throw FileError(path: root, kind: .mismatch, message: "images are gray or RGB; the model's input has \(channels) channels")
        }
        let classNames = try directories(in: root)
        guard !classNames.isEmpty else { throw FileError(path: root, kind: .io, message: "has no class folders (one folder of images per class)") }
        guard classNames.count <= classes else {
            throw FileError(path: root, kind: .label, message: "has \(classNames.count) class folders; the model has \(classes) classes")
        }
        var files: [(path: String, label: Int32)] = []
        for (label, name) in classNames.enumerated() {
            let dir = root + "/" + name
            for file in try entries(of: dir) where !file.hasPrefix(".") && extensions.contains((file as NSString).pathExtension.lowercased()) {
                files.append((dir + "/" + file, Int32(label)))
            }
        }
        guard let first = files.first else { throw FileError(path: root, kind: .io, message: "has no .jpg, .jpeg or .png images in its class folders") }
        var shape: [Int] = []
        var pixels: [UInt8] = []
        for (i, file) in files.enumerated() {
            let image = try prepared(file.path, channels: channels, geometry: geometry)
            if i == 0 {
                shape = [channels, image.height, image.width]
                guard let total = checkedProduct([files.count] + shape), total <= maximumPixelValues else {
                    throw FileError(path: root, kind: .setting, message: "\(files.count) images of \(shapeText(shape)) are more than \(maximumPixelValues) pixel values")
                }
                pixels.reserveCapacity(total)
            } else if image.height != shape[1] || image.width != shape[2] {
                throw FileError(path: file.path, kind: .mismatch,
                                message: "is \(image.width)x\(image.height) after resizing and cropping, but \(first.path) is \(shape[2])x\(shape[1]); give 'resize' (and 'crop') so that every image has one size")
            }
            pixels += image.planes
        }
        return try Dataset(origin: root, shape: shape, pixels: .bytes(pixels), labels: files.map(\.label), classes: classes)
    }

    /// One image decoded, resized, cropped and converted to `channels` planes (`C x H x W`);
    /// its bytes are read by `read` (the fuzz target passes its input's bytes).
    public static func prepared(_ path: String, channels: Int, geometry: Geometry,
                                read: (String) throws(FileError) -> [UInt8] = FileBytes.readRaw) throws(FileError) -> (height: Int, width: Int, planes: [UInt8]) {
        var image = try ImageDecoding.decode(try read(path), path: path)
        if let side = geometry.resize {
            let size = Resize.shorterSide(to: side, height: image.height, width: image.width)
            guard size.height <= ImageDecoding.maximumSide, size.width <= ImageDecoding.maximumSide, size.height * size.width <= ImageDecoding.maximumPixels else {
                throw FileError(path: path, kind: .setting, message: "resized to \(size.width)x\(size.height), beyond \(ImageDecoding.maximumSide) on a side or \(ImageDecoding.maximumPixels) pixels")
            }
            image = RGBImage(height: size.height, width: size.width,
                             pixels: Resize.resample(image.pixels, height: image.height, width: image.width, channels: 3, to: size.height, size.width))
        }
        var (top, left, height, width) = (0, 0, image.height, image.width)
        if let crop = geometry.crop {
            guard crop <= image.height, crop <= image.width else {
                throw FileError(path: path, kind: .mismatch, message: "is \(image.width)x\(image.height), smaller than the \(crop)x\(crop) crop")
            }
            (top, left, height, width) = (Resize.centerOffset(image.height, crop), Resize.centerOffset(image.width, crop), crop, crop)
        }
        return (height, width, planes(image, top: top, left: left, height: height, width: width, channels: channels))
    }

    /// A window of an interleaved RGB image as `channels` planes: RGB as it is, or gray by
    /// ITU-R 601 luma (the weights of PIL's `convert("L")`): `(299 R + 587 G + 114 B) / 1000`, rounded.
    static func planes(_ image: RGBImage, top: Int, left: Int, height: Int, width: Int, channels: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: channels * height * width)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let plane = height * width
                for y in 0 ..< height {
                    for x in 0 ..< width {
                        let s = ((top + y) * image.width + left + x) * 3
                        let d = y * width + x
                        if channels == 3 {
                            dst[d] = src[s]
                            dst[plane + d] = src[s + 1]
                            dst[2 * plane + d] = src[s + 2]
                        } else {
                            let luma = 299 * Int(src[s]) + 587 * Int(src[s + 1]) + 114 * Int(src[s + 2])
                            dst[d] = UInt8((luma + 500) / 1000)
                        }
                    }
                }
            }
        }
        return out
    }

    static func entries(of dir: String) throws(FileError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        } catch {
            var info = stat()
            let reason: String
            if stat(dir, &info) != 0 {
                reason = errno == ENOENT ? "no such directory" : "cannot be listed: \(systemReason(errno))"
            } else if FileKind(mode: info.st_mode) != .directory {
                reason = "is \(FileKind(mode: info.st_mode).phrase), not a directory"
            } else {
                reason = access(dir, R_OK | X_OK) == 0 ? "cannot be listed" : "cannot be listed: \(systemReason(errno))"
            }
            throw FileError(path: dir, kind: .io, message: reason)
        }
    }

    static func directories(in root: String) throws(FileError) -> [String] {
        try entries(of: root).filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
}
