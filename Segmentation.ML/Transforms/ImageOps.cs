using Segmentation.ML.Imaging;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Transforms;

/// <summary>Whole-image operations the transforms share.</summary>
internal static class ImageOps
{
    /// <summary>Bilinear resize of 8-bit RGB with PyTorch's align_corners=False sampling, rounded to the nearest byte.</summary>
    public static RgbImage ResizeBilinear(RgbImage image, int height, int width)
    {
        if (image.Height == height && image.Width == width) return image;
        var xs = LinearTaps.Create(image.Width, width);
        var ys = LinearTaps.Create(image.Height, height);
        var source = image.Pixels;
        var result = new byte[height * width * 3];
        for (int y = 0; y < height; y++)
        {
            int top = ys.Index0[y] * image.Width * 3, bottom = ys.Index1[y] * image.Width * 3;
            float wy0 = ys.Weight0[y], wy1 = ys.Weight1[y];
            for (int x = 0; x < width; x++)
            {
                int left = xs.Index0[x] * 3, right = xs.Index1[x] * 3;
                float wx0 = xs.Weight0[x], wx1 = xs.Weight1[x];
                for (int c = 0; c < 3; c++)
                {
                    float v = wy0 * (wx0 * source[top + left + c] + wx1 * source[top + right + c])
                            + wy1 * (wx0 * source[bottom + left + c] + wx1 * source[bottom + right + c]);
                    result[(y * width + x) * 3 + c] = (byte)Math.Clamp((int)MathF.Round(v), 0, 255);
                }
            }
        }
        return new RgbImage(width, height, result);
    }

    public static RgbImage Crop(RgbImage image, int top, int left, int height, int width, bool flip)
    {
        var result = new byte[height * width * 3];
        var source = image.Pixels;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int sx = left + (flip ? width - 1 - x : x);
                source.Slice(((top + y) * image.Width + sx) * 3, 3).CopyTo(result.AsSpan((y * width + x) * 3, 3));
            }
        return new RgbImage(width, height, result);
    }

    public static LabelMap Crop(LabelMap labels, int top, int left, int height, int width, bool flip)
    {
        var result = new byte[height * width];
        var source = labels.Labels;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                result[y * width + x] = source[(top + y) * labels.Width + left + (flip ? width - 1 - x : x)];
        return new LabelMap(width, height, result);
    }
}
