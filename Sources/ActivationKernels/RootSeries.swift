import ActivationCatalog

/// Taylor series of f′ around its only real root r (r as a double-double): f′(x) = Σₖ aₖ(x − r)^k.
/// Near r, f′ is a difference of two terms that cancel (Φ(x) + x·φ(x) for gelu′); the series has
/// no cancellation. 34 terms stay below 2^−57 relative for |x − r| ≤ 3/4, where the direct
/// formula loses at most a factor 2 or so. Coefficients: mpmath.taylor at 300 bits (Scripts/README in
/// the commit that added them; regenerate with the same call if a definition changes).
struct RootSeries: Sendable {
    let root: (hi: Double, lo: Double)
    let coefficients: [Double]
    static let radius = 0.75

    /// Σ aₖ dᵏ with d = (x − r.hi) − r.lo (the first difference is exact near r); nil when |d| > radius.
    func evaluate(_ x: Double) -> Double? {
        let d = (x - root.hi) - root.lo
        guard abs(d) <= Self.radius else { return nil }
        var sum = 0.0
        for c in coefficients.reversed() { sum = sum * d + c }
        return sum * d
    }

    /// ... with d given as a double-double (for t = beta·x formed exactly).
    func evaluate(_ t: DoubleDouble) -> Double? {
        let d = ((t.hi - root.hi) + t.lo) - root.lo
        guard abs(d) <= Self.radius else { return nil }
        var sum = 0.0
        for c in coefficients.reversed() { sum = sum * d + c }
        return sum * d
    }

    /// The same in lanes from the first 7 coefficients, for Float results within 2^−5 of r
    /// (`FastExp.ForFloat.rootBand`), where the formulas cancel: relative truncation below
    /// 2^−42.4 for gelu′, gelu-tanh′ and mish′ against mpmath's f′ (`Scripts/float_derivative_condition.py`,
    /// last table). Never declines, so no group near a root goes to the scalar path.
    @inline(__always) func lanes(nearRoot x: DoubleLanes) -> DoubleLanes {
        let d = (x - root.hi) - root.lo
        let c = coefficients
        var sum = c[6] * d + c[5]
        sum = sum * d + c[4]
        sum = sum * d + c[3]
        sum = sum * d + c[2]
        sum = sum * d + c[1]
        sum = sum * d + c[0]
        return sum * d
    }

