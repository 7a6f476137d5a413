#if canImport(Testing)
import Testing

extension ActivationCheck {
    /// One line in a `@Test`: checks a scalar implementation and records an issue whose comment
    /// is the whole report when it fails (or the error when the check cannot run). Returns the
    /// report either way (nil when the check could not run).
    @discardableResult
    public static func expect<T: FloatFormatRepresentable>(
        _ test: ActivationUnderTest, options: ActivationTestOptions = .init(),
        sourceLocation: SourceLocation = #_sourceLocation, scalar f: (T) -> T
    ) -> ActivationTestReport? {
        record(sourceLocation) { try check(test, options: options, scalar: f) }
    }

    /// The same for a buffer implementation.
    @discardableResult
    public static func expect<T: FloatFormatRepresentable>(
        _ test: ActivationUnderTest, options: ActivationTestOptions = .init(),
        sourceLocation: SourceLocation = #_sourceLocation, buffer f: (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void
    ) -> ActivationTestReport? {
        record(sourceLocation) { try check(test, options: options, buffer: f) }
    }

    /// The same for a backward implementation.
    @discardableResult
    public static func expectBackward<T: FloatFormatRepresentable>(
        _ test: ActivationUnderTest, options: ActivationTestOptions = .init(), sourceLocation: SourceLocation = #_sourceLocation,
        backward f: (UnsafeBufferPointer<T>, UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void
    ) -> ActivationTestReport? {
        record(sourceLocation) { try checkBackward(test, options: options, backward: f) }
    }

    static func record(_ location: SourceLocation, _ body: () throws -> ActivationTestReport) -> ActivationTestReport? {
        do {
            let report = try body()
            if !report.passed { Issue.record(Comment(rawValue: report.description), sourceLocation: location) }
            return report
        } catch {
            Issue.record(Comment(rawValue: "activation check could not run: \(error)"), sourceLocation: location)
            return nil
        }
    }
}
#endif
