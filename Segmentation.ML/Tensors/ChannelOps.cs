using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Segmentation.ML.Tensors.Reference;

namespace Segmentation.ML.Tensors;

/// <summary>Per-pixel operations across the channels of a [C, P] map (C planes of P pixels): softmax and argmax.</summary>
public static class ChannelOps
{
    /// <summary>Softmax over channels at every pixel: out[c, p] = exp(x[c, p] − max) / Σ exp(x[·, p] − max).</summary>
    /// <param name="logits">channels × pixels values.</param>
    /// <param name="channels">Number of channels (≥ 1).</param>
    /// <param name="probabilities">channels × pixels values; may be the same span as <paramref name="logits"/>.</param>
    /// <exception cref="TensorShapeException">Channels is not positive, a length is not a multiple of it, the lengths differ, or the spans partly overlap.</exception>
    public static void Softmax(ReadOnlySpan<float> logits, int channels, Span<float> probabilities)
    {
        int pixels = CheckMap(logits, channels, nameof(logits));
        if (probabilities.Length != logits.Length)
            throw new TensorShapeException($"probabilities must have {logits.Length} elements like the logits; it has {probabilities.Length}.", nameof(probabilities));
        if (probabilities.Overlaps(logits, out int offset) && offset != 0)
            throw new TensorShapeException("probabilities partly overlaps logits; use the same span or separate memory.", nameof(probabilities));
        if (TensorKernels.UseReference)
        {
            ReferenceKernels.Softmax(logits, channels, pixels, probabilities);
            return;
        }
        var max = new float[pixels];
        var sum = new float[pixels];
        logits.Slice(0, pixels).CopyTo(max);
        for (int c = 1; c < channels; c++) TensorPrimitives.Max(max, logits.Slice(c * pixels, pixels), max);
        for (int c = 0; c < channels; c++)
        {
            var plane = probabilities.Slice(c * pixels, pixels);
            TensorPrimitives.Subtract(logits.Slice(c * pixels, pixels), max, plane);
            TensorPrimitives.Exp(plane, plane);
            TensorPrimitives.Add(sum, plane, sum);
        }
        for (int c = 0; c < channels; c++)
        {
            var plane = probabilities.Slice(c * pixels, pixels);
            TensorPrimitives.Divide(plane, sum, plane);
        }
    }

    /// <summary>The index of the largest channel at every pixel; the first one wins ties, NaN counts as largest.</summary>
    /// <param name="scores">channels × pixels values.</param>
    /// <param name="channels">Number of channels (1 to 256).</param>
    /// <param name="labels">One byte per pixel.</param>
    /// <exception cref="TensorShapeException">Channels is outside 1..256 or a length does not fit.</exception>
    public static void Argmax(ReadOnlySpan<float> scores, int channels, Span<byte> labels)
    {
        int pixels = CheckMap(scores, channels, nameof(scores));
        if (channels > 256) throw new TensorShapeException($"A byte label map holds at most 256 classes; got {channels} channels.", nameof(channels));
        if (labels.Length != pixels)
            throw new TensorShapeException($"labels must have one byte per pixel ({pixels}); it has {labels.Length}.", nameof(labels));
        if (TensorKernels.UseReference)
        {
            ReferenceKernels.Argmax(scores, channels, pixels, labels);
            return;
        }
        var best = new float[pixels];
        scores.Slice(0, pixels).CopyTo(best);
        labels.Clear();
        for (int c = 1; c < channels; c++) TakeLarger(scores.Slice(c * pixels, pixels), (byte)c, best, labels);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TakeLarger(ReadOnlySpan<float> plane, byte channel, Span<float> best, Span<byte> labels)
    {
        for (int p = 0; p < plane.Length; p++)
        {
            float v = plane[p];
            if (!float.IsNaN(best[p]) && (v > best[p] || float.IsNaN(v)))
            {
                best[p] = v;
                labels[p] = channel;
            }
        }
    }

    private static int CheckMap(ReadOnlySpan<float> map, int channels, string name)
    {
        if (channels < 1) throw new TensorShapeException($"channels must be at least 1; got {channels}.", nameof(channels));
        if (map.Length % channels != 0)
            throw new TensorShapeException($"{name} has {map.Length} elements, not a multiple of {channels} channels.", name);
        return map.Length / channels;
    }
}
