namespace Segmentation.ML.Tensors;

/// <summary>
/// The geometry of a 2-D convolution over NCHW tensors with square kernels, PyTorch conventions:
/// weights [OutChannels, InChannels / Groups, KernelSize, KernelSize], output size
/// ⌊(H + 2·Padding − KernelSize) / Stride⌋ + 1.
/// </summary>
/// <param name="Batch">Images in the batch (N).</param>
/// <param name="InChannels">Input channels.</param>
/// <param name="Height">Input height.</param>
/// <param name="Width">Input width.</param>
/// <param name="OutChannels">Output channels.</param>
/// <param name="KernelSize">Kernel height and width.</param>
/// <param name="Stride">Step between kernel positions.</param>
/// <param name="Padding">Zero padding on every side.</param>
/// <param name="Groups">1 for a dense convolution, or InChannels (= OutChannels) for a depthwise one.</param>
public readonly record struct Conv2dShape(
    int Batch, int InChannels, int Height, int Width, int OutChannels,
    int KernelSize = 3, int Stride = 1, int Padding = 1, int Groups = 1)
{
    /// <summary>Output height.</summary>
    public int OutHeight => (Height + 2 * Padding - KernelSize) / Stride + 1;

    /// <summary>Output width.</summary>
    public int OutWidth => (Width + 2 * Padding - KernelSize) / Stride + 1;

    /// <summary>True for a depthwise convolution (one filter per channel).</summary>
    public bool IsDepthwise => Groups > 1;

    /// <summary>Elements of the input tensor.</summary>
    public long InputLength => (long)Batch * InChannels * Height * Width;

    /// <summary>Elements of the output tensor.</summary>
    public long OutputLength => (long)Batch * OutChannels * OutHeight * OutWidth;

    /// <summary>Elements of the weight tensor.</summary>
    public long WeightLength => (long)OutChannels * (InChannels / Groups) * KernelSize * KernelSize;

    /// <summary>Multiply-adds of one forward pass.</summary>
    public long MultiplyAdds => OutputLength * (InChannels / Groups) * KernelSize * KernelSize;

    /// <inheritdoc />
    public override string ToString() =>
        $"conv {KernelSize}×{KernelSize} stride {Stride} padding {Padding}" + (Groups > 1 ? $" groups {Groups}" : "") +
        $": [{Batch}, {InChannels}, {Height}, {Width}] → {OutChannels} channels";

    /// <summary>Throws a <see cref="TensorShapeException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        if (Batch < 0 || InChannels < 1 || OutChannels < 1 || Height < 0 || Width < 0)
            throw new TensorShapeException($"Convolution needs N ≥ 0, channels ≥ 1 and sizes ≥ 0; got {this}.");
        if (KernelSize < 1 || Stride < 1 || Padding < 0)
            throw new TensorShapeException($"Convolution needs kernel ≥ 1, stride ≥ 1, padding ≥ 0; got {this}.");
        if (Groups != 1 && (Groups != InChannels || OutChannels != InChannels))
            throw new TensorShapeException($"Groups must be 1 (dense) or equal to InChannels = OutChannels (depthwise); got {this}.");
        if (Height + 2 * Padding < KernelSize || Width + 2 * Padding < KernelSize)
            throw new TensorShapeException($"A {KernelSize}×{KernelSize} kernel does not fit a {Height}×{Width} input with padding {Padding}.");
    }
}
