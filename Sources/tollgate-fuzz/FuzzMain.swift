import Foundation
import TollgateFuzzing

#if FUZZING
    import CLibFuzzer
#endif

/// `tollgate-fuzz HARNESS [ARGS...]`. Built by `scripts/fuzz.sh` (with `-DFUZZING` and libFuzzer) it runs
/// libFuzzer over HARNESS with ARGS (corpus folders, `-max_total_time=60`, ...); a plain build replays ARGS
/// (files, or folders of files) through HARNESS and exits 1 when a property fails. Harnesses: `FuzzHarness`.
@main
enum FuzzMain {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2, let harness = FuzzHarness(rawValue: arguments[1]) else {
            let names = FuzzHarness.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(
                Data("usage: tollgate-fuzz \(names) [libFuzzer arguments | files...]\n".utf8))
            exit(2)
        }
        #if FUZZING
            runLibFuzzer(harness)
        #else
            exit(replay(harness, paths: Array(arguments.dropFirst(2))))
        #endif
    }

    /// Every file named, or inside a folder named, through `harness`; 0 when every property held.
    static func replay(_ harness: FuzzHarness, paths: [String]) -> Int32 {
        var failures: Int32 = 0
        var count = 0
        for file in files(paths) {
            guard let data = FileManager.default.contents(atPath: file) else {
                print("\(file): cannot read")
                failures += 1
                continue
            }
            count += 1
            do {
                try harness.check(Array(data))
            } catch {
                print("\(file): \(error)")
                failures += 1
            }
        }
        print("\(harness.rawValue): \(count) inputs, \(failures) failed")
        return failures == 0 ? 0 : 1
    }

    /// The files named and those inside the folders named; libFuzzer flags (`-runs=1`) are skipped, so that one
    /// command line replays with either build.
    private static func files(_ paths: [String]) -> [String] {
        var result: [String] = []
        for path in paths where !path.hasPrefix("-") {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                result.append(path)
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            result += names.sorted().filter { !$0.hasPrefix(".") }.map { path + "/" + $0 }
        }
        return result
    }
}

#if FUZZING
    /// The harness libFuzzer's callback runs; set once before the driver starts, read only by its thread.
    nonisolated(unsafe) private var selectedHarness = FuzzHarness.path

    extension FuzzMain {
        /// Hands the arguments after the harness name to libFuzzer; a broken property aborts with its message,
        /// which libFuzzer reports as a crash and saves the input for.
        static func runLibFuzzer(_ harness: FuzzHarness) -> Never {
            selectedHarness = harness
            var arguments = CommandLine.arguments
            arguments.remove(at: 1)
            var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            var argc = Int32(arguments.count)
            let status = pointers.withUnsafeMutableBufferPointer { buffer in
                var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
                return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                    let bytes = UnsafeRawBufferPointer(start: data, count: size)
                    do {
                        try selectedHarness.check(bytes)
                    } catch {
                        fatalError("\(selectedHarness.rawValue) property failed: \(error)")
                    }
                    return 0
                }
            }
            exit(status)
        }
    }
#endif
