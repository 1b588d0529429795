using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Tests.Hypercolumns;

/// <summary>
/// A tiny training set without a backbone: 8×8 images whose hypercolumns come from two taps (4×4 and 2×2) of seeded
/// random values, output stride 2, seeded random labels in a few classes.
/// </summary>
internal sealed class InMemoryHypercolumns(int images, string[] tapNames, int[] tapChannels, int classes, int seed, bool poisonWithNaN = false) : LabelledHypercolumns
{
    private const int Size = 8, Stride = 2;

    public override SegmentationClassSet Classes { get; } = new("tiny", Enumerable.Range(0, classes).Select(c => $"class{c}"), ignoreValue: 255);

    public override int Channels => tapChannels.Sum();

    public override int? Count => images;

    public static InMemoryHypercolumns Default(int seed = 1, bool poisonWithNaN = false) => new(6, ["tap0", "tap1"], [3, 2], 3, seed, poisonWithNaN);

    public override IEnumerable<(HypercolumnMaps Maps, LabelMap Label)> Read(Random? order, CancellationToken cancellation)
    {
        var indices = Enumerable.Range(0, images).ToArray();
        order?.Shuffle(indices);
        foreach (int index in indices)
        {
            cancellation.ThrowIfCancellationRequested();
            var random = new Random(seed * 1000 + index);
            var features = new BackboneFeatures();
            for (int t = 0; t < tapNames.Length; t++)
            {
                int side = Size / (Stride << t);
                var values = Enumerable.Range(0, tapChannels[t] * side * side).Select(_ => random.NextSingle() * 2 - 1).ToArray();
                if (poisonWithNaN && t == 0) values[0] = float.NaN;
                features.Add(new BackboneTap(tapNames[t], tapChannels[t], Stride << t), Tensor.FromValues(values, tapChannels[t], side, side));
            }
            using var maps = new HypercolumnMaps(features, Size, Size, Stride);
            yield return (maps, Labels(index));
        }
    }

    public override IEnumerable<LabelMap> ReadLabels(CancellationToken cancellation) => Enumerable.Range(0, images).Select(Labels);

    private LabelMap Labels(int index)
    {
        var random = new Random(seed * 7777 + index);
        return new LabelMap(Size, Size, Enumerable.Range(0, Size * Size).Select(_ => (byte)random.Next(Classes.ClassCount)).ToArray());
    }
}
