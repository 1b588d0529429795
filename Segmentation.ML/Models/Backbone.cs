using Segmentation.ML.Models.Checkpoints;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Models;

/// <summary>A layer whose output a backbone can hand to the hypercolumn featurizer.</summary>
/// <param name="Name">torchvision's module name, e.g. <c>features.3</c>.</param>
/// <param name="Channels">Channels of the activation.</param>
/// <param name="Stride">Input pixels per activation pixel (1, 2, 4, …), before any floor rounding.</param>
public sealed record BackboneTap(string Name, int Channels, int Stride);

/// <summary>The activations of the requested taps for one image: [C, h, w] tensors owned by this object.</summary>
public sealed class BackboneFeatures : IDisposable
{
    private readonly List<(BackboneTap Tap, Tensor Map)> maps = [];

    internal void Add(BackboneTap tap, Tensor map) => maps.Add((tap, map));

    /// <summary>The taps in network order with their activations.</summary>
    public IReadOnlyList<(BackboneTap Tap, Tensor Map)> Maps => maps;

    /// <summary>The activation of the named tap.</summary>
    /// <exception cref="KeyNotFoundException">The tap was not requested.</exception>
    public Tensor this[string name] =>
        maps.FirstOrDefault(m => m.Tap.Name == name).Map
        ?? throw new KeyNotFoundException($"Tap '{name}' was not computed; computed: {string.Join(", ", maps.Select(m => m.Tap.Name))}.");

    /// <summary>Releases every activation.</summary>
    public void Dispose()
    {
        foreach (var (_, map) in maps) map.Dispose();
        maps.Clear();
    }
}

/// <summary>
/// An ImageNet-pretrained feature extractor (VGG11, VGG16, MobileNetV2) running on the project's kernels,
/// with named taps for hypercolumns. Built from a torchvision state dict; BatchNorm is folded at load.
/// </summary>
public abstract class Backbone
{
    /// <summary>"vgg11", "vgg16" or "mobilenet_v2".</summary>
    public abstract string Architecture { get; }

    /// <summary>Every layer that can be tapped, in network order.</summary>
    public abstract IReadOnlyList<BackboneTap> AvailableTaps { get; }

    /// <summary>The taps used when none are named: VGG's ReLU outputs before each max-pool; MobileNetV2's features 1, 3, 6, 13, 17.</summary>
    public abstract IReadOnlyList<string> DefaultTaps { get; }

    /// <summary>Multiply-adds of one forward pass through the last default tap at the given input size.</summary>
    public abstract long MultiplyAdds(int height, int width);

    /// <summary>
    /// Runs the network on one normalised image ([3, height, width], see <see cref="ImageNet.Normalize"/>)
    /// as far as the last requested tap, and returns the requested activations.
    /// </summary>
    /// <param name="image">3 × height × width values.</param>
    /// <param name="height">Image height (≥ 1).</param>
    /// <param name="width">Image width (≥ 1).</param>
    /// <param name="taps">Tap names (see <see cref="AvailableTaps"/>), or null for <see cref="DefaultTaps"/>.</param>
    /// <param name="cancellation">Checked between layers.</param>
    /// <exception cref="ArgumentException">A tap name is unknown (the message lists the valid ones).</exception>
    /// <exception cref="TensorShapeException">The image length is not 3 × height × width.</exception>
    public BackboneFeatures Forward(ReadOnlySpan<float> image, int height, int width, IReadOnlyList<string>? taps = null, CancellationToken cancellation = default)
    {
        if (height < 1 || width < 1 || image.Length != 3L * height * width)
            throw new TensorShapeException($"The image must be [3, {height}, {width}] = {3L * height * width} values with positive sizes; it has {image.Length}.", nameof(image));
        var wanted = ResolveTaps(taps);
        var features = new BackboneFeatures();
        try
        {
            Run(image, height, width, wanted, features, cancellation);
            return features;
        }
        catch
        {
            features.Dispose();
            throw;
        }
    }

