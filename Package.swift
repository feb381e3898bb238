// swift-tools-version:6.1
import PackageDescription

// `make release` sets DEN_STATIC=1 and fills static-libs/ with links to the .a files of libarchive,
// its compression libraries and libstdc++. A -L given to swiftc is searched before the system
// directories, so every -lX (the driver's own -lstdc++ included) resolves to the static archive
// and `ldd den` shows only glibc. The manifest is re-evaluated when DEN_STATIC changes.
let isStatic = Context.environment["DEN_STATIC"] == "1"
let packageDirectory = Context.packageDirectory
// `pkg-config --static --libs libarchive` minus xml2: den registers no format that needs it.
let archiveStaticDeps = ["nettle", "acl", "lzma", "zstd", "lz4", "bz2", "z"]

let archiveLinkerSettings: [LinkerSetting] =
    [.linkedLibrary("archive")]
    + (isStatic
        ? archiveStaticDeps.map { .linkedLibrary($0) }
            + [.unsafeFlags(["-L\(packageDirectory)/static-libs", "-Xclang-linker", "-static-libgcc"])]
        : [])

let package = Package(
    name: "den",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "den", targets: ["den"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        // HTTP(S) downloads with backpressure and flat memory (see DenFetch); it brings SwiftNIO.
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
    ],
    targets: [
        .target(name: "CDenShim"),
        .systemLibrary(name: "CArchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CNettle", providers: [.apt(["nettle-dev"])]),
        .target(name: "DenTOML"),
        .target(name: "DenArchive", dependencies: ["CArchive"], linkerSettings: archiveLinkerSettings),
        .target(name: "DenDebian"),
        // Nettle for SHA-256: every download and every layer's tree is hashed (see SHA256.swift).
        .target(name: "DenFetch", dependencies: ["CNettle", .product(name: "AsyncHTTPClient", package: "async-http-client")],
                linkerSettings: [.linkedLibrary("nettle")]),
        .target(name: "DenOCI", dependencies: ["DenArchive", "DenFetch"]),
        .target(name: "DenSandbox", dependencies: ["CDenShim"]),
        .target(name: "DenCore", dependencies: ["CDenShim", "DenTOML", "DenArchive", "DenDebian", "DenFetch", "DenOCI", "DenSandbox"]),
        .target(name: "DenCommands", dependencies: [
            "DenCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "den", dependencies: ["DenCommands"]),

        .target(name: "DenTestSupport", path: "Tests/DenTestSupport"),
        .testTarget(name: "DenTOMLTests", dependencies: ["DenTOML"]),
        .testTarget(name: "DenArchiveTests", dependencies: ["DenArchive"], exclude: ["Resources"]),
        .testTarget(name: "DenFetchTests", dependencies: ["DenFetch"]),
        .testTarget(name: "DenDebianTests", dependencies: ["DenDebian"], resources: [.copy("Resources")]),
        .testTarget(name: "DenOCITests", dependencies: ["DenOCI"]),
        .testTarget(name: "DenSandboxTests", dependencies: ["DenSandbox"]),
        .testTarget(name: "DenCoreTests", dependencies: ["DenCore", "DenTestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["DenTestSupport", "den"]),
    ]
)

// MARK: - Fuzzing (only with DEN_FUZZ=1; see scripts/fuzz)
// libFuzzer targets for the parsers and the extractor. They exist only when DEN_FUZZ=1 so that
// normal builds, `swift test` and `--product den` never see them; scripts/fuzz builds them with
// `-sanitize=fuzzer,address` into their own scratch path (.build-fuzz), so instrumented objects
// never mix with the normal build. Each depends on one module only, so a fuzz build never
// compiles DenCore and its SwiftNIO dependencies. SwiftPM points `main` at each target's
// main.swift rather than at libFuzzer's, so that file starts libFuzzer's driver, declared in
// CLibFuzzer.
if Context.environment["DEN_FUZZ"] == "1" {
    let fuzzTargets: [(product: String, target: String, module: String)] = [
        ("fuzz-manifest", "FuzzManifest", "DenTOML"),
        ("fuzz-deb822", "FuzzDeb822", "DenDebian"),
        ("fuzz-extractor", "FuzzExtractor", "DenArchive"),
    ]
    package.targets.append(.systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"))
    for fuzz in fuzzTargets {
        package.targets.append(.executableTarget(
            name: fuzz.target, dependencies: [.target(name: fuzz.module), "CLibFuzzer"], path: "Fuzz/\(fuzz.target)"))
        package.products.append(.executable(name: fuzz.product, targets: [fuzz.target]))
    }
}
