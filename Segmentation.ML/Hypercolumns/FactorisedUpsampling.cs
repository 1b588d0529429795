using Segmentation.ML.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Segmentation.ML.Hypercolumns;

/// <summary>
/// The dense first layer's second half: Z[c] = act(bias[c] + Σ_taps up(Q_tap[c])), each tap's projection
/// Q_tap [H1, h, w] upsampled bilinearly (align_corners=False) to the output grid, and its exact adjoint.
/// Channels are processed one at a time so each output plane is written once while it sits in cache.
/// </summary>
internal sealed class FactorisedUpsampling
{
    private readonly (int Height, int Width, LinearTaps Ys, LinearTaps Xs)[] taps;

    public FactorisedUpsampling(IReadOnlyList<(int Height, int Width)> tapSizes, int outHeight, int outWidth)
    {
        OutHeight = outHeight;
        OutWidth = outWidth;
        taps = tapSizes.Select(t => (t.Height, t.Width, LinearTaps.Create(t.Height, outHeight), LinearTaps.Create(t.Width, outWidth))).ToArray();
    }

    public int OutHeight { get; }

    public int OutWidth { get; }

    /// <summary>Z [channels, OutHeight·OutWidth] = relu?(bias + Σ up(projections[t])).</summary>
    public void Forward(IReadOnlyList<float[]> projections, ReadOnlySpan<float> bias, int channels, float[] z, bool relu)
    {
        int plane = OutHeight * OutWidth;
        var biasCopy = bias.ToArray();
        ParallelChannels(channels, (c, scratch) =>
        {
            var output = z.AsSpan(c * plane, plane);
            output.Fill(biasCopy[c]);
            for (int t = 0; t < taps.Length; t++)
            {
                var (h, w, ys, xs) = taps[t];
                var source = projections[t].AsSpan(c * h * w, h * w);
                if (h == OutHeight && w == OutWidth)
                {
                    TensorPrimitives.Add(output, source, output);
                    continue;
                }
                var rows = scratch.AsSpan(0, h * OutWidth);
                for (int y = 0; y < h; y++) xs.Interpolate(source.Slice(y * w, w), rows.Slice(y * OutWidth, OutWidth));
                for (int oy = 0; oy < OutHeight; oy++)
                {
                    var row = output.Slice(oy * OutWidth, OutWidth);
                    TensorPrimitives.MultiplyAdd(rows.Slice(ys.Index0[oy] * OutWidth, OutWidth), ys.Weight0[oy], row, row);
                    TensorPrimitives.MultiplyAdd(rows.Slice(ys.Index1[oy] * OutWidth, OutWidth), ys.Weight1[oy], row, row);
                }
            }
            if (relu) TensorPrimitives.Max(output, 0f, output);
        });
    }

    /// <summary>The adjoint: gradients[t] [channels, h·w] = upᵀ(dZ) per tap (overwritten).</summary>
    public void Backward(float[] dz, int channels, IReadOnlyList<float[]> gradients)
    {
        int plane = OutHeight * OutWidth;
        ParallelChannels(channels, (c, scratch) =>
        {
            var upstream = dz.AsSpan(c * plane, plane);
            for (int t = 0; t < taps.Length; t++)
            {
                var (h, w, ys, xs) = taps[t];
                var target = gradients[t].AsSpan(c * h * w, h * w);
                if (h == OutHeight && w == OutWidth)
                {
                    upstream.CopyTo(target);
                    continue;
                }
                var rows = scratch.AsSpan(0, h * OutWidth);
                rows.Clear();
                for (int oy = 0; oy < OutHeight; oy++)
                {
                    var g = upstream.Slice(oy * OutWidth, OutWidth);
                    var top = rows.Slice(ys.Index0[oy] * OutWidth, OutWidth);
                    TensorPrimitives.MultiplyAdd(g, ys.Weight0[oy], top, top);
                    var bottom = rows.Slice(ys.Index1[oy] * OutWidth, OutWidth);
                    TensorPrimitives.MultiplyAdd(g, ys.Weight1[oy], bottom, bottom);
                }
                target.Clear();
                for (int y = 0; y < h; y++) xs.AddAdjoint(rows.Slice(y * OutWidth, OutWidth), target.Slice(y * w, w));
            }
        });
    }

    private void ParallelChannels(int channels, Action<int, float[]> body)
    {
        int scratchLength = taps.Length == 0 ? 0 : taps.Max(t => t.Height) * OutWidth;
        int threads = Math.Min(TensorKernels.MaxDegreeOfParallelism, channels);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var scratch = new float[scratchLength];
            for (int c = channels * t / threads; c < channels * (t + 1) / threads; c++) body(c, scratch);
        });
    }
}
