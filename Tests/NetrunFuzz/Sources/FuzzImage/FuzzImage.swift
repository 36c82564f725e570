import FuzzSupport
import NetrunData
import NetrunFormats

/// One input: three bytes of options, then an image file. Option byte 0: bit 0 gray (1
/// channel, else RGB), bit 1 resize, bit 2 center crop; byte 1: the resize side (1 + its
/// value mod 64); byte 2: the crop side (likewise). The file goes through
/// `ImageFolder.prepared`, as the folder loader reads each image: JPEG or PNG told by magic
/// bytes, decoded to RGB, resized, cropped, converted to planes. A FileError is the expected
/// outcome for most inputs; a trap, a sanitizer report, a hang or an allocation over the RSS
/// limit is a bug. What decodes must have the size asked for.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let options = input.byte(), resize = 1 + Int(input.byte() % 64), crop = 1 + Int(input.byte() % 64)
    let channels = options & 1 == 1 ? 1 : 3
    let geometry = ImageFolder.Geometry(resize: options & 2 != 0 ? resize : nil, crop: options & 4 != 0 ? crop : nil)
    let file = input.rest()
    let image: (height: Int, width: Int, planes: [UInt8])
    do {
        image = try ImageFolder.prepared("class/image.jpg", channels: channels, geometry: geometry) { _ throws(FileError) in file }
    } catch {
        rejected(error)
        return 0
    }
    require(image.planes.count == channels * image.height * image.width && image.height >= 1 && image.width >= 1,
            "an image of \(image.width)x\(image.height) has \(image.planes.count) values in \(channels) planes")
    if let crop = geometry.crop { require(image.height == crop && image.width == crop, "a \(crop)x\(crop) crop gave \(image.width)x\(image.height)") }
    if let side = geometry.resize, geometry.crop == nil {
        require(min(image.height, image.width) == side, "resizing the shorter side to \(side) gave \(image.width)x\(image.height)")
    }
    return 0
}
