import ActivationCatalog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Another implementation running as a child process, spoken to through the subprocess protocol
/// (README, "The subprocess protocol"):
///
///     tool → child   activation-oracle-protocol 1 <function> <format> <value|derivative>
///     child → tool   ready
///     tool → child   <n>                      then n lines, input bit patterns in hex (0x3f800000)
///     child → tool   n lines, result bit patterns in hex, in order
///     …                                        (more batches)
///     tool closes the child's stdin; the child exits with status 0.
///
/// Anything else — an exit, a hang past the timeout, a line that is not a bit pattern of the
/// format, too few or too many lines — is an `InputError` naming what happened (exit 2), and the
/// child is killed. The child's stderr goes to a file whose last line is quoted in errors.
final class Subprocess {
    let command: String
    let format: FloatFormat
    let timeout: Double
    private let pid: pid_t
    /// The child's wait status once reaped.
    private var exitStatus: Int32?
    private let stdinFD: Int32
    private let stdoutFD: Int32
    private let stderrPath: String
    private var pending: [UInt8] = []
    private var received = 0   // result lines so far

    init(command: String, header: String, format: FloatFormat, timeout: Double) throws {
        self.command = command
        self.format = format
        self.timeout = timeout
        signal(SIGPIPE, SIG_IGN)
        stderrPath = NSTemporaryDirectory() + "activation-oracle-child-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).err"
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw InputError("--command: cannot create pipes") }
        let errFD = open(stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard errFD >= 0 else { throw InputError("--command: cannot create \(stderrPath)") }
        // /bin/sh -c CMD in its own process group, so a timeout kills everything it started.
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer { posix_spawn_file_actions_destroy(&actions); posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errFD, 2)
        for fd in [toChild[0], toChild[1], fromChild[0], fromChild[1], errFD] { posix_spawn_file_actions_addclose(&actions, fd) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var child: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, environ)
        close(toChild[0]); close(fromChild[1]); close(errFD)
        guard status == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw InputError("--command: cannot start '\(command)' (error \(status))")
        }
        pid = child
        stdinFD = toChild[1]
        stdoutFD = fromChild[0]
        _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
        let reply = try exchange(header + "\n", expecting: 1, what: "lines of the 'ready' reply")
        guard reply.first?.trimmingCharacters(in: .whitespaces) == "ready" else {
            throw fail("answered the header with '\(reply.first?.prefix(60) ?? "")' instead of 'ready' (does it speak the protocol?)")
        }
    }

    deinit {
        if reap(wait: false) == nil { kill(-pid, SIGKILL); _ = reap(wait: true) }
        close(stdoutFD)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    /// The wait status if the child has exited (waiting for it when asked).
    private func reap(wait: Bool) -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        if waitpid(pid, &status, wait ? 0 : WNOHANG) == pid { exitStatus = status }
        return exitStatus
    }

    /// How the child ended, in words ("exited with status 3", "was killed by signal 9").
    private func ending(_ status: Int32) -> String {
        let signal = status & 0x7f
        return signal == 0 ? "exited with status \((status >> 8) & 0xff)" : "was killed by signal \(signal)"
    }

    /// Results for one batch of input bit patterns.
    func evaluate(_ inputs: [UInt64]) throws -> [UInt64] {
        var text = "\(inputs.count)\n"
        text.reserveCapacity(inputs.count * (format.bitWidth / 4 + 3))
        for x in inputs { text += format.hexBits(x) + "\n" }
        let lines = try exchange(text, expecting: inputs.count, what: "results")
        return try lines.enumerated().map { i, line in
            let t = line.trimmingCharacters(in: .whitespaces).lowercased()
            guard t.hasPrefix("0x"), let v = UInt64(t.dropFirst(2), radix: 16), v & ~format.allBitsMask == 0 else {
                throw fail("result line \(received - lines.count + i + 1): cannot read '\(line.prefix(60))' as a \(format) bit pattern")
            }
            return v
        }
    }

    /// Closes the child's input and checks it exits cleanly without saying more.
    func finish() throws {
        close(stdinFD)
        let deadline = Date().addingTimeInterval(timeout)
        var extra = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            var fd = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            if poll(&fd, 1, left) == 0 { throw fail("did not exit within \(timeout) s after its input was closed") }
            let n = read(stdoutFD, &buffer, buffer.count)
            if n <= 0 { break }
            extra += buffer[0..<n].filter { $0 == 0x0A }.count
        }
        extra += pending.isEmpty ? 0 : 1
        while reap(wait: false) == nil {
            if deadline.timeIntervalSinceNow < 0 { throw fail("did not exit within \(timeout) s after its input was closed") }
            usleep(2_000)
        }
        if extra > 0 { throw fail("printed \(extra) line(s) more than it was asked for") }
        if let status = exitStatus, status != 0 { throw fail(ending(status)) }
    }

    /// The error for a misbehaving child (which is killed), quoting its last stderr line.
    private func fail(_ what: String) -> InputError {
        if reap(wait: false) == nil { kill(-pid, SIGKILL); _ = reap(wait: true) }
        let said = (try? String(contentsOfFile: stderrPath, encoding: .utf8))?
            .split(separator: "\n").last.map { " (its stderr: \($0.prefix(120)))" } ?? ""
        return InputError("--command '\(command)' \(what)\(said)")
    }

    /// Writes `text` while reading until `expecting` complete lines arrived (poll on both pipes, so
    /// neither side can block the other), within the timeout.
    private func exchange(_ text: String, expecting count: Int, what: String) throws -> [String] {
        try checkNothingMore()
        let out = Array(text.utf8)
        var written = 0
        var lines: [String] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while lines.count < count {
            var fds = [pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)]
            if written < out.count { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            let ready = poll(&fds, nfds_t(fds.count), left)
            if ready == 0 {
                throw fail("timed out after \(timeout) s waiting for \(what) (\(lines.count) of \(count) lines arrived)")
            }
            if ready < 0 { if errno == EINTR { continue }; throw fail("poll failed (errno \(errno))") }
            if fds.count > 1 && fds[1].revents != 0 {
                let n = out.withUnsafeBufferPointer { p in write(stdinFD, p.baseAddress! + written, min(out.count - written, 1 << 16)) }
                if n < 0 && errno != EAGAIN {
                    throw fail(exitDescription(after: lines.count, of: count, what: what, detail: "closed its input"))
                }
                if n > 0 { written += n }
            }
            if fds[0].revents != 0 {
                let n = read(stdoutFD, &buffer, buffer.count)
                if n <= 0 { throw fail(exitDescription(after: lines.count, of: count, what: what, detail: "closed its output")) }
                pending.append(contentsOf: buffer[0..<n])
                while lines.count < count, let newline = pending.firstIndex(of: 0x0A) {
                    var line = String(decoding: pending[..<newline], as: UTF8.self)
                    if line.hasSuffix("\r") { line.removeLast() }
                    lines.append(line)
                    pending.removeSubrange(...newline)
                }
            }
        }
        received += lines.count
        return lines
    }

    /// Between batches the child must be silent: more output means it answered with too many lines.
    private func checkNothingMore() throws {
        var fd = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
        if pending.isEmpty && poll(&fd, 1, 0) > 0 && fd.revents & Int16(POLLIN) != 0 {
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(stdoutFD, &buffer, buffer.count)
            if n > 0 { pending.append(contentsOf: buffer[0..<n]) }
        }
        if !pending.isEmpty {
            throw fail("printed more lines than it was asked for ('\(String(decoding: pending.prefix(40), as: UTF8.self).split(separator: "\n").first ?? "")' after result \(received))")
        }
    }

    private func exitDescription(after got: Int, of count: Int, what: String, detail: String) -> String {
        var how = detail
        for _ in 0..<50 {
            if let status = reap(wait: false) { how = ending(status); break }
            usleep(2_000)
        }
        return "\(how) after \(got) of \(count) \(what)"
    }
}
