using Segmentation.ML.Models;

namespace Segmentation.ML.Onnx;

/// <summary>
/// Two or more backbones run on the same image, their taps concatenated into one hypercolumn: the first backbone's
/// taps, then the second's, named <c>{architecture}:{tap}</c> (<c>mobilenet_v2:features.1</c>, <c>resnet18:layer4</c>).
/// Each backbone normalises the image as its own weights expect, inside the one graph, so <see cref="Backbone.Normalize"/>
/// of a combined backbone only lays the 0…255 RGB values out as planes. The hypercolumn head resizes every tap,
/// whatever its stride, to its one output grid.
/// </summary>
public sealed class CombinedBackbone : Backbone
{
    private CombinedBackbone(CombinedLayout layout) : base(layout)
    {
    }

    /// <summary>The backbones' architectures, in tap order.</summary>
    public IReadOnlyList<string> Parts => ((CombinedLayout)Layout).Parts.Select(p => p.Architecture).ToArray();

    /// <summary>
    /// Combines <paramref name="backbones"/> (their weights are shared, not copied; each stays usable and is disposed
    /// by its owner). Default taps: each backbone's own.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two backbones, one of them combined already, or two of the same architecture.</exception>
    public static CombinedBackbone Of(params Backbone[] backbones)
    {
        ArgumentNullException.ThrowIfNull(backbones);
        var parts = backbones.Select(b => (b ?? throw new ArgumentNullException(nameof(backbones))).Layout as BackboneLayout
            ?? throw new ArgumentException($"'{b.Architecture}' is combined already; combine the single backbones instead.", nameof(backbones))).ToList();
        return new CombinedBackbone(new CombinedLayout(parts));
    }
}
