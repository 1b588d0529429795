using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;
using Segmentation.ML.Models;
using Segmentation.ML.Models.Checkpoints;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Onnx;

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
/// An ImageNet-pretrained feature extractor (VGG11, VGG16, MobileNetV2, ResNet) with named taps for hypercolumns,
/// built from a torchvision state dict or ML.NET's ResNet-18 package (BatchNorm folded at load) and run by ONNX Runtime.
/// </summary>
/// <remarks>
/// The first <see cref="Forward"/> with a set of taps builds an ONNX graph of the network as far as the last
/// of them and an ONNX Runtime session over it (in memory); later calls with the same taps reuse it, from
/// any thread. <see cref="Dispose"/> releases the sessions.
/// </remarks>
public abstract class Backbone : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<TapSession>> sessions = new(StringComparer.Ordinal);
    private volatile bool disposed;

    private protected Backbone(BackboneNetwork layout) => Layout = layout;

    /// <summary>"vgg11", "vgg16", "mobilenet_v2", "resnet18", "resnet50", …; combined backbones join theirs with '+'.</summary>
    public string Architecture => Layout.Architecture;

    /// <summary>The preprocessing the weights expect, in words (torchvision's: "RGB, ImageNet mean/std").</summary>
    public string InputNormalization => Layout.Normalization.Description;

    /// <summary>Every layer that can be tapped, in network order.</summary>
    public IReadOnlyList<BackboneTap> AvailableTaps => Layout.Taps;

    /// <summary>The taps used when none are named: VGG's ReLU outputs before each max-pool; MobileNetV2's features 1, 3, 6, 13, 17; ResNet's relu, layer1 … layer4.</summary>
    public IReadOnlyList<string> DefaultTaps => Layout.DefaultTaps;

    /// <summary>The architecture, parameters and taps, from which graphs are built.</summary>
    internal BackboneNetwork Layout { get; }

    /// <summary>The unfolded <c>features.*</c> parameters the backbone was built from, for saving it inside a model.</summary>
    internal IReadOnlyDictionary<string, ParameterTensor> FeatureParameters => Layout.FeatureParameters;

    /// <summary>Multiply-adds of one forward pass through the last default tap at the given input size.</summary>
    public long MultiplyAdds(int height, int width) => Layout.MultiplyAdds(height, width);

    /// <summary>
    /// Turns interleaved 8-bit RGB (height × width × 3) into the planar input [3, height, width] these weights
    /// expect: ImageNet's mean/std for torchvision's checkpoints (<see cref="ImageNet.Normalize"/>), BGR minus the
    /// mean image for ML.NET's ResNet-18 package. The segmenter graphs built from this backbone compute the same.
    /// </summary>
    /// <exception cref="TensorShapeException">A length does not equal 3 × height × width.</exception>
    public void Normalize(ReadOnlySpan<byte> rgb, int height, int width, Span<float> chw) => Layout.Normalization.Normalize(rgb, height, width, chw);

    /// <summary>
    /// Runs the network on one normalised image ([3, height, width], see <see cref="Normalize"/>)
    /// as far as the last requested tap, and returns the requested activations.
    /// </summary>
    /// <param name="image">3 × height × width values.</param>
    /// <param name="height">Image height (≥ 1).</param>
    /// <param name="width">Image width (≥ 1).</param>
    /// <param name="taps">Tap names (see <see cref="AvailableTaps"/>), or null for <see cref="DefaultTaps"/>.</param>
    /// <param name="cancellation">Stops the run between layers.</param>
    /// <exception cref="ArgumentException">A tap name is unknown (the message lists the valid ones).</exception>
    /// <exception cref="TensorShapeException">The image length is not 3 × height × width, or the image is too small for the taps.</exception>
    /// <exception cref="ObjectDisposedException">The backbone was disposed.</exception>
    /// <exception cref="OnnxModelException">ONNX Runtime refused the graph or failed to run it.</exception>
    public BackboneFeatures Forward(ReadOnlySpan<float> image, int height, int width, IReadOnlyList<string>? taps = null, CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (height < 1 || width < 1 || image.Length != 3L * height * width)
            throw new TensorShapeException($"The image must be [3, {height}, {width}] = {3L * height * width} values with positive sizes; it has {image.Length}.", nameof(image));
        var wanted = ResolveTaps(taps);
        var session = Session(wanted);
        var features = new BackboneFeatures();
        var outputs = new OrtValue[session.Outputs.Count];
        try
        {
            var sizes = Layout.TapSizes(height, width);
            for (int i = 0; i < outputs.Length; i++)
            {
                var tap = session.Outputs[i].Tap;
                var (h, w) = sizes[Layout.IndexOf(tap.Name)];
                if (h < 1 || w < 1)
                    throw new TensorShapeException($"A {height}×{width} image is too small for {Architecture}'s tap {tap.Name} (it would be {h}×{w}).", nameof(image));
                var map = Tensor.Uninitialized([tap.Channels, h, w]);
                features.Add(tap, map);
                outputs[i] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(map.Buffer, 0, map.Length), [1, tap.Channels, h, w]);
            }
            unsafe
            {
                fixed (float* pixels = image)
                {
                    using var input = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, [1, 3, height, width],
                        (nint)pixels, image.Length * sizeof(float));
                    session.Session.Run([BackboneGraph.ImageInput], [input], session.OutputNames, outputs, cancellation);
                }
            }
            return features;
        }
        catch
        {
            features.Dispose();
            throw;
        }
        finally
        {
            foreach (var output in outputs) output?.Dispose();
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
    public static Backbone FromStateDict(StateDict stateDict) => Create(BackboneLayout.FromStateDict(stateDict));

    /// <summary>
    /// A backbone with torchvision's shapes and random weights (He-style), for demos, tests and benchmarks that
    /// must run offline. Its hypercolumns carry colour and texture, not ImageNet's knowledge: real use needs
    /// pretrained weights (<c>segml weights fetch</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The architecture is not vgg11, vgg16, mobilenet_v2, resnet18 or resnet50.</exception>
    public static Backbone CreateRandom(string architecture, int seed) => CreateRandom(architecture, new Random(seed));

    /// <summary>Builds the backbone that a torchvision state dict describes, detecting the architecture from its keys.</summary>
    /// <exception cref="ModelLoadException">The keys or shapes match none of the supported architectures; the message names the first problem.</exception>
    public static Backbone FromParameters(IReadOnlyDictionary<string, ParameterTensor> parameters) => Create(BackboneLayout.FromParameters(parameters));

    /// <summary>A random-weight backbone drawing from <paramref name="random"/> (see <see cref="CreateRandom(string, int)"/>).</summary>
    internal static Backbone CreateRandom(string architecture, Random random) => FromParameters(BackboneLayout.RandomParameters(architecture, random));

    /// <summary>Releases the ONNX Runtime sessions; <see cref="Forward"/> then throws. Must not race with a running <see cref="Forward"/>.</summary>
    public void Dispose()
    {
        disposed = true;
        foreach (var session in sessions.Values)
            if (session.IsValueCreated) session.Value.Session.Dispose();
    }

    private static Backbone Create(BackboneLayout layout) => layout.Architecture switch
    {
        "mobilenet_v2" => new MobileNetV2(layout),
        _ when layout.Architecture.StartsWith("resnet", StringComparison.Ordinal) => new ResNet(layout),
        _ => new Vgg(layout),
    };

    private List<BackboneTap> ResolveTaps(IReadOnlyList<string>? taps)
    {
        var names = taps ?? DefaultTaps;
        if (names.Count == 0) throw new ArgumentException("At least one tap must be requested.", nameof(taps));
        return names.Select(Layout.IndexOf).Distinct().Order().Select(i => AvailableTaps[i]).ToList();
    }

    private TapSession Session(IReadOnlyList<BackboneTap> taps)
    {
        string key = string.Join(",", taps.Select(t => t.Name));
        var session = sessions.GetOrAdd(key, _ => new Lazy<TapSession>(() =>
        {
            var (model, outputs) = BackboneGraph.Standalone(Layout, taps.Select(t => t.Name).ToArray());
            var created = new TapSession(new OnnxSession(model, $"the {Architecture} backbone to {taps[^1].Name}"), outputs);
            if (disposed)
            {
                created.Session.Dispose();
                throw new ObjectDisposedException(GetType().Name);
            }
            return created;
        }, LazyThreadSafetyMode.ExecutionAndPublication)).Value;
        ObjectDisposedException.ThrowIf(disposed, this);
        return session;
    }

    private sealed record TapSession(OnnxSession Session, IReadOnlyList<BackboneTapValue> Outputs)
    {
        public string[] OutputNames { get; } = Outputs.Select(o => o.Value).ToArray();
    }
}
