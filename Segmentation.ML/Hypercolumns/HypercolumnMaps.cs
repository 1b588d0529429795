using Segmentation.ML.Data;
using Segmentation.ML.Models;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Hypercolumns;

/// <summary>
/// The hypercolumns of one image, kept factorised: each tap's activation at its own resolution. The
/// hypercolumn of output-grid cell (y, x) is the concatenation, over taps, of the tap bilinearly
/// upsampled to the output grid (PyTorch's <c>align_corners=False</c>) at that cell. <see cref="Sample"/>
/// interpolates only the cells asked for; <see cref="ToTensor"/> materialises the whole [Z, H/s, W/s] map.
/// </summary>
public sealed class HypercolumnMaps : IDisposable
{
    private readonly BackboneFeatures features;

    internal HypercolumnMaps(BackboneFeatures features, int imageHeight, int imageWidth, int outputStride)
    {
        this.features = features;
        ImageHeight = imageHeight;
        ImageWidth = imageWidth;
        OutputStride = outputStride;
        OutputHeight = (imageHeight + outputStride - 1) / outputStride;
        OutputWidth = (imageWidth + outputStride - 1) / outputStride;
        Channels = features.Maps.Sum(m => m.Tap.Channels);
    }

    /// <summary>The taps in order, each with its activation [C, h, w].</summary>
    public IReadOnlyList<(BackboneTap Tap, Tensor Map)> Taps => features.Maps;

    /// <summary>Height of the input image.</summary>
    public int ImageHeight { get; }

    /// <summary>Width of the input image.</summary>
    public int ImageWidth { get; }

    /// <summary>Image pixels per output-grid cell along each axis (1, 2 or 4).</summary>
    public int OutputStride { get; }

    /// <summary>⌈image height / stride⌉.</summary>
    public int OutputHeight { get; }

    /// <summary>⌈image width / stride⌉.</summary>
    public int OutputWidth { get; }

    /// <summary>Z: the length of one hypercolumn (the taps' channels summed).</summary>
    public int Channels { get; }

    /// <summary>The hypercolumns of the left–right mirrored image, when test-time flipping was asked for; else null.</summary>
    public HypercolumnMaps? Mirrored { get; internal set; }

    /// <summary>
    /// Writes the hypercolumns of the given output-grid cells, one after another (Z values each), into
    /// <paramref name="destination"/>, interpolating each tap at just those cells.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A cell lies outside the output grid.</exception>
    /// <exception cref="TensorShapeException">The destination is not cells × Z long.</exception>
    public void Sample(ReadOnlySpan<(int Y, int X)> cells, Span<float> destination)
    {
        if (destination.Length != (long)cells.Length * Channels)
            throw new TensorShapeException($"{cells.Length} hypercolumns of {Channels} values need {(long)cells.Length * Channels} floats; the destination has {destination.Length}.", nameof(destination));
        int offset = 0;
        foreach (var (tap, map) in Taps)
        {
            int c = map.Dim(0), h = map.Dim(1), w = map.Dim(2);
            float scaleY = (float)h / OutputHeight, scaleX = (float)w / OutputWidth;
            var values = map.Span;
            for (int i = 0; i < cells.Length; i++)
            {
                var (y, x) = cells[i];
                if ((uint)y >= (uint)OutputHeight || (uint)x >= (uint)OutputWidth)
                    throw new ArgumentOutOfRangeException(nameof(cells), $"Cell ({y}, {x}) is outside the {OutputHeight}×{OutputWidth} output grid.");
                var (y0, y1, wy) = LinearTaps.Source(y, h, scaleY);
                var (x0, x1, wx) = LinearTaps.Source(x, w, scaleX);
                var target = destination.Slice(i * Channels + offset, c);
                int i00 = y0 * w + x0, i01 = y0 * w + x1, i10 = y1 * w + x0, i11 = y1 * w + x1, plane = h * w;
                for (int k = 0; k < c; k++)
                {
                    int b = k * plane;
                    target[k] = (1 - wy) * ((1 - wx) * values[b + i00] + wx * values[b + i01]) + wy * ((1 - wx) * values[b + i10] + wx * values[b + i11]);
                }
            }
            offset += c;
        }
    }

    /// <summary>The whole hypercolumn map [Z, OutputHeight, OutputWidth], each tap upsampled bilinearly.</summary>
    public Tensor ToTensor()
    {
        var result = Tensor.Uninitialized([Channels, OutputHeight, OutputWidth]);
        int offset = 0, plane = OutputHeight * OutputWidth;
        foreach (var (_, map) in Taps)
        {
            int c = map.Dim(0);
            Resize.Bilinear(map.Span, c, map.Dim(1), map.Dim(2), result.Span.Slice(offset * plane, c * plane), OutputHeight, OutputWidth);
            offset += c;
        }
        return result;
    }

    /// <summary>Releases the tap activations.</summary>
    public void Dispose()
    {
        features.Dispose();
        Mirrored?.Dispose();
    }
}

