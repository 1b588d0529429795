using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tensors;
using Segmentation.ML.Tests.Tensors;

namespace Segmentation.ML.Tests.Onnx;

/// <summary>
/// How far two float32 evaluations of a head's logits — ONNX Runtime's and <see cref="DenseHead"/>'s — may
/// differ, whatever order each sums in and however each computes its interpolation coefficients.
/// <para>
/// Sums: every logit is a sum of products of weights, interpolation coefficients and tap values; rounding
/// perturbs each product by at most γ(n) = nε/(1 − nε), n the roundings on its path (Higham, Accuracy and
/// Stability of Numerical Algorithms, §3.1), so a layer adds at most γ(n)·Σ|terms| and passes its input's error
/// on through |W|; ReLU never enlarges an error. Over the layers that is at most (Σ γ(n_l))·M, with M the head
/// run on absolute values (|W′|, |b′|, |W|, |b|, and tap magnitudes), which bounds every intermediate Σ|terms|.
/// </para>
/// <para>
/// Coefficients: both compute the source coordinate (d + ½)·in/out − ½ in float32, a few roundings of a number
/// up to the input side, so a coefficient is off by up to 4ε·side and an interpolated value by that times
/// |v₀| + |v₁|, per axis. Taking as tap magnitudes the 3×3 maximum of |F| (which at any interpolated point is at
/// least each of the four neighbours) bounds that by 16ε·side·M.
/// </para>
/// Both results lie within these of the exact value, so within twice them of each other. The normalisation is
/// folded by the same <see cref="HypercolumnHead.FoldedFirstLayer"/> on both sides, so it adds nothing. A dropped
/// bias or a misplaced interpolation moves logits by a sizeable fraction of M.
/// </summary>
internal sealed class LogitErrorBound
{
    /// <param name="tapDifferences">
    /// When the two sides' taps themselves may differ (computed from separately normalised pixels), bounds on
    /// |ΔF|; the layers carry them on through |W′| and |W| (interpolation and ReLU never enlarge them).
    /// </param>
    public LogitErrorBound(HypercolumnHead head, HypercolumnMaps maps, HypercolumnMaps? tapDifferences = null)
    {
        var (weight, bias) = head.FoldedFirstLayer();
        var absolute = new HypercolumnHead(head.Sizes, new float[head.InputSize], Enumerable.Repeat(1f, head.InputSize).ToArray(),
            [KernelAssert.Abs(weight), .. head.Weights.Skip(1).Select(KernelAssert.Abs)],
            [KernelAssert.Abs(bias), .. head.Biases.Skip(1).Select(KernelAssert.Abs)]);
        var features = new BackboneFeatures();
        foreach (var (tap, map) in maps.Taps)
            features.Add(tap, Tensor.FromValues(NeighbourhoodMaximum(KernelAssert.Abs(map.Span.ToArray()), map.Dim(0), map.Dim(1), map.Dim(2)), map.Dim(0), map.Dim(1), map.Dim(2)));
        using var magnitudes = new HypercolumnMaps(features, maps.ImageHeight, maps.ImageWidth, maps.OutputStride);
        var magnitude = DenseHead.Logits(absolute, magnitudes);

        // First layer: a dot product over at most Z channels, two interpolations (a product and a sum per axis),
        // the sum over taps and the bias; its coefficients. Later layers: fan-in and bias.
        int tapSide = maps.Taps.Max(t => Math.Max(t.Map.Dim(1), t.Map.Dim(2)));
        double grid = Gamma(head.InputSize + 4 + maps.Taps.Count + 1) + 16 * KernelAssert.Epsilon * tapSide
            + Enumerable.Range(1, head.LayerCount - 1).Sum(l => Gamma(head.Sizes[l] + 1));
        Grid = magnitude.Select(m => (float)(2 * grid * m)).ToArray();
        if (tapDifferences is not null)
        {
            var unbiased = new HypercolumnHead(absolute.Sizes, absolute.Mean, absolute.Std, absolute.Weights, absolute.Biases.Select(b => new float[b.Length]).ToArray());
            var carried = DenseHead.Logits(unbiased, tapDifferences);
            for (int i = 0; i < Grid.Length; i++) Grid[i] += carried[i];
        }

        // The resize to the image (4 roundings and its coefficients) and the mirrored average (1 more rounding),
        // on logits bounded by M and errors bounded by Grid, both spread to the neighbours the resize reads.
        int gridSide = Math.Max(maps.OutputHeight, maps.OutputWidth);
        double resize = Gamma(4 + 1) + 16 * KernelAssert.Epsilon * gridSide;
        var atGrid = Grid.Zip(magnitude, (g, m) => (float)(g + 2 * resize * m)).ToArray();
        Image = new float[head.Classes * maps.ImageHeight * maps.ImageWidth];
        Resize.Bilinear(NeighbourhoodMaximum(atGrid, head.Classes, maps.OutputHeight, maps.OutputWidth), head.Classes, maps.OutputHeight, maps.OutputWidth, Image, maps.ImageHeight, maps.ImageWidth);
    }

    /// <summary>Per grid logit [C, h, w].</summary>
    public float[] Grid { get; }

    /// <summary>Per score at the image's resolution [C, H, W].</summary>
    public float[] Image { get; }

    private static double Gamma(int n) => n * KernelAssert.Epsilon / (1 - n * KernelAssert.Epsilon);

    /// <summary>Each value replaced by the largest in its 3×3 neighbourhood, per plane.</summary>
    private static float[] NeighbourhoodMaximum(float[] values, int planes, int height, int width)
    {
        var result = new float[values.Length];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    float largest = float.NegativeInfinity;
                    for (int dy = Math.Max(0, y - 1); dy <= Math.Min(height - 1, y + 1); dy++)
                        for (int dx = Math.Max(0, x - 1); dx <= Math.Min(width - 1, x + 1); dx++)
                            largest = Math.Max(largest, values[(p * height + dy) * width + dx]);
                    result[(p * height + y) * width + x] = largest;
                }
        return result;
    }

    /// <summary>Asserts |actual − expected| ≤ bound elementwise.</summary>
    public static void AssertWithin(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ReadOnlySpan<float> bound, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= bound[i]))
                Assert.Fail($"{context}: element {i} is {actual[i]}, expected {expected[i]}; error {error:G3} exceeds the bound {bound[i]:G3}.");
        }
    }

    /// <summary>
    /// Asserts the labels equal the arg-max of <paramref name="scores"/> [C, pixels] except at pixels whose best
    /// two scores are closer than the two scores' bounds together: a near-tie either side may break either way.
    /// </summary>
    public static void AssertLabels(ReadOnlySpan<float> scores, ReadOnlySpan<float> bound, int classes, ReadOnlySpan<uint> labels, string context)
    {
        int pixels = labels.Length;
        Assert.Equal(classes * pixels, scores.Length);
        for (int p = 0; p < pixels; p++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (scores[c * pixels + p] > scores[best * pixels + p]) best = c;
            int label = (int)labels[p];
            if (label == best) continue;
            Assert.InRange(label, 0, classes - 1);
            double gap = scores[best * pixels + p] - scores[label * pixels + p];
            double allowed = bound[best * pixels + p] + bound[label * pixels + p];
            if (!(gap <= allowed))
                Assert.Fail($"{context}: pixel {p} is labelled {label}, but class {best} scores {gap:G3} higher, beyond the error bound {allowed:G3}.");
        }
    }
}
