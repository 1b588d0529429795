namespace Segmentation.ML.Tensors.Kernels;

/// <summary>
/// A plain chain of 3×3 stride-1 convolutions (bias, ReLU) and 2×2 max-pools run in the padded layout,
/// as VGG's feature extractor is. Weights are [Cout, Cin, 3, 3] per convolution.
/// </summary>
internal sealed class ConvStack
{
    private readonly List<Layer> layers = [];

    public int InChannels { get; }

    public ConvStack(int inChannels) => InChannels = inChannels;

    public int OutChannels => layers.LastOrDefault(l => l.Weights is not null)?.OutChannels ?? InChannels;

    public IReadOnlyList<Layer> Layers => layers;

    public ConvStack AddConvolution(float[] weights, float[] bias)
    {
        int inChannels = OutChannels;
        if (weights.Length != bias.Length * inChannels * 9)
            throw new TensorShapeException($"Layer {layers.Count}: weights must be [{bias.Length}, {inChannels}, 3, 3] ({bias.Length * inChannels * 9} values); got {weights.Length}.");
        layers.Add(new Layer(weights, bias, bias.Length));
        return this;
    }

    public ConvStack AddMaxPool()
    {
        layers.Add(new Layer(null, null, OutChannels));
        return this;
    }

    /// <summary>Multiply-adds of one forward pass at the given input size.</summary>
    public long MultiplyAdds(int height, int width)
    {
        long total = 0;
        int channels = InChannels;
        foreach (var layer in layers)
        {
            if (layer.Weights is null) { height /= 2; width /= 2; continue; }
            total += (long)layer.OutChannels * channels * 9 * height * width;
            channels = layer.OutChannels;
        }
        return total;
    }

    /// <summary>Runs the whole stack; <paramref name="onLayer"/> sees every layer's padded output before it is released.</summary>
    public PaddedPlanes Forward(PaddedPlanes input, Action<int, PaddedPlanes>? onLayer = null, CancellationToken cancellation = default) =>
        Forward(input, layers.Count, onLayer, cancellation);

    /// <summary>Runs the first <paramref name="layerCount"/> layers.</summary>
    public PaddedPlanes Forward(PaddedPlanes input, int layerCount, Action<int, PaddedPlanes>? onLayer, CancellationToken cancellation)
    {
        var current = input;
        for (int i = 0; i < layerCount; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var layer = layers[i];
            PaddedPlanes next;
            if (layer.Weights is null)
            {
                next = new PaddedPlanes(current.Channels, current.Height / 2, current.Width / 2);
                MaxPool2d.Forward2x2(current, next);
            }
            else
            {
                next = new PaddedPlanes(layer.OutChannels, current.Height, current.Width);
                ConvolutionKernels.Conv3x3(current, layer.PackedWeights(current.Channels), layer.Bias, FusedActivation.Relu, next);
            }
            onLayer?.Invoke(i, next);
            if (!ReferenceEquals(current, input)) current.Dispose();
            current = next;
        }
        return current;
    }

    internal sealed record Layer(float[]? Weights, float[]? Bias, int OutChannels)
    {
        private PackedMatrixA? packed;

        /// <summary>The filters packed for the current vector width, packed on first use and kept.</summary>
        public PackedMatrixA PackedWeights(int inChannels) => PackedMatrixA.Cached(ref packed, Weights!, OutChannels, inChannels * 9);
    }
}
