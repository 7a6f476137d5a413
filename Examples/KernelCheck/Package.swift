// swift-tools-version:6.0
import PackageDescription

// An example of another package gating its own activation kernels with ActivationTesting.
// It depends on activation-oracle by path (two folders up); a real package names the
// repository's URL and a version instead.
let package = Package(
    name: "KernelCheck",
    dependencies: [
        .package(name: "activation-oracle", path: "../.."),
    ],
    targets: [
        .target(name: "MyKernels"),
        .testTarget(
            name: "MyKernelsTests",
            dependencies: ["MyKernels", .product(name: "ActivationTesting", package: "activation-oracle")]
        ),
    ]
)
