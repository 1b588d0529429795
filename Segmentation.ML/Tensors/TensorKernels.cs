using System.Runtime.Intrinsics;

namespace Segmentation.ML.Tensors;

/// <summary>
/// Process-wide switches for the CPU kernels: the plain reference twins instead of the fast kernels,
/// and the number of threads the fast kernels may use.
/// </summary>
/// <remarks>
/// Set the environment variable <c>SEGML_KERNELS=reference</c> to start a process with the reference
/// twins selected: every result can then be checked against the obvious code, accumulated in float64.
/// </remarks>
public static class TensorKernels
{
    /// <summary>The environment variable that selects the reference kernels when set to <c>reference</c>.</summary>
    public const string SelectionVariable = "SEGML_KERNELS";

    private static int maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>When true, every kernel runs its plain float64-accumulating reference twin.</summary>
    public static bool UseReference { get; set; } =
        string.Equals(Environment.GetEnvironmentVariable(SelectionVariable), "reference", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Threads the fast kernels may use (default: all cores); also the intra-op threads of every ONNX Runtime
    /// session the library creates afterwards (the backbones'), so one setting bounds the whole process.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => maxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            maxDegreeOfParallelism = value;
        }
    }

    /// <summary>The widest vector path the fast kernels use on this machine: 512, 256 or 0 (scalar).</summary>
    public static int VectorWidthBits => Simd.Current switch
    {
        SimdLevel.Vector512 => 512,
        SimdLevel.Vector256 => 256,
        _ => 0,
    };
}

/// <summary>The vector width a fast kernel dispatches to.</summary>
internal enum SimdLevel
{
    Scalar,
    Vector256,
    Vector512,
}

/// <summary>Detects the widest usable vector width; tests narrow it to run the fallbacks in-process.</summary>
internal static class Simd
{
    public static readonly SimdLevel Detected =
        Vector512.IsHardwareAccelerated ? SimdLevel.Vector512
        : Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported ? SimdLevel.Vector256
        : SimdLevel.Scalar;

    private static readonly AsyncLocal<SimdLevel?> Forced = new();

    /// <summary>The level kernels dispatch on: <see cref="Detected"/>, unless narrowed by <see cref="Force"/> in this flow.</summary>
    public static SimdLevel Current => Forced.Value ?? Detected;

    /// <summary>
    /// Runs kernels at a narrower width in the current async flow (and the parallel work it starts) until
    /// the returned scope is disposed. For tests: other flows keep the detected width.
    /// </summary>
    public static IDisposable Force(SimdLevel level)
    {
        if (level > Detected)
            throw new NotSupportedException($"This machine supports vector paths up to {Detected}; {level} cannot be forced.");
        var previous = Forced.Value;
        Forced.Value = level;
        return new Restore(() => Forced.Value = previous);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
