using Segmentation.ML.Tensors;

namespace Segmentation.ML.Tests.Tensors;

/// <summary>Shared data and tolerance for comparing fast kernels with their float64 reference twins.</summary>
internal static class KernelAssert
{
    /// <summary>Unit roundoff of float32.</summary>
    public const double Epsilon = 1.0 / (1 << 24);

    /// <summary>The vector widths in bits (0 = scalar) this machine can run; every kernel test runs on each.</summary>
    public static IEnumerable<int> SupportedWidths() =>
        Enum.GetValues<SimdLevel>().Where(level => level <= Simd.Detected).Select(Bits);

    /// <summary>Narrows the kernels to <paramref name="vectorBits"/> for the current flow until disposed.</summary>
    public static IDisposable ForceWidth(int vectorBits) => Simd.Force(vectorBits switch
    {
        512 => SimdLevel.Vector512,
        256 => SimdLevel.Vector256,
        0 => SimdLevel.Scalar,
        _ => throw new ArgumentOutOfRangeException(nameof(vectorBits)),
    });

    private static int Bits(SimdLevel level) => level switch
    {
        SimdLevel.Vector512 => 512,
        SimdLevel.Vector256 => 256,
        _ => 0,
    };

    public static float[] Random(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (random.NextSingle() * 2f - 1f) * scale;
        return values;
    }

    public static float[] Abs(float[] values) => values.Select(Math.Abs).ToArray();

    /// <summary>
    /// Asserts |actual − expected| ≤ γ·magnitude + 2ε|expected| elementwise, where magnitude is Σ|a·b| over the
    /// <paramref name="terms"/> products that make the element (the reference run on absolute values) and
    /// γ = n·ε/(1 − n·ε) with n = terms + 2: the worst-case error of any float32 summation order (Higham,
    /// Accuracy and Stability of Numerical Algorithms, §3.1), plus the final roundings of both results.
    /// A wrong index or a dropped term moves an element by about magnitude/terms, far above this bound
    /// for the shapes tested.
    /// </summary>
    public static void WithinSummationBound(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ReadOnlySpan<float> magnitude, int terms, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        double n = terms + 2;
        double gamma = n * Epsilon / (1 - n * Epsilon);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = gamma * magnitude[i] + 2 * Epsilon * Math.Abs(expected[i]) + 1e-30;
            double error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= tolerance))
                Assert.Fail($"{context}: element {i} is {actual[i]}, reference {expected[i]}; error {error:G3} exceeds the bound {tolerance:G3}.");
        }
    }

    /// <summary>Asserts elementwise |actual − expected| ≤ relative·|expected| + absolute.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, double absolute, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= relative * Math.Abs(expected[i]) + absolute) && !(float.IsNaN(expected[i]) && float.IsNaN(actual[i])))
                Assert.Fail($"{context}: element {i} is {actual[i]}, expected {expected[i]} (error {error:G3}).");
        }
    }
}
