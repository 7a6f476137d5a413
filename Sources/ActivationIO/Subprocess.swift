import ActivationCatalog
import ActivationOracle
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if os(Linux)
/// pipe2(2) (glibc declares it only with _GNU_SOURCE, which the Glibc module does not set).
@_silgen_name("pipe2") private func pipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
#endif

/// A pipe whose two ends are close-on-exec from the moment they exist (atomically on Linux).
private func closeOnExecPipe(_ fds: inout [Int32]) -> Int32 {
    #if os(Linux)
    return fds.withUnsafeMutableBufferPointer { pipe2($0.baseAddress!, O_CLOEXEC) }
    #else
    guard pipe(&fds) == 0 else { return -1 }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return 0
    #endif
}

/// Another implementation running as a child process, spoken to through the subprocess protocol
/// (README, "The subprocess protocol"):
///
///     tool → child   activation-oracle-protocol 1 <function> <format> <value|derivative|second-derivative> [output=<format> overflow=<rule> scale=<s>]
///     child → tool   ready
///     tool → child   <n>                      then n lines, input bit patterns in hex (0x3f800000)
///     child → tool   n lines, result bit patterns in hex, in order
///     …                                        (more batches)
///     tool closes the child's stdin; the child exits with status 0.
///
/// Anything else — an exit, a hang past the timeout, a line that is not a bit pattern of the
/// format, a line longer than `maximumLine` bytes, too few or too many lines — is an
/// `InputError` naming what happened (exit 2), with the child's own ending (exit status or
/// signal) where it ended and the last line of its stderr. Time and memory stay bounded whatever
/// the child does: every wait is a `poll` slice of at most 100 ms against one deadline, stdout is
/// cut into lines of bounded length, and stderr is kept as a bounded tail. The child runs as
/// `/bin/sh -c CMD` in a process group of its own, and that whole group is killed when the child
/// ends, fails or is done, so nothing it started outlives the check (except what left the group
/// itself, with `setsid`).
///
/// Hand-written rather than swiftlang/swift-subprocess (whose clean build, with swift-system,
/// costs only ~22 s of CPU here): the engine asks the child from synchronous code, batch by batch
/// (`Hunt.run`'s implementation closure, `Exhaustive.run`), with a deadline per batch, a bounded
/// line reader and a bounded stderr tail polled together; swift-subprocess is async and scopes the
/// child to one closure, so using it would mean bridging every batch through a task and a
/// semaphore, or making the whole engine async — more code than the ~250 lines here.
public final class Subprocess {
    public let command: String
    /// The inputs' format, and the results' (the same unless an output format was asked for).
    public let format: FloatFormat
    public let resultFormat: FloatFormat
    public let timeout: Double
    /// The longest line the child may send (a result is at most 18 characters).
    public static let maximumLine = 256
    /// How much of the child's stderr is kept (its last bytes).
    public static let stderrTail = 8_192
    /// The largest batch the protocol allows.
    public static let maximumBatch = 4_096
    private let pid: pid_t
    /// The child's wait status once reaped.
    private var exitStatus: Int32?
    private var stdinFD: Int32
    private let stdoutFD: Int32
    private var stderrFD: Int32
    private var output = LineBuffer(maximumLine: Subprocess.maximumLine)
    private var tail: [UInt8] = []
    private var received = 0   // result lines so far

    /// `--timeout` as the commands take it: seconds, more than 0 and at most a week.
    public static func checkTimeout(_ seconds: Double) throws {
        guard seconds.isFinite, seconds > 0, seconds <= 604_800 else {
            throw InputError("--timeout must be a number of seconds above 0 and at most 604800 (a week), got \(seconds)")
        }
    }

    /// The protocol's first line for this question. Results in another format, overflow rule or
    /// scale add three words (`output=e4m3fn overflow=nan scale=1/16`); a plain implementation
    /// answers in the input's format and sees no difference.
    public static func header(_ function: ActivationFunction, _ format: FloatFormat, _ quantity: Quantity,
                              _ rounding: ResultRounding) -> String {
        let extra = rounding.isPlain(for: format) ? ""
            : " output=\(rounding.format) overflow=\(rounding.overflow.rawValue) scale=\(rounding.scale?.text ?? "1")"
        return "activation-oracle-protocol 1 \(function.activation.name) \(format) \(quantity.token)" + extra
    }

