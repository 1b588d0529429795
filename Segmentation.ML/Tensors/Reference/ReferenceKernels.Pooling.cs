namespace Segmentation.ML.Tensors.Reference;

internal static partial class ReferenceKernels
{
    public static void MaxPool2x2(ReadOnlySpan<float> input, int planes, int height, int width, Span<float> output)
    {
        int oh = height / 2, ow = width / 2;
        for (int p = 0; p < planes; p++)
        for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
        {
            float best = float.NegativeInfinity;
            for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                float v = input[(p * height + 2 * y + dy) * width + 2 * x + dx];
                if (float.IsNaN(v) || v > best) best = v;
                if (float.IsNaN(best)) break;
            }
            output[(p * oh + y) * ow + x] = best;
        }
    }
}
