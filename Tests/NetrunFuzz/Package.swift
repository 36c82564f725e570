// swift-tools-version:6.0
// libFuzzer targets for netrun's readers of untrusted bytes. A package of its own, so that
// the root package's `swift build` and `swift test` neither see nor build them; `.ci/fuzz`
// builds it with libFuzzer and AddressSanitizer into `.build-fuzz`. It is named
// NetrunFuzz, not Fuzz: a path dependency whose directory name equals this package's
// (a checkout named `fuzz`) would be taken for the package itself.
import PackageDescription

let package = Package(
    name: "netrun-fuzz",
    dependencies: [
        .package(name: "netrun", path: "../.."),
    ],
    targets: [
        // YAML bytes -> config, diagnostics (rendered), graph, DOT.
        .executableTarget(name: "fuzz-config", dependencies: [
            .product(name: "NetrunConfig", package: "netrun"),
            .product(name: "NetrunGraph", package: "netrun"),
        ], path: "Sources/FuzzConfig"),
        // Bytes -> Safetensors.parse, and encode/parse of what it accepts.
        .executableTarget(name: "fuzz-safetensors", dependencies: [
            .product(name: "NetrunFormats", package: "netrun"),
        ], path: "Sources/FuzzSafetensors"),
        // Bytes -> NPY.parse, and encode/parse of what it accepts.
        .executableTarget(name: "fuzz-npy", dependencies: [
            .product(name: "NetrunFormats", package: "netrun"),
        ], path: "Sources/FuzzNPY"),
        // Input splitting and the checks the reader targets share.
        .target(name: "FuzzSupport", dependencies: [
            .product(name: "NetrunConfig", package: "netrun"),
            .product(name: "NetrunData", package: "netrun"),
            .product(name: "NetrunInterchange", package: "netrun"),
        ], path: "Sources/FuzzSupport"),
        // Two IDX files (plain or gzip) -> IDX.load.
        .executableTarget(name: "fuzz-idx", dependencies: [
            "FuzzSupport", .product(name: "NetrunData", package: "netrun"),
            .product(name: "NetrunFormats", package: "netrun"),
        ], path: "Sources/FuzzIDX"),
        // Two CIFAR-10/100 batch files -> CIFAR.load.
        .executableTarget(name: "fuzz-cifar", dependencies: [
            "FuzzSupport", .product(name: "NetrunConfig", package: "netrun"), .product(name: "NetrunData", package: "netrun"),
            .product(name: "NetrunFormats", package: "netrun"),
        ], path: "Sources/FuzzCIFAR"),
        // A JPEG or PNG file -> ImageFolder.prepared (decode, resize, crop, planes).
        .executableTarget(name: "fuzz-image", dependencies: [
            "FuzzSupport", .product(name: "NetrunData", package: "netrun"),
            .product(name: "NetrunFormats", package: "netrun"),
        ], path: "Sources/FuzzImage"),
        // A net prototxt and a solver -> CaffeImporter.importNet.
        .executableTarget(name: "fuzz-caffe", dependencies: [
            "FuzzSupport", .product(name: "NetrunInterchange", package: "netrun"),
        ], path: "Sources/FuzzCaffe"),
        // A Darknet cfg -> DarknetImporter.importCfg.
        .executableTarget(name: "fuzz-darknet", dependencies: [
            "FuzzSupport", .product(name: "NetrunInterchange", package: "netrun"),
        ], path: "Sources/FuzzDarknet"),
        // A metrics.jsonl file -> MetricsLog.read and resumeLength.
        .executableTarget(name: "fuzz-metrics", dependencies: [
            "FuzzSupport", .product(name: "NetrunRunner", package: "netrun"),
        ], path: "Sources/FuzzMetrics"),
        // A TensorBoard event file -> TensorBoardSink.resumeLength.
        .executableTarget(name: "fuzz-events", dependencies: [
            "FuzzSupport", .product(name: "NetrunRunner", package: "netrun"),
        ], path: "Sources/FuzzEvents"),
        // The run state's JSON in state.safetensors -> CheckpointFiles.load.
        .executableTarget(name: "fuzz-runstate", dependencies: [
            "FuzzSupport", .product(name: "NetrunFormats", package: "netrun"), .product(name: "NetrunRunner", package: "netrun"),
        ], path: "Sources/FuzzRunState"),
    ]
)
