// swift-tools-version:6.0
import PackageDescription

// Data flows one way: ActivationCatalog → ActivationOracle → (kernels, verification) → OracleCLI.
let package = Package(
    name: "activation-oracle",
    products: [
        .library(name: "ActivationCatalog", targets: ["ActivationCatalog"]),
        .library(name: "ActivationOracle", targets: ["ActivationOracle"]),
        .library(name: "ActivationKernels", targets: ["ActivationKernels"]),
        .executable(name: "activation-oracle", targets: ["activation-oracle"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
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
        .target(name: "ActivationVerification", dependencies: ["ActivationOracle", "ActivationKernels"]),
        // Subcommands of the `activation-oracle` tool, a library so tests can drive them.
        .target(
            name: "OracleCLI",
            dependencies: [
                "ActivationOracle",
                "ActivationKernels",
                "ActivationVerification",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "activation-oracle", dependencies: ["OracleCLI"]),
        // `swift run -c release oracle-throughput`: correctly rounded results per second.
        .executableTarget(name: "oracle-throughput", dependencies: ["ActivationOracle", "ActivationVerification"], path: "Benchmarks/OracleThroughput"),
        // `swift run -c release float-only-lanes`: float-only polynomials beside our Double lanes.
        .executableTarget(name: "float-only-lanes", dependencies: ["ActivationVerification"], path: "Benchmarks/FloatOnlyLanes"),
        .testTarget(
            name: "ActivationOracleTests",
            dependencies: ["ActivationOracle"],
            exclude: ["Data"]
        ),
        .testTarget(name: "OracleCLITests", dependencies: ["OracleCLI"]),
        .testTarget(
            name: "GateTests",
            dependencies: ["ActivationVerification", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
    ]
)
