import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bad file, value or option: reported as one line, exit code 2.
public struct InputError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The files one command writes, as one transaction: every file goes to a temporary file beside
/// its target and is renamed into place by `commit()`, so a command that fails leaves none of its
/// outputs behind (`discard()`, also on deinit) and a finished one replaces each target at once.
///
/// Nothing but a regular file is ever replaced: a target must be absent (its directory existing),
/// a regular file, or a symbolic link to one (the link's target is written; the link stays).
/// Directories, `.`, `..`, FIFOs, devices, sockets, dangling links and empty paths are refused
/// with one line naming the option and the path, before anything is written. Only the
/// transaction's own temporary files are ever removed, never a user's path, and `rename(2)`
/// refuses on its own to put a file where a directory has appeared in the meantime.
///
/// Hand-written rather than `Data.write(options: .atomic)`: Foundation's atomic write replaces
/// whatever is at the path (a FIFO or device node included), and cannot stage several files so
/// that all or none appear.
public final class OutputFiles {
    struct Staged {
        var option: String
        var target: String
        var temporary: String
        var handle: FileHandle?
    }
    private var staged: [Staged] = []

    public init() {}

    deinit { discard() }

    /// Where `path` may be written: the path itself, or a symbolic link's resolved target.
    public static func target(_ path: String, option: String) throws -> String {
        guard !path.isEmpty else { throw InputError("\(option): empty path") }
        if path.utf8.contains(0) { throw InputError("\(option): the path contains a NUL byte") }
        let last = Path.last(path)
        if path.hasSuffix("/") || last == "." || last == ".." {
            throw InputError("\(option) \(path): is a directory (give a file name)")
        }
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw InputError("\(option) \(path): \(String(cString: strerror(errno)))") }
            let parent = Path.parent(path)
            var dir = stat()
            let parentPath = parent.isEmpty ? "." : parent
            guard stat(parentPath, &dir) == 0, dir.st_mode & S_IFMT == S_IFDIR else {
                throw InputError("\(option) \(path): directory \(parentPath) does not exist")
            }
            return path
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return path
        case S_IFLNK:
            var pointed = stat()
            guard stat(path, &pointed) == 0 else {
                throw InputError("\(option) \(path): a symbolic link to nothing (refusing to write through it)")
            }
            guard pointed.st_mode & S_IFMT == S_IFREG, let resolved = realpath(path, nil) else {
                throw InputError("\(option) \(path): a symbolic link to \(kind(pointed.st_mode)), not to a regular file")
            }
            defer { free(resolved) }
            return String(cString: resolved)
        default:
            throw InputError("\(option) \(path): is \(kind(info.st_mode)), not a regular file (refusing to replace it)")
        }
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        case S_IFREG: "a regular file"
        default: "not a regular file"
        }
    }

    /// Checks `path` and opens a temporary file beside its target; the returned handle receives
    /// the content. The same target twice in one transaction is an error.
    public func create(_ path: String, option: String) throws -> FileHandle {
        let target = try Self.target(path, option: option)
        let key = Self.identity(target)
        if let other = staged.first(where: { Self.identity($0.target) == key }) {
            throw InputError("\(option) \(path): the same file as \(other.option) (give each output its own file)")
        }
        let directory = Path.parent(target)
        let name = Path.last(target)
        var fd: Int32 = -1
        var temporary = ""
        for _ in 0..<16 {
            temporary = (directory.isEmpty ? "" : directory + "/")
                + ".\(name).activation-oracle-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else {
            throw InputError("\(option) \(path): cannot write in \(directory.isEmpty ? "." : directory) (\(String(cString: strerror(errno))))")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        staged.append(Staged(option: option, target: target, temporary: temporary, handle: handle))
        return handle
    }

    /// Stages a whole file.
    public func write(_ data: Data, to path: String, option: String) throws {
        let handle = try create(path, option: option)
        do { try handle.write(contentsOf: data) } catch {
            throw InputError("\(option) \(path): cannot write (\(Self.reason(error)))")
        }
    }

    public func write(_ text: String, to path: String, option: String) throws {
        try write(Data(text.utf8), to: path, option: option)
    }

    /// Renames every staged file onto its target. A target that became something other than a
    /// regular file meanwhile is refused before anything is renamed.
    public func commit() throws {
        for i in staged.indices {
            let s = staged[i]
            do { try s.handle?.close() } catch {
                throw InputError("\(s.option) \(s.target): cannot write (\(Self.reason(error)))")
            }
            staged[i].handle = nil
        }
        // Every target is checked before the first rename, so a target that became something
        // else meanwhile stops the commit with nothing replaced (what remains is the moment
        // between the renames themselves).
        for s in staged { _ = try Self.target(s.target, option: s.option) }
        while !staged.isEmpty {
            let s = staged[0]
            guard rename(s.temporary, s.target) == 0 else {
                throw InputError("\(s.option) \(s.target): cannot replace (\(String(cString: strerror(errno))))")
            }
            staged.removeFirst()
        }
    }

    /// Removes the temporary files (never a target).
    public func discard() {
        for s in staged {
            try? s.handle?.close()
            unlink(s.temporary)
        }
        staged.removeAll()
    }

    /// The same file, whichever path names it.
    static func identity(_ path: String) -> String {
        let directory = Path.parent(path)
        guard let resolved = realpath(directory.isEmpty ? "." : directory, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved) + "/" + Path.last(path)
    }

    /// One line for a Foundation error (no dump of its user-info dictionary).
    public static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        return nsError.localizedDescription.split(separator: "\n").first.map(String.init) ?? "\(nsError.domain) \(nsError.code)"
    }
}

