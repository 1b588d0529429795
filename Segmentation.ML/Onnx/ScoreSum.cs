using System.Numerics.Tensors;

namespace Segmentation.ML.Onnx;

/// <summary>
/// Sums grids of class scores at an image's size for test-time augmentation: each [C, h, w] grid (of the image at
/// some scale, or of its mirror, flipped back) is resized bilinearly to [C, H, W] — PyTorch's align_corners=False,
/// as the graph resizes its own scores — and added; the label of a pixel is the class of highest sum.
/// </summary>
internal sealed class ScoreSum(int classes, int height, int width)
{
    private readonly float[] sum = new float[classes * height * width];
    private readonly float[] resized = new float[classes * height * width];

    /// <summary>Adds one grid of scores; <paramref name="mirrored"/> grids are flipped back left to right first.</summary>
    public void Add(ReadOnlySpan<float> grid, int gridHeight, int gridWidth, bool mirrored)
    {
        var scores = mirrored ? Mirror(grid.ToArray(), gridWidth) : grid;
        Tensors.Resize.Bilinear(scores, classes, gridHeight, gridWidth, resized, height, width);
        TensorPrimitives.Add(sum, resized, sum);
    }

    /// <summary>The arg-max of the sum at each pixel.</summary>
    public byte[] Labels()
    {
        var labels = new byte[height * width];
        Tensors.ChannelOps.Argmax(sum, classes, labels);
        return labels;
    }

    /// <summary>Rows of <paramref name="width"/> values reversed, in place; returns <paramref name="planes"/>.</summary>
    public static float[] Mirror(float[] planes, int width)
    {
        for (int row = 0; row < planes.Length / width; row++) planes.AsSpan(row * width, width).Reverse();
        return planes;
    }
}
