import Foundation
import Numerics
import Testing

// Every kernel's backward against central finite differences in Double (DESIGN section 2).
@Suite struct KernelGradientTests {
  let check = GradientCheck()

  @Test func linear() {
    let (n, i, o) = (3, 4, 5)
    check.check(
      "linear", inputs: [randomValues(n * i, seed: 1), randomValues(o * i, seed: 2), randomValues(o, seed: 3)],
      outputs: n * o,
      forward: { x in
        var out = [Double](repeating: 0, count: n * o)
        linearForward(&out, x[0], x[1], x[2], rows: n, inputs: i, outputs: o)
        return out
      },
      backward: { x, w in
        var (dx, dw, db) = (
          [Double](repeating: 0, count: n * i), [Double](repeating: 0, count: o * i), [Double](repeating: 0, count: o)
        )
        linearBackward(
          dinp: &dx, dweight: &dw, dbias: &db, dout: w, inp: x[0], weight: x[1], rows: n, inputs: i, outputs: o)
        return [dx, dw, db]
      })
  }

  @Test func conv3EqualsDirectLoopAndGradients() {
    // Three sequences of 5, 1 and 3 steps packed into 9 rows, as a padded [3, 5, D] batch would hold them.
    let lengths = [5, 1, 3]
    let storage = SegmentStorage()
    storage.set(lengths: lengths)
    let segments = storage.segments
    let (rows, d, r) = (9, 3, 4)
    let x = randomValues(rows * d, seed: 4)
    let w = randomValues(r * d * 3, seed: 5)
    let bias = randomValues(r, seed: 6)
    let work = conv3WorkspaceCount(rows: rows, inputs: d, outputs: r)
    func forward(_ x: [Double], _ w: [Double], _ bias: [Double]) -> [Double] {
      var out = [Double](repeating: 0, count: rows * r)
      var scratch = [Double](repeating: 0, count: work)
      conv3Forward(&out, work: &scratch, x, w, bias, segments: segments, inputs: d, outputs: r)
      return out
    }
    // The loop form of torch.nn.Conv1d(d, r, 3, padding=1) on each sequence alone.
    var direct = [Double](repeating: 0, count: rows * r)
    var start = 0
    for length in lengths {
      for step in 0..<length {
        for o in 0..<r {
          var acc = bias[o]
          for c in 0..<d {
            for k in 0..<3 where (0..<length).contains(step + k - 1) {
              acc += w[(o * d + c) * 3 + k] * x[(start + step + k - 1) * d + c]
            }
          }
          direct[(start + step) * r + o] = acc
        }
      }
      start += length
    }
    let fused = forward(x, w, bias)
    #expect(zip(fused, direct).allSatisfy { abs($0 - $1) < 1e-12 })
    check.check(
      "conv3", inputs: [x, w, bias], outputs: rows * r, forward: { forward($0[0], $0[1], $0[2]) },
      backward: { inputs, g in
        var scratch = [Double](repeating: 0, count: work)
        var dx = [Double](repeating: 0, count: x.count)
        var dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: r)
        conv3Backward(
          dx: &dx, work: &scratch, dweight: &dw, dbias: &db, dout: g, x: inputs[0], weight: inputs[1],
          segments: segments,
          inputs: d, outputs: r)
        return [dx, dw, db]
      })
  }

  @Test func layerNorm() {
    let (n, c) = (3, 6)
    check.check(
      "layernorm",
      inputs: [randomValues(n * c, seed: 7, scale: 2), randomValues(c, seed: 8), randomValues(c, seed: 9)],
      outputs: n * c,
      forward: { x in
        var out = [Double](repeating: 0, count: n * c)
        var mean = [Double](repeating: 0, count: n)
        var rstd = mean
        layerNormForward(&out, mean: &mean, rstd: &rstd, x[0], x[1], x[2], rows: n, channels: c)
        return out
      },
      backward: { x, g in
        var out = [Double](repeating: 0, count: n * c)
        var mean = [Double](repeating: 0, count: n)
        var rstd = mean
        layerNormForward(&out, mean: &mean, rstd: &rstd, x[0], x[1], x[2], rows: n, channels: c)
        var (dx, dw, db) = (
          [Double](repeating: 0, count: n * c), [Double](repeating: 0, count: c), [Double](repeating: 0, count: c)
        )
        layerNormBackward(
          dx: &dx, dweight: &dw, dbias: &db, dout: g, x: x[0], weight: x[1], mean: mean, rstd: rstd, rows: n,
          channels: c)
        return [dx, dw, db]
      })
  }

  @Test func geluAndRelu() {
    let x = randomValues(20, seed: 10, scale: 2)
    check.check(
      "gelu", inputs: [x], outputs: 20,
      forward: { v in [Double](repeating: 0, count: 20).withCopy { geluForward($0, v[0], count: 20) } },
      backward: { v, g in
        [[Double](repeating: 0, count: 20).withCopy { geluBackward(dx: $0, dout: g, x: v[0], count: 20) }]
      })
    check.check(
      "relu", inputs: [x], outputs: 20,
      forward: { v in [Double](repeating: 0, count: 20).withCopy { reluForward($0, v[0], count: 20) } },
      backward: { v, g in
        [[Double](repeating: 0, count: 20).withCopy { reluBackward(dx: $0, dout: g, x: v[0], count: 20) }]
      })
    // GELU(1) = 0.5 * (1 + erf(1/sqrt 2)) = 0.8413447460685429 (the standard normal CDF at 1).
    var y = [0.0]
    geluForward(&y, [1.0], count: 1)
    #expect(abs(y[0] - 0.8413447460685429) < 1e-15)
  }

  @Test func softmax() {
    let (n, c) = (3, 5)
    check.check(
      "softmax", inputs: [randomValues(n * c, seed: 11)], outputs: n * c,
      forward: { v in [Double](repeating: 0, count: n * c).withCopy { softmaxForward($0, v[0], rows: n, columns: c) } },
      backward: { v, g in
        let y = [Double](repeating: 0, count: n * c).withCopy { softmaxForward($0, v[0], rows: n, columns: c) }
        return [
          [Double](repeating: 0, count: n * c).withCopy { softmaxBackward(dx: $0, dout: g, y: y, rows: n, columns: c) }
        ]
      })
  }

  @Test func segmentMeanIncludingAnEmptySequence() {
    let storage = SegmentStorage()
    storage.set(lengths: [2, 0, 4])
    let segments = storage.segments
    let c = 2
    check.check(
      "segment mean", inputs: [randomValues(6 * c, seed: 12)], outputs: 3 * c,
      forward: { v in
        [Double](repeating: 0, count: 3 * c).withCopy { segmentMeanForward($0, v[0], segments: segments, channels: c) }
      },
      backward: { _, g in
        [
          [Double](repeating: 0, count: 6 * c).withCopy {
            segmentMeanBackward(dx: $0, dout: g, segments: segments, channels: c)
          }
        ]
      })
    let x = (0..<(6 * c)).map(Double.init)
    let y = [Double](repeating: 0, count: 3 * c).withCopy { segmentMeanForward($0, x, segments: segments, channels: c) }
    // rows (0,1) and (2,3) average to (1, 2); the empty sequence gives zeros; rows 4..11 in pairs average to (7, 8)
    #expect(y == [1, 2, 0, 0, 7, 8])
  }

  @Test func attentionOverPackedSequencesEqualsPaddedMaskedAttention() {
    let shape = AttentionShape(heads: 2, headDim: 3)
    let d = shape.width
    let queryStorage = SegmentStorage()
    queryStorage.set(lengths: [3, 1, 2])
    let keyStorage = SegmentStorage()
    keyStorage.set(lengths: [2, 4, 1])
    let (queries, keys) = (queryStorage.segments, keyStorage.segments)
    let count = shape.probabilityCount(queries: queries, keys: keys)
    var rng = RandomStream(seed: 5, stream: 1)
    let scales = [Double](repeating: 0, count: count).withCopy { dropoutMask($0, count: count, p: 0.3, rng: &rng) }
    let (q, k, v) = (randomValues(6 * d, seed: 13), randomValues(7 * d, seed: 14), randomValues(7 * d, seed: 15))
    // Sequence 1 by hand: one query against four keys, per head softmax(q k^T / sqrt 3) v.
    var out = [Double](repeating: 0, count: 6 * d)
    var probs = [Double](repeating: 0, count: count)
    attentionForward(&out, probs: &probs, q: q, k: k, v: v, queries: queries, keys: keys, shape: shape)
    for h in 0..<2 {
      let scores = (2..<6).map { key in
        (0..<3).reduce(0.0) { $0 + q[3 * d + h * 3 + $1] * k[key * d + h * 3 + $1] } / 3.0.squareRoot()
      }
      let e = scores.map { Foundation.exp($0 - scores.max()!) }
      let p = e.map { $0 / e.reduce(0, +) }
      for j in 0..<3 {
        let expected = (0..<4).reduce(0.0) { $0 + p[$1] * v[(2 + $1) * d + h * 3 + j] }
        #expect(abs(out[3 * d + h * 3 + j] - expected) < 1e-12)
      }
    }
    for dropout in [false, true] {
      func run(_ x: [[Double]]) -> ([Double], [Double], [Double]) {
        var out = [Double](repeating: 0, count: 6 * d)
        var probs = [Double](repeating: 0, count: count)
        var dropped = probs
        dropped.withUnsafeMutableBufferPointer { droppedBuffer in
          attentionForward(
            &out, probs: &probs, q: x[0], k: x[1], v: x[2], queries: queries, keys: keys, shape: shape,
            dropoutScale: dropout ? scales : nil, dropped: dropout ? droppedBuffer.baseAddress : nil)
        }
        return (out, probs, dropped)
      }
      check.check(
        "attention (dropout \(dropout))", inputs: [q, k, v], outputs: 6 * d, forward: { run($0).0 },
        backward: { x, g in
          let (_, probs, dropped) = run(x)
          var (dq, dk, dv) = (
            [Double](repeating: 0, count: x[0].count), [Double](repeating: 0, count: x[1].count),
            [Double](repeating: 0, count: x[2].count)
          )
          var scratch = [Double](repeating: 0, count: shape.largestBlock(queries: queries, keys: keys))
          attentionBackward(
            dq: &dq, dk: &dk, dv: &dv, dout: g, probs: probs, q: x[0], k: x[1], v: x[2], queries: queries, keys: keys,
            shape: shape, scratch: &scratch, dropoutScale: dropout ? scales : nil, dropped: dropout ? dropped : nil)
          return [dq, dk, dv]
        })
    }
  }

  @Test func dropoutKeepsTheExpectedShareAndScales() {
    var rng = RandomStream(seed: 1, stream: 2)
    var scale = [Float](repeating: 0, count: 100_000)
    dropoutMask(&scale, count: scale.count, p: 0.1, rng: &rng)
    let kept = scale.filter { $0 != 0 }
    #expect(abs(Double(kept.count) / 100_000 - 0.9) < 0.005)
    #expect(kept.allSatisfy { abs($0 - 1 / 0.9) < 1e-6 })
    let x = randomValues(10, seed: 3)
    let s = scale.prefix(10).map(Double.init)
    check.check(
      "dropout", inputs: [x], outputs: 10,
      forward: { v in [Double](repeating: 0, count: 10).withCopy { dropoutForward($0, v[0], scale: s, count: 10) } },
      backward: { _, g in
        [[Double](repeating: 0, count: 10).withCopy { dropoutBackward(dx: $0, dout: g, scale: s, count: 10) }]
      })
  }

  @Test func lossesMatchHandValuesAndGradients() {
    let pred: [Double] = [0.5, -1, 2, 0.25]
    let target: [Double] = [1, -1.5, 0, 3]
    let mask: [Double] = [1, 1, 1, 0]
    var dpred = [Double](repeating: 0, count: 4)
    // |0.5-1| + |-1+1.5| + |2-0| = 3 over 3 samples
    let l1: Double = l1Loss(pred, target, mask: mask, count: 4, dpred: &dpred)
    #expect(l1 == 1)
    let third = 1.0 / 3
    let expectedL1Gradient: [Double] = [-third, third, third, 0]
    #expect(dpred == expectedL1Gradient)

    let logits = randomValues(12, seed: 20, scale: 3)
    let z: [Double] = [1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1]
    let rows: [Double] = [1, 0, 1, 1]
    check.check(
      "bce", inputs: [logits], outputs: 1,
      forward: { v in [bceWithLogitsLoss(v[0], z, rowMask: rows, rows: 4, columns: 3, dx: nil)] },
      backward: { v, g in
        var dx = [Double](repeating: 0, count: 12)
        _ = bceWithLogitsLoss(v[0], z, rowMask: rows, rows: 4, columns: 3, dx: &dx, upstream: g[0])
        return [dx]
      })
    // One logit 0 against target 1: log 2.
    let single: Double = bceWithLogitsLoss([0.0], [1.0], rowMask: [1.0], rows: 1, columns: 1, dx: nil)
    #expect(abs(single - 0.6931471805599453) < 1e-15)

    let gates = [Double](repeating: 0, count: 12).withCopy {
      softmaxForward($0, randomValues(12, seed: 21), rows: 4, columns: 3)
    }
    check.check(
      "balance", inputs: [gates], outputs: 1,
      forward: { v in [balanceLoss(v[0], batch: 4, experts: 3, dgates: nil)] },
      backward: { v, g in
        var dg = [Double](repeating: 0, count: 12)
        _ = balanceLoss(v[0], batch: 4, experts: 3, dgates: &dg, upstream: g[0])
        return [dg]
      })
    // importance (0.5, 0.25, 0.25): mean 1/3, variance 1/72, CV^2 = (1/72) / (1/9) = 0.125
    let cv2: Double = balanceLoss([0.5, 0.25, 0.25], batch: 1, experts: 3, dgates: nil)
    #expect(abs(cv2 - 0.125) < 1e-15)
  }

  @Test func topKGatesKeepTheLargestLogits() {
    let logits: [Double] = [0.1, 2, -1, 1.5, 3, 3, 0, -2]
    var out = [Double](repeating: 0, count: 8)
    var kept = out
    topKMaskForward(&out, kept: &kept, logits, rows: 2, columns: 4, k: 2)
    #expect(kept == [0, 1, 0, 1, 1, 1, 0, 0])
    // Top-k followed by softmax: gradients flow to the kept logits only.
    check.check(
      "top-k softmax", inputs: [randomValues(8, seed: 30)], outputs: 8,
      forward: { v in
        var masked = [Double](repeating: 0, count: 8)
        var k = masked
        topKMaskForward(&masked, kept: &k, v[0], rows: 2, columns: 4, k: 2)
        return [Double](repeating: 0, count: 8).withCopy { softmaxForward($0, masked, rows: 2, columns: 4) }
      },
      backward: { v, g in
        var masked = [Double](repeating: 0, count: 8)
        var k = masked
        topKMaskForward(&masked, kept: &k, v[0], rows: 2, columns: 4, k: 2)
        let y = [Double](repeating: 0, count: 8).withCopy { softmaxForward($0, masked, rows: 2, columns: 4) }
        let dmasked = [Double](repeating: 0, count: 8).withCopy {
          softmaxBackward(dx: $0, dout: g, y: y, rows: 2, columns: 4)
        }
        return [
          [Double](repeating: 0, count: 8).withCopy { topKMaskBackward(dlogits: $0, dout: dmasked, kept: k, count: 8) }
        ]
      })
  }
}
