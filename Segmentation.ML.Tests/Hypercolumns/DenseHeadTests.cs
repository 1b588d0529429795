using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tensors;
using Segmentation.ML.Tests.Tensors;

namespace Segmentation.ML.Tests.Hypercolumns;

public class DenseHeadTests
{
    /// <summary>Hypercolumn maps from two taps of different resolutions (stride 2 and 4 of a 10×12 image at output stride 2).</summary>
    internal static HypercolumnMaps Maps(int seed, int[] channels, (int H, int W)[] sizes, int imageHeight, int imageWidth, int stride)
    {
        var features = new BackboneFeatures();
        for (int t = 0; t < channels.Length; t++)
        {
            var values = KernelAssert.Random(channels[t] * sizes[t].H * sizes[t].W, seed + t, 2f);
            features.Add(new BackboneTap($"tap{t}", channels[t], 1 << (t + 1)), Tensor.FromValues(values, channels[t], sizes[t].H, sizes[t].W));
        }
        return new HypercolumnMaps(features, imageHeight, imageWidth, stride);
    }

    /// <summary>A head with random weights, biases, mean and std, so that the normalisation and every bias matter.</summary>
    internal static HypercolumnHead Head(int z, int[] hidden, int classes, int seed)
    {
        var head = new HypercolumnHead(z, hidden, classes, new Random(seed));
        var random = new Random(seed + 1);
        for (int i = 0; i < z; i++)
        {
            head.Mean[i] = random.NextSingle() - 0.5f;
            head.Std[i] = 0.5f + random.NextSingle();
        }
        foreach (var bias in head.Biases)
            for (int i = 0; i < bias.Length; i++) bias[i] = random.NextSingle() - 0.5f;
        return head;
    }

    [Fact]
    public void FactorisedHeadEqualsTheHeadOnMaterialisedHypercolumns()
    {
        using var maps = Maps(1, [7, 12, 5], [(45, 60), (23, 30), (12, 15)], 90, 120, 2);
        var head = Head(24, [32, 16], 11, 2);

        var factorised = DenseHead.Logits(head, maps);

        using var full = maps.ToTensor();
        int cells = maps.OutputHeight * maps.OutputWidth;
        var direct = head.Forward(full.Span.ToArray(), cells, 0f, null, out _, keepTrace: false);

        // Same sums in another order, plus the upsampling weights' float32 rounding: 1e-4 of the scores' scale.
        double scale = direct.Max(Math.Abs), worst = 0;
        for (int i = 0; i < direct.Length; i++) worst = Math.Max(worst, Math.Abs(direct[i] - factorised[i]));
        Assert.True(worst <= 1e-4 * scale, $"factorised vs unfactorised: max difference {worst:G3} over scores of magnitude {scale:G3}");
    }

    [Fact]
    public void SampledHypercolumnsEqualTheMaterialisedMap()
    {
        using var maps = Maps(3, [4, 6], [(9, 11), (5, 6)], 17, 21, 1);
        using var full = maps.ToTensor();
        (int, int)[] cells = [(0, 0), (16, 20), (7, 3), (3, 19)];
        var sampled = new float[cells.Length * maps.Channels];
        maps.Sample(cells, sampled);
        int plane = maps.OutputHeight * maps.OutputWidth;
        for (int i = 0; i < cells.Length; i++)
            for (int z = 0; z < maps.Channels; z++)
                Assert.Equal(full.Span[z * plane + cells[i].Item1 * maps.OutputWidth + cells[i].Item2], sampled[i * maps.Channels + z], 1e-5);
    }