    /// gelu′(x) = Φ(x) + x·φ(x)
    static let gelu = RootSeries(root: (-0x1.80ead197f00b4p-1, 0x1.13e74c58cada8p-56), coefficients: [
        0x1.b9d98fa5a3215p-2, 0x1.8d9a941de3ac5p-2, -0x1.2a2ef9bb865aep-6, -0x1.d2fa4c17c7e84p-4,
        -0x1.e4088244f901dp-7, 0x1.3e346def42057p-6, 0x1.297b9d6ffaacdp-8, -0x1.258a6d85633afp-9,
        -0x1.8680f74e6b6bap-11, 0x1.86c863b66083cp-13, 0x1.69610924deba8p-14, -0x1.784acad4b941ep-17,
        -0x1.03fec69bdd554p-17, 0x1.d0c38b7a117ccp-22, 0x1.322a347f1968bp-21, -0x1.b9057b3d93486p-30,
        -0x1.3099122c48e32p-25, -0x1.7ffd0f708645ap-30, 0x1.0592d74158a0ap-29, 0x1.3effe0efcb25fp-33,
        -0x1.89a0774eb6048p-34, -0x1.5e18b3d4867f6p-37, 0x1.06310e19a1ae3p-38, 0x1.34a02b0d31b9dp-41,
        -0x1.37338ebd7f2d7p-43, -0x1.d20f461f1add0p-46, 0x1.49e44a494a614p-48, 0x1.36fda84149624p-50,
        -0x1.3773d06291112p-53, -0x1.75ade337641efp-55, 0x1.02dc3a5c596fap-58, 0x1.99581ee1708a3p-60,
        -0x1.6f43f9952cbacp-64, -0x1.9c83a6dd78029p-65,
    ])
    /// gelu-tanh′(x)
    static let geluTanh = RootSeries(root: (-0x1.81429f9e97e4dp-1, 0x1.4f523ed77dbdcp-55), coefficients: [
        0x1.b8bacd2c96b91p-2, 0x1.8cd1a2b2fff33p-2, -0x1.029615edb077ap-6, -0x1.d2b77346470abp-4,
        -0x1.104a83edc0ddcp-6, 0x1.427996dc249cep-6, 0x1.58c9ed713486cp-8, -0x1.3d8d64170bb72p-9,
        -0x1.e63f294331885p-11, 0x1.14bf895a69517p-12, 0x1.04936f0ef73dbp-13, -0x1.253bce9ecae48p-15,
        -0x1.0b9c949575db9p-16, 0x1.8d30f995eee7cp-18, 0x1.46a0328d00b7ap-19, -0x1.09b6fd46ae70ap-20,
        -0x1.cecf33fcf1fa4p-22, 0x1.3007fe1df4050p-23, 0x1.43036bb90f7d1p-24, -0x1.23aefd74d1787p-26,
        -0x1.9b012e1b21a3bp-27, 0x1.e4d300ae6240fp-30, 0x1.dfa88db1f1611p-30, -0x1.77c584fde0ea6p-33,
        -0x1.0b9b7346e9899p-32, 0x1.28d47a9868970p-36, 0x1.2a7c39c30fc60p-35, -0x1.d6321bcda15dfp-40,
        -0x1.53b9863442cf3p-38, 0x1.192d1499ee4eap-43, 0x1.86ac80a268779p-41, 0x1.fa7c5a99867e4p-49,
        -0x1.bc4d194d71e90p-44, -0x1.23494d518ccb2p-48,
    ])
    /// g(t) = σ(t)·(1 + t·σ(−t)), silu′ as a function of t = beta·x
    static let sigmoidGated = RootSeries(root: (-0x1.474973c84120bp+0, -0x1.f8d74bc9ac154p-54), coefficients: [
        0x1.be1410460527fp-3, 0x1.2c563458cc0adp-3, 0x1.353eb573ca457p-6, -0x1.f2d0e32bc2994p-7,
        -0x1.b0f82c498fd2fp-8, 0x1.098e92b8f076dp-13, 0x1.a2a7caf0ee747p-11, 0x1.8574d136d4cb4p-13,
        -0x1.57238dca12615p-15, -0x1.f2d8976600f6fp-16, -0x1.8af40fd30a2bcp-19, 0x1.3ae0f751df483p-19,
        0x1.cdb14ef8f6491p-21, -0x1.061994e63271cp-25, -0x1.8dffda8a766aap-24, -0x1.4450a9df8b6aep-26,
        0x1.3d70fd01a98fbp-28, 0x1.9103906c85149p-29, 0x1.040416db972a2p-32, -0x1.ef14a65c75c02p-33,
        -0x1.4a014ae69132cp-34, 0x1.195f6f53efc29p-38, 0x1.1afa918bb2cf1p-37, 0x1.a1ca0af75ced5p-40,
        -0x1.d271103ec27abp-42, -0x1.088c435a626d4p-42, -0x1.14fef7cd5c5d0p-46, 0x1.4b6d12ddf47aap-46,
        0x1.9801d1739d44ap-48, -0x1.d7a415f051e21p-52, -0x1.64c030ebacf6bp-51, -0x1.df977c5a477b9p-54,
        0x1.338858972eb8bp-55, 0x1.3d96b78ab9a6dp-56,
    ])
    /// mish′(x)
    static let mish = RootSeries(root: (-0x1.31432c0d12d84p+0, -0x1.bf319154da210p-55), coefficients: [
        0x1.115acb42500bbp-2, 0x1.a34a251d8ad7bp-3, 0x1.574f121a868dbp-5, -0x1.4c222fe64d4fbp-6,
        -0x1.03369d4ac90fap-6, -0x1.b87ddfb51b745p-9, 0x1.1e5e184a0fe00p-10, 0x1.03799182b217fp-10,
        0x1.0a7954e868670p-12, -0x1.5fffa067220abp-15, -0x1.d453aef9813d0p-15, -0x1.223bcd6871175p-16,
        0x1.fa20aae0364c5p-21, 0x1.866a4abf08ed3p-19, 0x1.1fad0feef3614p-20, 0x1.cdc8ee0f3f16cp-26,
        -0x1.2f2a6f67e254ep-23, -0x1.09308389bebbbp-24, -0x1.77389c6a0a981p-28, 0x1.b716f3bd4fe09p-28,
        0x1.cdd99b87a3bc1p-29, 0x1.08da5810e3afbp-31, -0x1.2623d307ee142p-32, -0x1.7f8ee955413c0p-33,
        -0x1.2a3aaa1a31e2cp-35, 0x1.636c45500acfep-37, 0x1.3172f15da1172p-37, 0x1.2afb1220b8b14p-39,
        -0x1.68ad028523b7cp-42, -0x1.d3a97c952957ep-42, -0x1.16118d9ec4200p-43, 0x1.c8a7a540e16b8p-48,
        0x1.5822f7f658be1p-46, 0x1.e98c15c9f51d3p-48,
    ])
}
