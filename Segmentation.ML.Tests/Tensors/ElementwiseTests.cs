using Segmentation.ML.Tensors;
using Segmentation.ML.Tensors.Reference;

namespace Segmentation.ML.Tests.Tensors;

[Trait("Category", "Kernels")]
public class ElementwiseTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 257)]
    [InlineData(21, 33)]
    [InlineData(11, 1000)]
    public void SoftmaxEqualsReferenceAndSumsToOne(int channels, int pixels)
    {
        var logits = KernelAssert.Random(channels * pixels, 51, 30f);
        var expected = new float[logits.Length];
        ReferenceKernels.Softmax(logits, channels, pixels, expected);
        var actual = new float[logits.Length];
        ChannelOps.Softmax(logits, channels, actual);
        KernelAssert.Close(expected, actual, 1e-5, 1e-7, "softmax");
        for (int p = 0; p < pixels; p++)
        {
            double sum = 0;
            for (int c = 0; c < channels; c++) sum += actual[c * pixels + p];
            Assert.InRange(sum, 1 - 1e-5, 1 + 1e-5);
        }

        ChannelOps.Softmax(logits, channels, logits);
        Assert.Equal(actual, logits);
    }

    [Fact]
    public void ArgmaxPicksFirstOfTiesAndNaN()
    {
        // 3 channels × 4 pixels: a tie, a clear winner, a NaN, and -inf everywhere.
        float[] scores =
        [
            1f, 0f, 2f, float.NegativeInfinity,
            1f, 5f, float.NaN, float.NegativeInfinity,
            0f, 1f, 3f, float.NegativeInfinity,
        ];
        var labels = new byte[4];
        ChannelOps.Argmax(scores, 3, labels);
        Assert.Equal(new byte[] { 0, 1, 1, 0 }, labels);
        var reference = new byte[4];
        ReferenceKernels.Argmax(scores, 3, 4, reference);
        Assert.Equal(reference, labels);
    }

    [Fact]
    public void ArgmaxEqualsReferenceOnRandomScores()
    {
        var scores = KernelAssert.Random(21 * 777, 52);
        var expected = new byte[777];
        var actual = new byte[777];
        ReferenceKernels.Argmax(scores, 21, 777, expected);
        ChannelOps.Argmax(scores, 21, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ChannelOpsRefuseBadShapes()
    {
        Assert.Throws<TensorShapeException>(() => ChannelOps.Softmax(new float[10], 3, new float[10]));
        Assert.Throws<TensorShapeException>(() => ChannelOps.Softmax(new float[9], 3, new float[8]));
        Assert.Throws<TensorShapeException>(() => ChannelOps.Argmax(new float[9], 3, new byte[4]));
        Assert.Throws<TensorShapeException>(() => ChannelOps.Argmax(new float[257], 257, new byte[1]));
        var data = new float[10];
        Assert.Throws<TensorShapeException>(() => ChannelOps.Softmax(data.AsSpan(0, 8), 2, data.AsSpan(2, 8)));
    }

    [Fact]
    public void ReluBackwardPassesGradientOnlyWhereTheUnitWasLinear()
    {
        float[] x = [-2f, -0f, 0.5f, 5.9f, 6f, 7f];
        var y = new float[x.Length];
        Activations.Forward(x, y, FusedActivation.Relu);
        float[] g = [1f, 2f, 3f, 4f, 5f, 6f];
        var gx = new float[x.Length];
        Activations.Backward(y, g, gx, FusedActivation.Relu);
        Assert.Equal(new[] { 0f, 0f, 0.5f, 5.9f, 6f, 7f }, y);
        Assert.Equal(new[] { 0f, 0f, 3f, 4f, 5f, 6f }, gx);
    }

    [Fact]
    public void DropoutKeepsExpectedFractionScalesAndIsSeeded()
    {
        const int n = 100_000;
        const float p = 0.5f;
        var x = Enumerable.Repeat(1f, n).ToArray();
        var y = new float[n];
        var mask = new float[n];
        Dropout.Forward(x, y, mask, p, new Random(7));
        int kept = y.Count(v => v != 0f);
        // Binomial(n, 0.5): σ = √(n/4) ≈ 158; 5σ leaves a one-in-a-million false alarm.
        Assert.InRange(kept, n / 2 - 790, n / 2 + 790);
        Assert.All(y, v => Assert.True(v == 0f || v == 2f));

        var again = new float[n];
        Dropout.Forward(x, again, new float[n], p, new Random(7));
        Assert.Equal(y, again);

        var g = KernelAssert.Random(n, 8);
        var gx = new float[n];
        Dropout.Backward(g, mask, gx);
        for (int i = 0; i < n; i += 997) Assert.Equal(g[i] * mask[i], gx[i]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.Forward(x, y, mask, 1f, new Random(1)));
    }

    [Fact]
    public void LinearBackwardMatchesFiniteDifferences()
    {
        const int inF = 5, outF = 4, count = 7;
        var w = KernelAssert.Random(outF * inF, 61);
        var b = KernelAssert.Random(outF, 62);
        var x = KernelAssert.Random(inF * count, 63);
        var target = KernelAssert.Random(outF * count, 64);

        // Loss L = ½ Σ (Wx + b − t)², so dL/dY = Y − t.
        double Loss(float[] weights, float[] bias, float[] input)
        {
            var y = new float[outF * count];
            ReferenceKernels.Gemm(false, false, outF, count, inF, 1f, weights, inF, input, count, 0f, y, count);
            double sum = 0;
            for (int o = 0; o < outF; o++)
                for (int c = 0; c < count; c++)
                {
                    double d = y[o * count + c] + (double)bias[o] - target[o * count + c];
                    sum += 0.5 * d * d;
                }
            return sum;
        }

        var yOut = new float[outF * count];
        Linear.Forward(w, b, x, yOut, inF, outF, count);
        var dy = yOut.Zip(target, (v, t) => v - t).ToArray();
        var dw = new float[w.Length];
        var db = new float[b.Length];
        var dx = new float[x.Length];
        Linear.Backward(w, x, dy, dx, dw, db, inF, outF, count);

        // Central differences with h = 1e-2 on a quadratic loss are exact up to float rounding of the loss (≈1e-6).
        const float h = 1e-2f;
        void CheckGradient(float[] parameter, float[] analytic, string name)
        {
            for (int i = 0; i < parameter.Length; i++)
            {
                float saved = parameter[i];
                parameter[i] = saved + h;
                double up = Loss(w, b, x);
                parameter[i] = saved - h;
                double down = Loss(w, b, x);
                parameter[i] = saved;
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[i]) < 1e-3 * (1 + Math.Abs(numeric)), $"d{name}[{i}]: numeric {numeric}, analytic {analytic[i]}");
            }
        }
        CheckGradient(w, dw, "W");
        CheckGradient(b, db, "b");
        CheckGradient(x, dx, "X");

        var accumulated = (float[])dw.Clone();
        Linear.Backward(w, x, dy, [], accumulated, [], inF, outF, count, accumulate: true);
        KernelAssert.Close(dw.Select(v => 2 * v).ToArray(), accumulated, 1e-6, 1e-6, "accumulated dW");
    }

    [Fact]
    public void LinearForwardAppliesBiasAndActivation()
    {
        float[] w = [1f, -1f, 2f, 0.5f];
        float[] x = [1f, 2f, 3f, 4f, 5f, 6f];
        var y = new float[6];
        Linear.Forward(w, [10f, -100f], x, y, 2, 2, 3, FusedActivation.Relu);
        Assert.Equal(new[] { 7f, 7f, 7f, 0f, 0f, 0f }, y);
    }
}
