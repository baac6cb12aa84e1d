import Foundation
import Glibc

/// Runs a program to completion with posix_spawn and waitpid.
///
/// Foundation's `Process` watches for its child through the run loop and can miss
/// the exit of a child that left a daemon behind (`pg_ctl start`), waiting forever;
/// a plain blocking `waitpid` cannot. Output goes to a file, never a pipe, because
/// the daemon inherits the descriptors and would hold a pipe open.
enum Subprocess {
    struct Result {
        var status: Int32
        /// Standard output alone: what a caller parses.
        var output: String
        /// Standard error, for messages.
        var errors: String
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Result {
        let outputPath = NSTemporaryDirectory() + "baton-subprocess-\(UUID().uuidString).out"
        let errorPath = outputPath + ".err"
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // Owner-only: what a tool prints (pg_dump's and psql's messages) is nobody else's business.
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw EmbeddedCluster.Failure(description: "could not start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { break }
        }
        let output = readText(outputPath)
        let errors = readText(errorPath)
        // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exitCode, output: output, errors: errors)
    }

    /// A small file's text, read with plain POSIX calls. (Foundation's
    /// `String(contentsOfFile:)` leaked its read buffer under LeakSanitizer here.)
    static func readText(_ path: String) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
