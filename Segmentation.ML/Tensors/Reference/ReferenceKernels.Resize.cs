namespace Segmentation.ML.Tensors.Reference;

internal static partial class ReferenceKernels
{
    public static void Bilinear(ReadOnlySpan<float> input, int planes, int inH, int inW, Span<float> output, int outH, int outW)
    {
        float scaleY = (float)inH / outH, scaleX = (float)inW / outW;
        for (int p = 0; p < planes; p++)
        for (int oy = 0; oy < outH; oy++)
        {
            var (y0, y1, wy) = LinearTaps.Source(oy, inH, scaleY);
            for (int ox = 0; ox < outW; ox++)
            {
                var (x0, x1, wx) = LinearTaps.Source(ox, inW, scaleX);
                double top = (1.0 - wx) * input[(p * inH + y0) * inW + x0] + (double)wx * input[(p * inH + y0) * inW + x1];
                double bottom = (1.0 - wx) * input[(p * inH + y1) * inW + x0] + (double)wx * input[(p * inH + y1) * inW + x1];
                output[(p * outH + oy) * outW + ox] = (float)((1.0 - wy) * top + wy * bottom);
            }
        }
    }

    public static void BilinearBackward(ReadOnlySpan<float> gradOut, int planes, int outH, int outW, Span<float> gradIn, int inH, int inW)
    {
        float scaleY = (float)inH / outH, scaleX = (float)inW / outW;
        var sums = new double[gradIn.Length];
        for (int p = 0; p < planes; p++)
        for (int oy = 0; oy < outH; oy++)
        {
            var (y0, y1, wy) = LinearTaps.Source(oy, inH, scaleY);
            for (int ox = 0; ox < outW; ox++)
            {
                var (x0, x1, wx) = LinearTaps.Source(ox, inW, scaleX);
                double g = gradOut[(p * outH + oy) * outW + ox];
                sums[(p * inH + y0) * inW + x0] += (1.0 - wy) * (1.0 - wx) * g;
                sums[(p * inH + y0) * inW + x1] += (1.0 - wy) * wx * g;
                sums[(p * inH + y1) * inW + x0] += wy * (1.0 - wx) * g;
                sums[(p * inH + y1) * inW + x1] += wy * wx * g;
            }
        }
        for (int i = 0; i < sums.Length; i++) gradIn[i] = (float)sums[i];
    }
}
