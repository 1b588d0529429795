using System.Runtime.CompilerServices;
namespace Segmentation.ML.Tensors.Kernels;

/// <summary>
/// The right-hand operand of the blocked GEMM as the microkernels read it: for a block of rows
/// k0..k0+kc and a block of columns, a base pointer per NR-wide column sliver plus one offset per row,
/// so that element (k, j) of a sliver sits at <c>base[offsets[k - k0] + j]</c>.
/// </summary>
internal abstract unsafe class GemmOperandB
{
    /// <summary>Readies rows [k0, k0+kc) × columns [j0, j0+nc) and fills <paramref name="offsets"/> (kc entries).</summary>
    /// <param name="panel">Thread-owned scratch of at least <see cref="PanelLength"/> floats, 64-byte aligned.</param>
    public abstract void Prepare(int k0, int kc, int j0, int nc, int nr, float* panel, int* offsets);

    /// <summary>The base pointer of the sliver that starts at column <c>j0 + jr</c>, after <see cref="Prepare"/>.</summary>
    public abstract float* SliverBase(int j0, int jr, int kc, float* panel);

    /// <summary>Floats of panel scratch one thread needs for a kc × nc block (0 if read in place).</summary>
    public abstract int PanelLength(int kc, int nc, int nr);
}

/// <summary>A dense matrix, transposed or not, packed into contiguous NR-wide slivers.</summary>
internal sealed unsafe class PackedMatrixB(float* b, int ldb, bool transposed) : GemmOperandB
{
    public override int PanelLength(int kc, int nc, int nr) => kc * ((nc + nr - 1) / nr * nr);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Prepare(int k0, int kc, int j0, int nc, int nr, float* panel, int* offsets)
    {
        for (int k = 0; k < kc; k++) offsets[k] = k * nr;
        for (int jr = 0; jr < nc; jr += nr)
        {
            float* dst = panel + jr * kc;
            int width = Math.Min(nr, nc - jr);
            int j = j0 + jr;
            if (!transposed)
            {
                for (int k = 0; k < kc; k++, dst += nr)
                {
                    new ReadOnlySpan<float>(b + (long)(k0 + k) * ldb + j, width).CopyTo(new Span<float>(dst, width));
                    if (width < nr) new Span<float>(dst + width, nr - width).Clear();
                }
            }
            else
            {
                for (int k = 0; k < kc; k++, dst += nr)
                {
                    float* src = b + (long)j * ldb + k0 + k;
                    for (int t = 0; t < width; t++) dst[t] = src[(long)t * ldb];
                    for (int t = width; t < nr; t++) dst[t] = 0f;
                }
            }
        }
    }

    public override float* SliverBase(int j0, int jr, int kc, float* panel) => panel + jr * kc;
}
