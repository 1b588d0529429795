using System.Numerics;
using System.Numerics.Tensors;

namespace Segmentation.ML.Tensors;

/// <summary>Elementwise activations and their backward passes (TensorPrimitives underneath).</summary>
public static class Activations
{
    /// <summary>destination = max(x, 0) for ReLU, x for none; in place allowed.</summary>
    /// <exception cref="TensorShapeException">The lengths differ.</exception>
    public static void Forward(ReadOnlySpan<float> x, Span<float> destination, FusedActivation activation)
    {
        CheckSameLength(x.Length, destination.Length, nameof(destination));
        switch (activation)
        {
            case FusedActivation.Relu:
                TensorPrimitives.Max(x, 0f, destination);
                break;
            default:
                x.CopyTo(destination);
                break;
        }
    }

    /// <summary>
    /// inputGradient = outputGradient where the activation passed its input (0 &lt; y for ReLU), else 0.
    /// Uses the forward output <paramref name="y"/>, so the input need not be kept.
    /// </summary>
    /// <exception cref="TensorShapeException">The lengths differ.</exception>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, FusedActivation activation)
    {
        CheckSameLength(y.Length, outputGradient.Length, nameof(outputGradient));
        CheckSameLength(y.Length, inputGradient.Length, nameof(inputGradient));
        if (activation == FusedActivation.None)
        {
            outputGradient.CopyTo(inputGradient);
            return;
        }
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var zero = Vector<float>.Zero;
            for (; i + Vector<float>.Count <= y.Length; i += Vector<float>.Count)
            {
                var passes = Vector.GreaterThan(new Vector<float>(y.Slice(i)), zero);
                Vector.ConditionalSelect(passes, new Vector<float>(outputGradient.Slice(i)), zero).CopyTo(inputGradient.Slice(i));
            }
        }
        for (; i < y.Length; i++)
            inputGradient[i] = y[i] > 0f ? outputGradient[i] : 0f;
    }

    internal static void CheckSameLength(int expected, int actual, string name)
    {
        if (expected != actual)
            throw new TensorShapeException($"{name} must have {expected} elements; it has {actual}.", name);
    }
}

/// <summary>Inverted dropout: kept values are scaled by 1/(1 − p) in training so inference needs no scaling.</summary>
public static class Dropout
{
    /// <summary>Draws a mask (0 or 1/(1 − p) per element) and applies it: destination = x · mask.</summary>
    /// <param name="x">Input.</param>
    /// <param name="destination">Output; in place allowed.</param>
    /// <param name="mask">Receives the mask, to be passed to <see cref="Backward"/>.</param>
    /// <param name="probability">Drop probability in [0, 1).</param>
    /// <param name="random">The seeded generator that decides which elements drop.</param>
    /// <exception cref="ArgumentOutOfRangeException">The probability is outside [0, 1).</exception>
    /// <exception cref="TensorShapeException">The lengths differ.</exception>
    public static void Forward(ReadOnlySpan<float> x, Span<float> destination, Span<float> mask, float probability, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(probability >= 0f && probability < 1f))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "The drop probability must be in [0, 1).");
        Activations.CheckSameLength(x.Length, destination.Length, nameof(destination));
        Activations.CheckSameLength(x.Length, mask.Length, nameof(mask));
        FillMask(mask, probability, (ulong)random.NextInt64());
        TensorPrimitives.Multiply(x, mask, destination);
    }

    private const int ChunkLength = 1 << 16;

    /// <summary>
    /// Fills the mask in parallel chunks, each from its own xorshift generator seeded by SplitMix64 of
    /// (seed, chunk index), so the mask depends only on the seed — not on the thread count.
    /// </summary>
    private static void FillMask(Span<float> mask, float probability, ulong seed)
    {
        float keep = 1f / (1f - probability);
        uint threshold = (uint)Math.Min(probability * 4294967296.0, uint.MaxValue);
        int chunks = (mask.Length + ChunkLength - 1) / ChunkLength;
        unsafe
        {
            fixed (float* pointer = mask)
            {
                float* start = pointer;
                int length = mask.Length;
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = TensorKernels.MaxDegreeOfParallelism }, chunk =>
                {
                    ulong state = SplitMix64(seed + (ulong)chunk * 0x9E3779B97F4A7C15UL) | 1UL;
                    int end = Math.Min(length, (chunk + 1) * ChunkLength);
                    for (int i = chunk * ChunkLength; i < end; i++)
                    {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        start[i] = (uint)(state >> 32) < threshold ? 0f : keep;
                    }
                });
            }
        }
    }

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>inputGradient = outputGradient · mask; in place allowed.</summary>
    /// <exception cref="TensorShapeException">The lengths differ.</exception>
    public static void Backward(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> mask, Span<float> inputGradient)
    {
        Activations.CheckSameLength(mask.Length, outputGradient.Length, nameof(outputGradient));
        Activations.CheckSameLength(mask.Length, inputGradient.Length, nameof(inputGradient));
        TensorPrimitives.Multiply(outputGradient, mask, inputGradient);
    }
}