    /// <summary>Taps coarser than the 5×6 output grid are projected then upsampled; a finer one (7×8) is resampled then projected.</summary>
    /// <summary>With image-resolution labels, the loss is taken on the scores upsampled to the 10×12 image.</summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void DenseGradientsMatchFiniteDifferences(bool withFinerTap, bool imageResolutionLoss)
    {
        using var maps = withFinerTap
            ? Maps(5, [2, 3], [(7, 8), (2, 2)], 10, 12, 2)
            : Maps(5, [2, 3], [(3, 4), (2, 2)], 10, 12, 2);
        var head = Head(5, [4, 3], 3, 6);
        int cells = imageResolutionLoss ? maps.ImageHeight * maps.ImageWidth : maps.OutputHeight * maps.OutputWidth;
        var random = new Random(7);
        var labels = Enumerable.Range(0, cells).Select(_ => (byte)(random.Next(4) == 3 ? 255 : random.Next(3))).ToArray();

        DenseHead.Gradient(head, maps, labels, dropout: 0f, new Random(1), null, out var dW, out var db);

        double Loss()
        {
            var logits = DenseHead.Logits(head, maps);
            if (imageResolutionLoss)
            {
                var scores = new float[3 * cells];
                Resize.Bilinear(logits, 3, maps.OutputHeight, maps.OutputWidth, scores, maps.ImageHeight, maps.ImageWidth);
                logits = scores;
            }
            return HypercolumnHead.CrossEntropy(logits, 3, labels, null, new float[logits.Length]);
        }

        // Central differences in float32. A perturbation that crosses a ReLU kink (hidden units near zero are
        // common here) skews the difference, by ~20 % at h = 1e-3; at h = 1e-4 kinks are rarely crossed but the
        // loss's rounding (~1e-7/h = 1e-3) grows. A wrong term disagrees at every h, so an element passes when
        // the difference at either step agrees with the analytic gradient.
        double Numeric(float[] parameter, int i, float h)
        {
            float saved = parameter[i];
            parameter[i] = saved + h;
            double up = Loss();
            parameter[i] = saved - h;
            double down = Loss();
            parameter[i] = saved;
            return (up - down) / (2 * h);
        }
        void Check(float[] parameter, float[] analytic, string name)
        {
            for (int i = 0; i < parameter.Length; i++)
            {
                bool Agrees(double numeric) => Math.Abs(numeric - analytic[i]) <= 2e-3 + 2e-2 * Math.Abs(numeric);
                double coarse = Numeric(parameter, i, 1e-3f);
                if (Agrees(coarse)) continue;
                double fine = Numeric(parameter, i, 1e-4f);
                Assert.True(Agrees(fine), $"{name}[{i}]: numeric {coarse:G5} (h = 1e-3) and {fine:G5} (h = 1e-4), analytic {analytic[i]:G5}");
            }
        }
        for (int l = 0; l < head.LayerCount; l++)
        {
            Check(head.Weights[l], dW[l], $"W{l}");
            Check(head.Biases[l], db[l], $"b{l}");
        }
    }
}

public class MirrorTestTimeTests
{
    [Fact]
    public void ScoresAverageTheMirroredImagesScoresFlippedBack()
    {
        var maps = DenseHeadTests.Maps(11, [3, 4], [(6, 8), (3, 4)], 12, 16, 2);
        var mirrored = DenseHeadTests.Maps(12, [3, 4], [(6, 8), (3, 4)], 12, 16, 2);
        var head = new HypercolumnHead(7, [8], 3, new Random(13));
        var plain = DenseHead.Logits(head, maps);
        var other = DenseHead.Logits(head, mirrored);
        maps.Mirrored = mirrored;
        using var scores = DenseHead.Scores(head, maps);

        int gw = maps.OutputWidth, gh = maps.OutputHeight;
        var expected = new float[plain.Length];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < gh; y++)
                for (int x = 0; x < gw; x++)
                    expected[(c * gh + y) * gw + x] = 0.5f * (plain[(c * gh + y) * gw + x] + other[(c * gh + y) * gw + gw - 1 - x]);
        var upsampled = new float[3 * 12 * 16];
        Resize.Bilinear(expected, 3, gh, gw, upsampled, 12, 16);
        KernelAssert.Close(upsampled, scores.Span, 1e-5, 1e-6, "mirrored average");
        maps.Dispose();
    }
}
