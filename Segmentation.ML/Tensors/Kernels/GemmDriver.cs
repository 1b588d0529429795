using System.Buffers;
using System.Runtime.CompilerServices;

namespace Segmentation.ML.Tensors.Kernels;

/// <summary>
/// The blocked, multithreaded SGEMM behind every dense layer: C = act(alpha·A·B [+ C] [+ bias]).
/// A is packed once into MR-row slivers over the whole K; B is read through a <see cref="GemmOperandB"/>
/// in KC × NC blocks; a register-blocked microkernel computes MR × NR tiles.
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>Depth of a k block: one A sliver (MR × KC) stays in L1 across a row of tiles.</summary>
    private const int KC = 256;

    /// <summary>Floats of B one k block may span, so that it stays in L2 while every A sliver passes over it.</summary>
    private const int PanelBudget = 64 * 1024;

    /// <summary>Below this many multiply-adds a second thread costs more than it brings.</summary>
    private const long ParallelThreshold = 1L << 20;

    public static (int Mr, int Nr) TileShape(SimdLevel level) => level switch
    {
        SimdLevel.Vector512 => (MicroKernel512.MR, MicroKernel512.NR),
        SimdLevel.Vector256 => (MicroKernel256.MR, MicroKernel256.NR),
        _ => (MicroKernelScalar.MR, MicroKernelScalar.NR),
    };

    /// <param name="a">A as stored: row-major m × k (lda ≥ k), or k × m when <paramref name="transposeA"/>.</param>
    /// <param name="bias">Null, or m values added to the rows of C on the last k block.</param>
    public static void Run(
        int m, int n, int k, float alpha,
        float* a, int lda, bool transposeA,
        GemmOperandB b,
        float* c, int ldc, bool accumulate,
        float* bias, FusedActivation activation)
    {
        if (m == 0 || n == 0) return;
        var level = Simd.Current;
        if (k == 0)
        {
            ApplyEmptyProduct(m, n, c, ldc, accumulate, bias, activation);
            return;
        }
        using var packed = PackedMatrixA.Pack(a, lda, transposeA, m, k, level, ChooseThreads(m, n, k, level));
        Run(packed, n, alpha, b, c, ldc, accumulate, bias, activation);
    }

    private static void Run(PackedMatrixA a, int n, float alpha, GemmOperandB b, float* c, int ldc, bool accumulate, float* bias, FusedActivation activation)
    {
        int m = a.Rows, k = a.Depth;
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            ApplyEmptyProduct(m, n, c, ldc, accumulate, bias, activation);
            return;
        }
        var level = a.Level;
        var (mr, nr) = TileShape(level);
        int mSlivers = (m + mr - 1) / mr;
        int nSlivers = (n + nr - 1) / nr;
        int threads = ChooseThreads(m, n, k, level);
        bool splitColumns = nSlivers >= mSlivers;
        fixed (float* ap = a.Data)
        {
            float* packed = ap;
            ForEachPart(threads, splitColumns ? nSlivers : mSlivers, part =>
            {
                int r0 = 0, r1 = m, c0 = 0, c1 = n;
                if (splitColumns) { c0 = part.Start * nr; c1 = Math.Min(n, part.End * nr); }
                else { r0 = part.Start * mr; r1 = Math.Min(m, part.End * mr); }
                RunBlock(level, mr, nr, m, k, alpha, packed, b, c, ldc, accumulate, bias, activation, r0, r1, c0, c1);
            });
        }
    }

    private static int ChooseThreads(int m, int n, int k, SimdLevel level)
    {
        var (mr, nr) = TileShape(level);
        long work = (long)m * n * k;
        return work < ParallelThreshold ? 1 : Math.Min(TensorKernels.MaxDegreeOfParallelism, Math.Max((m + mr - 1) / mr, (n + nr - 1) / nr));
    }

    internal readonly record struct Part(int Start, int End);

    /// <summary>Splits [0, count) into <paramref name="threads"/> contiguous parts and runs them in parallel.</summary>
    internal static void ForEachPart(int threads, int count, Action<Part> body)
    {
        threads = Math.Min(threads, count);
        if (threads <= 1)
        {
            body(new Part(0, count));
            return;
        }
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            body(new Part((int)((long)count * t / threads), (int)((long)count * (t + 1) / threads))));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunBlock(
        SimdLevel level, int mr, int nr, int m, int k, float alpha, float* packedA, GemmOperandB b,
        float* c, int ldc, bool accumulate, float* bias, FusedActivation activation,
        int r0, int r1, int c0, int c1)
    {
        int kcMax = Math.Min(KC, k);
        int nc = Math.Max(nr, PanelBudget / kcMax / nr * nr);
        int panelLength = b.PanelLength(kcMax, nc, nr);
        float[] panelArray = ArrayPool<float>.Shared.Rent(panelLength + 16);
        int* offsets = stackalloc int[kcMax];
        float* edge = stackalloc float[mr * nr + 16];
        try
        {
            fixed (float* panelRaw = panelArray)
            {
                float* panel = (float*)(((nint)panelRaw + 63) & ~(nint)63);
                for (int jc = c0; jc < c1; jc += nc)
                {
                    int ncur = Math.Min(nc, c1 - jc);
                    for (int pc = 0; pc < k; pc += KC)
                    {
                        int kc = Math.Min(KC, k - pc);
                        b.Prepare(pc, kc, jc, ncur, nr, panel, offsets);
                        bool last = pc + kc == k;
                        bool add = accumulate || pc > 0;
                        for (int ir = r0; ir < r1; ir += mr)
                        {
                            int rows = Math.Min(mr, m - ir);
                            float* aSliver = packedA + (long)(ir / mr) * mr * k + (long)pc * mr;
                            var store = new TileStore(alpha, add, last && bias != null ? bias + ir : null, last ? activation : FusedActivation.None);
                            for (int jr = 0; jr < ncur; jr += nr)
                            {
                                int cols = Math.Min(nr, ncur - jr);
                                float* bSliver = b.SliverBase(jc, jr, kc, panel);
                                float* cTile = c + (long)ir * ldc + jc + jr;
                                if (rows == mr && cols == nr)
                                {
                                    Tile(level, kc, aSliver, bSliver, offsets, cTile, ldc, store);
                                }
                                else
                                {
                                    Tile(level, kc, aSliver, bSliver, offsets, edge, nr, TileStore.Plain);
                                    for (int i = 0; i < rows; i++)
                                        for (int j = 0; j < cols; j++)
                                            store.Scalar(cTile + (long)i * ldc + j, i, edge[i * nr + j]);
                                }
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(panelArray);
        }
    }

    private static void Tile(SimdLevel level, int kc, float* a, float* b, int* offsets, float* c, int ldc, in TileStore store)
    {
        switch (level)
        {
            case SimdLevel.Vector512: MicroKernel512.Tile(kc, a, b, offsets, c, ldc, store); break;
            case SimdLevel.Vector256: MicroKernel256.Tile(kc, a, b, offsets, c, ldc, store); break;
            default: MicroKernelScalar.Tile(kc, a, b, offsets, c, ldc, store); break;
        }
    }

    private static void ApplyEmptyProduct(int m, int n, float* c, int ldc, bool accumulate, float* bias, FusedActivation activation)
    {
        var store = new TileStore(1f, accumulate, bias, activation);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) store.Scalar(c + (long)i * ldc + j, i, 0f);
    }
}