    public init(command: String, header: String, format: FloatFormat, resultFormat: FloatFormat? = nil, timeout: Double) throws {
        try Self.checkTimeout(timeout)
        guard !command.isEmpty, !command.utf8.contains(0) else { throw InputError("--command: empty, or contains a NUL byte") }
        self.command = command
        self.format = format
        self.resultFormat = resultFormat ?? format
        self.timeout = timeout
        signal(SIGPIPE, SIG_IGN)
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0], errors: [Int32] = [0, 0]
        // Close-on-exec from the start, so that no process another thread starts inherits them
        // (the child's 0, 1 and 2 are dup2'ed copies, which do not keep the flag).
        guard closeOnExecPipe(&toChild) == 0 else { throw InputError("--command: cannot create pipes") }
        guard closeOnExecPipe(&fromChild) == 0 else { close(toChild[0]); close(toChild[1]); throw InputError("--command: cannot create pipes") }
        guard closeOnExecPipe(&errors) == 0 else {
            for fd in toChild + fromChild { close(fd) }
            throw InputError("--command: cannot create pipes")
        }
        // /bin/sh -c CMD in its own process group, so the whole group can be killed.
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer { posix_spawn_file_actions_destroy(&actions); posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        for fd in toChild + fromChild + errors { posix_spawn_file_actions_addclose(&actions, fd) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var child: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, environ)
        close(toChild[0]); close(fromChild[1]); close(errors[1])
        guard status == 0 else {
            close(toChild[1]); close(fromChild[0]); close(errors[0])
            throw InputError("--command: cannot start '\(command)' (\(String(cString: strerror(status))))")
        }
        pid = child
        stdinFD = toChild[1]
        stdoutFD = fromChild[0]
        stderrFD = errors[0]
        for fd in [stdinFD, stdoutFD, stderrFD] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        let reply = try exchange(Array((header + "\n").utf8), expecting: 1, what: "lines of the 'ready' reply")
        guard reply.first?.trimmingCharacters(in: .whitespaces) == "ready" else {
            throw fail("answered the header with '\(Self.printable(reply.first ?? ""))' instead of 'ready' (does it speak the protocol?)")
        }
        received = 0 // results are counted from here
    }

    deinit {
        if exitStatus == nil { killGroup() } // once reaped, its group was killed then (and the pid may be reused)
        _ = reap(wait: true)
        if stdinFD >= 0 { close(stdinFD) }
        close(stdoutFD)
        if stderrFD >= 0 { close(stderrFD) }
    }

    /// Kills the child's whole process group (what it started too).
    private func killGroup() { kill(-pid, SIGKILL) }

