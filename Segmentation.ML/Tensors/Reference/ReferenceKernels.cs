namespace Segmentation.ML.Tensors.Reference;

/// <summary>
/// The plain twins of the fast kernels: the obvious loops, accumulated in float64. Selected at run time
/// with <see cref="TensorKernels.UseReference"/> and used by the tests as ground truth.
/// </summary>
internal static partial class ReferenceKernels
{
    public static void Gemm(
        bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transposeA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transposeB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += (double)av * bv;
                }
                double previous = beta == 0f ? 0 : (double)beta * c[i * ldc + j];
                c[i * ldc + j] = (float)(alpha * sum + previous);
            }
        }
    }
}
