using System.Buffers;
using System.Runtime.CompilerServices;

namespace Segmentation.ML.Tensors.Kernels;

/// <summary>
/// The left operand of the blocked GEMM, packed for one vector width: sliver s holds, for every k, the MR
/// values of rows s·MR … s·MR + MR − 1 (zero past the last row), in a pooled buffer that <see cref="Dispose"/> returns.
/// </summary>
internal sealed unsafe class PackedMatrixA : IDisposable
{
    private float[]? data;

    private PackedMatrixA(float[] data, int rows, int depth, SimdLevel level)
    {
        this.data = data;
        Rows = rows;
        Depth = depth;
        Level = level;
    }

    public int Rows { get; }
    public int Depth { get; }
    public SimdLevel Level { get; }
    public float[] Data => data ?? throw new ObjectDisposedException(nameof(PackedMatrixA));

    /// <summary>Packs A for a single product into a pooled buffer.</summary>
    public static PackedMatrixA Pack(float* a, int lda, bool transposed, int m, int k, SimdLevel level, int threads)
    {
        var (mr, _) = GemmDriver.TileShape(level);
        var buffer = ArrayPool<float>.Shared.Rent(checked((m + mr - 1) / mr * mr * k));
        var packed = new PackedMatrixA(buffer, m, k, level);
        packed.Fill(a, lda, transposed, threads);
        return packed;
    }

    private void Fill(float* a, int lda, bool transposed, int threads)
    {
        var (mr, _) = GemmDriver.TileShape(Level);
        int slivers = (Rows + mr - 1) / mr;
        int m = Rows, k = Depth;
        fixed (float* dst = Data)
        {
            float* target = dst;
            GemmDriver.ForEachPart(threads, slivers, part => PackSlivers(a, lda, transposed, m, k, mr, part.Start, part.End, target));
        }
    }

    /// <summary>Packs slivers [s0, s1) of A: sliver s holds, for each k, rows s·MR … s·MR+MR−1 (zero beyond m).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackSlivers(float* a, int lda, bool transposed, int m, int k, int mr, int s0, int s1, float* packed)
    {
        for (int s = s0; s < s1; s++)
        {
            float* dst = packed + (long)s * mr * k;
            int row0 = s * mr;
            int rows = Math.Min(mr, m - row0);
            if (transposed)
            {
                for (int kk = 0; kk < k; kk++, dst += mr)
                {
                    float* src = a + (long)kk * lda + row0;
                    for (int i = 0; i < rows; i++) dst[i] = src[i];
                    for (int i = rows; i < mr; i++) dst[i] = 0f;
                }
            }
            else
            {
                for (int i = 0; i < rows; i++)
                {
                    float* src = a + (long)(row0 + i) * lda;
                    for (int kk = 0; kk < k; kk++) dst[kk * mr + i] = src[kk];
                }
                for (int i = rows; i < mr; i++)
                    for (int kk = 0; kk < k; kk++) dst[kk * mr + i] = 0f;
            }
        }
    }

    public void Dispose()
    {
        var owned = Interlocked.Exchange(ref data, null);
        if (owned is not null) ArrayPool<float>.Shared.Return(owned);
    }
}
