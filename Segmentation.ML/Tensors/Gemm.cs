using Segmentation.ML.Tensors.Kernels;
using Segmentation.ML.Tensors.Reference;

namespace Segmentation.ML.Tensors;

/// <summary>Single-precision general matrix multiply over row-major spans.</summary>
public static class Gemm
{
    /// <summary>
    /// C = alpha · op(A) · op(B) + beta · C, with op(X) = X or Xᵀ; all matrices row-major.
    /// </summary>
    /// <param name="transposeA">When true, A is stored k × m and op(A) = Aᵀ.</param>
    /// <param name="transposeB">When true, B is stored n × k and op(B) = Bᵀ.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A's elements; row stride <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A as stored (≥ its column count).</param>
    /// <param name="b">B's elements; row stride <paramref name="ldb"/>.</param>
    /// <param name="ldb">Row stride of B as stored.</param>
    /// <param name="beta">Scale of C's previous contents; 0 ignores them (NaNs in C included).</param>
    /// <param name="c">C's elements; row stride <paramref name="ldc"/>. Must not overlap A or B.</param>
    /// <param name="ldc">Row stride of C (≥ n).</param>
    /// <exception cref="TensorShapeException">A dimension is negative, a stride is smaller than its row,
    /// a span is too short for the described matrix, or C overlaps A or B.</exception>
    public static unsafe void Multiply(
        bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new TensorShapeException($"GEMM dimensions must be non-negative; got m={m}, n={n}, k={k}.");
        CheckMatrix(a, transposeA ? k : m, transposeA ? m : k, lda, nameof(a));
        CheckMatrix(b, transposeB ? n : k, transposeB ? k : n, ldb, nameof(b));
        CheckMatrix(c, m, n, ldc, nameof(c));
        if (c.Overlaps(a) || c.Overlaps(b))
            throw new TensorShapeException("The output C overlaps an input; GEMM needs separate memory for C.", nameof(c));

        if (TensorKernels.UseReference)
        {
            ReferenceKernels.Gemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        if (beta != 0f && beta != 1f)
            for (int i = 0; i < m; i++) System.Numerics.Tensors.TensorPrimitives.Multiply(c.Slice(i * ldc, n), beta, c.Slice(i * ldc, n));

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            var operand = new PackedMatrixB(pb, ldb, transposeB);
            GemmDriver.Run(m, n, k, alpha, pa, lda, transposeA, operand, pc, ldc, accumulate: beta != 0f, bias: null, FusedActivation.None);
        }
    }

    /// <summary>C = A · B for contiguous row-major A (m × k), B (k × n) and C (m × n).</summary>
    /// <exception cref="TensorShapeException">A span is shorter than its matrix, or C overlaps A or B.</exception>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c) =>
        Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);

    internal static void CheckMatrix(ReadOnlySpan<float> span, int rows, int columns, int stride, string name)
    {
        if (stride < Math.Max(1, columns))
            throw new TensorShapeException($"Matrix {name} has {columns} columns but a row stride of {stride}; the stride must be at least the column count.", name);
        long needed = rows == 0 || columns == 0 ? 0 : (long)(rows - 1) * stride + columns;
        if (span.Length < needed)
            throw new TensorShapeException($"Matrix {name} ({rows} × {columns}, stride {stride}) needs {needed} elements; the span has {span.Length}.", name);
    }
}
