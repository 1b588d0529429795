namespace Segmentation.ML.Tensors.Kernels;

/// <summary>The portable tile for machines without vector hardware: a 4×4 block of scalar accumulators.</summary>
internal static unsafe class MicroKernelScalar
{
    /// <summary>Rows of the register tile.</summary>
    public const int MR = 4;

    /// <summary>Columns of the register tile.</summary>
    public const int NR = 4;

    public static void Tile(int kc, float* a, float* b, int* offsets, float* c, int ldc, in TileStore store)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k = 0; k < kc; k++, a += MR)
        {
            float* bk = b + offsets[k];
            float b0 = bk[0], b1 = bk[1], b2 = bk[2], b3 = bk[3];
            float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        StoreRow(c, 0, c00, c01, c02, c03, store);
        StoreRow(c + ldc, 1, c10, c11, c12, c13, store);
        StoreRow(c + 2L * ldc, 2, c20, c21, c22, c23, store);
        StoreRow(c + 3L * ldc, 3, c30, c31, c32, c33, store);
    }

    private static void StoreRow(float* c, int row, float v0, float v1, float v2, float v3, in TileStore store)
    {
        store.Scalar(c, row, v0);
        store.Scalar(c + 1, row, v1);
        store.Scalar(c + 2, row, v2);
        store.Scalar(c + 3, row, v3);
    }
}
