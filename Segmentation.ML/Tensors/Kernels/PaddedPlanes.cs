using System.Runtime.CompilerServices;
namespace Segmentation.ML.Tensors.Kernels;

/// <summary>
/// Feature maps stored with a one-pixel zero border, plane after plane: row stride W + 2, plane stride
/// (H + 2)·(W + 2), plus slack at the end so that whole-tile reads past the last plane stay in bounds.
/// A 3×3 stride-1 convolution reads this layout in place and writes its output in it directly, so a
/// chain of convolutions and poolings never re-pads.
/// </summary>
internal sealed unsafe class PaddedPlanes : IDisposable
{
    private const int Slack = 128;
    private float[]? buffer;

    public PaddedPlanes(int channels, int height, int width)
    {
        Channels = channels;
        Height = height;
        Width = width;
        buffer = TensorPool.Shared.Rent(checked(channels * PlaneStride + Slack));
        new Span<float>(buffer, channels * PlaneStride, Slack).Clear();
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int RowStride => Width + 2;
    public int PlaneStride => (Height + 2) * (Width + 2);

    public float[] Buffer => buffer ?? throw new ObjectDisposedException(nameof(PaddedPlanes));

    /// <summary>Index of interior pixel (c, y, x).</summary>
    public int IndexOf(int c, int y, int x) => c * PlaneStride + (y + 1) * RowStride + x + 1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PaddedPlanes FromNchw(ReadOnlySpan<float> image, int channels, int height, int width)
    {
        var planes = new PaddedPlanes(channels, height, width);
        var dst = planes.Buffer.AsSpan();
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                image.Slice((c * height + y) * width, width).CopyTo(dst.Slice(planes.IndexOf(c, y, 0), width));
        planes.ZeroBorders();
        return planes;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void CopyTo(Span<float> image)
    {
        var src = Buffer.AsSpan();
        for (int c = 0; c < Channels; c++)
            for (int y = 0; y < Height; y++)
                src.Slice(IndexOf(c, y, 0), Width).CopyTo(image.Slice((c * Height + y) * Width, Width));
    }

    /// <summary>Zeroes the top and bottom rows and the left and right columns of every plane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ZeroBorders()
    {
        var span = Buffer.AsSpan();
        int rs = RowStride;
        for (int c = 0; c < Channels; c++)
        {
            var plane = span.Slice(c * PlaneStride, PlaneStride);
            plane.Slice(0, rs).Clear();
            plane.Slice((Height + 1) * rs, rs).Clear();
            for (int y = 1; y <= Height; y++)
            {
                plane[y * rs] = 0f;
                plane[y * rs + rs - 1] = 0f;
            }
        }
    }

    public void Dispose()
    {
        var owned = Interlocked.Exchange(ref buffer, null);
        if (owned is not null) TensorPool.Shared.Return(owned);
    }
}