    /// The wait status if the child has exited (waiting for it when asked). The moment its exit
    /// is seen, the rest of its process group is killed: nothing it started may outlive it.
    private func reap(wait: Bool) -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        var r: pid_t
        repeat { r = waitpid(pid, &status, wait ? 0 : WNOHANG) } while r < 0 && errno == EINTR
        if r == pid {
            exitStatus = status
            killGroup()
        }
        return exitStatus
    }

    /// How the child ended, in words ("exited with status 3", "was killed by signal 9").
    private func ending(_ status: Int32) -> String {
        let signal = status & 0x7f
        return signal == 0 ? "exited with status \((status >> 8) & 0xff)" : "was killed by signal \(signal)"
    }

    /// Results for any number of input bit patterns, in protocol batches of at most 4,096.
    public func evaluate(_ inputs: [UInt64]) throws -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(inputs.count)
        for start in stride(from: 0, to: inputs.count, by: Self.maximumBatch) {
            out += try batch(inputs[start..<min(start + Self.maximumBatch, inputs.count)].map { [$0] })
        }
        return out
    }

    /// A gated unit's results: each protocol input line holds a pair `a b` (two bit patterns,
    /// one space between), one result line per pair.
    public func evaluate(pairs: [(a: UInt64, b: UInt64)]) throws -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(pairs.count)
        for start in stride(from: 0, to: pairs.count, by: Self.maximumBatch) {
            out += try batch(pairs[start..<min(start + Self.maximumBatch, pairs.count)].map { [$0.a, $0.b] })
        }
        return out
    }

    /// The header for a gated unit: `activation-oracle-protocol 1 swiglu bf16 value|d/da|d/db`.
    public static func header(_ unit: GatedUnit, _ format: FloatFormat, _ quantity: GatedQuantity) -> String {
        "activation-oracle-protocol 1 \(unit.name) \(format) \(quantity)"
    }

    private func batch(_ inputs: [[UInt64]]) throws -> [UInt64] {
        var text = "\(inputs.count)\n"
        text.reserveCapacity(inputs.count * (format.bitWidth / 4 + 3))
        for x in inputs { text += x.map { format.hexBits($0) }.joined(separator: " ") + "\n" }
        let lines = try exchange(Array(text.utf8), expecting: inputs.count, what: "results")
        return try lines.enumerated().map { i, line in
            guard let v = resultFormat.protocolResult(line) else {
                throw fail("result line \(received - lines.count + i + 1): cannot read '\(Self.printable(line))' as a bit pattern of \(resultFormat)")
            }
            return v
        }
    }

    /// Closes the child's input and checks it exits cleanly without saying more.
    public func finish() throws {
        close(stdinFD)
        stdinFD = -1
        if output.pendingCount > 0 { throw moreThanAsked() }
        let deadline = Date().addingTimeInterval(timeout)
        var outputClosed = false
        var exitedAt: Date?
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !(outputClosed && reap(wait: false) != nil) {
            if reap(wait: false) != nil {
                // Its exit killed its group; whatever still held the pipe is gone within moments.
                if exitedAt == nil { exitedAt = Date() }
                if Date().timeIntervalSince(exitedAt!) > 1 { break }
            }
            if deadline.timeIntervalSinceNow < 0 { throw fail("did not exit within \(timeout) s after its input was closed") }
            // Once stdout reached its end it leaves the set (a hung-up pipe would wake poll at once).
            var fds = [pollfd(fd: outputClosed ? -1 : stdoutFD, events: Int16(POLLIN), revents: 0)]
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready < 0 && errno != EINTR { throw fail("poll failed (\(String(cString: strerror(errno))))") }
            if fds.count > 1 && fds[1].revents != 0 { drainStderr() }
            if fds[0].revents != 0 && !outputClosed {
                let n = read(stdoutFD, &buffer, buffer.count)
                if n > 0 { output.append(buffer[0..<n]) }
                if n == 0 { outputClosed = true }
                if output.pendingCount > 0 { throw moreThanAsked() }
            }
        }
        if let status = reap(wait: false), status != 0 { throw fail(ending(status)) }
    }

    /// The error for a misbehaving child (whose group is killed), quoting its last stderr line.
    private func fail(_ what: String) -> InputError {
        killGroup()
        _ = reap(wait: true)
        drainStderr()
        let lastLine = String(decoding: tail, as: UTF8.self).split(whereSeparator: \.isNewline)
            .last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let said = lastLine.map { " (its stderr: \(Self.printable(String($0), limit: 160)))" } ?? ""
        return InputError("--command '\(Self.printable(command, limit: 200))' \(what)\(said)")
    }

    /// Text from the child, made safe for one line of a message.
    static func printable(_ text: String, limit: Int = 60) -> String {
        String(text.unicodeScalars.prefix(limit).map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
    }

    /// Reads what the child wrote to stderr without blocking, keeping only the last bytes.
    private func drainStderr() {
        guard stderrFD >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(stderrFD, &buffer, buffer.count)
            if n > 0 {
                tail.append(contentsOf: buffer[0..<n])
                if tail.count > Self.stderrTail { tail.removeFirst(tail.count - Self.stderrTail) }
                continue
            }
            if n == 0 { close(stderrFD); stderrFD = -1 }
            return
        }
    }

    /// Writes `out` while reading until `count` complete lines arrived (poll on every pipe, so no
    /// side can block the other), within the timeout.
    private func exchange(_ out: [UInt8], expecting count: Int, what: String) throws -> [String] {
        try checkNothingMore()
        var written = 0
        var lines: [String] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while lines.count < count {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 {
                throw fail("timed out after \(timeout) s waiting for \(what) (\(lines.count) of \(count) lines arrived)")
            }
            var fds = [pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)]
            fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) // -1: ignored by poll
            if written < out.count { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(100, max(1, left * 1000))))
            if ready < 0 { if errno == EINTR { continue }; throw fail("poll failed (\(String(cString: strerror(errno))))") }
            if ready == 0 {
                // Quiet: has it ended while something it started still holds the pipe open?
                if let status = reap(wait: false) { throw fail("\(ending(status)) after \(lines.count) of \(count) \(what)") }
                continue
            }
            if fds[1].revents != 0 { drainStderr() }
            if fds.count > 2 && fds[2].revents != 0 {
                let n = out.withUnsafeBufferPointer { p in write(stdinFD, p.baseAddress! + written, min(out.count - written, 1 << 16)) }
                if n < 0 && errno != EAGAIN && errno != EINTR {
                    throw fail(cause(after: lines.count, of: count, what: what, detail: "closed its input"))
                }
                if n > 0 { written += n }
            }
            if fds[0].revents != 0 {
                let n = read(stdoutFD, &buffer, buffer.count)
                if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                if n <= 0 { throw fail(cause(after: lines.count, of: count, what: what, detail: "closed its output")) }
                output.append(buffer[0..<n])
                do {
                    while lines.count < count, let line = try output.nextLine() { lines.append(line) }
                } catch { throw longLine() }
            }
        }
        received += lines.count
        return lines
    }

    private func longLine() -> InputError {
        fail("sent a line longer than \(Self.maximumLine) bytes after result \(received) (not a bit pattern)")
    }

    /// Between batches the child must be silent: more output means it answered with too many lines.
    private func checkNothingMore() throws {
        var fd = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
        if output.pendingCount == 0 && poll(&fd, 1, 0) > 0 && fd.revents & Int16(POLLIN) != 0 {
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(stdoutFD, &buffer, buffer.count)
            if n > 0 { output.append(buffer[0..<n]) }
        }
        if output.pendingCount > 0 { throw moreThanAsked() }
    }

    private func moreThanAsked() -> InputError {
        fail("printed more than it was asked for ('\(Self.printable(String(decoding: output.pending.prefix(40), as: UTF8.self)))' after result \(received))")
    }

    /// The real cause when a pipe closed: the child's ending, if it ends within a second.
    private func cause(after got: Int, of count: Int, what: String, detail: String) -> String {
        var how = detail
        for _ in 0..<500 {
            if let status = reap(wait: false) { how = ending(status); break }
            usleep(2_000)
        }
        return "\(how) after \(got) of \(count) \(what)"
    }
}
