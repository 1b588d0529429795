using Segmentation.ML.Tensors;
using Segmentation.ML.Tensors.Reference;

namespace Segmentation.ML.Tests.Tensors;

[Trait("Category", "Kernels")]
public class GemmTests
{
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (7, 33, 31), (31, 7, 257), (33, 257, 7), (65, 40, 300), (257, 33, 33), (8, 32, 256), (9, 31, 513),
    ];

    public static TheoryData<int, int, int, int, bool, bool> Cases()
    {
        var data = new TheoryData<int, int, int, int, bool, bool>();
        foreach (int bits in KernelAssert.SupportedWidths())
            foreach (var (m, n, k) in Shapes)
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        data.Add(bits, m, n, k, ta, tb);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReference(int vectorBits, int m, int n, int k, bool transposeA, bool transposeB)
    {
        var a = KernelAssert.Random(m * k, 1);
        var b = KernelAssert.Random(k * n, 2);
        int lda = transposeA ? m : k, ldb = transposeB ? k : n;
        var expected = new float[m * n];
        var magnitude = new float[m * n];
        ReferenceKernels.Gemm(transposeA, transposeB, m, n, k, 1f, a, lda, b, ldb, 0f, expected, n);
        ReferenceKernels.Gemm(transposeA, transposeB, m, n, k, 1f, KernelAssert.Abs(a), lda, KernelAssert.Abs(b), ldb, 0f, magnitude, n);

        var actual = Enumerable.Repeat(float.NaN, m * n).ToArray();
        using (KernelAssert.ForceWidth(vectorBits))
            Gemm.Multiply(transposeA, transposeB, m, n, k, 1f, a, lda, b, ldb, 0f, actual, n);

        KernelAssert.WithinSummationBound(expected, actual, magnitude, k, $"{vectorBits}-bit {m}×{n}×{k} tA={transposeA} tB={transposeB}");
    }

    [Theory]
    [InlineData(129, 515, 260)]
    [InlineData(515, 129, 260)]
    public void ParallelSplitsMatchReference(int m, int n, int k)
    {
        var a = KernelAssert.Random(m * k, 3);
        var b = KernelAssert.Random(k * n, 4);
        var expected = new float[m * n];
        var magnitude = new float[m * n];
        ReferenceKernels.Gemm(false, false, m, n, k, 1f, a, k, b, n, 0f, expected, n);
        ReferenceKernels.Gemm(false, false, m, n, k, 1f, KernelAssert.Abs(a), k, KernelAssert.Abs(b), n, 0f, magnitude, n);
        var actual = new float[m * n];
        Gemm.Multiply(m, n, k, a, b, actual);
        KernelAssert.WithinSummationBound(expected, actual, magnitude, k, $"{m}×{n}×{k}");
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(-0.5f)]
    public void AlphaAndBetaScaleProductAndPreviousC(float beta)
    {
        const int m = 9, n = 17, k = 5, ldc = 20;
        var a = KernelAssert.Random(m * k, 5);
        var b = KernelAssert.Random(k * n, 6);
        var c = KernelAssert.Random(m * ldc, 7);
        if (beta == 0f) c[0] = float.NaN;
        var expected = (float[])c.Clone();
        ReferenceKernels.Gemm(false, false, m, n, k, 2.5f, a, k, b, n, beta, expected, ldc);

        Gemm.Multiply(false, false, m, n, k, 2.5f, a, k, b, n, beta, c, ldc);

        KernelAssert.Close(expected, c, 1e-5, 1e-5, $"beta={beta}");
        Assert.False(float.IsNaN(c[0]));
    }

    [Fact]
    public void ZeroDepthGivesBetaTimesC()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0.5f, c, 2);
        Assert.Equal(new float[] { 0.5f, 1, 1.5f, 2 }, c);
    }

    [Fact]
    public void InvalidArgumentsAreRefusedWithTypedErrors()
    {
        var a = new float[6];
        var b = new float[6];
        var c = new float[4];
        var shortA = Assert.Throws<TensorShapeException>(() => Gemm.Multiply(false, false, 2, 2, 4, 1f, a, 4, b, 2, 0f, c, 2));
        Assert.Contains("a", shortA.ParamName);
        Assert.Contains("needs 8 elements", shortA.Message);
        Assert.Throws<TensorShapeException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2));
        Assert.Throws<TensorShapeException>(() => Gemm.Multiply(false, false, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
        Assert.Throws<TensorShapeException>(() => Gemm.Multiply(false, false, 2, 3, 3, 1f, a, 3, b, 3, 0f, c, 3));
        var overlap = Assert.Throws<TensorShapeException>(() => Gemm.Multiply(false, false, 2, 2, 2, 1f, a, 2, b, 2, 0f, a.AsSpan(2, 4), 2));
        Assert.Contains("overlaps", overlap.Message);
    }
}
