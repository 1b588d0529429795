namespace Segmentation.ML.Models;

/// <summary>
/// Several networks run on the same image, their taps side by side: the first network's taps, then the second's, each
/// named <c>{architecture}:{tap}</c> (<c>mobilenet_v2:features.1</c>, <c>resnet18:layer1</c>) with its own channels and
/// stride. The input is the image's 0…255 RGB planes (<see cref="PixelPlanesNormalization"/>); each network normalises
/// its own copy as its weights expect, inside the graph. The hypercolumn head resizes every tap to its one grid.
/// </summary>
internal sealed class CombinedLayout : BackboneNetwork
{
    /// <summary>The separator between a network's name and its tap's.</summary>
    public const char Separator = ':';

    private readonly BackboneTap[] taps;
    private readonly int[] offsets;

    /// <exception cref="ArgumentException">Fewer than two networks, or two of the same architecture.</exception>
    public CombinedLayout(IReadOnlyList<BackboneLayout> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count < 2) throw new ArgumentException($"Combining needs at least two networks; got {parts.Count}.", nameof(parts));
        if (parts.Select(p => p.Architecture).Distinct().Count() != parts.Count)
            throw new ArgumentException($"Each network can be combined once (their taps are named after them); got {string.Join(" + ", parts.Select(p => p.Architecture))}.", nameof(parts));
        Parts = parts;
        Architecture = string.Join("+", parts.Select(p => p.Architecture));
        offsets = new int[parts.Count];
        var all = new List<BackboneTap>();
        for (int i = 0; i < parts.Count; i++)
        {
            offsets[i] = all.Count;
            all.AddRange(parts[i].Taps.Select(t => t with { Name = Prefixed(parts[i], t.Name) }));
        }
        taps = all.ToArray();
        DefaultTaps = parts.SelectMany(p => p.DefaultTaps.Select(t => Prefixed(p, t))).ToArray();
        FeatureParameters = parts.SelectMany(p => p.FeatureParameters.Select(kv => (Key: Prefixed(p, kv.Key), kv.Value))).ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    /// <summary>The networks, in tap order.</summary>
    public IReadOnlyList<BackboneLayout> Parts { get; }

    /// <inheritdoc />
    public override string Architecture { get; }

    /// <inheritdoc />
    public override InputNormalization Normalization => PixelPlanesNormalization.Instance;

    /// <inheritdoc />
    public override IReadOnlyList<BackboneTap> Taps => taps;

    /// <inheritdoc />
    public override IReadOnlyList<string> DefaultTaps { get; }

    /// <summary>Every network's parameters, keyed <c>{architecture}:{key}</c>.</summary>
    public override IReadOnlyDictionary<string, ParameterTensor> FeatureParameters { get; }

    /// <summary>The network and its own tap name behind a combined tap.</summary>
    /// <exception cref="ArgumentException">No such tap.</exception>
    public (int Part, string Tap) Resolve(string tap)
    {
        int index = IndexOf(tap);
        int part = Array.FindLastIndex(offsets, offset => offset <= index);
        return (part, Parts[part].Taps[index - offsets[part]].Name);
    }

    /// <inheritdoc />
    public override (int Height, int Width)[] TapSizes(int height, int width) => Parts.SelectMany(p => p.TapSizes(height, width)).ToArray();

    /// <summary>Every network's multiply-adds to its last default tap.</summary>
    public override long MultiplyAdds(int height, int width) => Parts.Sum(p => p.MultiplyAdds(height, width));

    private static string Prefixed(BackboneLayout part, string name) => $"{part.Architecture}{Separator}{name}";
}
