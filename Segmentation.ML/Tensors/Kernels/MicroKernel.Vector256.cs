using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Segmentation.ML.Tensors.Kernels;

// The register tile is written out in full, one accumulator per (row, vector), so that the JIT keeps
// every accumulator in a register for the whole k loop.
internal static unsafe class MicroKernel256
{
    /// <summary>Rows of the register tile.</summary>
    public const int MR = 6;

    /// <summary>Columns of the register tile (2 vectors of 8).</summary>
    public const int NR = 16;

    /// <summary>Full 6×16 tile: acc = Σ_k a[k·MR + i]·b[offsets[k] + j], then stored through <paramref name="store"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int kc, float* a, float* b, int* offsets, float* c, int ldc, in TileStore store)
    {
        var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero; var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero; var c51 = Vector256<float>.Zero;
        for (int k = 0; k < kc; k++, a += MR)
        {
            float* bk = b + offsets[k];
            var b0 = Vector256.Load(bk + 0);
            var b1 = Vector256.Load(bk + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30); c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40); c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50); c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
        }
        store.Row(c + 0 * (long)ldc, 0, c00, c01);
        store.Row(c + 1 * (long)ldc, 1, c10, c11);
        store.Row(c + 2 * (long)ldc, 2, c20, c21);
        store.Row(c + 3 * (long)ldc, 3, c30, c31);
        store.Row(c + 4 * (long)ldc, 4, c40, c41);
        store.Row(c + 5 * (long)ldc, 5, c50, c51);
    }
}
