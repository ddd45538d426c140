// export-latex: escaping, bold best, daggers for significant differences (compiling is a CLI test).
import Data
import Foundation
import Testing
import Tracker

@Suite struct LaTeXTableTests {
  @Test func escapesSpecialCharacters() {
    #expect(
      LaTeXTable.escape("a_b 50% R&D #1 $x {y} ~ ^ \\ <>")
        == ##"a\_b 50\% R\&D \#1 $\$$x \{y\} \~{} \^{} $\backslash$ $<$$>$"##)
    #expect(LaTeXTable.escape("0.8 ± 0.1 ↓") == #"0.8 $\pm$ 0.1 $\downarrow$"#)
  }

  @Test func tableHasBestInBoldAndDaggers() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try ComparisonTests.makeStore(folder)
    let comparison = try store.compare(
      ComparisonRequest(
        grouping: .keys(["model.n_experts"]), metrics: .list(["Non0_acc_2", "MAE"]),
        baseline: try ComparisonRequest.parseBaseline("model.n_experts=4")))
    let latex = LaTeXTable(caption: "Experts_ablation", label: "tab:experts").render(comparison)
    let lines = latex.split(separator: "\n").map(String.init)
    #expect(
      lines.contains(
        #"\caption{Experts\_ablation $^{\dagger}$ $p < 0.05$, two-sided paired $t$-test over shared seeds against model.n\_experts=4.}"#
      ))
    #expect(lines.contains(#"\label{tab:experts}"#))
    #expect(lines.contains(#"n\_experts & $n$ & Non0\_acc\_2 $\uparrow$ & MAE $\downarrow$ \\"#))
    // e2: 0.7633 ± 0.0321 (p = 0.053, no dagger); e4: best MAE 0.7200 ± 0.0200; e8: best accuracy, n = 1.
    #expect(lines.contains(#"2 & 3 & 0.7633 $\pm$ 0.0321 & 0.7533 $\pm$ 0.0451 \\"#))
    #expect(lines.contains(#"4 & 3 & 0.8000 $\pm$ 0.0200 & \textbf{0.7200 $\pm$ 0.0200} \\"#))
    #expect(lines.contains(#"8 & 1 & \textbf{0.9000 $\pm$ --} & 0.9000 $\pm$ -- \\"#))
    #expect(lines.first == #"\begin{table}[t]"# && lines.contains(#"\toprule"#) && lines.last == #"\end{table}"#)
  }
}
