namespace Segmentation.ML.Tensors.Reference;

internal static partial class ReferenceKernels
{
    /// <summary>The textbook loop over (n, co, oy, ox, ci, kh, kw), accumulated in float64.</summary>
    public static void Conv2d(in Conv2dShape s, ReadOnlySpan<float> input, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, FusedActivation activation)
    {
        int inPerGroup = s.InChannels / s.Groups;
        int outPerGroup = s.OutChannels / s.Groups;
        int ks = s.KernelSize;
        for (int n = 0; n < s.Batch; n++)
        for (int co = 0; co < s.OutChannels; co++)
        {
            int group = co / outPerGroup;
            for (int oy = 0; oy < s.OutHeight; oy++)
            for (int ox = 0; ox < s.OutWidth; ox++)
            {
                double sum = bias.IsEmpty ? 0 : bias[co];
                for (int ciLocal = 0; ciLocal < inPerGroup; ciLocal++)
                {
                    int ci = group * inPerGroup + ciLocal;
                    for (int kh = 0; kh < ks; kh++)
                    {
                        int iy = oy * s.Stride - s.Padding + kh;
                        if ((uint)iy >= (uint)s.Height) continue;
                        for (int kw = 0; kw < ks; kw++)
                        {
                            int ix = ox * s.Stride - s.Padding + kw;
                            if ((uint)ix >= (uint)s.Width) continue;
                            double x = input[((n * s.InChannels + ci) * s.Height + iy) * s.Width + ix];
                            double w = weights[((co * inPerGroup + ciLocal) * ks + kh) * ks + kw];
                            sum += x * w;
                        }
                    }
                }
                output[((n * s.OutChannels + co) * s.OutHeight + oy) * s.OutWidth + ox] = Activate(sum, activation);
            }
        }
    }
}