    /// <summary>Loads a torchvision checkpoint (.pth, zip or legacy, or .safetensors) and builds the backbone it describes.</summary>
    /// <exception cref="CheckpointFormatException">The file is not a readable checkpoint (or is refused as unsafe).</exception>
    /// <exception cref="ModelLoadException">Its keys or shapes match no supported backbone.</exception>
    public static Backbone Load(string path) => FromStateDict(Checkpoint.Load(path));

    /// <summary>
    /// Builds the backbone a state dict describes. Only floating-point tensors the network uses are converted
    /// to float32 (VGG's classifier is skipped, so a 528 MB VGG16 file costs only its 59 MB of convolutions).
    /// </summary>
    /// <exception cref="ModelLoadException">Its keys or shapes match no supported backbone.</exception>
    public static Backbone FromStateDict(StateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        bool mobileNet = stateDict.ContainsKey("features.18.0.weight");
        var parameters = stateDict.Tensors
            .Where(t => t.DType is CheckpointDType.F32 or CheckpointDType.F16 or CheckpointDType.BF16 or CheckpointDType.F64)
            .Where(t => mobileNet || t.Name.StartsWith("features.", StringComparison.Ordinal))
            .ToDictionary(t => t.Name, t => new ParameterTensor(t.Shape, t.ToFloat32()));
        return FromParameters(parameters);
    }

    /// <summary>
    /// A backbone with torchvision's shapes and random weights (He-style), for demos, tests and benchmarks that
    /// must run offline. Its hypercolumns carry colour and texture, not ImageNet's knowledge: real use needs
    /// pretrained weights (<c>segml weights fetch</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The architecture is not vgg11, vgg16 or mobilenet_v2.</exception>
    public static Backbone CreateRandom(string architecture, int seed) => architecture switch
    {
        "vgg11" or "vgg16" => Vgg.CreateRandom(architecture, new Random(seed)),
        "mobilenet_v2" => MobileNetV2.CreateRandom(new Random(seed)),
        _ => throw new ArgumentException($"Unknown architecture '{architecture}'; use vgg11, vgg16 or mobilenet_v2.", nameof(architecture)),
    };

    /// <summary>Builds the backbone that a torchvision state dict describes, detecting the architecture from its keys.</summary>
    /// <exception cref="ModelLoadException">The keys or shapes match none of the supported architectures; the message names the first problem.</exception>
    public static Backbone FromParameters(IReadOnlyDictionary<string, ParameterTensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Backbone? built = null;
        if (parameters.ContainsKey("features.18.0.weight")) built = MobileNetV2.FromParameters(parameters);
        else if (parameters.ContainsKey("features.0.weight")) built = Vgg.FromParameters(parameters);
        if (built is not null)
        {
            built.FeatureParameters = parameters.Where(p => p.Key.StartsWith("features.", StringComparison.Ordinal)).ToDictionary();
            return built;
        }
        string sample = string.Join(", ", parameters.Keys.Take(5));
        throw new ModelLoadException($"The checkpoint matches no supported backbone (vgg11, vgg16, mobilenet_v2 in torchvision's layout); its first keys are: {sample}.");
    }

    /// <summary>The unfolded <c>features.*</c> parameters the backbone was built from, for saving it inside a model.</summary>
    internal IReadOnlyDictionary<string, ParameterTensor> FeatureParameters { get; private set; } = new Dictionary<string, ParameterTensor>();

    private protected abstract void Run(ReadOnlySpan<float> image, int height, int width, HashSet<string> taps, BackboneFeatures features, CancellationToken cancellation);

    private HashSet<string> ResolveTaps(IReadOnlyList<string>? taps)
    {
        var names = taps ?? DefaultTaps;
        var valid = AvailableTaps.Select(t => t.Name).ToHashSet();
        foreach (var name in names)
            if (!valid.Contains(name))
                throw new ArgumentException($"{Architecture} has no tap '{name}'; the taps are: {string.Join(", ", valid)}.", nameof(taps));
        if (names.Count == 0) throw new ArgumentException("At least one tap must be requested.", nameof(taps));
        return names.ToHashSet();
    }

    private protected BackboneTap Tap(string name) => AvailableTaps.First(t => t.Name == name);
}
