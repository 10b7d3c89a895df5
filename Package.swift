// swift-tools-version:6.0
import PackageDescription

// Warnings are errors in our own targets (STYLE.md habits); dependencies are left alone.
let strict: [SwiftSetting] = [
    .unsafeFlags(["-warnings-as-errors"]),
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "tollgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tollgate", targets: ["tollgate"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // libevent and OpenSSL in ONE module: two modules clash on fd_set (NOTES-libevent.md).
        .systemLibrary(name: "CLibevent", path: "Sources/CLibevent"),
        .systemLibrary(name: "CHTTPParser", path: "Sources/CHTTPParser"),
        // Header fields as bytes (HeaderBlock): shared by the pure logic and the event layer, imports nothing.
        .target(name: "TollgateHeaders", swiftSettings: strict),
        .target(
            name: "TollgateCore",
            dependencies: ["TollgateHeaders", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "TollgateEventLoop",
            dependencies: ["TollgateHeaders", "CLibevent", "CHTTPParser"],
            swiftSettings: strict
        ),
        .target(
            name: "TollgateProxy",
            dependencies: [
                "TollgateCore", "TollgateEventLoop", "TollgateHeaders",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "TollgateProxy", "TollgateCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Fuzz harnesses (Fuzz/README.md): properties in a library, replayed by TollgateFuzzingTests; the
        // executable runs libFuzzer when scripts/fuzz.sh builds it with -DFUZZING, and replays files otherwise.
        .systemLibrary(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        .target(
            name: "TollgateFuzzing",
            dependencies: ["TollgateCore", "TollgateEventLoop", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tollgate-fuzz", dependencies: ["TollgateFuzzing", "CLibFuzzer"], swiftSettings: strict
        ),
        .testTarget(name: "TollgateCoreTests", dependencies: ["TollgateCore", "TollgateHeaders"], swiftSettings: strict),
        .testTarget(
            name: "TollgateEventLoopTests", dependencies: ["TollgateEventLoop", "TollgateHeaders"],
            swiftSettings: strict),
        .testTarget(name: "TollgateProxyTests", dependencies: ["TollgateProxy"], swiftSettings: strict),
        .testTarget(name: "TollgateFuzzingTests", dependencies: ["TollgateFuzzing"], swiftSettings: strict),
        .testTarget(name: "TollgateIntegrationTests", dependencies: [], exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
