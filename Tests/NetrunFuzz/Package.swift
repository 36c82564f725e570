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
    ]
)