/// A file rewritten again and again while a command runs (the exhaustive run's checkpoint):
/// checked like every output once, then each version written beside it and renamed over it, so
/// the file on disk is always a whole version.
public struct RewrittenFile {
    public let target: String
    let option: String

    public init(_ path: String, option: String) throws {
        target = try OutputFiles.target(path, option: option)
        self.option = option
    }

    public func write(_ data: Data) throws {
        let files = OutputFiles()
        try files.write(data, to: target, option: option)
        try files.commit()
    }

    /// Removes the file if it is (still) a regular file.
    public func remove() {
        var info = stat()
        if lstat(target, &info) == 0, info.st_mode & S_IFMT == S_IFREG { unlink(target) }
    }
}

/// Standard output and error written with write(2), whose failures (a closed pipe, a full disk,
/// `/dev/full`) are reported or ignored instead of trapping as `FileHandle.write` does.
public enum Console {
    /// A message or progress on stderr; a failure to write it is ignored (there is nowhere left
    /// to say so, and the exit status still tells).
    public static func error(_ text: String) {
        _ = writeAll(2, Data(text.utf8))
    }

    /// Data on stdout; false when it could not all be written.
    @discardableResult
    public static func output(_ data: Data) -> Bool {
        writeAll(1, data)
    }

    static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                done += n
            }
            return true
        }
    }
}

/// Path arithmetic on plain strings. Hand-written because Foundation's `NSString` path methods
/// crash on Linux for a one-character relative path such as `x` (swift-corelibs-foundation,
/// Swift 6.3.1: `_startOfLastPathComponent` traps), and output names like that are common.
public enum Path {
    /// The path without trailing slashes (but "/" stays "/").
    static func trimmed(_ path: String) -> Substring {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        return p
    }

    /// The last component ("c" for "a/b/c", "a/b/c/" and "c"; "/" for "/").
    public static func last(_ path: String) -> String {
        let p = trimmed(path)
        if p == "/" { return "/" }
        return String(p.lastIndex(of: "/").map { p[p.index(after: $0)...] } ?? p)
    }

    /// Everything before the last component ("a/b" for "a/b/c", "" for "c", "/" for "/c").
    public static func parent(_ path: String) -> String {
        let p = trimmed(path)
        guard let slash = p.lastIndex(of: "/") else { return "" }
        if slash == p.startIndex { return p == "/" ? "" : "/" }
        var parent = p[..<slash]
        while parent.count > 1 && parent.hasSuffix("/") { parent = parent.dropLast() }
        return String(parent)
    }

    /// `name` inside `directory`.
    public static func join(_ directory: String, _ name: String) -> String {
        directory.isEmpty ? name : (directory.hasSuffix("/") ? directory + name : directory + "/" + name)
    }
}
