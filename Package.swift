// swift-tools-version:6.0
import PackageDescription

// Data flows one way: ActivationCatalog → ActivationOracle → (kernels, verification, IO) → OracleCLI.
let package = Package(
    name: "activation-oracle",
    products: [
        .library(name: "ActivationCatalog", targets: ["ActivationCatalog"]),
        .library(name: "ActivationOracle", targets: ["ActivationOracle"]),
        .library(name: "ActivationKernels", targets: ["ActivationKernels"]),
        .library(name: "ActivationIO", targets: ["ActivationIO"]),
        // For other packages' tests: check a Swift implementation (scalar, buffer, backward) against the oracle.
        .library(name: "ActivationTesting", targets: ["ActivationTesting"]),
        .executable(name: "activation-oracle", targets: ["activation-oracle"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // `swift package generate-documentation --target ActivationTesting` (the DocC catalog).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // libmpfr (and libgmp) from the system: `apt-get install libmpfr-dev`.
        .systemLibrary(
            name: "CMPFR",
            pkgConfig: "mpfr",
            providers: [.apt(["libmpfr-dev", "libgmp-dev"])]
        ),
        // The catalog: activations, parameters, kinks and conventions, number formats. Pure Swift.
        .target(name: "ActivationCatalog"),
        // The correctly rounded reference (MPFR, Ziv's strategy over interval enclosures).
        .target(name: "ActivationOracle", dependencies: ["CMPFR", "ActivationCatalog"]),
        // Fast kernels (no MPFR): scalar and buffer forward, derivative and backward passes.
        // HardCases/: inputs where a kernel was once wrong, replayed by GateTests.
        .target(name: "ActivationKernels", dependencies: ["ActivationCatalog"], exclude: ["HardCases"]),
        // ULP metrics, input generators and the comparison of implementations with the oracle.
        .target(name: "ActivationVerification", dependencies: ["ActivationOracle", "ActivationKernels", "ActivationIO", "CSHA256"]),
        // SHA-256's compression function for the certificates' output digests (C: the x86 SHA
        // extensions' intrinsics where the CPU has them, portable rounds elsewhere).
        .target(name: "CSHA256"),
        // Numeric files (.npy, text) read and written in bounded memory, outputs written safely
        // (all or nothing, never over anything but a regular file), the subprocess protocol's client.
        .target(name: "ActivationIO", dependencies: ["ActivationCatalog", "ActivationOracle"]),
        // The public face of the verification engine for other packages' `swift test`.
        .target(name: "ActivationTesting", dependencies: ["ActivationCatalog", "ActivationOracle", "ActivationIO", "ActivationVerification"]),
        // Subcommands of the `activation-oracle` tool, a library so tests can drive them.
        .target(
            name: "OracleCLI",
            dependencies: [
                "ActivationOracle",
                "ActivationKernels",
                "ActivationVerification",
                "ActivationIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "activation-oracle", dependencies: ["OracleCLI"]),
        // Fuzzing (Fuzz/README.md): the targets as a library (the tests replay Fuzz/corpus and
        // Fuzz/regressions through them) and `activation-oracle-fuzz`, which runs one under
        // libFuzzer when built with -sanitize=fuzzer -DFUZZING and replays files otherwise.
        .target(name: "CFuzzSupport"),
        .target(name: "ActivationFuzzTargets", dependencies: ["ActivationIO", "ActivationOracle", "ActivationCatalog"], path: "Fuzz/Targets"),
        .executableTarget(name: "activation-oracle-fuzz", dependencies: ["ActivationFuzzTargets", "CFuzzSupport"], path: "Fuzz/Driver"),
        // `swift run -c release oracle-throughput`: correctly rounded results per second.
        .executableTarget(name: "oracle-throughput", dependencies: ["ActivationOracle", "ActivationVerification"], path: "Benchmarks/OracleThroughput"),
        // `swift run -c release float-only-lanes`: float-only polynomials beside our Double lanes.
        .executableTarget(name: "float-only-lanes", dependencies: ["ActivationVerification"], path: "Benchmarks/FloatOnlyLanes"),
        .testTarget(
            name: "ActivationOracleTests",
            dependencies: ["ActivationOracle"],
            exclude: ["Data"]
        ),
        .testTarget(name: "ActivationTestingTests", dependencies: ["ActivationTesting", "ActivationKernels"]),
        .testTarget(name: "OracleCLITests", dependencies: ["OracleCLI", "ActivationIO", "ActivationVerification", "ActivationFuzzTargets"]),
        .testTarget(
            name: "GateTests",
            dependencies: ["ActivationVerification", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
    ]
)
