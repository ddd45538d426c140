// swift-tools-version:6.0
// mmolre: MMoLRE training, a SQLite experiment tracker and a model zoo, on OpenBLAS and SQLite.
// Module arrows point one way (DESIGN section 1):
//   Numerics -> Models ; Data ; Metrics ; Tracker (SQL only here) ; Training -> mmolre (CLI only).
import PackageDescription

let package = Package(
  name: "mmolre",
  products: [
    .executable(name: "mmolre", targets: ["mmolre"]),
    .library(name: "MMoLRE", targets: ["Numerics", "Data", "Metrics", "Models", "Tracker", "Training"]),
  ],
  targets: [
    // C libraries from Debian's packages. cblas.h sits in the multiarch include path; hdf5.h is
    // included by its full path under /usr/include, so no pkg-config is needed for any of them.
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", providers: [.apt(["libhdf5-dev"])]),

    .target(name: "Numerics", dependencies: ["CBLAS"]),
    .target(name: "Data", dependencies: ["Numerics", "CHDF5"]),
    .target(name: "Metrics"),
    .target(name: "Models", dependencies: ["Numerics", "Data"]),
    .target(name: "Tracker", dependencies: ["CSQLite", "Data", "Metrics"]),
    .target(name: "Training", dependencies: ["Numerics", "Data", "Metrics", "Models", "Tracker"]),
    .target(name: "Benchmarks", dependencies: ["Numerics", "Data", "Metrics", "Models", "Tracker", "Training"]),
    .executableTarget(
      name: "mmolre", dependencies: ["Numerics", "Data", "Metrics", "Models", "Tracker", "Training", "Benchmarks"]),

    .testTarget(name: "NumericsTests", dependencies: ["Numerics"]),
    // Fixtures are read in place through #filePath, so they are not resources.
    .testTarget(name: "DataTests", dependencies: ["Data", "Numerics"], exclude: ["Fixtures"]),
    .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Data"]),
    .testTarget(name: "ModelsTests", dependencies: ["Models", "Numerics", "Data"]),
    .testTarget(name: "TrackerTests", dependencies: ["Tracker", "Data", "Metrics"]),
    .testTarget(name: "TrainingTests", dependencies: ["Training", "Models", "Numerics", "Data", "Metrics", "Tracker"]),
    .testTarget(name: "CLITests", dependencies: ["mmolre"]),
  ]
)
