// Statistics and t-tests against scipy 1.17.1 / numpy 2.4.6, computed once in Python and pasted:
//   2 * scipy.stats.t.sf(abs(t), df), scipy.stats.t.cdf(t, df), scipy.special.betainc(a, b, x),
//   scipy.stats.ttest_rel(a, b), scipy.stats.ttest_ind(a, b, equal_var=False), numpy.std(ddof=1).
import Metrics
import Testing

@Suite struct StatisticsTests {
  // (t, df, two-sided p, cdf)
  static let studentT: [(Double, Double, Double, Double)] = [
    (1.0, 1, 0.5000000000000001, 0.75),
    (2.5, 2, 0.12961172022151082, 0.9351941398892446),
    (-3.2, 4, 0.032900810600938975, 0.016450405300469487),
    (0.5, 4, 0.6433299631818633, 0.6783350184090684),
    (10, 1, 0.06345103486110713, 0.9682744825694465),
    (50, 2, 0.00039976015988808057, 0.9998001199200559),
    (100, 4, 5.99600209899246e-08, 0.9999999700199895),
    (40, 30, 1.3726045194406417e-27, 1.0),
    (2.0, 1000, 0.04577034649325166, 0.9771148267533741),
    (0, 5, 1.0, 0.5),
    (0.001, 3, 0.9992648949694609, 0.5003675525152695),
    (8, 100, 2.2728648077280694e-12, 0.9999999999988636),
    (1.5, 2.5, 0.24783645308629618, 0.8760817734568519),
    (30, 4, 7.352856097661319e-06, 0.9999963235719511),
    (1000.0, 1, 0.0006366195601611178, 0.9996816902199195),
    (0.2, 100000.0, 0.8414809878056724, 0.5792595060971638),
  ]

  @Test func studentTMatchesScipy() {
    for (t, df, p, cdf) in Self.studentT {
      let tail = StudentT.twoSidedTail(t, degreesOfFreedom: df)
      // Relative error, so the tiny tails (1e-27) are checked to all their digits too.
      #expect(abs(tail - p) <= 1e-11 * p, "t = \(t), df = \(df): \(tail) vs \(p)")
      #expect(abs(StudentT.cdf(t, degreesOfFreedom: df) - cdf) <= 1e-13, "cdf t = \(t), df = \(df)")
    }
    #expect(StudentT.twoSidedTail(.infinity, degreesOfFreedom: 3) == 0)
    #expect(StudentT.twoSidedTail(.nan, degreesOfFreedom: 3).isNaN)
  }

  @Test func incompleteBetaMatchesScipy() {
    // (x, a, b, betainc(a, b, x))
    let cases: [(Double, Double, Double, Double)] = [
      (0.3, 2, 3, 0.34829999999999994),  // also by hand: 6x^2 (1/2 - 2x/3 + x^2/4) = 0.3483
      (0.9, 0.5, 0.5, 0.7951672353008665),
      (0.01, 10, 0.5, 1.770034965528571e-21),
      (0.999, 2.5, 7, 1.0),
      (0.5, 200, 300, 0.9999964565197356),
      (0.2, 1, 1, 0.2),
      (0.4, 400, 600, 0.5017170329937447),  // large a and b: log B without cancelling lgammas
      (0.41, 400, 600, 0.7414814534942447),
      (0.999, 50, 0.5, 0.7523690199653766),
      (0.9999, 1e4, 3.5, 0.9598209940775406),
    ]
    for (x, a, b, want) in cases {
      let got = regularizedIncompleteBeta(x, a: a, b: b)
      #expect(abs(got - want) <= 1e-13 * max(want, 1e-300) + 1e-15, "I_\(x)(\(a), \(b)): \(got) vs \(want)")
    }
    #expect(regularizedIncompleteBeta(0, a: 2, b: 3) == 0 && regularizedIncompleteBeta(1, a: 2, b: 3) == 1)
  }

  static let a = [0.8312, 0.8401, 0.8275, 0.8350, 0.8398]
  static let b = [0.8250, 0.8322, 0.8290, 0.8301, 0.8333]

  @Test func meanAndSampleStandardDeviation() {
    #expect(close(Statistics.mean(Self.a)!, 0.8347200000000001, 1e-15))
    #expect(close(Statistics.sampleStandardDeviation(Self.a)!, 0.005462325512087294, 1e-13))
    #expect(Statistics.sampleStandardDeviation([0.8]) == nil)
    #expect(Statistics.mean([]) == nil)
    // By hand: 1, 2, 3, 4 -> mean 2.5, squares 2.25 + .25 + .25 + 2.25 = 5 -> var 5/3.
    #expect(close(Statistics.sampleVariance([1, 2, 3, 4])!, 5.0 / 3, 1e-15))
  }

  @Test func pairedTestMatchesScipy() throws {
    let five = try #require(TTest.paired(Self.a, Self.b))
    #expect(close(five.t, 2.916868882347928, 1e-10) && five.degreesOfFreedom == 4)
    #expect(close(five.pValue, 0.043379028421587994, 1e-10))
    #expect(close(five.meanDifference, 0.0048, 1e-10))
    // df = 1 and df = 2.
    let two = try #require(TTest.paired(Array(Self.a.prefix(2)), Array(Self.b.prefix(2))))
    #expect(close(two.t, 8.294117647059737, 1e-10) && close(two.pValue, 0.0763868669855944, 1e-10))
    let three = try #require(TTest.paired(Array(Self.a.prefix(3)), Array(Self.b.prefix(3))))
    #expect(close(three.t, 1.4523108673148815, 1e-10) && close(three.pValue, 0.2835587464173225, 1e-10))
    #expect(TTest.paired([1], [2]) == nil)
  }

  @Test func pairedTestDegenerateSpread() throws {
    // scipy: constant non-zero differences give t = inf, p = 0; all-zero differences give NaN, NaN.
    let constant = try #require(TTest.paired([1, 2, 3], [0, 1, 2]))
    #expect(constant.t == .infinity && constant.pValue == 0)
    let zero = try #require(TTest.paired([1, 2, 3], [1, 2, 3]))
    #expect(zero.t.isNaN && zero.pValue.isNaN)
  }

  @Test func welchTestMatchesScipy() throws {
    let same = try #require(TTest.welch(Self.a, Self.b))
    #expect(close(same.t, 1.6914835589625004, 1e-10) && close(same.degreesOfFreedom, 6.491452133277593, 1e-10))
    #expect(close(same.pValue, 0.1379354619028847, 1e-10))
    let unequal = try #require(TTest.welch(Self.a, [0.71, 0.69, 0.74]))
    #expect(close(unequal.t, 8.238773597580591, 1e-10) && close(unequal.degreesOfFreedom, 2.1138200575235824, 1e-10))
    #expect(close(unequal.pValue, 0.012205405439267122, 1e-10))
    #expect(TTest.welch([1], [1, 2]) == nil)
  }
}
