// swift-tools-version:6.0
// netrun: a declarative network-config interpreter.
// Stages, each depending only on those before it (the arrows are the targets' dependencies):
//   CYAML -> NetrunConfig -> NetrunGraph
//   NetrunKernels (CNetrunKernels: the SIMD loops, the BLAS) and NetrunFormats (CZlib:
//     safetensors, npy, JSON, file reads and writes, system calls, the seeded generator
//     SplitMix64) depend on no stage
//   NetrunGraph, NetrunKernels, NetrunFormats -> NetrunBackend (plans, forward, backward)
//   NetrunConfig, NetrunFormats -> NetrunData (sources, augmentation, loader)
//   NetrunDistributed (one process, or MPI's ranks) depends on no stage
//   NetrunBackend, NetrunData, NetrunFormats, NetrunDistributed -> NetrunRunner (optimizers,
//     schedules, loop, metrics, the SVG chart)
//   NetrunConfig, NetrunGraph, NetrunFormats -> NetrunInterchange (Caffe and Darknet import,
//     ONNX export of a graph and its weights' tensors)
//   NetrunConfig, NetrunGraph, NetrunFormats -> NetrunLSP (the language server)
//   all of them -> NetrunCLI -> netrun
import Foundation
import PackageDescription

// Open MPI (Debian libopenmpi-dev) is built in when its pkg-config file is present, unless
// NETRUN_MPI=0: then `mpirun -np N netrun train` refuses to start and one process trains as usual.
let mpiPkgConfigFiles = ["x86_64-linux-gnu", "aarch64-linux-gnu", ""].map { "/usr/lib/\($0)/pkgconfig/ompi-c.pc" }
    + ["/usr/local/lib/pkgconfig/ompi-c.pc"]
let withMPI = ProcessInfo.processInfo.environment["NETRUN_MPI"] != "0"
    && mpiPkgConfigFiles.contains { FileManager.default.fileExists(atPath: $0) }

let package = Package(
    name: "netrun",
    products: [
        .executable(name: "netrun", targets: ["netrun"]),
        // For packages that build on the front-end, the formats and the readers (Tests/NetrunFuzz).
        .library(name: "NetrunConfig", targets: ["NetrunConfig"]),
        .library(name: "NetrunGraph", targets: ["NetrunGraph"]),
        .library(name: "NetrunFormats", targets: ["NetrunFormats"]),
        .library(name: "NetrunData", targets: ["NetrunData"]),
        .library(name: "NetrunRunner", targets: ["NetrunRunner"]),
        .library(name: "NetrunInterchange", targets: ["NetrunInterchange"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // TensorBoard event records (Sources/NetrunRunner/Generated, from Protos/).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // libyaml (Debian libyaml-dev), wrapped as a system library.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // zlib (Debian zlib1g-dev): `.gz` IDX files, and the CRC-32 of each tensor in a safetensors
        // file. libjpeg-turbo's TurboJPEG and libspng: folders of images.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CSPNG", pkgConfig: "spng", providers: [.apt(["libspng-dev"])]),
        // Open MPI (Debian libopenmpi-dev): data-parallel training under mpirun (see withMPI).
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        // The innermost loops, in C with AVX-512 and AVX2/FMA behind runtime CPU detection; and
        // OpenBLAS (Debian libopenblas0), dlopened there at first use with its kernels chosen
        // from the CPU's features (blas.c), for every matrix product.
        .target(name: "CNetrunKernels", linkerSettings: [.linkedLibrary("dl")]),

        .target(name: "NetrunConfig", dependencies: ["CYAML"]),
        .target(name: "NetrunGraph", dependencies: ["NetrunConfig"]),
        .target(name: "NetrunKernels", dependencies: ["CNetrunKernels"]),
        .target(name: "NetrunFormats", dependencies: ["CZlib"]),   // zlib's crc32: the checksums of safetensors files
        .target(name: "NetrunBackend", dependencies: ["NetrunGraph", "NetrunKernels", "NetrunFormats"]),
        .target(name: "NetrunData", dependencies: ["NetrunConfig", "NetrunFormats", "CZlib", "CTurboJPEG", "CSPNG"]),
        .target(name: "NetrunDistributed", dependencies: withMPI ? ["CMPI"] : [],
                swiftSettings: withMPI ? [.define("NETRUN_MPI")] : []),
        .target(name: "NetrunRunner", dependencies: [
            "NetrunBackend", "NetrunData", "NetrunFormats", "NetrunDistributed",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["Generated/tensorboard_event.proto"]),
        // Caffe and Darknet configs in, ONNX out (Sources/NetrunInterchange/Generated, from onnx.proto).
        .target(name: "NetrunInterchange", dependencies: [
            "NetrunConfig", "NetrunGraph", "NetrunFormats",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["Generated/onnx.proto"]),
        // `netrun lsp`: a language server (JSON-RPC over stdio, LSP 3.17) over the config and graph.
        .target(name: "NetrunLSP", dependencies: ["NetrunConfig", "NetrunGraph", "NetrunFormats"]),
        .target(name: "NetrunCLI", dependencies: [
            "NetrunConfig",
            "NetrunLSP",
            "NetrunGraph",
            "NetrunKernels",
            "NetrunFormats",
            "NetrunBackend",
            "NetrunData",
            "NetrunDistributed",
            "NetrunRunner",
            "NetrunInterchange",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "netrun", dependencies: ["NetrunCLI"]),

        .testTarget(name: "NetrunConfigTests", dependencies: ["NetrunConfig"]),
        .testTarget(name: "NetrunGraphTests", dependencies: ["NetrunGraph"]),
        .testTarget(name: "NetrunLSPTests", dependencies: ["NetrunLSP", "NetrunConfig", "NetrunGraph", "NetrunFormats"]),
        .testTarget(name: "NetrunKernelsTests", dependencies: ["NetrunKernels", "NetrunFormats"]),
        .testTarget(name: "NetrunFormatsTests", dependencies: ["NetrunFormats"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NetrunCLITests", dependencies: ["NetrunCLI", "NetrunDistributed", "NetrunBackend", "NetrunFormats", "NetrunGraph", "_NetrunTestSupport"]),
        .testTarget(name: "NetrunDataTests", dependencies: ["NetrunData", "NetrunConfig", "NetrunFormats", "CTurboJPEG", "_NetrunTestSupport"]),
        .testTarget(name: "NetrunRunnerTests", dependencies: ["NetrunRunner", "NetrunFormats", "_NetrunTestSupport"]),
        .testTarget(name: "NetrunDistributedTests", dependencies: ["NetrunDistributed"]),
        .testTarget(name: "NetrunInterchangeTests", dependencies: [
            "NetrunInterchange", "NetrunCLI", "NetrunRunner", "NetrunBackend", "NetrunFormats", "NetrunGraph", "NetrunConfig", "_NetrunTestSupport",
        ]),
        // Helpers and fixtures (PyTorch references, small configs) shared by the test targets.
        .target(name: "_NetrunTestSupport", dependencies: ["NetrunGraph", "NetrunCLI", "NetrunKernels"], path: "Tests/_NetrunTestSupport",
                resources: [.copy("Fixtures")]),
        .testTarget(name: "NetrunBackendTests", dependencies: ["NetrunBackend", "NetrunKernels", "NetrunFormats", "NetrunGraph", "_NetrunTestSupport"]),
    ]
)
