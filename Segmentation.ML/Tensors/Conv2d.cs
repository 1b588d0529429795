using Segmentation.ML.Tensors.Kernels;
using Segmentation.ML.Tensors.Reference;

namespace Segmentation.ML.Tensors;

/// <summary>
/// 2-D convolution over NCHW float32 spans with optional bias and fused ReLU/ReLU6.
/// 3×3 stride-1 convolutions run as a GEMM that reads the zero-padded image in place (no im2col);
/// 1×1 convolutions are a GEMM over the input; other dense shapes go through im2col; depthwise
/// convolutions (Groups = channels) have their own vectorised kernel.
/// </summary>
public static class Conv2d
{
    /// <summary>Computes output = act(conv(input, weights) + bias) for every image of the batch.</summary>
    /// <param name="shape">The geometry; see <see cref="Conv2dShape"/>.</param>
    /// <param name="input">[N, InChannels, Height, Width].</param>
    /// <param name="weights">[OutChannels, InChannels / Groups, KernelSize, KernelSize] (PyTorch layout).</param>
    /// <param name="bias">[OutChannels], or empty for none.</param>
    /// <param name="output">[N, OutChannels, OutHeight, OutWidth]; must not overlap the inputs.</param>
    /// <param name="activation">Applied as the output is stored.</param>
    /// <exception cref="TensorShapeException">The geometry is inconsistent, a span's length differs from
    /// what the geometry needs, or the output overlaps an input.</exception>
    public static void Forward(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, FusedActivation activation = FusedActivation.None)
    {
        shape.Validate();
        CheckLength(input, shape.InputLength, nameof(input), shape);
        CheckLength(weights, shape.WeightLength, nameof(weights), shape);
        if (!bias.IsEmpty) CheckLength(bias, shape.OutChannels, nameof(bias), shape);
        CheckLength(output, shape.OutputLength, nameof(output), shape);
        if (output.Overlaps(input) || output.Overlaps(weights) || output.Overlaps(bias))
            throw new TensorShapeException("The convolution output overlaps an input; use separate memory.", nameof(output));

        if (TensorKernels.UseReference)
        {
            ReferenceKernels.Conv2d(shape, input, weights, bias, output, activation);
            return;
        }
        int inPlane = shape.InChannels * shape.Height * shape.Width;
        int outPlane = shape.OutChannels * shape.OutHeight * shape.OutWidth;
        for (int n = 0; n < shape.Batch; n++)
        {
            var image = input.Slice(n * inPlane, inPlane);
            var result = output.Slice(n * outPlane, outPlane);
            if (shape.IsDepthwise) ConvolutionKernels.Depthwise(shape, image, weights, bias, activation, result);
            else ConvolutionKernels.Conv2d(shape, image, weights, bias, activation, result);
        }
    }

    /// <summary>Convolves a [N, C, H, W] tensor, returning a new [N, OutChannels, OutHeight, OutWidth] tensor.</summary>
    /// <param name="input">[N, C, H, W].</param>
    /// <param name="weights">[OutChannels, C / groups, k, k].</param>
    /// <param name="bias">[OutChannels] or null.</param>
    /// <param name="stride">Step between kernel positions.</param>
    /// <param name="padding">Zero padding on every side.</param>
    /// <param name="groups">1, or C for a depthwise convolution.</param>
    /// <param name="activation">Applied as the output is stored.</param>
    /// <exception cref="TensorShapeException">Ranks or sizes do not fit together.</exception>
    public static Tensor Forward(Tensor input, Tensor weights, Tensor? bias, int stride = 1, int padding = 1, int groups = 1,
        FusedActivation activation = FusedActivation.None)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weights);
        if (input.Rank != 4) throw new TensorShapeException($"Convolution input must be [N, C, H, W]; got {input}.", nameof(input));
        if (weights.Rank != 4 || weights.Dim(2) != weights.Dim(3))
            throw new TensorShapeException($"Convolution weights must be [Cout, Cin/groups, k, k]; got {weights}.", nameof(weights));
        if (weights.Dim(1) * groups != input.Dim(1))
            throw new TensorShapeException($"Weights {weights} expect {weights.Dim(1) * groups} input channels; input {input} has {input.Dim(1)}.", nameof(weights));
        var shape = new Conv2dShape(input.Dim(0), input.Dim(1), input.Dim(2), input.Dim(3), weights.Dim(0), weights.Dim(2), stride, padding, groups);
        shape.Validate();
        var output = Tensor.Uninitialized([shape.Batch, shape.OutChannels, shape.OutHeight, shape.OutWidth]);
        try
        {
            Forward(shape, input.Span, weights.Span, bias is null ? default : bias.Span, output.Span, activation);
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    private static void CheckLength(ReadOnlySpan<float> span, long expected, string name, in Conv2dShape shape)
    {
        if (span.Length != expected)
            throw new TensorShapeException($"Convolution {name} must have {expected} elements for {shape}; it has {span.Length}.", name);
    }
}
